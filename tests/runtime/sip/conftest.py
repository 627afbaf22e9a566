"""A runtime answering SIP on loopback, on the flows below, for the SIP tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime.config import RuntimeConfig
from runtime.server.service import Service
from runtime.sip.call import SipCall
from runtime.sip.run import SipAdapter, SipAddress
from tests.runtime.bank_server import Bank
from tests.runtime.sip.phone import Phone

#: A menu that plays, records, transfers and hangs up: what a PBX's callers do.
DESK = """\
flow desk {
  title = "Front desk"
  languages = [en-US]
  start -> welcome
}

var voicemail: string = ""

play welcome {
  prompt { text { en-US = "Welcome to the front desk." } }
  next -> main
}

menu main {
  prompt { text { en-US = "For opening hours press one. To leave a message press two. For reception press zero." } }
  choices = [
    { key = "1", next -> hours },
    { key = "2", next -> message },
    { key = "0", next -> reception },
  ]
  timeout = 2
  retries = 1
  exhausted -> goodbye
}

play hours {
  prompt { text { en-US = "We are open from nine to five." } }
  next -> goodbye
}

record message {
  prompt { text { en-US = "Leave a message after the tone." } }
  variable = voicemail
  max_length = 5
  silence_timeout = 1
  next -> thanks
  no_audio -> goodbye
}

play thanks {
  prompt { text { en-US = "Thank you, we got your message." } }
  next -> goodbye
}

transfer reception {
  number = "1000"
  failure -> goodbye
}

hangup goodbye {
  prompt { text { en-US = "Goodbye." } }
}
"""


@dataclass
class SipWorld:
    service: Service
    adapter: SipAdapter
    address: tuple[str, int]
    recordings: Path

    def phone(self, *, answer_refer: int = 202) -> Phone:
        return Phone(self.address, answer_refer=answer_refer)

    def call_of(self, call_id: str) -> SipCall:
        dialog = self.adapter.server.dialogs[call_id]
        assert dialog.call is not None
        return dialog.call


#: A flow whose first step waits on a business system: the call rings until it answers.
SLOW = """\
flow slow {
  languages = [en-US]
  start -> lookup
}

http lookup {
  method = GET
  url = "BANK/slow"
  timeout = 8
  next -> hello
  error -> hello
}

hangup hello {
  prompt { text { en-US = "Hello." } }
}
"""


@pytest.fixture
def sip_world(tmp_path: Path, bank: Bank) -> Iterator[SipWorld]:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "desk.flow").write_text(DESK, encoding="utf-8")
    (flows / "slow.flow").write_text(SLOW.replace("BANK", bank.url("")), encoding="utf-8")
    config = RuntimeConfig(
        flows=str(flows),
        prompts=str(tmp_path / "prompts"),
        recordings=str(tmp_path / "recordings"),
        users=str(tmp_path / "users.json"),
        audit=str(tmp_path / "audit.jsonl"),
        http_allow=("127.0.0.1",),
    )
    service = Service.open(config, watch=False)
    adapter = SipAdapter(service, SipAddress("127.0.0.1", 0), threads=4)
    service.sip = adapter
    adapter.start()
    assert adapter.listening, "the SIP adapter did not start"
    host, port = adapter.listening.rsplit(":", 1)
    yield SipWorld(service, adapter, (host, int(port)), tmp_path / "recordings")
    service.close()
