"""Find money amounts and bare percentages in a sentence, in the notations people write."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_RANGE = rf"(?:{_NUM})(?:\s?(?:[-\u2013\u2014]|to)\s?(?:{_NUM}))?"
_SCALE = (
    r"(?:thousand|million|billion|mio\.?|mrd\.?|mln\.?|mn|mm|bn|k|m|b)(?![a-z])"
)
_EUR_PREFIX = r"(?:€|(?<![a-z])eur(?![a-z])\.?|\beuros?\b)"
_EUR_SUFFIX = r"(?:€|eur\b|euros?\b)"  # no \b before: "5EUR" has none
_USD_PREFIX = r"(?:us\$|\$|(?<![a-z])usd(?![a-z]))"
_USD_SUFFIX = r"(?:\$|usd\b|\b(?:us )?dollars?\b)"
_GBP_PREFIX = r"(?:£|(?<![a-z])gbp(?![a-z]))"
_GBP_SUFFIX = r"(?:£|gbp\b|\bpounds?(?: sterling)?\b)"
_OTHER = r"(?:(?<![a-z])(?:sek|nok|dkk|chf|pln|jpy)(?![a-z])|\bkr\b\.?|¥)"


def _money(prefix: str, suffix: str, first: str) -> str:
    """An amount with its currency before or after it. ``first`` holds the characters ``prefix`` can start
    with, so every match starts with one of them or with a digit; saying so in a lookahead lets the regex
    engine pass most positions after one character test instead of trying every branch (half the time)."""
    pre = rf"{prefix}\s?(?:{_RANGE})(?:\s?{_SCALE})?"
    post = rf"(?<![\w.,])(?:{_RANGE})(?:\s?{_SCALE})?\s?{suffix}"
    return rf"(?=[{first}\d])(?:{pre}|{post})"


_WORD_NUMBER = (
    r"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"a hundred|half a|a quarter of a|several)"
)
_WORD_AMOUNT = re.compile(rf"\b{_WORD_NUMBER}\s+(?:hundred\s+)?(?:thousand|million|billion)\s+euros?\b", re.I)
# (currency, pattern, words one of which every match holds). The patterns cost far more than a substring
# test, so a sentence is searched only with the patterns whose words it holds.
_PATTERNS = [
    ("EUR", _WORD_AMOUNT, ("euro",)),
    ("EUR", re.compile(_money(_EUR_PREFIX, _EUR_SUFFIX, "€e"), re.I), ("€", "eur")),
    ("USD", re.compile(_money(_USD_PREFIX, _USD_SUFFIX, "$u"), re.I), ("$", "usd", "dollar")),
    ("GBP", re.compile(_money(_GBP_PREFIX, _GBP_SUFFIX, "£g"), re.I), ("£", "gbp", "pound")),
    ("OTHER", re.compile(_money(_OTHER, _OTHER, "sndcpjk¥"), re.I), ("sek", "nok", "dkk", "chf", "pln", "jpy", "kr", "¥")),
]
_PERCENT = re.compile(
    rf"(?=[-+\d])(?<![\w.,])(?:[+-]\s?)?(?:{_RANGE})\s?(?:%|per ?cent\b|percentage points?\b|pp\b|p\.p\.|"
    r"bps\b|bp\b|basis points?\b)",
    re.I,
)
# A match that holds a digit starts at most this far before its first one: "euros 5", "eur. 5".
_PREFIX_REACH = 6
_PERCENT_WORDS = ("%", "per", "pp", "p.p.", "bp", "basis")
# The letters outside ASCII that re.I matches to an ASCII one (İ ı ſ K): in a text holding one, a
# lower-cased substring test could miss what a pattern finds, so every pattern is tried.
_NON_ASCII_LETTER = re.compile(r"(?=[^\x00-\x7f])(?i:[a-z])")
_SCALES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "mio": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "mrd": 1e9, "mln": 1e6,
}


@dataclass(frozen=True)
class Amount:
    text: str
    currency: str  # EUR, USD, GBP, OTHER, PERCENT
    start: int
    end: int
    value: float | None = None

    @property
    def is_money(self) -> bool:
        return self.currency != "PERCENT"


_WORD_VALUES = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "several": 3, "half": 0.5, "quarter": 0.25,
}
_YEAR = re.compile(r"^(?:euro|eur)\s?(?:19|20)\d\d$", re.I)
_NUM_RE = re.compile(_NUM)
_SCALE_AFTER = re.compile(rf"(?<![a-z]){_SCALE}")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3}){2,}")
_ONE_THOUSANDS = re.compile(r"\d{1,3}[.,]\d{3}")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")
_COMMA_DECIMAL = re.compile(r"\d+,\d+")


def _value(text: str) -> float | None:
    m = _NUM_RE.search(text)
    if not m:
        words = text.lower().split()
        base = next((_WORD_VALUES[w] for w in words if w in _WORD_VALUES and w != "a"), 1.0)
        if "hundred" in words:
            base *= 100
        scale = next((_SCALES[w] for w in words if w in _SCALES), 1.0)
        return base * scale

    raw = m.group(0).replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    scale = _SCALE_AFTER.search(text[m.end():].lower())
    # "1.200.000" / "1,200,000" are thousands, and so are "€1.500" / "€1,500" (money has no third
    # decimal); "2,3" / "2.3" and "€1.234M" have a decimal point.
    if _THOUSANDS.fullmatch(raw) or (_ONE_THOUSANDS.fullmatch(raw) and not scale):
        raw = re.sub(r"[.,]", "", raw)
    else:
        if "," in raw and "." in raw:
            raw = raw.replace(",", "") if raw.rfind(".") > raw.rfind(",") else raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", ".") if _DECIMAL_COMMA.fullmatch(raw) else raw.replace(",", "")
    try:
        number = float(raw)
    except ValueError:
        return None
    if scale:
        number *= _SCALES.get(scale.group(0).rstrip("."), 1.0)
    return number


def _percent_value(text: str) -> float | None:
    """The number of percent, points or basis points, signed: "-3%" is -3.0, "25 bps" is 25.0."""
    m = _NUM_RE.search(text)
    if not m:
        return None
    raw = m.group(0).replace(",", ".") if _COMMA_DECIMAL.fullmatch(m.group(0)) else m.group(0).replace(",", "")
    try:
        number = float(raw)
    except ValueError:
        return None
    return -number if text.lstrip().startswith("-") else number


_MAYBE_AMOUNT = re.compile(r"\d|thousand|million|billion", re.I)
_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = ("thousand", "million", "billion")


def _start(amount: Amount) -> int:
    return amount.start


def find_amounts(text: str) -> list[Amount]:
    """Money amounts (euro, dollar, pound, other) and percentages/basis points, left to right."""
    low = None if not text.isascii() and _NON_ASCII_LETTER.search(text) else text.lower()
    # Every amount holds a digit or a number word; most sentences hold neither. A case-insensitive
    # search for the words costs several substring tests, so it is kept for the texts whose letters
    # ``low`` could misrepresent.
    digit = _DIGIT.search(text)
    if digit is None and not (_MAYBE_AMOUNT.search(text) if low is None else any(w in low for w in _NUMBER_WORDS)):
        return []
    # No match that needs a digit starts before the first digit's reach: the search starts there.
    start = max(digit.start() - _PREFIX_REACH, 0) if digit is not None else 0
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    for currency, pattern, words in _PATTERNS:
        needs_digit = pattern is not _WORD_AMOUNT
        if needs_digit and digit is None:
            continue
        if low is not None and not any(w in low for w in words):
            continue  # no match can lack all of these words
        for m in pattern.finditer(text, start if needs_digit else 0):
            if any(m.start() < e and s < m.end() for s, e in taken) or _YEAR.match(m.group(0).strip()):
                continue  # "Euro 2024" is a tournament, not money
            taken.append((m.start(), m.end()))
            found.append(Amount(m.group(0).strip(), currency, m.start(), m.end(), _value(m.group(0))))
    if digit is not None and (low is None or any(w in low for w in _PERCENT_WORDS)):
        for m in _PERCENT.finditer(text, start):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(Amount(m.group(0).strip(), "PERCENT", m.start(), m.end(), _percent_value(m.group(0))))
    if len(found) > 1:
        found.sort(key=_start)
    return found
