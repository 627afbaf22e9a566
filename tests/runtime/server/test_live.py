"""What the flow list shows as live (`runtime.server.live`): the version new calls get, with who
made it live and when, from the deploy log."""

from __future__ import annotations

from runtime.registry import Registry
from runtime.server.live import SLICES, RegistryLive
from runtime.store.memory import MemoryDeployBackend
from sce.api.live import Live
from tests.runtime.flows import greeting, loaded


def test_the_live_version_is_named_with_who_deployed_it_and_from_which_revision() -> None:
    registry = Registry(MemoryDeployBackend())
    live = RegistryLive(registry)
    assert live.live() == {}
    first = registry.deploy(loaded(greeting("Hi")), who="ana", revision=3)
    registry.deploy(loaded(greeting("Bye", flow="other")), who="bo")
    [hello] = [v for f, v in live.live().items() if f == "hello"]
    assert (hello.version, hello.who, hello.when, hello.revision) == (
        first.version,
        "ana",
        first.when,
        3,
    )
    assert hello.digest == first.digest
    assert live.live()["other"].revision is None  # deployed from elsewhere


def test_a_rollback_is_live_from_when_it_was_made_with_the_revision_first_deployed() -> None:
    registry = Registry(MemoryDeployBackend())
    live = RegistryLive(registry)
    first = registry.deploy(loaded(greeting("Hi")), who="ana", revision=1)
    second = registry.deploy(loaded(greeting("Hello")), who="ana", revision=2)
    assert live.live()["hello"].version == second.version
    back = registry.rollback("hello", who="dan")
    now = live.live()["hello"]
    assert (now.version, now.who, now.when, now.revision) == (first.version, "dan", back.when, 1)


def test_deploying_the_live_version_again_does_not_change_who_made_it_live() -> None:
    registry = Registry(MemoryDeployBackend())
    first = registry.deploy(loaded(greeting("Hi")), who="ana")
    again = registry.deploy(loaded(greeting("Hi")), who="bo")
    assert again.result == "unchanged"
    assert RegistryLive(registry).live()["hello"].who == "ana" == first.who


def test_a_flow_deployed_long_ago_is_found_beyond_the_first_slice_of_the_log() -> None:
    registry = Registry(MemoryDeployBackend())
    old = registry.deploy(loaded(greeting("Hi", flow="old")), who="ana")
    for i in range(SLICES[0] + 5):
        registry.deploy(loaded(greeting(f"Hi {i}")), who="bo")
    found = RegistryLive(registry).live()
    assert found["old"] == Live(old.version, old.when, "ana", None, old.digest)
    assert found["hello"].who == "bo"
