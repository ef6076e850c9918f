"""A simple, explainable model.

The model is evidence, not the product. Deep learning (neural networks, LSTMs, transformers,
autoencoders) or large ensembles and stacked model zoos on a few thousand rows read as overkill,
and as something nobody can explain to a regulator, unless the draft says how the decisions will
be explained (reason codes, SHAP, a scorecard). Mentioning such a model only to reject it is fine.
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument, Sentence
from ..document import Kind
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, matches_in, message, result, span_text

ID = "simple-model"
TITLE = "Simple, explainable model"
SEVERITY = "warning"
SETTINGS = {"negation_reach": (int, 8)}
VOCAB = (
    "complex_models", "explain_mechanisms", "explain_claims", "audiences", "complex_code", "simple_models",
    "explain_dismissals", "rejections", "contrasts",
)
MESSAGES = ("pass", "fail", "suggestion")
EXAMPLES = {
    "pass": [
        "A logistic regression on six features is enough, and each coefficient can be shown to the risk team.",
        "We considered a neural network but chose logistic regression because it is easier to explain.",
    ],
    "fail": [
        "A five-layer deep neural network trained on the 8,000 applications reached an AUC of 0.86.",
        "We stacked twelve models (XGBoost, LightGBM, CatBoost and a neural net) into one ensemble.",
    ],
}


def _rejected(s: Sentence, start: int, cfg: CriterionConfig) -> bool:
    """Mentioned only to be turned down: a negation nearby, or a contrast and a simple model chosen instead."""
    reach = len(s.tokens) if s.kind is Kind.TABLE_CELL else cfg.settings["negation_reach"]  # a row is one verdict
    if any(abs(m.start - start) <= reach for m in matches_in(s, cfg, "rejections")):
        return True
    # "An LSTM beat the baseline …, but we drop it": a contrast, then the rejection, later in the sentence.
    turns = [c.start for c in matches_in(s, cfg, "contrasts") if c.start > start]
    if turns and any(m.start > turns[0] for m in matches_in(s, cfg, "rejections")):
        return True
    return bool(matches_in(s, cfg, "contrasts")) and any(m.start > start for m in matches_in(s, cfg, "simple_models"))


def _explains(s: Sentence, cfg: CriterionConfig) -> bool:
    """A concrete way decisions are explained, or an explainability claim aimed at someone."""
    if matches_in(s, cfg, "explain_dismissals"):
        return False  # "it is a black box, but customers care about speed, not why"
    if matches_in(s, cfg, "explain_mechanisms"):
        return True
    return bool(matches_in(s, cfg, "explain_claims")) and bool(matches_in(s, cfg, "audiences"))


def _code_model(code: str, cfg: CriterionConfig) -> str:
    for term in cfg.vocab["complex_code"]:
        if term.lower() in code.lower():
            return term
    return ""


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    complex_uses = []
    justified = None
    for s in doc.sentences:
        if s.kind is Kind.CODE:
            term = _code_model(s.text, cfg)
            if term:
                complex_uses.append((s, term))
            continue
        for m in matches_in(s, cfg, "complex_models"):
            if not _rejected(s, m.start, cfg):
                complex_uses.append((s, span_text(s, m)))
                break
        if justified is None and _explains(s, cfg):
            justified = s
    if not complex_uses:
        return result(cfg, True, message(cfg, "pass"), looked="every model mentioned")
    s, term = complex_uses[0]
    dismissed = any(matches_in(t, cfg, "explain_dismissals") for t in doc.sentences)
    if justified is not None and not dismissed:
        return result(cfg, True, message(cfg, "pass"), found=[evidence(s, term), evidence(justified)])
    return result(cfg, False, message(cfg, "fail", term=term, where=s.where), cfg.messages["suggestion"],
                  found=[evidence(s, term)], looked="the whole document for a note on explainability")
