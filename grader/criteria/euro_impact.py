"""A euro-quantified impact.

Reviewers want back-of-envelope money that the recommendation moves: revenue recovered, savings,
losses avoided, or what it costs, in euros. A euro figure that only sets the scene (an average order
value, a fee, the company's GMV) does not count; neither do dollars or pounds with no euro
equivalent, nor percentages and basis points on their own.
"""

from __future__ import annotations

import re

from ..annotate import AnnotatedDocument, Sentence
from ..document import Kind
from ..money import Amount
from ..results import CriterionResult
from ..rubric import CriterionConfig
from ._common import evidence, matches_in, message, result, starts_a_word

ID = "euro-impact"
TITLE = "Impact quantified in euros"
SETTINGS = {"context_reach": (int, 6), "unit_reach": (int, 3), "min_impact_eur": (int, 1000), "currency": (str, "EUR")}
CURRENCIES = ("EUR", "USD", "GBP")  # what ``currency`` may name; the rest of the money found is "another currency"
CHOICES = {"currency": CURRENCIES}
VOCAB = ("impact_cues", "time_cues", "context_cues", "scale_cues", "threshold_cues", "unit_cues")
MESSAGES = (
    "pass", "fail_context", "fail_other_currency", "fail_percent_only", "fail_no_impact", "fail_none", "suggestion",
)
EXAMPLES = {
    "pass": [
        "This could recover roughly €2.3M in lost revenue annually.",
        "Savings of EUR 450k a year from fewer manual reviews.",
        "We estimate 2.3 million euros in avoided fraud losses.",
    ],
    "fail": [
        "With an average order value of €120, checkout matters.",
        "The change is worth about $2.5M a year.",
        "Conversion rises by 3% and defaults fall 25 bps.",
    ],
}

SCALE_REACH = 6  # "the market is worth €12bn": scale words count only close to the amount
_SKIPPED = (Kind.CODE, Kind.HEADING, Kind.TITLE, Kind.COVER)
_HEADERS = {
    "EUR": re.compile(r"€|\beur\b|\beuros?\b", re.I),
    "USD": re.compile(r"\$|\busd\b|\bdollars?\b", re.I),
    "GBP": re.compile(r"£|\bgbp\b|\bpounds?\b", re.I),
}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s?(?:k|m|bn|mn)?\b", re.I)


def _role(s: Sentence, amount: Amount, cfg: CriterionConfig) -> str:
    """'context', 'impact' or 'bare' for one euro amount in its sentence."""
    first = s.token_at(amount.start)
    last = s.token_at(max(amount.end - 1, amount.start))
    reach, unit_reach = cfg.settings["context_reach"], cfg.settings["unit_reach"]
    # Look left only as far as the clause goes: "AOV is €120; recovering 5% is worth €2.3M".
    breaks = [i for i, t in enumerate(s.tokens[:first]) if t in (";", ":", "—", "(")]
    reach = min(reach, first - breaks[-1] - 1) if breaks else reach
    if amount.value is not None and amount.value < cfg.settings["min_impact_eur"]:
        return "context"
    impact = matches_in(s, cfg, "impact_cues")
    impact_before = any(first - reach <= i.start and i.end <= first for i in impact)
    for m in matches_in(s, cfg, "scale_cues"):
        before = first - min(reach, SCALE_REACH) <= m.start and m.end <= first + 1
        after = last < m.start <= last + unit_reach + 2 and not impact_before  # "made €310m of revenue last year"
        if before or after:
            return "context"  # the size of a market, a salary, last year's revenue
    for m in matches_in(s, cfg, "context_cues"):
        if first - reach <= m.start and m.end <= first + 1:
            # "abandoned baskets are worth €2.3M": an impact word between cue and amount wins,
            # but not a time word ("average annual premium of €1,140" stays context).
            time_words = {t.lower() for t in cfg.vocab["time_cues"]}
            if not any(m.end <= i.start and i.end <= first for i in impact if i.text.lower() not in time_words):
                return "context"
    for m in matches_in(s, cfg, "threshold_cues"):
        if m.end == first and not any(first - 3 <= i.start < m.start for i in impact):
            return "context"  # "withdrawals above €1,000": a rule's threshold, not an effect
    for m in matches_in(s, cfg, "unit_cues"):
        if last < m.start <= last + unit_reach:
            return "context"
    if impact:
        return "impact"
    return "bare"


def _currency(cfg: CriterionConfig) -> str:
    return cfg.settings["currency"].upper()  # one of CHOICES["currency"]: the rubric loader checks


def _euro_column_impact(s: Sentence, cfg: CriterionConfig) -> bool:
    """A table row under a header like 'Annual impact (€M)' whose cells hold bare numbers."""
    if s.kind is not Kind.TABLE_CELL or not s.header or not _HEADERS[_currency(cfg)].search(s.header):
        return False
    cues = tuple(c.lower().rstrip("*") for c in cfg.vocab["impact_cues"])
    return starts_a_word(cues, s.header) and bool(_NUMBER.search(s.text))


def check(doc: AnnotatedDocument, cfg: CriterionConfig) -> CriterionResult:
    context: list[tuple[Sentence, Amount]] = []
    bare: list[tuple[Sentence, Amount]] = []
    other: list[tuple[Sentence, Amount]] = []
    percents: list[tuple[Sentence, Amount]] = []
    suggestion = cfg.messages["suggestion"]
    target = _currency(cfg)
    previous: Sentence | None = None
    for s in doc.sentences:
        if s.kind in _SKIPPED:
            continue
        # "€12 per subscriber in ad revenue. Across 80,000 subscribers that is EUR 960,000."
        carried = previous is not None and previous.block == s.block and bool(matches_in(previous, cfg, "impact_cues"))
        previous = s
        for a in s.amounts:
            if a.currency == target:
                role = _role(s, a, cfg)
                if role == "bare" and carried:
                    role = "impact"
                if role == "impact":
                    return result(cfg, True, message(cfg, "pass", amount=a.text, where=s.where),
                                  found=[evidence(s, a.text)])
                (context if role == "context" else bare).append((s, a))
            elif a.currency == "PERCENT":
                percents.append((s, a))
            else:
                other.append((s, a))
        if _euro_column_impact(s, cfg):
            return result(cfg, True, message(cfg, "pass", amount=s.text, where=s.where), found=[evidence(s)])
    looked = f"all {len([s for s in doc.sentences if s.kind not in _SKIPPED])} sentences and table rows"

    def listed(items: list[tuple[Sentence, Amount]]) -> str:
        """The three largest amounts, each once, with where they are."""
        seen, out = set(), []
        for s, a in sorted(items, key=lambda item: -(item[1].value or 0)):
            if a.text not in seen:
                seen.add(a.text)
                out.append(f"'{a.text}' ({s.where})")
        return ", ".join(out[:3])

    found, quoted = [], set()
    for s, a in bare + other + context + percents:
        if s.text not in quoted and len(found) < 4:  # one quote per sentence, however many amounts it holds
            quoted.add(s.text)
            found.append(evidence(s, a.text))
    if bare:
        msg = message(cfg, "fail_no_impact", found=listed(bare))
    elif other:
        msg = message(cfg, "fail_other_currency", found=listed(other))
    elif context:
        msg = message(cfg, "fail_context", found=listed(context))
    elif percents:
        msg = message(cfg, "fail_percent_only", found=listed(percents))
    else:
        msg = message(cfg, "fail_none", looked=looked)
    return result(cfg, False, msg, suggestion, found=found, looked=looked)
