"""A decision-first opening.

The first sentence of the first body paragraph sets the tone. Strong take-homes open with the
decision, or with one line of framing followed by it. Weak ones open with the process: "I analyzed
12 features and ran four models", "Using the provided dataset of 8,000 transactions, I built …",
"This report describes the analysis …".
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument
from ..results import CriterionResult
from ..rubric import CriterionConfig
from . import decision
from ._common import evidence, message, result

ID = "decision-first-opening"
TITLE = "Opens with the decision, not the process"
SETTINGS: dict = {}
SHARED = ("decision",)
VOCAB: tuple[str, ...] = ()
MESSAGES = ("pass", "fail", "suggestion")
EXAMPLES = {
    "pass": [
        "We should cap first-time limits at €500. The data shows defaults double above that.",
        "Checkout drop-off doubled after 3DS. Launch one-tap checkout for returning customers.",
    ],
    "fail": [
        "I analyzed 12 features and ran four models on the checkout data.",
        "This report describes the analysis of the merchant churn dataset.",
    ],
}


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    opening = doc.in_paragraphs(1, 1)
    if not opening:
        return result(cfg, True, message(cfg, "pass", where="¶1"), looked="¶1")
    first = opening[0]
    if decision.starts_with_process(first):
        return result(cfg, False, message(cfg, "fail", where=first.where), cfg.messages["suggestion"],
                      found=[evidence(first, first.text)], looked="the first sentence of ¶1")
    return result(cfg, True, message(cfg, "pass", where=first.where), found=[evidence(first)])
