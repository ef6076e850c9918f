"""No hedged conclusion.

Reviewers read the last paragraph as the candidate's final word. Ending on "further analysis is
needed", "it is too early to say" or a list of open questions leaves the decision to someone else.
A closing paragraph that restates the decision, gives next steps or a timeline is fine, and so is
"further analysis" offered as a follow-up to a firm decision.
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument, Sentence
from ..document import BODY_KINDS, Kind
from ..results import CriterionResult
from ..rubric import CriterionConfig
from . import decision
from ._common import evidence, message, result

ID = "no-hedged-conclusion"
TITLE = "Ends on a decision, not a hedge"
SETTINGS = {"weak_reach": (int, 3)}
SHARED = ("decision",)
VOCAB = ("closing_hedges",)
MESSAGES = ("pass", "fail", "suggestion")
EXAMPLES = {
    "pass": [
        "We should launch one-tap checkout in Germany.\n\nNext, roll it out to the Nordics in Q3.",
        "Launch the pilot in April; if delinquency stays under 3%, extend it to all markets in June.",
    ],
    "fail": [
        "We looked at three levers.\n\nFurther analysis is needed before a decision can be made.",
        "The data is mixed.\n\nIt is too early to say which option will work; only time will tell.",
    ],
}


def closing(doc: AnnotatedDocument) -> list[Sentence]:
    """The final body paragraph; a closing list brings the paragraph that introduces it."""
    body = [s for s in doc.sentences if s.kind in BODY_KINDS and s.paragraph]
    if not body:
        return []
    last = body[-1].paragraph
    unit = [s for s in body if s.paragraph == last]
    if unit[-1].kind is Kind.LIST_ITEM:
        unit = [s for s in body if s.paragraph == last - 1] + unit
    return unit


_NEGATIONS = {"not", "n't", "never", "no", "without"}


def _hedged(s: Sentence, label: str) -> bool:
    """A closing hedge that is not itself refused ("We will not wait for another quarter of data")."""
    return any(not _NEGATIONS.intersection(s.tokens[max(0, m.start - 4):m.start]) for m in s.find(label))


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    unit = closing(doc)
    if not unit:
        return result(cfg, True, message(cfg, "pass", where="the end"), looked="the last paragraph")
    reach = cfg.settings["weak_reach"]
    kinds = [(decision.classify(s, reach), s) for s in unit]
    label = cfg.label("closing_hedges")
    # An open question, a hedge, or a closing phrase that hands the decision on ("… and then we can
    # decide") makes a sentence hedged even when it also holds a modal; a decision must be free of them.
    hedges = [s for kind, s in kinds if kind in ("hedge", "question") or _hedged(s, label)]
    decided = any(kind == "decision" and not _hedged(s, label) for kind, s in kinds)
    where = unit[-1].where
    if hedges and not decided:
        s = hedges[0]
        return result(cfg, False, message(cfg, "fail", where=s.where), cfg.messages["suggestion"],
                      found=[evidence(s, s.text)], looked=f"the last paragraph ({where})")
    return result(cfg, True, message(cfg, "pass", where=where), found=[evidence(unit[-1])])
