"""A simple, explainable model.

The model is evidence, not the product. Deep learning (neural networks, LSTMs, transformers,
autoencoders) or large ensembles and stacked model zoos on a few thousand rows read as overkill,
and as something nobody can explain to a regulator, unless the draft says how the decisions will
be explained (reason codes, SHAP, a scorecard). Mentioning such a model only to reject it is fine.
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument, Sentence
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, matches_in, message, result, span_text

ID = "simple-model"
TITLE = "Simple, explainable model"
SEVERITY = "warning"
SETTINGS = {"negation_reach": (int, 8)}
VOCAB = ("complex_models", "explainability", "rejections")
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
    reach = cfg.settings["negation_reach"]
    return any(abs(m.start - start) <= reach for m in matches_in(s, cfg, "rejections"))


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    complex_uses = []
    justified = None
    for s in doc.sentences:
        for m in matches_in(s, cfg, "complex_models"):
            if not _rejected(s, m.start, cfg):
                complex_uses.append((s, span_text(s, m)))
                break
        if justified is None and matches_in(s, cfg, "explainability"):
            justified = s
    if not complex_uses:
        return result(cfg, True, message(cfg, "pass"), looked="every model mentioned")
    s, term = complex_uses[0]
    if justified is not None:
        return result(cfg, True, message(cfg, "pass"), found=[evidence(s, term), evidence(justified)])
    return result(cfg, False, message(cfg, "fail", term=term, where=s.where), cfg.messages["suggestion"],
                  found=[evidence(s, term)], looked="the whole document for a note on explainability")
