"""DOCX: body order with paragraphs and tables interleaved, styles, lists, text boxes.

The XML is walked directly (one style-id lookup table, no per-paragraph ``style.name``) because
python-docx's object layer is slow on long files and skips text boxes and tracked insertions.
Headers and footers are kept apart from the body. The package is opened by ``ooxml.Package``, not
python-docx, so macro-enabled documents, templates and Strict Open XML are read as well, and every
XML part is parsed without entity expansion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..document import Document, Kind
from ..errors import (
    EncryptedDocument,
    GraderError,
    HostileDocument,
    NoTextLayer,
    OversizedDocument,
    UnreadableDocument,
)
from ..profile import stage
from .docx_layout import Layout, LayoutItem, estimate_pages
from .docx_styles import read_settings
from .ooxml import MAX_MAIN_PART, Package, check_package
from .structure import RawBlock, finalize
from .text import WORDS_PER_PAGE  # the word-count fallback, as for plain-text drafts

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


T, TAB, BR, CR, P, TBL, TR, TC, SDT, SDTCONTENT = (q(x) for x in ("t", "tab", "br", "cr", "p", "tbl", "tr", "tc", "sdt", "sdtContent"))
TXBX, DEL, MOVEFROM, PPR, RPR, INSTR = (q(x) for x in ("txbxContent", "del", "moveFrom", "pPr", "rPr", "instrText"))
DRAWING, PICT, LRPB, NOBREAK_HYPHEN, SOFT_HYPHEN = (q(x) for x in ("drawing", "pict", "lastRenderedPageBreak", "noBreakHyphen", "softHyphen"))
FALLBACK = f"{{{MC}}}Fallback"
CHOICE = f"{{{MC}}}Choice"
ALTERNATE = f"{{{MC}}}AlternateContent"
PAGE_BREAK = "\x0c"
MAX_BLOCKS = 20_000
MAX_DEPTH = 12
_CODE_STYLE = re.compile(r"code|source|preformatted|macro|console|verbatim", re.I)


@dataclass
class _Para:
    text: str
    boxes: list
    figures: int
    rendered_breaks: int
    bold: bool


def _walk(el, out: list[str], boxes: list, state: dict, depth: int = 0) -> None:
    for child in el:
        tag = child.tag
        if tag == T:
            out.append(child.text or "")
        elif tag == TAB:
            out.append(" ")
        elif tag in (BR, CR):
            out.append(PAGE_BREAK if child.get(q("type")) == "page" else " ")
        elif tag == NOBREAK_HYPHEN:
            out.append("-")
        elif tag == LRPB:
            state["rendered"] += 1
        elif tag == TXBX:
            boxes.append(child)
        elif tag in (DRAWING, PICT):
            if not any(True for _ in child.iter(TXBX)):  # a text box is not a figure
                state["figures"] += 1
            _walk(child, out, boxes, state, depth + 1)
        elif tag == ALTERNATE:
            branch = _alternate(child)
            if branch is not None and depth < 40:
                _walk(branch, out, boxes, state, depth + 1)
        elif tag in (FALLBACK, DEL, MOVEFROM, INSTR) or not isinstance(tag, str):
            continue
        elif depth < 40:
            _walk(child, out, boxes, state, depth + 1)


def _alternate(el):
    """The branch of an mc:AlternateContent to read: the first Choice that carries text, else the
    Fallback if it does (a text box whose modern form points into a separate beta-format part), else
    the first Choice (for its picture)."""
    choices = [c for c in el if c.tag == CHOICE]
    fallback = next((c for c in el if c.tag == FALLBACK), None)

    def has_text(branch) -> bool:
        return any(True for _ in branch.iter(T, TXBX))

    for branch in choices:
        if has_text(branch):
            return branch
    if fallback is not None and has_text(fallback):
        return fallback
    return choices[0] if choices else fallback


def _bold(p) -> bool:
    runs = [r for r in p.iter(q("r")) if "".join(t.text or "" for t in r.iter(T)).strip()]
    if not runs:
        return False
    for r in runs:
        rpr = r.find(RPR)
        b = rpr.find(q("b")) if rpr is not None else None
        if b is None or b.get(q("val")) in ("0", "false", "off"):
            return False
    return True


def _para(p) -> _Para:
    out: list[str] = []
    boxes: list = []
    state = {"rendered": 0, "figures": 0}
    _walk(p, out, boxes, state)
    return _Para("".join(out), boxes, state["figures"], state["rendered"], _bold(p))


class _Reader:
    def __init__(self, docx_document, max_pages: int | None) -> None:
        self.doc = docx_document
        self.styles = self._style_table()
        self.settings = read_settings(docx_document.element.body, docx_document.styles.element,
                                      docx_document.theme, docx_document.numbering)
        self.raw: list[RawBlock] = []
        self.layout: list[LayoutItem] = []
        self.tables = 0
        self.figures = 0
        self.rendered_breaks = 0
        self.deep_tables = 0
        self.max_pages = max_pages

    def _style_table(self) -> dict[str, str]:
        table = {}
        try:
            root = self.doc.styles.element
        except (KeyError, AttributeError, ValueError):
            return table
        for st in root.iter(q("style")):
            sid = st.get(q("styleId"))
            name = st.find(q("name"))
            if sid:
                table[sid] = (name.get(q("val")) if name is not None else sid) or sid
        return table

    def _style_of(self, p) -> tuple[str, str]:
        ppr = p.find(PPR)
        sid = ""
        if ppr is not None:
            ps = ppr.find(q("pStyle"))
            if ps is not None:
                sid = ps.get(q("val")) or ""
        return sid, self.styles.get(sid, sid)

    def _kind(self, p, name: str, para: _Para) -> tuple[Kind, int]:
        low = name.lower()
        ppr = p.find(PPR)
        if low == "title":
            return Kind.TITLE, 1
        if low == "subtitle":
            return Kind.COVER, 0
        m = re.match(r"heading\s*(\d)", low)
        if m:
            return Kind.HEADING, int(m.group(1))
        if ppr is not None:
            ol = ppr.find(q("outlineLvl"))
            if ol is not None and (ol.get(q("val")) or "9").isdigit() and int(ol.get(q("val"))) < 9:
                return Kind.HEADING, int(ol.get(q("val"))) + 1
        if "caption" in low:
            return Kind.CAPTION, 0
        if _CODE_STYLE.search(low):
            return Kind.CODE, 0
        if "list" in low or (ppr is not None and ppr.find(q("numPr")) is not None):
            return Kind.LIST_ITEM, 0
        words = para.text.split()
        if para.bold and 0 < len(words) <= 10 and not re.search(r"[.!?;,]$", para.text.strip()):
            return Kind.HEADING, 3
        return Kind.PARAGRAPH, 0

    def _emit(self, kind: Kind, text: str, level: int = 0, **cell) -> None:
        if len(self.raw) >= MAX_BLOCKS:
            return
        self.raw.append(RawBlock(kind, text, 1, level, **cell))

    def paragraph(self, p, in_cell: dict | None = None) -> None:
        para = _para(p)
        self.figures += para.figures
        self.rendered_breaks += para.rendered_breaks
        _, name = self._style_of(p)
        kind, level = self._kind(p, name, para) if in_cell is None else (Kind.TABLE_CELL, 0)
        pieces = para.text.split(PAGE_BREAK)
        blocks = []
        for piece in pieces:
            if in_cell is None and piece.strip() and len(self.raw) < MAX_BLOCKS:
                self._emit(kind, piece, level)
                blocks.append(len(self.raw) - 1)
            else:
                blocks.append(-1)
        if in_cell is None:
            self.layout.append(LayoutItem("para", p, blocks))
        for box in para.boxes:
            for bp in box.iter(P):
                bpara = _para(bp)
                if bpara.text.strip() and in_cell is None:
                    self._emit(Kind.PARAGRAPH, bpara.text)

    def cell_text(self, tc, depth: int) -> str:
        parts = []
        for child in tc:
            if child.tag == P:
                para = _para(child)
                parts.append(para.text.replace(PAGE_BREAK, " "))
                for box in para.boxes:  # text boxes anchored in the cell
                    parts.extend(_para(bp).text for bp in box.iter(P))
            elif child.tag == TBL and depth < MAX_DEPTH:
                for tr in child.findall(TR):  # not iter(): that revisits every deeper table at each level
                    for inner in tr.findall(TC):
                        parts.append(self.cell_text(inner, depth + 1))
            elif child.tag == TBL:
                # Nested past MAX_DEPTH: keep the words without recursing further (lxml's iter is a loop).
                self.deep_tables += 1
                parts.append(" ".join(t.text or "" for t in child.iter(T)))
        return " ".join(x for x in parts if x.strip())

    def table(self, tbl, depth: int = 0) -> None:
        index = self.tables
        self.tables += 1
        rows = []
        for r, tr in enumerate(tbl.findall(TR)):
            blocks = []
            for c, tc in enumerate(tr.findall(TC)):
                text = self.cell_text(tc, depth + 1)
                self.figures += sum(1 for img in tc.iter(DRAWING, PICT) if not any(True for _ in img.iter(TXBX)))
                if text.strip():
                    self._emit(Kind.TABLE_CELL, text, table=index, row=r, col=c)
                    blocks.append(len(self.raw) - 1)
            rows.append(blocks)
        self.layout.append(LayoutItem("table", tbl, rows))

    def body(self, container, depth: int = 0) -> None:
        for child in container:
            if len(self.raw) >= MAX_BLOCKS:
                return
            tag = child.tag
            if tag == P:
                self.paragraph(child)
            elif tag == TBL:
                self.table(child)
            elif tag == SDT and depth < MAX_DEPTH:
                content = child.find(SDTCONTENT)
                if content is not None:
                    self.body(content, depth + 1)
            elif tag in (q("ins"), q("customXml"), q("smartTag")) and depth < MAX_DEPTH:
                self.body(child, depth + 1)


class _Part:
    def __init__(self, element) -> None:
        self.element = element


class _Root:
    """The document element, with ``.body`` as python-docx's CT_Document has it (docx_layout uses that)."""

    def __init__(self, root) -> None:
        self.root = root
        self.body = root.find(q("body"))


class _Doc:
    """What the reader and the layout estimate need of a Word document: the body, the styles, app.xml."""

    def __init__(self, root, styles, app: bytes | None, kind: str, strict: bool, theme=None, numbering=None) -> None:
        self.element = _Root(root)
        self.styles = _Part(styles)
        self.app = app
        self.kind = kind
        self.strict = strict
        self.theme = theme  # for theme fonts (minorHAnsi...) in the page estimate
        self.numbering = numbering  # for list indents in the page estimate


def _open(path: Path) -> _Doc:
    """Open the package ourselves (see ooxml.Package): .docm, .dotx and Strict files are read too."""
    with Package(path) as pkg:
        part, kind = pkg.main_document()
        if pkg.size(part) > MAX_MAIN_PART:
            raise OversizedDocument(
                f"{path.name}: its main part {part} is {pkg.size(part) // 2**20} MiB of XML, "
                f"far more than any take-home (limit {MAX_MAIN_PART // 2**20} MiB)"
            )
        rels = pkg.rels(part)
        root = pkg.xml(part)
        if root is None or not isinstance(root.tag, str):
            raise UnreadableDocument(f"{path.name}: the main document part {part} is empty")
        if root.tag.startswith(f"{{{STRICT_W}}}"):  # Strict without Strict relationship types
            pkg.strict = True
            from .ooxml import _to_transitional

            _to_transitional(root)
        strict = pkg.strict
        if root.tag != q("document"):
            raise UnreadableDocument(f"{path.name}: the main part {part} is not a Word document body "
                                     f"(root element {root.tag.rsplit('}', 1)[-1]})")
        styles = None
        for rel in rels:
            if rel.type == "styles" and not rel.external:
                try:
                    styles = pkg.xml(rel.target)
                except UnreadableDocument:
                    styles = None  # styles are optional: headings fall back to outline levels and bold
                break
        extra = {}
        for rel in rels:  # optional parts the page estimate reads; a damaged one only costs precision
            if rel.type in ("theme", "numbering") and not rel.external and rel.type not in extra:
                try:
                    extra[rel.type] = pkg.xml(rel.target)
                except UnreadableDocument:
                    extra[rel.type] = None
        if styles is None:
            from lxml import etree

            styles = etree.Element(q("styles"))
        app = None
        for rel in pkg.rels(""):
            if rel.type == "extended-properties" and not rel.external and pkg.size(rel.target) < 2**20:
                try:
                    app = pkg.blob(rel.target)
                except UnreadableDocument:
                    app = None
                break
    return _Doc(root, styles, app, kind, strict, extra.get("theme"), extra.get("numbering"))


def read_docx(path: Path, max_pages: int | None = None, renderer: str | None = None) -> Document:
    """Read a Word file. ``renderer`` picks how pages are counted (see grader.render): ``auto``,
    ``libreoffice`` or ``none``; None reads ``$GRADER_RENDERER``, default ``auto``."""
    from lxml import etree

    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise EncryptedDocument(f"{path.name} is password-protected (encrypted Word file)")
    check_package(path)
    try:
        d = _open(path)
        body = d.element.body
        if body is None:
            raise UnreadableDocument(f"{path.name} has no document body")
        reader = _Reader(d, max_pages)
        reader.body(body)
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


def _stored_pages(d: _Doc) -> int | None:
    """docProps/app.xml <Pages>: a cross-check only, since it is routinely stale."""
    m = re.search(rb"<(?:\w+:)?Pages>\s*(\d{1,6})\s*</", d.app or b"")
    return int(m.group(1)) if m else None
