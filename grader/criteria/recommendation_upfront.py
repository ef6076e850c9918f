"""A clear recommendation up front.

Reviewers skim. They look for one decision in the first two paragraphs of body text: "We
should …", "I recommend …", "Recommendation: …", "<Company> should …", or an imperative such as
"Launch …". A hedge ("further analysis is needed"), a question, a menu of options with no choice,
or an opening that describes the process is not a decision, even when it contains "recommend".
"""

from __future__ import annotations

from ..annotate import AnnotatedDocument, Sentence
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, has, matches_in, message, paragraphs_label, result

ID = "recommendation-upfront"
TITLE = "Recommendation up front"
SETTINGS = {"paragraph_window": (int, 2), "weak_reach": (int, 3)}
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
)
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

_CLAUSE_BREAKS = {",", ";", ":", "—", "–", "(", ")"}
_SKIP_AFTER_MODAL = {"not", "also", "now", "first", "immediately", "therefore", "then", "instead", "only", "urgently", "clearly"}


def _after_modal(s: Sentence, i: int) -> int:
    while i < len(s.tokens) and s.tokens[i] in _SKIP_AFTER_MODAL:
        i += 1
    return i


def _token_in(s: Sentence, cfg: CriterionConfig, name: str, i: int) -> bool:
    return any(m.start == i for m in matches_in(s, cfg, name))


def _first_word(s: Sentence, cfg: CriterionConfig) -> tuple[int, bool]:
    """Index of the first real word past bullets, numbering and lead-ins ('So,'), and whether a lead-in came first."""
    i = 0
    while i < len(s.tokens) and not s.tokens[i][:1].isalpha():
        i += 1
    led = False
    for m in sorted(matches_in(s, cfg, "lead_ins"), key=lambda m: m.end - m.start, reverse=True):
        if m.start == i:
            i, led = m.end, True
            while i < len(s.tokens) and not s.tokens[i][:1].isalpha():
                i += 1
            break
    return i, led


def _decision_at(s: Sentence, cfg: CriterionConfig) -> tuple[int, int] | None:
    """Token span of the first decision trigger, or None."""
    spans = [(m.start, m.end) for m in matches_in(s, cfg, "decision_phrases")]
    actors = matches_in(s, cfg, "actors")
    for m in matches_in(s, cfg, "modals"):
        clause_start = m.start
        while clause_start > 0 and s.tokens[clause_start - 1] not in _CLAUSE_BREAKS and m.start - clause_start < 6:
            clause_start -= 1
        verb = _after_modal(s, m.end)
        if any(clause_start <= a.start and a.end <= m.start for a in actors):
            spans.append((m.start, m.end))
            continue
        if verb < len(s.tokens) and s.tokens[verb] == "be" and _token_in(s, cfg, "passive_participles", verb + 1):
            if not (m.start > 0 and s.tokens[m.start - 1] == "it"):
                spans.append((m.start, m.end))
            continue
        before = m.start - 1
        if before >= 0 and s.text[s.offsets[before]:s.offsets[before] + 1].isupper() and _token_in(
            s, cfg, "imperative_verbs", verb
        ):
            spans.append((m.start, m.end))
    first, led = _first_word(s, cfg)
    if first < len(s.tokens) and _token_in(s, cfg, "imperative_verbs", first):
        original = s.text[s.offsets[first]:s.offsets[first] + 1]
        finite = [f for f in matches_in(s, cfg, "finite_verbs") if first < f.start <= first + 3]
        if (original.isupper() or led) and not finite:
            spans.append((first, first + 1))
    return min(spans) if spans else None


def classify(s: Sentence, cfg: CriterionConfig) -> str:
    """One of: decision, question, hedge, options, process, none."""
    if s.text.rstrip().rstrip("\"')”’").endswith("?"):
        return "question"
    span = _decision_at(s, cfg)
    reach = cfg.settings["weak_reach"]
    if span is None:
        if has(s, cfg, "hedges"):
            return "hedge"
        if has(s, cfg, "option_markers"):
            return "options"
        if any(m.start <= _first_word(s, cfg)[0] + 1 for m in matches_in(s, cfg, "process_openers")):
            return "process"
        return "none"
    start, end = span
    if any(m.start < start for m in matches_in(s, cfg, "embedding")):
        return "none"  # "This memo looks at whether Acme should …" asks, it does not decide
    breaks = [i for i, t in enumerate(s.tokens) if t in (";", "—", "–") and i > end]
    for m in matches_in(s, cfg, "hedges"):
        if m.start < start:
            continue
        later_clause = [b for b in breaks if b < m.start]
        if not later_clause:
            return "hedge"
        clause_start = later_clause[-1]
        if any(d.start > clause_start for d in matches_in(s, cfg, "deferrals")):
            return "hedge"  # "…; further analysis is needed before we commit"
    if any(end <= m.start <= end + reach for m in matches_in(s, cfg, "weak_followers")):
        return "hedge"
    if any(m.start >= start for m in matches_in(s, cfg, "menu_after_decision")):
        return "options"
    return "decision"


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    window = cfg.settings["paragraph_window"]
    opening = doc.in_paragraphs(1, window)
    looked = f"{paragraphs_label(1, window)} (the first {window} body paragraphs)"
    suggestion = cfg.messages["suggestion"]
    if not opening:
        return result(cfg, False, message(cfg, "fail_none", where=looked), suggestion, looked=looked)
    kinds = [(classify(s, cfg), s) for s in opening]
    for kind, s in kinds:
        if kind == "decision":
            return result(cfg, True, message(cfg, "pass", where=s.where), found=[evidence(s, s.text)])
    # Nothing decisive up front: say what the opening does instead, and where a decision hides.
    later = [s for s in doc.sentences if s.paragraph > window and s.kind.value in ("paragraph", "list_item")]
    buried = next((s for s in later if classify(s, cfg) == "decision"), None)
    found = []
    for wanted, key in (("question", "fail_question"), ("hedge", "fail_hedge"), ("options", "fail_options"),
                        ("process", "fail_process")):
        hit = next((s for kind, s in kinds if kind == wanted), None)
        if hit is not None:
            found.append(evidence(hit, hit.text))
            msg = message(cfg, key, where=hit.where, looked=looked)
            break
    else:
        msg = message(cfg, "fail_none", where=looked)
    if buried is not None:
        found.append(evidence(buried, buried.text))
        msg = f"{msg} {message(cfg, 'fail_buried', where=buried.where)}"
    return result(cfg, False, msg, suggestion, found=found, looked=looked)
