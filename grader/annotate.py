"""Turn a Document into sentences with their locations, vocabulary matches and (on first use) amounts.

This is the only stage that touches spaCy. What comes out is plain frozen data, so checks stay
pure functions and results can cross process boundaries.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from itertools import repeat
from operator import itemgetter, sub
from typing import NamedTuple

from .document import BODY_KINDS, Block, Document, Kind
from .money import Amount, find_amounts
from .nlp import MAX_CHARS_PER_BLOCK, Vocabularies, pipeline, sentence_finals, token_columns


class Match(NamedTuple):
    """A vocabulary phrase found in a sentence. A named tuple, not a dataclass: a page holds hundreds,
    and a tuple is built in under half the time of a frozen dataclass."""

    label: str
    start: int  # token index in the sentence
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    """A sentence (or a table row) with where it sits in the document."""

    text: str
    tokens: tuple[str, ...]  # lower-cased token texts
    block: int  # index into Document.blocks
    index: int  # sentence number within its block, from 0
    page: int
    paragraph: int
    kind: Kind
    section: str = ""  # the nearest heading above, lower-cased
    header: str = ""  # a table row's header row, lower-cased
    matches: tuple[Match, ...] = ()
    offsets: tuple[int, ...] = field(default=(), repr=False)  # char start of each token
    # The matches by label, each label's in token order: checks ask each sentence for many labels.
    # Built from ``matches`` unless given; ``annotate`` gives it, so the grouping is done while the
    # matches are fresh in the cache (grouping later, in the checks, costs twice as much).
    by_label: Mapping[str, tuple[Match, ...]] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.by_label is None:
            object.__setattr__(self, "by_label", _group(self.matches))

    @cached_property
    def amounts(self) -> tuple[Amount, ...]:
        """The money amounts and percentages, left to right. Found on first use: only the euro-impact
        check reads them, and it stops at the first impact, so most sentences of a draft that passes it
        are never searched (the patterns cost more than all else a sentence needs)."""
        return tuple(find_amounts(self.text))

    def token_at(self, char: int) -> int:
        """Index of the token that contains (or starts after) character ``char``."""
        return max(bisect_right(self.offsets, char) - 1, 0)  # offsets rise strictly: no token is empty

    def find(self, label: str) -> tuple[Match, ...]:
        """The matches of one vocabulary label, in token order."""
        return self.by_label.get(label, ())

    def has(self, label: str) -> bool:
        return label in self.by_label

    @property
    def where(self) -> str:
        if self.kind is Kind.TABLE_CELL:
            return f"page {self.page}, table row"
        if self.paragraph:
            return f"page {self.page}, ¶{self.paragraph}"
        return f"page {self.page}"


def _group(matches: Sequence[Match]) -> dict[str, tuple[Match, ...]]:
    out: dict[str, tuple[Match, ...]] = {}
    for m in matches:
        out[m.label] = (*out.get(m.label, ()), m)
    return out


# Match(*fields) without the Python-level frame of a named tuple's __new__: a page holds hundreds.
_as_match = partial(tuple.__new__, Match)


@dataclass(frozen=True)
class AnnotatedDocument:
    document: Document
    sentences: tuple[Sentence, ...]

    def in_paragraphs(self, first: int, last: int) -> list[Sentence]:
        """The body sentences (paragraphs and list items) of paragraphs ``first`` to ``last``."""
        return [s for s in self.sentences if first <= s.paragraph <= last and s.kind in BODY_KINDS]


def _units(document: Document) -> Iterator[tuple[int, Block, str, str, str]]:
    """Yield (block index, block, text, section, header) for each unit to analyse.

    Table cells are merged into one unit per row so that a risk and its mitigation in one row
    are read together; the header row travels with every row.
    """
    section = ""
    headers: dict[int, str] = {}
    rows: dict[tuple[int, int], list[tuple[int, Block]]] = {}
    order: list[tuple[int, int] | int] = []
    for i, block in enumerate(document.blocks):
        if block.kind in (Kind.COVER, Kind.TITLE):
            continue
        if block.kind is Kind.TABLE_CELL:
            key = (block.table, block.row)
            if key not in rows:
                rows[key] = []
                order.append(key)
            rows[key].append((i, block))
            continue
        order.append(i)
    sections: dict[int, str] = {}
    for i, block in enumerate(document.blocks):
        if block.kind is Kind.HEADING:
            section = block.text.lower()
        sections[i] = section
    for item in order:
        if isinstance(item, tuple):
            cells = rows[item]
            text = " | ".join(b.text for _, b in cells if b.text)
            if item[1] == 0:
                headers[item[0]] = text.lower()
            first_i, first = cells[0]
            yield first_i, first, text, sections[first_i], headers.get(item[0], "") if item[1] else ""
        else:
            block = document.blocks[item]
            yield item, block, block.text, sections[item], ""


@lru_cache(maxsize=8)
def _final_punctuation(punct_chars: frozenset[str]) -> re.Pattern[str]:
    """Where sentence-final punctuation may be: a superset, each hit is checked against ``punct_chars``.
    spaCy's are single characters, searched as one character class; its characters beyond the Basic
    Multilingual Plane are widened to the whole range, since re tests those one by one and the class
    would cost twenty times more."""
    longer = sorted((c for c in punct_chars if len(c) > 1), key=len, reverse=True)
    single = "".join(re.escape(c) for c in sorted(punct_chars) if len(c) == 1 and c <= "\uffff")
    return re.compile("|".join([*map(re.escape, longer), f"[{single}\U00010000-\U0010ffff]"]))


def _sentence_starts(text: str, tokens: Sequence[tuple[int, int, bool]], punct_chars: Set[str]) -> list[int]:
    """The tokens spaCy's sentencizer starts sentences at, by its rule: after sentence-final punctuation
    ("." "!" "?" and the like), the first token that is not punctuation. Applied here to the
    (start, length, is_punct) of each token, it spares the per-token objects the component creates;
    ``annotate`` calls ``_starts`` with the same rule on spaCy's token columns."""
    idxs = [i for i, _, _ in tokens]
    ends = [i + n for i, n, _ in tokens]
    return _starts(text, idxs, ends, lambda k: tokens[k][2], frozenset(punct_chars))


def _starts(text: str, idxs: list[int], ends: list[int], is_punct: Callable[[int], bool],
            finals: frozenset[str]) -> list[int]:
    """``_sentence_starts`` on token columns. A sentence ends only at one of ``finals``, so only the tokens
    at those characters, and the few after them, are looked at."""
    starts = [0]
    n = len(idxs)
    after = 0  # a new sentence starts at or after this token
    for m in _final_punctuation(finals).finditer(text):
        at = m.start()
        k = bisect_left(idxs, at)  # the token that starts there, if one does
        if k < after or k == n or idxs[k] != at or text[at:ends[k]] not in finals:
            continue
        k += 1
        while k < n and (is_punct(k) or text[idxs[k]:ends[k]] in finals):
            k += 1
        if k == n:
            break
        starts.append(k)
        after = k
    return starts


def annotate(document: Document, vocabularies: Mapping[str, Sequence[str]] | Vocabularies) -> AnnotatedDocument:
    nlp = pipeline()
    vocab = vocabularies if isinstance(vocabularies, Vocabularies) else Vocabularies(vocabularies)
    sentences: list[Sentence] = []
    finals = sentence_finals()
    for bi, block, text, section, header in _units(document):
        text = text[:MAX_CHARS_PER_BLOCK]
        doc = nlp.make_doc(text)
        # Every sentence, match and text below is sliced from the text (spaCy keeps it whole:
        # doc.text == text): a token's text is its slice, and a span's runs from its first token's start
        # to its last token's end.
        idxs, ends, lowers = token_columns(doc)
        if block.kind in (Kind.TABLE_CELL, Kind.CODE, Kind.HEADING):
            starts = [0]
        elif idxs:
            starts = _starts(text, idxs, ends, lambda k, doc=doc: doc[k].is_punct, finals)
        else:
            starts = []
        # Matches in token order, ties in the order found; a sentence's are then one run of them.
        found = sorted(vocab.matches(doc, lowers), key=_SPAN)
        run = 0
        for k, (s0, s1) in enumerate(zip(starts, [*starts[1:], len(idxs)], strict=True)):
            first = run
            run = bisect_left(found, s1, lo=run, key=_START)
            sent = text[idxs[s0]:ends[s1 - 1]].rstrip() if s1 > s0 else ""
            if not sent.strip():
                continue
            at = idxs[s0]
            matches = tuple(map(_as_match, [(label, a - s0, b - s0, text[idxs[a]:ends[b - 1]])
                                            for label, a, b in found[first:run]]))
            sentences.append(
                Sentence(
                    text=sent,
                    tokens=tuple(lowers[s0:s1]),
                    block=bi,
                    index=k,
                    page=block.page,
                    paragraph=block.paragraph,
                    kind=block.kind,
                    section=section,
                    header=header,
                    matches=matches,
                    offsets=tuple(map(sub, idxs[s0:s1], repeat(at))),
                    by_label=_group(matches),
                )
            )
    return AnnotatedDocument(document, tuple(sentences))


_SPAN = itemgetter(1, 2)
_START = itemgetter(1)
