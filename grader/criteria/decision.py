"""Is a sentence a decision? Shared by the checks that read openings and endings.

A decision is "We should …", "I recommend …", "Recommendation: …", "<Company> should …", or an
imperative such as "Launch …". A hedge, a question, a menu of options with no choice, or a
description of the process is not, even when it contains "recommend". The words live in the
rubric's ``[vocab.decision]`` table.
"""

from __future__ import annotations

from ..annotate import Match, Sentence

GROUP = "decision"
VOCAB = (
    "decision_phrases",
    "modals",
    "actors",
    "imperative_verbs",
    "passive_participles",
    "finite_verbs",
    "hedges",
    "weak_followers",
    "option_markers",
    "menu_after_decision",
    "process_openers",
    "lead_ins",
    "deferrals",
    "embedding",
    "work_verbs",
    "not_imperative",
    "metric_subjects",
)
OPENING_REACH = 6  # tokens within which "I/we + work verb" marks a process opening
WEAK_REACH = 3

_CLAUSE_BREAKS = {",", ";", ":", "—", "–", "(", ")"}
_SKIP_AFTER_MODAL = {"not", "also", "now", "first", "immediately", "therefore", "then", "instead", "only", "urgently",
                     "clearly"}


def _find(s: Sentence, name: str) -> list[Match]:
    return s.find(f"{GROUP}/{name}")


def _at(s: Sentence, name: str, i: int) -> bool:
    return any(m.start == i for m in _find(s, name))


def _after_modal(s: Sentence, i: int) -> int:
    while i < len(s.tokens) and s.tokens[i] in _SKIP_AFTER_MODAL:
        i += 1
    return i


def first_word(s: Sentence) -> tuple[int, bool]:
    """Index of the first real word past bullets, numbering and lead-ins ('So,'), and whether a lead-in came first."""
    i = 0
    while i < len(s.tokens) and not s.tokens[i][:1].isalpha():
        i += 1
    led = False
    for m in sorted(_find(s, "lead_ins"), key=lambda m: m.end - m.start, reverse=True):
        if m.start == i:
            i, led = m.end, True
            while i < len(s.tokens) and not s.tokens[i][:1].isalpha():
                i += 1
            break
    return i, led


def decision_span(s: Sentence) -> tuple[int, int] | None:
    """Token span of the first decision trigger, or None."""
    spans = [(m.start, m.end) for m in _find(s, "decision_phrases")]
    actors = _find(s, "actors")
    for m in _find(s, "modals"):
        clause_start = m.start
        while clause_start > 0 and s.tokens[clause_start - 1] not in _CLAUSE_BREAKS and m.start - clause_start < 6:
            clause_start -= 1
        verb = _after_modal(s, m.end)
        if verb >= len(s.tokens) or not s.tokens[verb][:1].isalpha():
            continue  # "To get there, we need to:" introduces a list; it decides nothing itself
        if any(clause_start <= a.start and a.end <= m.start for a in actors):
            spans.append((m.start, m.end))
            continue
        if verb < len(s.tokens) and s.tokens[verb] == "be" and _at(s, "passive_participles", verb + 1):
            if not (m.start > 0 and s.tokens[m.start - 1] == "it"):
                spans.append((m.start, m.end))
            continue
        before = m.start - 1
        named = before >= 0 and s.text[s.offsets[before]:s.offsets[before] + 1].isupper()
        if named and not _at(s, "metric_subjects", before) and verb < len(s.tokens) and s.tokens[verb][:1].isalpha():
            spans.append((m.start, m.end))  # "Telvia should reintroduce …", not "Conversion should improve"
    first, led = first_word(s)
    options = [m.start for m in _find(s, "option_markers")]
    starts = [(first, led)] + [(i + 1, True) for i, t in enumerate(s.tokens[:-1])
                               if t == ":" and i > first and not any(o < i for o in options)]
    for at, lowercase_ok in starts:  # "…, but the answer is clear: keep the programme"
        if at < len(s.tokens) and _imperative(s, at, lowercase_ok):
            spans.append((at, at + 1))
            break
    return min(spans) if spans else None


def _imperative(s: Sentence, at: int, lowercase_ok: bool) -> bool:
    if not _at(s, "imperative_verbs", at) or _at(s, "not_imperative", at):
        return False
    original = s.text[s.offsets[at]:s.offsets[at] + 1]
    finite = [f for f in _find(s, "finite_verbs") if at < f.start <= at + 3]
    return (original.isupper() or lowercase_ok) and not finite


def starts_with_process(s: Sentence) -> bool:
    """Whether the sentence opens by describing the work done ('I analyzed 12 features …')."""
    first = first_word(s)[0]
    if any(m.start <= first + 1 for m in _find(s, "process_openers")):
        return True
    reach = first + OPENING_REACH
    return any(
        m.start <= reach and m.start > 0 and s.tokens[m.start - 1] in ("i", "we")
        for m in _find(s, "work_verbs")
    )


def classify(s: Sentence, weak_reach: int = WEAK_REACH) -> str:
    """One of: decision, question, hedge, options, process, none."""
    if s.text.rstrip().rstrip("\"')”’").endswith("?"):
        return "question"
    span = decision_span(s)
    if span is None:
        if _find(s, "hedges"):
            return "hedge"
        if _find(s, "option_markers"):
            return "options"
        if starts_with_process(s):
            return "process"
        return "none"
    start, end = span
    if any(m.start < start for m in _find(s, "embedding")):
        return "none"  # "This memo looks at whether Acme should …" asks, it does not decide
    breaks = [i for i, t in enumerate(s.tokens) if t in (";", "—", "–") and i > end]
    for m in _find(s, "hedges"):
        if m.start < start:
            continue
        later_clause = [b for b in breaks if b < m.start]
        if not later_clause:
            return "hedge"
        if any(d.start > later_clause[-1] for d in _find(s, "deferrals")):
            return "hedge"  # "…; further analysis is needed before we commit"
    for m in _find(s, "weak_followers"):
        if end <= m.start <= end + weak_reach and not {"not", "n't", "never"} & set(s.tokens[end:m.start]):
            return "hedge"  # "we should consider …"; but "we will not wait …" decides
    if any(m.start >= start for m in _find(s, "menu_after_decision")):
        return "options"
    if sum(1 for t in s.tokens if t == "if") >= 2 and any(t == "if" for t in s.tokens[:start + 1]):
        return "options"  # "If growth matters, launch now; if cash matters, wait": two branches, no choice
    return "decision"


def hedge_text(s: Sentence) -> str:
    """The hedge phrase in a sentence, for quoting in feedback."""
    found = _find(s, "hedges") or _find(s, "weak_followers")
    if not found:
        return ""
    m = found[0]
    start = s.offsets[m.start]
    end = s.offsets[m.end] if m.end < len(s.offsets) else len(s.text)
    return s.text[start:end].strip()
