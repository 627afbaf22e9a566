"""The flow's error policy, for when its engine cannot run it: the handler's words, then its
transfer for good; or sorry and goodbye."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.fallback import error_policy
from runtime.prompts import PUT_THROUGH
from runtime.registry import Registry
from runtime.store.memory import MemoryDeployBackend
from runtime.watch import deploy_folder

FLOWS = Path(__file__).resolve().parents[2] / "flows"


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry(MemoryDeployBackend())
    assert all(result.ok for result in deploy_folder(registry, FLOWS))
    return registry


def test_the_error_policy_says_the_handlers_words_then_transfers(registry: Registry) -> None:
    plays, transfer = error_policy(registry.current("balance"), {})
    assert [p.text for p in plays] == [
        "Sorry, we cannot look that up right now. Let me find someone to help you."
    ]
    assert transfer is not None and (transfer.queue, transfer.skills) == ("general", ("banking",))


def test_a_handler_that_transfers_at_once_gets_an_apology_first(registry: Registry) -> None:
    values = {"language": "zh-CN", "tier": "vip", "summary": "main: pressed 0"}
    plays, transfer = error_policy(registry.current("agent_queue"), values)
    assert [p.text for p in plays] == [PUT_THROUGH["zh"]]
    assert transfer is not None and transfer.priority == 10
    assert transfer.attach == {"summary": "main: pressed 0", "tier": "vip"}


def test_a_flow_without_an_error_handler_says_sorry_and_goodbye(registry: Registry) -> None:
    plays, transfer = error_policy(registry.current("retries"), {})
    assert transfer is None
    assert plays[0].text.startswith("Sorry, we cannot continue this call right now.")
