"""Turn a Document into sentences with their locations, vocabulary matches and amounts.

This is the only stage that touches spaCy. What comes out is plain frozen data, so checks stay
pure functions and results can cross process boundaries.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .document import Block, Document, Kind
from .money import Amount, find_amounts
from .nlp import MAX_CHARS_PER_BLOCK, Vocabularies, pipeline


@dataclass(frozen=True)
class Match:
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
    amounts: tuple[Amount, ...] = ()
    offsets: tuple[int, ...] = field(default=(), repr=False)  # char start of each token

    def token_at(self, char: int) -> int:
        """Index of the token that contains (or starts after) character ``char``."""
        for i, off in enumerate(self.offsets):
            if off > char:
                return max(i - 1, 0)
        return max(len(self.offsets) - 1, 0)

    @cached_property
    def _by_label(self) -> dict[str, list[Match]]:
        """The matches grouped by label, built on the first lookup: checks ask each sentence many times."""
        out: dict[str, list[Match]] = {}
        for m in self.matches:
            out.setdefault(m.label, []).append(m)
        return out

    def find(self, label: str) -> list[Match]:
        return list(self._by_label.get(label, ())) if self.matches else []

    def has(self, label: str) -> bool:
        return bool(self.matches) and label in self._by_label

    @property
    def where(self) -> str:
        if self.kind is Kind.TABLE_CELL:
            return f"page {self.page}, table row"
        if self.paragraph:
            return f"page {self.page}, ¶{self.paragraph}"
        return f"page {self.page}"


@dataclass(frozen=True)
class AnnotatedDocument:
    document: Document
    sentences: tuple[Sentence, ...]

    def in_paragraphs(self, first: int, last: int) -> list[Sentence]:
        return [s for s in self.sentences if first <= s.paragraph <= last and s.kind.value in ("paragraph", "list_item")]


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


def _sentence_starts(text: str, tokens: list[tuple[int, int, bool]], punct_chars: set[str]) -> list[int]:
    """The tokens spaCy's sentencizer starts sentences at, by its rule: after sentence-final punctuation
    ("." "!" "?" and the like), the first token that is not punctuation. Applied here to the
    (start, length, is_punct) of each token, it spares the per-token objects the component creates."""
    starts = [0]
    seen_period = False
    for k, (i, n, is_punct) in enumerate(tokens):
        final = text[i:i + n] in punct_chars
        if seen_period and not is_punct and not final:
            starts.append(k)
            seen_period = False
        elif final:
            seen_period = True
    return starts


def annotate(document: Document, vocabularies: Mapping[str, Sequence[str]] | Vocabularies) -> AnnotatedDocument:
    nlp = pipeline()
    vocab = vocabularies if isinstance(vocabularies, Vocabularies) else Vocabularies(vocabularies)
    units = list(_units(document))
    texts = [u[2][:MAX_CHARS_PER_BLOCK] for u in units]
    sentences: list[Sentence] = []
    punct_chars = nlp.get_pipe("sentencizer").punct_chars
    for (bi, block, _text, section, header), text, doc in zip(units, texts, map(nlp.make_doc, texts), strict=True):
        # One pass over spaCy's tokens; every sentence, match and text below is sliced from the text
        # (spaCy keeps it whole: doc.text == text). A token's text is its slice, a span's runs from its
        # first token's start to its last token's end, and spaCy's lower_ is str.lower() of a token.
        tokens = [(t.idx, len(t), t.is_punct) for t in doc]
        idxs = [i for i, _, _ in tokens]
        ends = [i + n for i, n, _ in tokens]
        lowers = [text[i:e].lower() for i, e in zip(idxs, ends, strict=True)]
        if block.kind in (Kind.TABLE_CELL, Kind.CODE, Kind.HEADING):
            starts = [0]
        elif tokens:
            starts = _sentence_starts(text, tokens, punct_chars)
        else:
            starts = []
        bounds = list(zip(starts, [*starts[1:], len(tokens)], strict=True))
        by_sent: dict[int, list[Match]] = {}
        for label, start, end in vocab.matches(doc, lowers):
            k = max(bisect_right(starts, start) - 1, 0)
            s0 = starts[k]
            by_sent.setdefault(k, []).append(Match(label, start - s0, end - s0, text[idxs[start]:ends[end - 1]]))
        for k, (s0, s1) in enumerate(bounds):
            sent = text[idxs[s0]:ends[s1 - 1]].rstrip() if s1 > s0 else ""
            if not sent.strip():
                continue
            found = by_sent.get(k)
            first = idxs[s0]
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
                    matches=tuple(sorted(found, key=lambda m: (m.start, m.end))) if found else (),
                    amounts=tuple(find_amounts(sent)),
                    offsets=tuple(i - first for i in idxs[s0:s1]),
                )
            )
    return AnnotatedDocument(document, tuple(sentences))
