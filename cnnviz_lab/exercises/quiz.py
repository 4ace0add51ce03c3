"""Predict-then-run questions: a multiple-choice prediction checked before the answer is shown.

A notebook asks a question (built from :data:`QUESTIONS` by the notebook builder), the
student writes a letter into ``answer = None`` and runs ``cv.exercises.check_choice(id,
answer)``; the next cell shows the experiment that settles it. The checker never fails a
notebook: an unanswered question asks for a prediction, a wrong letter gets the hint written
for that very mistake, a right one the explanation. Questions are registered next to the
topic's other checkers (``register(Question(...))``), so the answer is not in the notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import UnknownNameError, close_matches
from .common import report


@dataclass(frozen=True)
class Question:
    """A multiple-choice prediction.

    ``options``: ``{letter: text}``; ``answer``: the right letter; ``explanation``: why it is
    right (shown when answered correctly); ``hints``: ``{wrong letter: what that choice
    overlooks}``, one per wrong option (the likeliest mistakes get specific help).
    """

    id: str
    prompt: str
    options: dict[str, str]
    answer: str
    explanation: str
    hints: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.answer not in self.options:
            raise ValueError(f"question {self.id!r}: answer {self.answer!r} is not one of its options")
        missing = sorted(set(self.options) - {self.answer} - set(self.hints))
        if missing:
            raise ValueError(f"question {self.id!r}: write a hint for each wrong option (missing: {missing})")

    def markdown(self) -> str:
        """The question as notebook markdown: the prompt, then one line per option."""
        lines = [self.prompt.strip(), ""]
        lines += [f"- **{letter}**: {text}" for letter, text in self.options.items()]
        return "\n".join(lines)


QUESTIONS: dict[str, Question] = {}


def register(question: Question) -> Question:
    """Add a question to :data:`QUESTIONS` (ids are unique)."""
    if question.id in QUESTIONS and QUESTIONS[question.id] != question:
        raise ValueError(f"a different question with id {question.id!r} is already registered")
    QUESTIONS[question.id] = question
    return question


def question(qid: str) -> Question:
    """The registered question ``qid`` (an unknown id lists the closest ones)."""
    _load_topics()
    if qid not in QUESTIONS:
        raise UnknownNameError(f"no question {qid!r}. Closest: "
                               f"{', '.join(close_matches(qid, list(QUESTIONS))) or 'none'}")
    return QUESTIONS[qid]


def check_choice(qid: str, answer: str | None) -> bool:
    """Check a predicted answer to question ``qid``: ``True`` when right. ``None`` (not
    answered yet) asks for a prediction; a wrong letter prints the hint for that choice."""
    q = question(qid)
    if answer is None:
        print(f"[{qid}] make your prediction first: set answer to one of "
              f"{', '.join(repr(k) for k in q.options)}, then run this cell again")
        return False
    key = str(answer).strip().lower().strip("()[]. ")
    if key not in q.options:
        return report(False, qid, f"{answer!r} is not an option: choose one of "
                      f"{', '.join(repr(k) for k in q.options)}")
    if key == q.answer:
        return report(True, qid, q.explanation)
    return report(False, qid, q.hints[key] + " Run the next cell and look again.")


def _load_topics() -> None:
    """Import the topic modules, which register their questions."""
    from . import cam, evaluation, inspect, occlusion, optvis, saliency  # noqa: F401
