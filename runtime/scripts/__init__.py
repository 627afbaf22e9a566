"""Call scripts: a phone call written down as what the caller does and what they should notice,
run against the simulator. Analysts write them next to their flows (`flows/*.calls.yaml`) so a
changed flow that breaks a call is caught by `sce call --script` before it is deployed:

    flow: balance
    caller: "+15551230000"
    at: 2026-11-23T10:00:00-05:00
    http:
      "GET https://core.bank.example/*": {json: {balance: {amount: 12.5, currency: USD}}}
    steps:
      - hear: Welcome to Example Bank      # a prompt of this turn contains it
      - press: "1"                         # the caller acts: a new turn starts
      - hear: Your balance is 12.5 USD
      - sms: your balance is 12.5
      - path: [lookup, read_balance]
      - ended: true

A file holds one call like this, or several under `calls:` (the keys above the list are the
defaults of every call in it). Expectations look at the current *turn*: what the flow did since
the caller's last action (the first turn is the call's start). Every step remembers its line, so
a failure names `file:line`, and a malformed script is refused with `file:line` too.

The same vocabulary drives the interactive console (`parse_reply`: one typed line is one caller
step) and says in words what a call waits for (`describe_wait`).

The modules: `steps` (the vocabulary and the script as data), `load` (reading files), `checks`
(the expectations), `run` (running on a simulator), `waits` (what a call waits for), `replies`
(the console's typed lines). Errors are `runtime.errors.ScriptError` and `runtime.errors.Mismatch`.
"""

from runtime.scripts.load import load_script, load_stubs, script_files
from runtime.scripts.replies import REPLY_HELP, parse_reply
from runtime.scripts.run import CallResult, Failure, perform, run_script
from runtime.scripts.steps import Script, ScriptCall, Step
from runtime.scripts.waits import Wait, describe_wait, end_reason

__all__ = [
    "REPLY_HELP",
    "CallResult",
    "Failure",
    "Script",
    "ScriptCall",
    "Step",
    "Wait",
    "describe_wait",
    "end_reason",
    "load_script",
    "load_stubs",
    "parse_reply",
    "perform",
    "run_script",
    "script_files",
]
