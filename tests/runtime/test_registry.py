"""The registry: deploys, refusals, rollbacks, pins, unloading, and deploys heard from others."""

from __future__ import annotations

from collections import Counter

import pytest

from runtime.errors import UnknownFlow
from runtime.registry import DEPLOYED, REFUSED, ROLLED_BACK, UNCHANGED, Registry
from runtime.store.memory import MemoryDeployBackend
from tests.runtime.flows import broken, greeting, loaded


@pytest.fixture
def registry() -> Registry:
    return Registry(MemoryDeployBackend())


def prompt_of(registry: Registry, flow: str = "hello") -> str:
    main = registry.current(flow).states["main"]
    return main.params["prompt"]["text"]["en-US"].source  # type: ignore[index,union-attr]


def test_a_good_deploy_becomes_current_and_is_logged(registry: Registry) -> None:
    result = registry.deploy(loaded(greeting("Hi")), who="ana")
    assert result.ok and result.result == DEPLOYED and result.previous is None
    assert registry.current("hello").version == result.version
    (record,) = registry.log("hello")
    assert record["who"] == "ana" and record["version"] == result.version
    assert str(record["when"]).endswith("+00:00")  # ISO time, UTC


def test_a_broken_deploy_is_refused_with_its_diagnostics_and_the_live_version_stays(
    registry: Registry,
) -> None:
    good = registry.deploy(loaded(greeting("Hi")))
    refused = registry.deploy(loaded(broken()), who="bob")
    assert not refused.ok and refused.result == REFUSED
    assert any("nowhere" in d.message for d in refused.diagnostics)
    assert registry.current("hello").version == good.version
    newest = registry.log("hello")[0]
    assert newest["result"] == REFUSED and newest["errors"] and newest["who"] == "bob"


def test_a_schema_error_refuses_the_deploy_with_every_other_finding_listed_too(
    registry: Registry,
) -> None:
    """The linter reads the rest of a flow with a misspelt field; the deploy still refuses it,
    and the live version stays."""
    good = registry.deploy(loaded(greeting("Hi")))
    data = greeting("Hi")
    data["nodes"]["echo"]["nxt"] = data["nodes"]["echo"].pop("next")  # type: ignore[index]
    data["nodes"]["main"]["exhausted"] = "byee"  # type: ignore[index]
    refused = registry.deploy(loaded(data))
    assert refused.result == REFUSED and refused.version is None
    assert [(d.code, d.pointer) for d in refused.diagnostics] == [
        ("SCE002", "/nodes/echo/nxt"),
        ("SCE102", "/nodes/main/exhausted"),
        ("SCE301", "/nodes/main"),  # a warning: the menu has no timeout
    ]
    assert registry.current("hello").version == good.version


def test_deploying_the_same_flow_again_changes_nothing(registry: Registry) -> None:
    first = registry.deploy(loaded(greeting("Hi")))
    again = registry.deploy(loaded(greeting("Hi")))
    assert again.result == UNCHANGED and again.version == first.version


def test_rollback_to_the_previous_and_to_a_named_version(registry: Registry) -> None:
    v1 = registry.deploy(loaded(greeting("One"))).version
    v2 = registry.deploy(loaded(greeting("Two"))).version
    registry.deploy(loaded(greeting("Three")))
    back = registry.rollback("hello", who="ops")
    assert back.result == ROLLED_BACK and back.version == v2
    assert prompt_of(registry).startswith("Two")
    assert registry.rollback("hello", v1[:10]).version == v1  # a prefix, as copied from the log
    assert prompt_of(registry).startswith("One")
    with pytest.raises(UnknownFlow):
        registry.rollback("hello", "0000")
    with pytest.raises(UnknownFlow):
        registry.rollback("nobody")


def test_unused_old_versions_are_unloaded_but_can_always_be_loaded_again(
    registry: Registry,
) -> None:
    old = registry.deploy(loaded(greeting("Old"))).version
    new = registry.deploy(loaded(greeting("New"))).version
    assert registry.release(Counter({old: 1})) == []  # a call still uses it
    assert registry.release(Counter()) == [old]
    assert registry.loaded_versions() == {new}
    assert registry.get(old).version == old  # from the archive, checked against its hash


def test_a_call_pins_the_current_versions_of_its_subflows(registry: Registry) -> None:
    child = greeting("Child", flow="child")
    parent = greeting("Parent", flow="parent")
    parent["nodes"]["echo"] = {"type": "subflow", "flow": "child", "next": "main"}  # type: ignore[index]
    child_version = registry.deploy(loaded(child)).version
    registry.deploy(loaded(parent))
    assert registry.pins(registry.current("parent")) == {"child": child_version}


def test_registries_sharing_a_backend_hear_each_others_deploys() -> None:
    backend = MemoryDeployBackend()
    one, two = Registry(backend), Registry(backend)
    two.listen()
    result = one.deploy(loaded(greeting("Shared")))
    assert two.current("hello").version == result.version
    late = Registry(backend)  # started after the deploy: reads the stored current version
    assert late.current("hello").version == result.version


def test_a_flow_deployed_by_two_processes_at_once_is_deployed_once() -> None:
    backend = MemoryDeployBackend()
    one, two = Registry(backend), Registry(backend)  # two has not heard of one's deploy
    first = one.deploy(loaded(greeting("Both")))
    second = two.deploy(loaded(greeting("Both")))
    assert (first.result, second.result) == (DEPLOYED, UNCHANGED)
    assert second.previous == first.version
    assert [r["result"] for r in backend.log("hello")] == [UNCHANGED, DEPLOYED]


def test_observers_hear_every_deploy_refused_ones_too(registry: Registry) -> None:
    heard: list[str] = []
    registry.observers.append(lambda result: heard.append(result.result))
    registry.deploy(loaded(greeting("Hi")))
    registry.deploy(loaded(broken()))
    assert heard == [DEPLOYED, REFUSED]


def test_an_observer_that_fails_does_not_undo_the_deploy(
    registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("metrics are down")

    registry.observers.append(broken)
    result = registry.deploy(loaded(greeting("Still")))
    assert result.ok and registry.current("hello").version == result.version
    assert "observer of the deploy of hello failed" in caplog.text


def test_a_draft_staged_for_a_test_call_cannot_be_rolled_back_to(registry: Registry) -> None:
    live = registry.deploy(loaded(greeting("Live")))
    staged = registry.stage(loaded(greeting("Unreviewed draft")))
    assert staged.compiled is not None
    assert registry.current("hello").version == live.version, "staging changes nothing live"
    with pytest.raises(UnknownFlow, match="never deployed"):
        registry.rollback("hello", staged.compiled.version)
    assert registry.current("hello").version == live.version


def test_a_staged_draft_is_forgotten_a_while_after_its_test_calls_unless_deployed() -> None:
    """Every edit tested is a draft of its own: archived for good, they would fill the store."""
    now = [0.0]
    backend = MemoryDeployBackend(clock=lambda: now[0])
    registry = Registry(backend)
    tested = registry.stage(loaded(greeting("Tested, then dropped"))).compiled
    shipped = registry.stage(loaded(greeting("Tested, then deployed"))).compiled
    assert tested is not None and shipped is not None
    registry.deploy(loaded(greeting("Tested, then deployed")))
    now[0] += registry.staged_ttl + 1
    later = Registry(backend)  # a process that never held them
    with pytest.raises(UnknownFlow):
        later.get(tested.version)
    assert later.get(shipped.version).version == shipped.version
