"""Small helpers the checks share: quoting evidence and filling rubric messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..annotate import Match, Sentence
from ..results import CriterionResult, Evidence
from ..rubric import CriterionConfig

QUOTE_LIMIT = 280


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def span_text(sentence: Sentence, match: Match) -> str:
    """The original text of a match, with the sentence's own spelling and spacing."""
    start = sentence.offsets[match.start] if match.start < len(sentence.offsets) else 0
    end = sentence.offsets[match.end] if match.end < len(sentence.offsets) else len(sentence.text)
    return sentence.text[start:end].strip()


def evidence(sentence: Sentence, highlight: str = "") -> Evidence:
    return Evidence(quote(sentence.text), sentence.page, sentence.paragraph, sentence.where, highlight)


def message(config: CriterionConfig, key: str, **fields: object) -> str:
    return config.messages[key].format(**fields)


def result(
    config: CriterionConfig,
    passed: bool,
    msg: str,
    suggestion: str = "",
    found: Iterable[Evidence] = (),
    looked: str = "",
) -> CriterionResult:
    return CriterionResult(
        id=config.id,
        title=config.title,
        passed=passed,
        message=msg,
        suggestion="" if passed else suggestion,
        weight=config.weight,
        evidence=tuple(found),
        looked=looked,
        severity=config.severity,
    )


@lru_cache(maxsize=256)
def _word_starts(words: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\b(?:{alternatives})") if words else None


@lru_cache(maxsize=4096)
def starts_a_word(words: tuple[str, ...], text: str) -> bool:
    """Whether one of ``words`` starts at a word boundary in ``text``: ``re.search(rf"\b{re.escape(w)}", text)``
    for any w, as one compiled pattern, remembered for the headers and headings checks ask about repeatedly."""
    pattern = _word_starts(words)
    return pattern is not None and pattern.search(text) is not None


def matches_in(sentence: Sentence, config: CriterionConfig, name: str) -> tuple[Match, ...]:
    """The matches of one of the criterion's vocabularies in a sentence (``Sentence.find``, inlined:
    the checks ask this hundreds of times a page)."""
    return sentence.by_label.get(config.label(name), ())


def has(sentence: Sentence, config: CriterionConfig, name: str) -> bool:
    return config.label(name) in sentence.by_label


def paragraphs_label(first: int, last: int) -> str:
    return f"¶{first}" if first == last else f"¶{first}–¶{last}"
