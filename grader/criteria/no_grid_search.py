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
from ._common import evidence, has, matches_in, message, result, span_text

ID = "no-grid-search"
TITLE = "No grid-search overkill"
SETTINGS = {"negation_reach": (int, 8), "after_reach": (int, 4)}
VOCAB = (
    "search_terms", "hyperparameter_names", "search_verbs", "selection_phrases", "negations", "after_negations",
    "contrasts",
)
MESSAGES = ("pass", "fail", "fail_code", "fail_prose", "fail_table", "suggestion")
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
    not_only = [(c.start, c.end) for c in matches_in(s, cfg, "contrasts")]
    for n in matches_in(s, cfg, "negations"):
        if any(a <= n.start < b for a, b in not_only):
            continue  # "Not only did we grid-search …" reports the search
        if m.start - reach <= n.start < m.start and not any(n.start < b < m.start for b in breaks + contrasts):
            return True
    for n in matches_in(s, cfg, "after_negations"):
        if m.end <= n.start <= m.end + after and not any(m.end <= b < n.start for b in breaks):
            return True
    return False


def _prose_search(s: Sentence, cfg: CriterionConfig, following: Sentence | None = None) -> str:
    """A search described in plain words: hyperparameters varied, and the best one kept (here or next)."""
    verbs = matches_in(s, cfg, "search_verbs")
    if not verbs or not has(s, cfg, "hyperparameter_names"):
        return ""  # most sentences: no need to look at the next one
    picks = matches_in(s, cfg, "selection_phrases") or (
        matches_in(following, cfg, "selection_phrases") if following is not None and following.block == s.block else []
    )
    if picks and not any(_negated(s, v, cfg) for v in verbs):
        return span_text(s, verbs[0])
    return ""


def _tuning_table(doc: AnnotatedDocument, cfg: CriterionConfig) -> Sentence | None:
    """A results table whose columns are hyperparameters, one row per configuration tried."""
    names = {w.lower().replace(" ", "") for w in cfg.vocab["hyperparameter_names"] if "*" not in w}
    rows: dict[tuple[int, str], list[Sentence]] = {}
    for s in doc.sentences:
        if s.kind is Kind.TABLE_CELL and s.header:
            rows.setdefault((s.page, s.header), []).append(s)
    for (_, header), group in rows.items():
        columns = [c.strip().replace(" ", "") for c in header.split("|")]
        if sum(1 for c in columns if c in names) >= 2 and len(group) >= 3:
            return group[0]
    return None


def _code_term(code: str, cfg: CriterionConfig) -> str:
    """Identifiers from the vocabulary found anywhere in code, however the tokenizer split it."""
    for term in cfg.vocab["search_terms"]:
        if " " not in term and "*" not in term and "|" not in term:
            m = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", code, re.I)
            if m:
                return m.group(0)
    return ""


def _tuning_loop(code: str) -> str:
    """A loop over candidate values whose variable is passed as a keyword argument."""
    for loop in _LOOP.finditer(code):
        var = loop.group(1)
        if re.search(rf"\w+\s*=\s*{re.escape(var)}\b", code[loop.end():]):
            end = code.find("\n", loop.start())
            return code[loop.start():end if end >= 0 else None].strip()
    return ""


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    hits: list[tuple[Sentence, str]] = []
    prose: list[tuple[Sentence, str]] = []
    for k, s in enumerate(doc.sentences):
        hit = False  # whether this sentence is one of the hits
        for m in matches_in(s, cfg, "search_terms"):
            if s.kind is Kind.CODE or not _negated(s, m, cfg):
                hits.append((s, span_text(s, m)))
                hit = True
                break
        if s.kind is Kind.CODE and not hit:
            loop = _code_term(s.text, cfg) or _tuning_loop(s.text)
            if loop:
                hits.append((s, loop))
        elif s.kind is not Kind.CODE and not hit:
            following = doc.sentences[k + 1] if k + 1 < len(doc.sentences) else None
            described = _prose_search(s, cfg, following)
            if described:
                prose.append((s, described))
    table = _tuning_table(doc, cfg)
    if not hits and prose:
        s, term = prose[0]
        msg = message(cfg, "fail_prose", term=term, where=s.where)
        return result(cfg, False, msg, cfg.messages["suggestion"], found=[evidence(s, term)])
    if not hits and table is not None:
        msg = message(cfg, "fail_table", where=table.where)
        return result(cfg, False, msg, cfg.messages["suggestion"], found=[evidence(table)])
    if not hits:
        return result(cfg, True, message(cfg, "pass"), looked="all text, tables and code")
    s, term = hits[0]
    key = "fail_code" if s.kind is Kind.CODE else "fail"
    msg = message(cfg, key, term=term, where=s.where, count=len(hits))
    return result(cfg, False, msg, cfg.messages["suggestion"], found=[evidence(s, term) for s, term in hits[:4]])
