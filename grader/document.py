"""The format-neutral document model every reader produces and every check reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a block is, as a reviewer skimming the page would see it."""

    TITLE = "title"
    COVER = "cover"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_CELL = "table_cell"
    CODE = "code"
    CAPTION = "caption"


BODY_KINDS = frozenset({Kind.PARAGRAPH, Kind.LIST_ITEM})


@dataclass(frozen=True)
class Block:
    """One unit of text in reading order.

    ``paragraph`` is the 1-based number of the body paragraph (¶) this block is, or belongs to;
    it is 0 for blocks before the first body paragraph (title, cover, leading headings).
    ``table``/``row``/``col`` locate table cells; ``level`` is a heading's level.
    """

    kind: Kind
    text: str
    page: int
    paragraph: int = 0
    level: int = 0
    table: int = -1
    row: int = -1
    col: int = -1

    @property
    def is_body(self) -> bool:
        return self.kind in BODY_KINDS


@dataclass(frozen=True)
class Document:
    """A parsed submission: ordered blocks plus the facts the rubric asks about."""

    source: str
    format: str
    blocks: tuple[Block, ...]
    page_count: int
    page_count_method: str  # "pdf", "estimated", "rendered", "markup"
    page_count_note: str = ""
    page_count_uncertainty: float = 0.0  # in pages, for an estimated count
    page_extent: float = 0.0  # an estimate's length in pages (2.6: two pages and 60% of a third); 0 if unknown
    figure_count: int = 0
    table_count: int = 0
    truncated_after_page: int = 0  # >0 when only a prefix of a huge file was analysed
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def word_count(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks if b.kind is not Kind.COVER)

    @property
    def body(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.is_body)
