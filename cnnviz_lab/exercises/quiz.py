"""Predict-then-run questions: a multiple-choice prediction checked before the answer is shown.

A notebook asks a question (built from :data:`QUESTIONS` by the notebook builder), the
student writes a letter into ``answer = None`` and runs ``cv.exercises.check_choice(id,
answer)``; the next cell shows the experiment that settles it. The checker never fails a
notebook: an unanswered question asks for a prediction, a wrong letter gets the hint written
for that very mistake, a right one the explanation. Questions are registered next to the
topic's other checkers (``register(Question(...))``), so the answer is not in the notebook.
"""

from __future__ import annotations

from ..core.errors import close_matches, UnknownNameError
from .question import QUESTIONS, Question, ask, register  # noqa: F401 (re-exported: register a question)


def question(qid: str) -> Question:
    """The registered question ``qid`` (an unknown id lists the closest ones)."""
    _load_topics()
    if qid not in QUESTIONS:
        raise UnknownNameError(f"no question {qid!r}. Closest: {', '.join(close_matches(qid, list(QUESTIONS))) or 'none'}")
    return QUESTIONS[qid]


def check_choice(qid: str, answer: str | None) -> bool:
    """Check a predicted answer to question ``qid``: ``True`` when right. ``None`` (not
    answered yet) asks for a prediction; a wrong letter prints the hint for that choice."""
    return ask(question(qid), answer)


def _load_topics() -> None:
    """Import the topic modules, which register their questions."""
    from . import cam, evaluation, layer_views as inspect, occlusion, optvis, relevance, saliency  # noqa: F401
