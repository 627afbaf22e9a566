"""The fault-injection suite's report: each fault tried and what it cost, after the tests."""

from __future__ import annotations

import pytest

from tests.faults.harness import Report

REPORT = Report()


@pytest.fixture
def report() -> Report:
    return REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT.tallies:
        terminalreporter.section("faults injected")
        for line in REPORT.lines():
            terminalreporter.write_line(line)
