"""Estimate a DOCX's page count from its content, since the stored count is routinely stale.

The body is measured (``docx_measure``: runs wrapped with their fonts' character widths, tables
with their column widths) and flowed down pages of each section's size and margins as Word and
LibreOffice do: the larger of one paragraph's space after and the next one's space before, no
space before at the top of a page text flowed onto, keep-with-next, keep-lines-together, widow
control, rows that move or split at a page end, page and section breaks.
``scripts/calibrate_docx.py`` measures the result against LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .docx_measure import Measure, Para, Table
from .docx_styles import Section, Settings


@dataclass
class LayoutItem:
    """One body element in order: a paragraph (``blocks``: the block index of each piece between
    page breaks, -1 for none) or a table (``blocks``: the block indices of each row)."""

    kind: str  # "para" or "table"
    element: object = None
    blocks: list = field(default_factory=list)


@dataclass
class Layout:
    pages: int
    block_pages: dict
    uncertainty: float
    extent: float = 0.0  # length in pages: 2.6 is two full pages and 60% of a third
    substituted_fonts: tuple[str, ...] = ()




class _Flow:
    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections
        self.index = 0
        self.page, self.y = 1, 0.0
        self.height = sections[0].usable_height
        self.columns = sections[0].columns
        self.column = 1
        self.natural = False  # the current page was begun by text flowing over, not by a break

    def new_page(self, natural: bool = True) -> None:
        if self.column < self.columns:
            self.column += 1
        else:
            self.page += 1
            self.column = 1
        self.y = 0.0
        self.natural = natural

    def next_section(self) -> bool:
        """Move to the next section; True when it begins on a new page."""
        if self.index + 1 >= len(self.sections):
            return False
        self.index += 1
        sec = self.sections[self.index]
        self.columns = sec.columns
        if sec.start == "continuous" or (self.y == 0 and not self.natural and self.page > 1):
            self.height = sec.usable_height if self.y == 0 else self.height
            return False  # a section that starts on a page a break has just begun needs no new one
        self.column = self.columns  # a new section starts a new page, not a new column
        self.new_page(natural=False)
        self.height = sec.usable_height
        return True

    def lines(self, heights: list[float], keep: bool, widow: bool, slack: float = 0.0) -> int:
        """Place a paragraph's lines; the page its first line lands on."""
        first = 0
        i, n = 0, len(heights)
        while i < n:
            room = self.height - self.y
            fit, used = 0, 0.0
            while i + fit < n and used + heights[i + fit] * (1.0 - slack) <= room + 0.01:
                used += heights[i + fit]
                fit += 1
            if i + fit >= n:
                first = first or self.page
                self.y += used
                break
            if self.y > 0 and (fit == 0 or (keep and sum(heights[i:]) <= self.height)):
                self.new_page()
                continue
            if widow and self.y > 0:
                if i == 0 and fit < 2:
                    self.new_page()
                    continue
                if n - i - fit < 2 and n - i >= 3:
                    fit = n - i - 2
                    used = sum(heights[i:i + fit])
            fit = max(fit, 1)
            used = sum(heights[i:i + fit])
            first = first or self.page
            self.y += used
            i += fit
            self.new_page()
        return first or self.page


def _measure_items(items: list[LayoutItem], settings: Settings, m: Measure) -> list:
    out = []
    section = 0
    for it in items:
        width = settings.sections[min(section, len(settings.sections) - 1)].usable_width
        if it.kind == "para":
            para = m.paragraph(it.element, width)
            para.blocks = it.blocks
            out.append(para)
            if para.section_end:
                section += 1
        elif it.kind == "table":
            table = m.table(it.element, width)
            for row, blocks in zip(table.rows, it.blocks, strict=False):
                row.blocks = blocks
            out.append(table)
    return out


def _first_height(x) -> float:
    """How much of an element must fit below a keep-with-next paragraph: its first line (or row)."""
    if isinstance(x, Table):
        return x.rows[0].height if x.rows else 0.0
    lines = [h for piece in x.pieces[:1] for h in piece][:2 if x.widow else 1]
    return x.before + sum(lines) - (lines[-1] * x.slack if lines else 0.0)


def estimate_pages(items: list[LayoutItem], settings: Settings) -> Layout:
    m = Measure(settings)
    measured = _measure_items(items, settings, m)
    flow = _Flow(settings.sections)
    block_pages: dict[int, int] = {}
    end = 0.0  # where the content ends on the last page, without trailing spacing
    pending = 0.0  # the previous paragraph's space after: the gap is the larger of it and the next space before
    blank_after_break = 0  # a page begun by a page break with nothing after it (LibreOffice does not print it)
    prev = None
    for i, x in enumerate(measured):
        nxt = measured[i + 1] if i + 1 < len(measured) else None
        if isinstance(x, Table):
            flow.y += pending if flow.y > 0 else 0.0
            pending = 0.0
            _table(flow, x, block_pages)
            end = flow.y
            prev = x
            continue
        if x.break_before and flow.y > 0:
            flow.new_page(natural=False)
        same_prev = isinstance(prev, Para) and prev.style == x.style
        before = 0.0 if (x.contextual and same_prev) else x.before
        gap = max(before, pending) if flow.y > 0 else (0.0 if flow.natural else before)
        if x.keep_next and flow.y > 0 and nxt is not None:
            need = gap + x.floats + sum(sum(p) for p in x.pieces) + _first_height(nxt)
            if flow.y + need > flow.height and need <= flow.height:
                flow.new_page()
                gap = 0.0
        if x.floats:
            if flow.y + gap + x.floats > flow.height and flow.y > 0:
                flow.new_page()
                gap = 0.0
            flow.y += x.floats
        flow.y += gap
        same_next = isinstance(nxt, Para) and nxt.style == x.style
        pending = 0.0 if (x.contextual and same_next) else x.after
        for k, piece in enumerate(x.pieces):
            if k > 0:
                flow.new_page(natural=False)
                if not piece and k == len(x.pieces) - 1:
                    pending = 0.0
                    blank_after_break = flow.page
            page = flow.lines(piece, x.keep_lines, x.widow, x.slack) if piece else flow.page
            if k < len(x.blocks) and x.blocks[k] >= 0:
                block_pages.setdefault(x.blocks[k], page)
        end = flow.y
        if x.section_end:
            if flow.next_section():
                pending = 0.0
            end = flow.y
        prev = x
    pages = max(flow.page - (1 if flow.y == 0 and blank_after_break == flow.page else 0), 1)
    extent = (pages - 1) + min(end / flow.height, 1.0) if flow.height else float(pages)
    uncertainty = 0.1 + 0.04 * pages + (0.08 * pages if m.substituted else 0.0) + min(0.05 * m.floats, 0.5)
    return Layout(pages=pages, block_pages=block_pages, uncertainty=round(uncertainty, 1), extent=round(extent, 2),
                  substituted_fonts=tuple(sorted(m.substituted)))


def _table(flow: _Flow, table: Table, block_pages: dict) -> None:
    """Rows flow down the page; a row that does not fit moves to the next page, or splits there
    between lines when it is tall and allowed to; header rows repeat on each new page."""
    header = sum(r.height for r in table.rows if r.header)
    for row in table.rows:
        if flow.y + row.height > flow.height + 0.01 and flow.y > 0:
            room = flow.height - flow.y
            if not row.cant_split and row.height > 2 * row.line and room >= row.line * 2:
                part = int(room // row.line) * row.line
                _pages(block_pages, row.blocks, flow.page)
                flow.new_page()
                flow.y = header + row.height - part
                continue
            flow.new_page()
            flow.y += header if not row.header else 0.0
        _pages(block_pages, row.blocks, flow.page)
        flow.y += row.height
        while flow.y > flow.height:
            flow.y -= flow.height
            flow.new_page()


def _pages(block_pages: dict, blocks: list, page: int) -> None:
    for b in blocks:
        if b >= 0:
            block_pages.setdefault(b, page)
