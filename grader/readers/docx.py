"""DOCX: read a Word file into a Document, with its page count estimated, or rendered when asked.

The work is split by stage: ``docx_package`` opens the package and parses the parts used,
``docx_body`` walks the body into blocks, ``docx_layout`` (with ``docx_measure``, ``docx_wrap`` and
``docx_styles``) estimates where the pages break, and this module puts the pieces together and
counts the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..document import Document
from ..errors import (
    EncryptedDocument,
    GraderError,
    HostileDocument,
    NoTextLayer,
    OversizedDocument,
    UnreadableDocument,
)
from ..profile import stage
from .docx_body import MAX_BLOCKS, MAX_DEPTH, BodyReader
from .docx_layout import Layout, estimate_pages
from .docx_package import WordPackage, open_word
from .ooxml import open_package
from .structure import finalize
from .text import WORDS_PER_PAGE  # the word-count fallback, as for plain-text drafts


def read_docx(path: Path, max_pages: int | None = None, renderer: str | None = None) -> Document:
    """Read a Word file. ``renderer`` picks how pages are counted (see grader.render): ``auto``,
    ``libreoffice`` or ``none``; None reads ``$GRADER_RENDERER``, default ``auto``."""
    from lxml import etree

    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise EncryptedDocument(f"{path.name} is password-protected (encrypted Word file)")
    pkg = open_package(path)  # the zip-bomb and archive checks, then the package they checked
    try:
        d = open_word(pkg)
        if d.body is None:
            raise UnreadableDocument(f"{path.name} has no document body")
        reader = BodyReader(d, max_pages)
        reader.body(d.body)
    except GraderError:
        raise
    except RecursionError:
        raise HostileDocument(f"{path.name} nests its content too deeply to read",
                              "re-save the document from Word as .docx, or export a PDF") from None
    except MemoryError:
        raise OversizedDocument(f"{path.name} needs more memory to read than the grader allows") from None
    except (etree.XMLSyntaxError, etree.LxmlError) as exc:
        raise UnreadableDocument(f"{path.name} has malformed XML ({str(exc)[:100]})") from None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise UnreadableDocument(f"{path.name} could not be parsed ({type(exc).__name__}: {str(exc)[:100]})") from None
    layout_failed = False
    try:
        with stage("layout"):
            layout: Layout = estimate_pages(reader.layout, reader.settings)
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        # Absurd style values (a zero font size, say) must not sink the file: fall back to words.
        words = sum(len(b.text.split()) for b in reader.raw)
        pages = max(1, round(words / WORDS_PER_PAGE))
        layout = Layout(pages=pages, block_pages={}, uncertainty=1.0, extent=float(pages))
        layout_failed = True
    raw = reader.raw
    for i, block in enumerate(raw):
        block.page = layout.block_pages.get(i, block.page)
    # Carry pages forward for blocks the layout did not place (text boxes, table cells).
    page = 1
    for block in raw:
        if block.page > 1:
            page = block.page
        elif block.page < page:
            block.page = page
    notes = []
    if layout_failed:
        notes.append(f"page count estimated from the word count ({WORDS_PER_PAGE} words a page): "
                     "the layout could not be estimated")
    if d.kind != "document":
        notes.append(f"read as a Word {d.kind}" + ("; its macros were ignored" if "macro" in d.kind else ""))
    if d.strict:
        notes.append("saved as Strict Open XML")
    if len(raw) >= MAX_BLOCKS:
        notes.append(f"only the first {MAX_BLOCKS} blocks were analysed")
    if reader.deep_tables:
        notes.append(f"tables nested more than {MAX_DEPTH} deep were read as plain text")
    blocks = finalize(raw)
    if not blocks:
        if reader.figures:
            raise NoTextLayer(f"{path.name} has no text, only {reader.figures} picture(s)",
                              "type the text into the document rather than pasting pictures of it, "
                              "or check that this is the right file")
        raise UnreadableDocument(f"{path.name} contains no text", "check that this is the right file")
    with stage("layout"):
        count = _count_pages(path, layout, renderer, layout_failed)
    notes[:0] = count.notes
    stored = _stored_pages(d)
    if stored is not None and stored != count.pages:
        notes.append(f"the file's stored page count says {stored}; {count.verb} {count.pages}")
    if reader.rendered_breaks and reader.rendered_breaks + 1 != count.pages:
        notes.append(f"Word's last layout had {reader.rendered_breaks + 1} page(s)")
    if count.pages < layout.pages:  # the estimate ran long: no block lies past the last real page
        blocks = tuple(replace(b, page=min(b.page, count.pages)) for b in blocks)
    return Document(
        source=str(path), format="docx", blocks=blocks, page_count=count.pages,
        page_count_method=count.method, page_count_note=count.note,
        page_count_uncertainty=count.uncertainty, page_extent=count.extent,
        figure_count=reader.figures, table_count=reader.tables, notes=tuple(notes),
    )


@dataclass(frozen=True)
class _Count:
    pages: int
    method: str
    note: str
    uncertainty: float
    extent: float
    notes: tuple[str, ...]

    @property
    def verb(self) -> str:
        return "LibreOffice renders" if self.method == "rendered" else "the grader estimates"


def _count_pages(path: Path, layout: Layout, renderer: str | None, layout_failed: bool) -> _Count:
    """Rendered by LibreOffice when asked for and possible (cached by content), else the estimate."""
    from ..render import RenderFailed, check_renderer, find_soffice, render_page_count

    fonts = ", ".join(f.title() for f in layout.substituted_fonts[:3])
    name = check_renderer(renderer)
    exe = find_soffice() if name != "none" else None
    failure = ""
    if exe is not None:
        try:
            rendered = render_page_count(path, soffice=exe)
        except (RenderFailed, OSError) as exc:
            failure = f"LibreOffice could not render it ({str(exc)[:120]}), so the page count is estimated"
        else:
            notes = []
            if rendered.pages != layout.pages and not layout_failed:
                notes.append(f"the estimate from its content was {layout.pages} page(s)")
            if fonts:
                notes.append(f"rendered with stand-ins for {fonts}; Word, with the real fonts, may differ")
            return _Count(rendered.pages, "rendered", "", 0.0, 0.0, tuple(notes))
    notes = [failure] if failure else []
    if fonts and not layout_failed:
        notes.append(f"{fonts} {'has' if len(layout.substituted_fonts) == 1 else 'have'} no metric-compatible "
                     "stand-in, so the estimate is less certain")
    return _Count(layout.pages, "estimated", f"±{layout.uncertainty:.1f} page", layout.uncertainty,
                  layout.extent, tuple(notes))


def _stored_pages(d: WordPackage) -> int | None:
    """docProps/app.xml <Pages>: a cross-check only, since it is routinely stale."""
    m = re.search(rb"<(?:\w+:)?Pages>\s*(\d{1,6})\s*</", d.app or b"")
    return int(m.group(1)) if m else None
