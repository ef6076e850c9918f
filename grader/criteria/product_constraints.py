"""Product constraints addressed.

A recommendation has to survive the product it lands in. Reviewers look for at least one real
operational constraint: a latency budget or real-time decisioning, explainability of decisions to
customers or regulators, regional variation (EU vs US, per-country rules), or compliance such as
GDPR, PSD2 or consumer-credit law. Naming a constraint only to say it was not considered does not
count, and neither do look-alikes: GDP, a ROC-curve region, a support team's response time.
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument, Sentence
from ..document import Kind
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, has, message, result

ID = "product-constraints"
TITLE = "Product constraints addressed"
SETTINGS: dict = {}
VOCAB = ("latency", "explain_terms", "audiences", "regional", "compliance", "dismissals")
MESSAGES = ("pass", "fail", "suggestion")
EXAMPLES = {
    "pass": [
        "The model adds under 20ms, well inside the 200ms checkout latency budget.",
        "Every decline comes with reason codes, so we can explain each decision to customers and to the regulator.",
        "We process no new personal data, so the change needs no new GDPR consent.",
    ],
    "fail": [
        "The gradient-boosted model reaches an AUC of 0.84 on the hold-out set.",
        "GDP growth in Spain slowed to 1.8% last year.",
    ],
}
_SKIPPED = (Kind.CODE, Kind.TITLE, Kind.COVER, Kind.HEADING)


def _milliseconds(s: Sentence) -> bool:
    """A time budget in milliseconds ("within 150 ms", "a 200ms budget")."""
    if "ms" not in s.text.lower():
        return False  # each token is a lower-cased slice of the text: no token can hold "ms" either
    for i, token in enumerate(s.tokens):
        if token == "ms" and i and s.tokens[i - 1].replace(",", "").replace(".", "").isdigit():
            return True
        if token.endswith("ms") and token[:-2].isdigit():
            return True
    return False


def _constraint(s: Sentence, cfg: CriterionConfig) -> str:
    if has(s, cfg, "dismissals"):
        return ""
    if has(s, cfg, "latency") or _milliseconds(s):
        return "latency"
    if has(s, cfg, "explain_terms") and has(s, cfg, "audiences"):
        return "explainability"
    if has(s, cfg, "regional"):
        return "regional variation"
    if has(s, cfg, "compliance"):
        return "compliance"
    return ""


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    sentences = [s for s in doc.sentences if s.kind not in _SKIPPED]
    for s in sentences:
        kind = _constraint(s, cfg)
        if kind:
            return result(cfg, True, message(cfg, "pass", kind=kind, where=s.where), found=[evidence(s, s.text)])
    looked = f"all {len(sentences)} sentences and table rows"
    return result(cfg, False, message(cfg, "fail", looked=looked), cfg.messages["suggestion"], looked=looked)
