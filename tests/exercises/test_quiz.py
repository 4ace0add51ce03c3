"""Predict-then-run questions: the checker, the registry and the builder's cells."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cnnviz_lab as cv
from cnnviz_lab.exercises.quiz import Question, QUESTIONS, check_choice, register

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def toy_question():
    q = register(
        Question(
            "toy-question",
            "Which is larger?",
            {"a": "1", "b": "2", "c": "3"},
            "c",
            "3 is the largest.",
            {"a": "1 is the smallest.", "b": "2 is in the middle."},
        )
    )
    yield q
    QUESTIONS.pop("toy-question", None)


def test_right_wrong_and_unanswered(toy_question, capsys):
    assert check_choice("toy-question", "c") == True  # noqa: E712
    assert "3 is the largest" in capsys.readouterr().out
    assert check_choice("toy-question", " B ") == False  # noqa: E712
    assert "2 is in the middle" in capsys.readouterr().out  # the hint written for that very mistake
    assert check_choice("toy-question", None) == False  # noqa: E712
    assert "make your prediction first" in capsys.readouterr().out
    assert check_choice("toy-question", "z") == False  # noqa: E712
    assert "not an option" in capsys.readouterr().out


def test_unknown_question_lists_the_closest(toy_question):
    with pytest.raises(cv.UnknownNameError, match="toy-question"):
        check_choice("toy-questoin", "a")


def test_every_wrong_option_needs_a_hint_and_the_answer_must_exist():
    with pytest.raises(ValueError, match="hint"):
        Question("q", "?", {"a": "x", "b": "y"}, "a", "because", {})
    with pytest.raises(ValueError, match="answer"):
        Question("q", "?", {"a": "x"}, "b", "because", {"a": "no"})


def test_every_registered_question_is_consistent():
    from cnnviz_lab.exercises.quiz import _load_topics

    _load_topics()
    for q in QUESTIONS.values():
        assert q.answer in q.options and set(q.hints) == set(q.options) - {q.answer}, q.id


def test_builder_makes_the_question_and_refuses_solutions_that_overwrite(toy_question):
    sys.path.insert(0, str(ROOT / "tools"))
    from notebook_builder import Notebook

    nb = Notebook("99_toy", "Toy", goals=["g"], prerequisites="none", runtime=("1 s", "1 s"))
    nb.choice("toy-question")
    assert "**b**: 2" in nb.cells[-2].source and 'check_choice("toy-question", answer)' in nb.cells[-1].source
    nb.written("Why?", "Because.")
    assert "<details>" in nb.cells[-1].source and "Because." in nb.cells[-1].source
    with pytest.raises(ValueError, match="f_solution"):
        nb.exercise(
            "e",
            task="t",
            starter="def f(x):\n    raise NotImplementedError",
            check="cv.exercises.check_x(f)",
            solution="def f(x):\n    return x\nassert cv.exercises.check_x(f)",
        )


def test_a_verdict_is_a_bool_that_a_notebook_does_not_echo(toy_question, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from cnnviz_lab.exercises.common import Verdict

    no, yes = check_choice("toy-question", None), check_choice("toy-question", "c")
    assert isinstance(no, Verdict) and not no and yes and (yes == True) and (no == False)  # noqa: E712
    assert "make your prediction first" in capsys.readouterr().out
    shell = InteractiveShell.instance()
    result = shell.run_cell("from cnnviz_lab.exercises.common import Verdict\nVerdict(False, 'x')")
    assert result.success and "False" not in capsys.readouterr().out
