"""The predict-then-run question itself and the registry of questions.

Topic modules register their questions here (:func:`register`); :mod:`.quiz` asks and
checks them. (Split from :mod:`.quiz`, which imports the topic modules, so that the topics
do not import it back.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .common import Verdict, report


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


def ask(question: Question, answer: str | None) -> Verdict:
    """Check a predicted ``answer`` (a letter; ``"(B)"`` and ``"b."`` count as ``"b"``) to
    ``question``: ``True`` when right, with its explanation. ``None`` (not answered yet) asks
    for a prediction; a wrong letter prints the hint written for that choice."""
    letters = ", ".join(repr(k) for k in question.options)
    if answer is None:
        line = f"make your prediction first: set answer to one letter, one of {letters}, then run this cell again"
        print(line)
        return Verdict(False, line, question.id)
    key = str(answer).strip().lower().strip("()[]. ")
    if key not in question.options:
        return report(False, question.id, f"{answer!r} is not an option: answer with one letter, one of {letters}")
    if key == question.answer:
        return report(True, question.id, question.explanation)
    hint = question.hints[key].rstrip()
    return report(False, question.id, hint + ("" if hint.endswith((".", "!", "?")) else ".") + " Run the next cell and look again.")


__all__ = ["ask", "Question", "QUESTIONS", "register"]
