"""The API's bounded cache (`sce.api.memo`): an answer is worked out once per key, an answer of
None counts too, and the least recently used goes first when it is full."""

from __future__ import annotations

from sce.api.memo import Memo


def test_answers_are_worked_out_once_and_the_least_recently_used_goes_first() -> None:
    memo: Memo[str, int | None] = Memo(limit=2)
    worked: list[str] = []

    def work(key: str, value: int | None) -> int | None:
        return memo.get(key, lambda: worked.append(key) or value)

    assert work("a", 1) == 1 and work("b", None) is None
    assert work("a", 9) == 1 and work("b", 9) is None  # kept, None included
    work("c", 3)  # "a" was used last before "b": "a" goes
    assert work("b", 9) is None and work("a", 7) == 7
    assert worked == ["a", "b", "c", "a"] and memo.misses == 4 and len(memo) == 2
