"""A clear recommendation up front.

Reviewers skim. They look for one decision in the first two paragraphs of body text: "We
should …", "I recommend …", "Recommendation: …", "<Company> should …", or an imperative such as
"Launch …". A hedge ("further analysis is needed"), a question, a menu of options with no choice,
or an opening that describes the process is not a decision, even when it contains "recommend".
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument
from ..document import BODY_KINDS
from ..results import CriterionResult
from ..rubric import CriterionConfig
from . import decision
from ._common import evidence, message, paragraphs_label, result

ID = "recommendation-upfront"
TITLE = "Recommendation up front"
SETTINGS = {"paragraph_window": (int, 2), "weak_reach": (int, 3)}
SHARED = ("decision",)
VOCAB: tuple[str, ...] = ()
MESSAGES = (
    "pass", "fail_question", "fail_hedge", "fail_options", "fail_process", "fail_none", "fail_buried",
    "suggestion",
)
EXAMPLES = {
    "pass": [
        "We should test dynamic credit limits at checkout, not blanket downgrades.",
        "Recommendation: launch one-tap checkout for returning customers in Germany first.",
        "Launch a one-tap returning-customer flow on mobile.",
        "Klarna should replace the static limit with a dynamic one.",
    ],
    "fail": [
        "Further analysis is needed before we can recommend a change.",
        "Should we lower credit limits for thin-file customers?",
        "We could either raise limits or cut fees, or do both.",
        "I analyzed 12 features and ran four models.",
        "We recommend gathering more data before deciding.",
    ],
}

_FAILURES = (("question", "fail_question"), ("hedge", "fail_hedge"), ("options", "fail_options"),
             ("process", "fail_process"))


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    window = cfg.settings["paragraph_window"]
    reach = cfg.settings["weak_reach"]
    opening = doc.in_paragraphs(1, window)
    looked = f"{paragraphs_label(1, window)} (the first {window} body paragraphs)"
    suggestion = cfg.messages["suggestion"]
    if not opening:
        return result(cfg, False, message(cfg, "fail_none", where=looked), suggestion, looked=looked)
    kinds = []  # each opening sentence up to the first decision, classified
    for s in opening:
        kind = decision.classify(s, reach)
        if kind == "decision":
            return result(cfg, True, message(cfg, "pass", where=s.where), found=[evidence(s, s.text)])
        kinds.append((kind, s))
    # Nothing decisive up front: say what the opening does instead, and where a decision hides.
    later = [s for s in doc.sentences if s.paragraph > window and s.kind in BODY_KINDS]
    buried = next((s for s in later if decision.classify(s, reach) == "decision"), None)
    found = []
    for wanted, key in _FAILURES:
        hit = next((s for kind, s in kinds if kind == wanted), None)
        if hit is not None:
            found.append(evidence(hit, hit.text))
            msg = message(cfg, key, where=hit.where, looked=looked, hedge=decision.hedge_text(hit))
            break
    else:
        msg = message(cfg, "fail_none", where=looked)
    if buried is not None:
        found.append(evidence(buried, buried.text))
        msg = f"{msg} {message(cfg, 'fail_buried', where=buried.where)}"
    return result(cfg, False, msg, suggestion, found=found, looked=looked)
