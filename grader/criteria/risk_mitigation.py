"""One named risk with its mitigation.

Reviewers want the one risk that matters and what you would do about it, in the same or a
neighbouring sentence or paragraph, or in a risk/mitigation table row. The risk may be named in
other words ("the main downside", "this could increase fraud losses"). A risk with no mitigation
fails, and so does a laundry list of more than a few risks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..annotate import AnnotatedDocument, Sentence
from ..document import BODY_KINDS, Kind
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, has, matches_in, message, result, starts_a_word

ID = "risk-mitigation"
TITLE = "One key risk, mitigated"
SETTINGS = {"max_risks": (int, 3), "harm_reach": (int, 6)}
VOCAB = (
    "risk_terms", "vague_risks", "risk_exclusions", "hedged_modals", "harms", "mitigations", "mitigation_headers",
    "vague_mitigations",
    "count_words",
)
MESSAGES = ("pass", "fail_laundry", "fail_unmitigated", "fail_none", "suggestion", "suggestion_laundry")
EXAMPLES = {
    "pass": [
        "The main risk is higher fraud losses; we mitigate it by capping new limits at €500 for 90 days.",
        "| Risk | Mitigation |\n| Fraud rises | Cap limits and monitor weekly |",
    ],
    "fail": [
        "The main risk is higher fraud losses.",
        "Risks include fraud, churn, regulatory pushback, merchant complaints and engineering cost.",
    ],
}

_SKIPPED = (Kind.CODE, Kind.TITLE, Kind.COVER, Kind.CAPTION)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _is_risk(s: Sentence, cfg: CriterionConfig) -> bool:
    """A named risk: a risk word used for a risk (not 'risk score'), or 'could/may … <harm>'."""
    terms = matches_in(s, cfg, "risk_terms")
    harms = matches_in(s, cfg, "harms")
    if terms:
        excluded = [(m.start, m.end) for m in matches_in(s, cfg, "risk_exclusions")]
        vague = [(m.start, m.end) for m in matches_in(s, cfg, "vague_risks")]
        for m in terms:
            if any(a <= m.start < b or m.start <= a < m.end for a, b in excluded):
                continue
            if any(a <= m.start < b for a, b in vague) and not harms:
                continue  # "there are risks, which we will monitor" names nothing
            return True
    if not harms:
        return False  # neither reading below can hold without a harm
    reach = cfg.settings["harm_reach"]
    if any(any(0 < h.start - m.start <= reach for h in harms) for m in matches_in(s, cfg, "hedged_modals")):
        return True
    # "If the price rise triggers a wave of downgrades, …": a harm inside an if-clause.
    if not s.tokens or s.tokens[0] != "if":
        return False
    clause_end = next((i for i, t in enumerate(s.tokens) if t in (",", ";", ":")), len(s.tokens))
    return any(h.start < clause_end for h in harms)


def _is_mitigation(s: Sentence, cfg: CriterionConfig) -> bool:
    """A concrete mitigation: 'mitigate as needed' or a 'TBD' cell is not one."""
    return has(s, cfg, "mitigations") and not has(s, cfg, "vague_mitigations")


def _names(text: str, cfg: CriterionConfig, vocab: str) -> bool:
    """Whether a header or heading names a vocabulary term (prefix match on whole words)."""
    return starts_a_word(_header_words(cfg.vocab[vocab]), text)


@lru_cache(maxsize=64)
def _header_words(vocab: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in (w.rstrip("*").replace(" - ", "-") for w in vocab) if len(w) > 2)


@lru_cache(maxsize=64)
def _section_words(vocab: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in (w.rstrip("*") for w in vocab if " " not in w) if w)


def _risk_row(s: Sentence, cfg: CriterionConfig) -> bool:
    """A data row of a table whose header names risks."""
    return s.kind is Kind.TABLE_CELL and bool(s.header) and _names(s.header, cfg, "risk_terms")


def _mitigated_row(s: Sentence, cfg: CriterionConfig) -> bool:
    """A risk-table row whose mitigation column holds a real answer, not 'TBD'."""
    if not (_risk_row(s, cfg) and _names(s.header, cfg, "mitigation_headers")):
        return False
    cells = [c.strip() for c in s.text.split(" | ")]
    columns = [c.strip() for c in s.header.split(" | ")]
    wanted = [i for i, c in enumerate(columns) if _names(c, cfg, "mitigation_headers")] or list(range(1, len(cells)))
    placeholders = [w.replace(" / ", "/") for w in cfg.vocab["vague_mitigations"]]
    answers = [cells[i] for i in wanted if i < len(cells) and len(cells[i].strip(" -–—?.")) > 1
               and not any(cells[i].lower().startswith(p) for p in placeholders)]
    return len(cells) >= 2 and bool(answers)


def _in_risk_section(s: Sentence, cfg: CriterionConfig) -> bool:
    return starts_a_word(_section_words(cfg.vocab["risk_terms"]), s.section)


def _explicit_count(s: Sentence, cfg: CriterionConfig) -> int:
    best = 0
    for m in matches_in(s, cfg, "count_words"):
        word = s.tokens[m.start]
        n = int(word) if word.isdigit() else _NUMBERS.get(word, 0)
        best = max(best, n)
    return best


_ENUMERATION = re.compile(r"\b(?:risks|downsides|threats|concerns)\b[^.:;]{0,30}?(?:\binclude\b|\bare\b|:)\s*(.+)", re.I)


def _enumerated(s: Sentence) -> int:
    """Items in an inline list like 'risks include A, B, C and D'."""
    m = _ENUMERATION.search(s.text)
    if not m:
        return 0
    parts = [p for p in re.split(r",|;|\band\b|\bor\b", m.group(1)) if len(p.split()) >= 1 and p.strip(" .")]
    return len(parts) if len(parts) >= 3 else 0


def _risky(doc: AnnotatedDocument, cfg: CriterionConfig) -> set[int]:
    """The ``id`` of each sentence that names a risk, worked out once for the count and the search."""
    return {id(s) for s in doc.sentences if s.kind not in _SKIPPED and _is_risk(s, cfg)}


def count_risks(doc: AnnotatedDocument, cfg: CriterionConfig, risky: set[int] | None = None) -> tuple[int, Sentence | None]:
    """How many distinct risks the submission lists, and where the list starts. ``risky`` is what
    ``_risky`` gives, when the caller has it already."""
    risky = _risky(doc, cfg) if risky is None else risky
    best, where = 0, None
    section_items: dict[str, list[Sentence]] = {}
    table_rows: dict[str, list[Sentence]] = {}
    for s in doc.sentences:
        if s.kind in _SKIPPED:
            continue
        if _risk_row(s, cfg):
            table_rows.setdefault(f"{s.page}:{s.header}", []).append(s)
        elif s.kind is Kind.LIST_ITEM and s.index == 0 and (_in_risk_section(s, cfg) or id(s) in risky):
            section_items.setdefault(f"{s.section}:{s.paragraph}", []).append(s)
        if id(s) in risky:
            n = max(_explicit_count(s, cfg), _enumerated(s))
            if n > best:
                best, where = n, s
    for group in (*section_items.values(), *table_rows.values()):
        if len(group) > best:
            best, where = len(group), group[0]
    return best, where


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    limit = cfg.settings["max_risks"]
    sentences = [s for s in doc.sentences if s.kind not in _SKIPPED and s.kind is not Kind.HEADING]
    looked = f"all {len(sentences)} sentences, lists and table rows"
    risky = _risky(doc, cfg)
    count, where = count_risks(doc, cfg, risky)
    if count > limit and where is not None:
        msg = message(cfg, "fail_laundry", count=count, where=where.where, limit=limit)
        return result(cfg, False, msg, cfg.messages["suggestion_laundry"], found=[evidence(where)], looked=looked)
    unmitigated: Sentence | None = None
    key_seen = False
    for i, s in enumerate(sentences):
        if s.kind is Kind.TABLE_CELL and not s.header:
            continue  # a header row names columns, not a risk
        if _mitigated_row(s, cfg):
            return result(cfg, True, message(cfg, "pass", where=s.where), found=[evidence(s, s.text)])
        opens_risk_section = s.index == 0 and s.kind in BODY_KINDS and _in_risk_section(s, cfg)
        if not (id(s) in risky or _risk_row(s, cfg) or opens_risk_section):
            continue
        # The mitigation may sit in the same sentence or row, the next sentence, or the next block.
        neighbours = [s]
        for t in sentences[i + 1:i + 4]:
            if t.block == s.block or (t.paragraph and s.paragraph and t.paragraph - s.paragraph <= 1) or (
                t.kind is Kind.LIST_ITEM and s.kind is Kind.LIST_ITEM and t.section == s.section
            ):
                neighbours.append(t)
        if s.kind is Kind.HEADING:
            continue
        if _risk_row(s, cfg) and _names(s.header, cfg, "mitigation_headers"):
            neighbours = [t for t in neighbours if t is not s]  # its own mitigation cell was judged above
        mitigation = next((t for t in neighbours if _is_mitigation(t, cfg)), None)
        if mitigation is not None:
            found = [evidence(s, s.text)] + ([evidence(mitigation, mitigation.text)] if mitigation is not s else [])
            return result(cfg, True, message(cfg, "pass", where=s.where), found=found)
        named_key = _in_risk_section(s, cfg) or re.search(r"\b(?:main|key|biggest|primary|major) risk", s.text, re.I)
        if unmitigated is None or (named_key and not key_seen):
            unmitigated, key_seen = s, bool(named_key)
    if unmitigated is not None:
        msg = message(cfg, "fail_unmitigated", where=unmitigated.where)
        return result(cfg, False, msg, cfg.messages["suggestion"], found=[evidence(unmitigated)], looked=looked)
    return result(cfg, False, message(cfg, "fail_none", looked=looked), cfg.messages["suggestion"], looked=looked)
