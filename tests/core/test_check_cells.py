"""Check cells: in a student's kernel a failed claim prints one line naming the check; under
the course's tests and builds (CNNVIZ_STRICT_CHECKS=1) it raises as usual."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

import cnnviz_lab as cv
from cnnviz_lab.core import check_cells


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    yield ip
    ip.set_custom_exc((), None)


def test_strict_runs_keep_the_traceback(shell, monkeypatch, capsys):
    monkeypatch.setenv("CNNVIZ_STRICT_CHECKS", "1")
    assert cv.soften_check_cells(shell) is False
    result = shell.run_cell("# the answer is 42\nassert 41 == 42")
    assert isinstance(result.error_in_exec, AssertionError)
    assert "Check not met" not in capsys.readouterr().out


def test_a_failed_check_cell_prints_one_line_naming_it(shell, monkeypatch, capsys):
    monkeypatch.delenv("CNNVIZ_STRICT_CHECKS", raising=False)
    assert cv.soften_check_cells(shell) is True
    shell.run_cell("# The worst square is on the guitar\nvalue = 0.3\nassert value > 0.5")
    out = capsys.readouterr().out
    assert out.startswith("Check not met in this run: The worst square is on the guitar.")
    assert "Traceback" not in out and "AssertionError" not in out
    shell.run_cell("assert 1 == 2")
    assert "Check not met in this run: a check of the numbers quoted in the text." in capsys.readouterr().out


def test_other_errors_and_asserts_inside_functions_keep_their_traceback(shell, monkeypatch, capsys):
    monkeypatch.delenv("CNNVIZ_STRICT_CHECKS", raising=False)
    cv.soften_check_cells(shell)
    shell.run_cell("def f():\n    assert False, 'inside a function'\nf()")
    shell.run_cell("1 / 0")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "inside a function" in text and "ZeroDivisionError" in text and "Check not met" not in text


def test_outside_ipython_nothing_is_installed(monkeypatch):
    monkeypatch.delenv("CNNVIZ_STRICT_CHECKS", raising=False)
    assert check_cells.soften_check_cells(object()) is False


def test_set_quick_switches_quick_mode(monkeypatch):
    monkeypatch.delenv("CNNVIZ_QUICK", raising=False)
    cv.config.set_quick()
    assert cv.quick() and cv.config.pick(1, 2) == 2
    cv.config.set_quick(False)
    assert not cv.quick()
    with pytest.raises(TypeError, match="on must be True or False"):
        cv.config.set_quick("yes")
