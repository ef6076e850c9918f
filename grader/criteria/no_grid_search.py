"""No hyperparameter-search overkill.

The model is evidence, not the product: a simple, explainable model wins. Reviewers mark down grid
searches, random or Bayesian hyperparameter searches (GridSearchCV, Optuna, Hyperopt), tuning
loops in a code appendix and architecture searches. A negated mention ("we deliberately did not
tune hyperparameters"), plain cross-validation and "grid" in other senses are fine.
"""

from __future__ import annotations

import re

from ..annotate import AnnotatedDocument, Match, Sentence
from ..document import Kind
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, matches_in, message, result, span_text

ID = "no-grid-search"
TITLE = "No grid-search overkill"
SETTINGS = {"negation_reach": (int, 8), "after_reach": (int, 4)}
VOCAB = ("search_terms", "negations", "after_negations", "contrasts")
MESSAGES = ("pass", "fail", "fail_code", "suggestion")
EXAMPLES = {
    "pass": [
        "We deliberately did not tune hyperparameters: a logistic regression with defaults is enough.",
        "We used 5-fold cross-validation to check stability.",
        "Demand on the power grid is irrelevant here.",
    ],
    "fail": [
        "We ran GridSearchCV over 400 combinations of XGBoost parameters.",
        "Hyperparameters were tuned with Optuna for 200 trials.",
    ],
}

_CLAUSE_BREAKS = {";", ".", ":", "—"}
_LOOP = re.compile(r"for\s+(\w+)\s+in\s+(?:\[|\(|range\(|np\.(?:arange|linspace|logspace)\()")


def _negated(s: Sentence, m: Match, cfg: CriterionConfig) -> bool:
    reach, after = cfg.settings["negation_reach"], cfg.settings["after_reach"]
    contrasts = [c.start for c in matches_in(s, cfg, "contrasts")]
    breaks = [i for i, t in enumerate(s.tokens) if t in _CLAUSE_BREAKS]
    for n in matches_in(s, cfg, "negations"):
        if m.start - reach <= n.start < m.start and not any(n.start < b < m.start for b in breaks + contrasts):
            return True
    for n in matches_in(s, cfg, "after_negations"):
        if m.end <= n.start <= m.end + after and not any(m.end <= b < n.start for b in breaks + contrasts):
            return True
    return False


def _tuning_loop(code: str) -> str:
    """A loop over candidate values whose variable is passed as a keyword argument."""
    for loop in _LOOP.finditer(code):
        var = loop.group(1)
        if re.search(rf"\w+\s*=\s*{re.escape(var)}\b", code[loop.end():]):
            return code[loop.start():code.find("\n", loop.start()) if "\n" in code[loop.start():] else None].strip()
    return ""


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    hits: list[tuple[Sentence, str]] = []
    for s in doc.sentences:
        for m in matches_in(s, cfg, "search_terms"):
            if s.kind is Kind.CODE or not _negated(s, m, cfg):
                hits.append((s, span_text(s, m)))
                break
        if s.kind is Kind.CODE and not any(h[0] is s for h in hits):
            loop = _tuning_loop(s.text)
            if loop:
                hits.append((s, loop))
    if not hits:
        return result(cfg, True, message(cfg, "pass"), looked="all text, tables and code")
    s, term = hits[0]
    key = "fail_code" if s.kind is Kind.CODE else "fail"
    msg = message(cfg, key, term=term, where=s.where, count=len(hits))
    return result(cfg, False, msg, cfg.messages["suggestion"], found=[evidence(s, term) for s, term in hits[:4]])
