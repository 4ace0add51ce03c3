"""Per-notebook run time under nbval: a "notebook times" table in pytest's terminal summary.

(A root conftest, loaded for every pytest run in this repository; it defines only hooks, no
names for tests to import: tests import their helpers from tests/conftest.py.)

nbval makes one test item per code cell (node ids like ``notebooks/00_x.ipynb::Cell 3``);
the kernel starts in the first item's setup and stops in the last item's teardown, so the
sum of setup, call and teardown durations of a notebook's items is its full run time,
kernel start included. Budgets: in quick mode (``CNNVIZ_QUICK=1``, CI) each notebook
under 60 s and the whole course under 10 minutes on 2 CPU cores; in full mode (what
students see, ``make test-full``) each notebook under 3 minutes. The table flags any
notebook or total over budget.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

# Every notebook run under pytest (nbval, nbclient) stops at a check cell whose claim fails;
# students' kernels instead print one line (cnnviz_lab.core.check_cells).
os.environ.setdefault("CNNVIZ_STRICT_CHECKS", "1")
_QUICK = os.environ.get("CNNVIZ_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}
NOTEBOOK_BUDGET_S = 60.0 if _QUICK else 180.0
COURSE_BUDGET_S = 600.0 if _QUICK else float("inf")

_times: dict[str, float] = defaultdict(float)
_failed: set[str] = set()


def _notebook(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".ipynb") else None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    name = _notebook(report.nodeid)
    if name is None:
        return
    _times[name] += report.duration
    if report.failed:
        _failed.add(name)


def notebook_times_table(times: dict[str, float], failed: set[str] = frozenset()) -> list[str]:
    """Lines of the table: one per notebook (seconds, flags), then the total."""
    width = max(len(n) for n in times)
    lines = []
    for name in sorted(times):
        flags = []
        if times[name] > NOTEBOOK_BUDGET_S:
            flags.append(f"over the {NOTEBOOK_BUDGET_S:.0f} s budget")
        if name in failed:
            flags.append("FAILED")
        lines.append(f"{name:<{width}}  {times[name]:7.1f} s  {', '.join(flags)}".rstrip())
    total = sum(times.values())
    note = f"  over the {COURSE_BUDGET_S / 60:.0f}-minute course budget" if total > COURSE_BUDGET_S else ""
    lines.append(f"{'total (' + str(len(times)) + ' notebooks)':<{width}}  {total:7.1f} s{note}")
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _times:
        return
    terminalreporter.write_sep("=", f"notebook times ({'quick' if _QUICK else 'full'} mode)")
    for line in notebook_times_table(dict(_times), _failed):
        terminalreporter.write_line(line)
