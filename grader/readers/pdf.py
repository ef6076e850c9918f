"""PDF: paragraphs from the layout, not from ``extract_text``'s line breaks.

Text fragments come from pypdf's text visitor with their position, size and font. Fragments are
grouped into lines, lines into blocks by vertical gaps, indentation, font size and weight;
hyphenated line ends are joined, headings recognised, and text repeated at the top or bottom of
every page (running heads, page numbers) dropped.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document, Kind
from ..errors import EncryptedDocument, GraderError, HostileDocument, NoTextLayer, UnreadableDocument
from .structure import RawBlock, finalize

# Limits set on purpose: a take-home has no business needing more than this.
PDF_LIMITS = dict(
    zlib_maximum_output_length=20_000_000,
    lzw_maximum_output_length=20_000_000,
    run_length_maximum_output_length=20_000_000,
    jbig2_maximum_output_length=20_000_000,
    brotli_maximum_output_length=20_000_000,
    array_based_stream_maximum_output_length=20_000_000,
    image_maximum_buffer_size=20_000_000,
    stream_decoding_work_maximum_length=60_000_000,
    stream_parsing_work_maximum_count=1_000_000,
    xform_maximum_invocations_per_extraction=500,
    page_tree_maximum_depth=64,
    jbig2dec_binary=None,
)
MAX_CONTENT_BYTES = 8_000_000  # one page's content stream
_BULLET = re.compile(r"^\s*(?:[•▪◦●■\x7f\uf0b7\uf0a7\-–—*·➢►✓]|\(?\d{1,2}[.)]|\(?[a-z][.)])(?:\s+|$)")
_GLYPH_BULLET = re.compile(r"^\s*[•▪◦●■\x7f\uf0b7\uf0a7\-–—*·➢►✓]\s")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$", re.I)
_CAPTION = re.compile(r"^(?:figure|fig\.|table|exhibit|chart)\s*\d+[.:]", re.I)
_MONO = re.compile(r"courier|mono|consol|menlo|code", re.I)


@dataclass
class Frag:
    x: float
    y: float
    size: float
    bold: bool
    mono: bool
    text: str


@dataclass
class Line:
    y: float
    x: float
    size: float
    bold: bool
    mono: bool
    frags: list[Frag] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(f.text.strip() for f in self.frags if f.text.strip())


def _mult(a, b):
    return [
        a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _font_flags(font_dict) -> tuple[bool, bool]:
    try:
        name = str(font_dict.get("/BaseFont", "")) if font_dict else ""
    except Exception:  # noqa: BLE001 - broken font dictionaries are common
        name = ""
    return bool(re.search(r"bold|black|heavy|semibold|demi", name, re.I)), bool(_MONO.search(name))


def _page_fragments(page) -> list[Frag]:
    frags: list[Frag] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        try:
            m = _mult(tm, cm)
            scale = (m[2] ** 2 + m[3] ** 2) ** 0.5 or 1.0
            bold, mono = _font_flags(font_dict)
            for k, piece in enumerate(text.split("\n")):
                if piece.strip():
                    frags.append(Frag(m[4], m[5] - k * font_size * scale * 1.2, round(font_size * scale, 1), bold, mono, piece))
        except (TypeError, ValueError, IndexError):
            return

    page.extract_text(visitor_text=visit, orientations=(0,))
    return frags


def _lines(frags: list[Frag]) -> list[Line]:
    lines: list[Line] = []
    for f in frags:
        tol = max(f.size * 0.45, 1.0)
        for line in reversed(lines[-4:]):
            if abs(line.y - f.y) <= tol:
                line.frags.append(f)
                line.x = min(line.x, f.x)
                line.size = max(line.size, f.size)
                line.bold = line.bold and f.bold
                line.mono = line.mono and f.mono
                break
        else:
            lines.append(Line(f.y, f.x, f.size, f.bold, f.mono, [f]))
    for line in lines:
        line.frags.sort(key=lambda f: f.x)
        main = max(line.frags, key=lambda f: len(f.text.strip()))
        line.size, line.y = main.size, main.y
        line.bold = all(f.bold for f in line.frags if len(f.text.strip()) > 1)
    lines.sort(key=lambda ln: -ln.y)
    return [ln for ln in lines if ln.text]


def _cells(line: Line) -> list[Frag]:
    """The fragments of a line, bullets dropped (a bullet glyph is drawn apart from its text)."""
    frags = [f for f in line.frags if f.text.strip()]
    if len(frags) > 1 and _BULLET.fullmatch(frags[0].text.strip() + " "):
        frags = frags[1:]
    return frags


def _wide_gap(line: Line) -> bool:
    frags = _cells(line)
    for a, b in zip(frags, frags[1:]):
        if b.x - (a.x + len(a.text.strip()) * a.size * 0.5) > 1.0 * a.size:
            return True
    return False


def _columns(line: Line) -> set[int]:
    return {round(f.x) for f in _cells(line)[1:]}


def _table_rows(lines: list[Line]) -> set[int]:
    """Indexes of lines that are table rows: wide gaps between fragments, or columns that line up."""
    rows = set()
    for i, ln in enumerate(lines):
        if len(_cells(ln)) < 2:
            continue
        cols = _columns(ln)
        aligned = any(
            0 <= j < len(lines) and len(_cells(lines[j])) >= 2
            and any(abs(a - b) <= 2 for a in cols for b in _columns(lines[j]))
            for j in (i - 1, i + 1)
        )
        if aligned or _wide_gap(ln):
            rows.add(i)
    return rows


def _width(line: Line) -> float:
    """Estimated right edge minus left edge (half an em per character)."""
    last = line.frags[-1]
    return last.x + len(last.text.strip()) * last.size * 0.5 - line.x


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _running_heads(pages: list[list[Line]]) -> set[str]:
    """Text at the top or bottom edge that repeats across pages."""
    if len(pages) < 2:
        return set()
    edge = Counter()
    for lines in pages:
        seen = {_norm(ln.text) for ln in lines[:2] + lines[-2:]}
        edge.update(seen)
    need = 2 if len(pages) <= 3 else max(2, len(pages) // 2)
    return {t for t, n in edge.items() if n >= need and len(t) < 120}


def _join(prev: str, nxt: str, vocabulary: set[str]) -> str:
    if prev.endswith("-") and nxt[:1].islower():
        head = prev.rsplit(" ", 1)[-1][:-1]
        tail = nxt.split(" ", 1)[0]
        if f"{head}-{tail}".lower() in vocabulary:
            return prev + nxt
        return prev[:-1] + nxt
    return f"{prev} {nxt}"


def _layout(pages: list[list[Line]]) -> tuple[list[RawBlock], int]:
    heads = _running_heads(pages)
    body_lines = [ln for lines in pages for ln in lines]
    sizes = Counter()
    for ln in body_lines:
        sizes[ln.size] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    gaps = [a.y - b.y for lines in pages for a, b in zip(lines, lines[1:])
            if abs(a.size - body_size) < 0.6 and abs(b.size - body_size) < 0.6 and 0 < a.y - b.y < body_size * 3]
    leading = statistics.median(gaps) if gaps else body_size * 1.2
    lefts = Counter(round(ln.x) for ln in body_lines if abs(ln.size - body_size) < 0.6)
    margin = lefts.most_common(1)[0][0] if lefts else 72
    widths = sorted(_width(ln) for ln in body_lines if abs(ln.size - body_size) < 0.6)
    full_width = widths[int(len(widths) * 0.9)] if widths else 400.0
    hyphenated = {w.lower() for ln in body_lines for w in re.findall(r"\w+-\w+", ln.text)}
    raw: list[RawBlock] = []
    tables = 0
    in_table = False
    first_page_top = True
    for pno, lines in enumerate(pages, start=1):
        kept = [ln for i, ln in enumerate(lines)
                if not ((i < 2 or i >= len(lines) - 2) and (_norm(ln.text) in heads or _PAGE_NUMBER.match(ln.text.strip())))]
        prev: Line | None = None
        current: RawBlock | None = None
        table_rows = _table_rows(kept)
        for li, ln in enumerate(kept):
            text = ln.text.strip()
            big = ln.size > body_size * 1.15
            heading_like = (big or ln.bold) and len(text.split()) <= 15 and not re.search(r"[.;,]$", text)
            gap = (prev.y - ln.y) if prev else 0.0
            if li in table_rows and not heading_like:
                if not in_table:
                    tables += 1
                    in_table = True
                    row = 0
                else:
                    row += 1
                for col, f in enumerate(_cells(ln)):
                    raw.append(RawBlock(Kind.TABLE_CELL, f.text, pno, table=tables - 1, row=row, col=col))
                current, prev = None, ln
                continue
            in_table = False
            split_bullet = len(ln.frags) > 1 and bool(_BULLET.fullmatch(ln.frags[0].text.strip() + " "))
            bullet = _BULLET.match(text) if (split_bullet or _GLYPH_BULLET.match(text)) else None
            new_block = (
                current is None
                or gap > leading * 1.45
                or gap < 0
                or abs(ln.size - prev.size) > 0.8
                or ln.bold != prev.bold and (heading_like or current.kind is Kind.HEADING)
                or ln.mono != prev.mono
                or bool(bullet)
                or (ln.x > prev.x + body_size * 1.2 and current.kind is not Kind.LIST_ITEM)
                or current.kind in (Kind.HEADING, Kind.TITLE)
                or (_width(prev) < 0.8 * full_width and re.search(r"[.!?:]['\")]?$", prev.text.strip())
                    and text[:1].isupper() and current.kind is Kind.PARAGRAPH)
                or _CAPTION.match(text)
            )
            if not new_block and current is not None:
                current.text = current.text + "\n" + text if current.kind is Kind.CODE else _join(current.text, text, hyphenated)
                prev = ln
                continue
            if ln.mono:
                kind, level = Kind.CODE, 0
            elif first_page_top and big and pno == 1 and ln.size >= max(sizes) - 0.1:
                kind, level = Kind.TITLE, 1
            elif heading_like and not bullet:
                kind, level = Kind.HEADING, (1 if ln.size > body_size * 1.5 else 2 if big else 3)
            elif bullet:
                kind, level = Kind.LIST_ITEM, 0
                text = text[bullet.end():]
            elif _CAPTION.match(text):
                kind, level = Kind.CAPTION, 0
            else:
                kind, level = Kind.PARAGRAPH, 0
            if kind is not Kind.TITLE and text:
                first_page_top = False
            current = RawBlock(kind, text, pno, level)
            raw.append(current)
            prev = ln
    _ = margin
    return raw, tables


def _image_count(page) -> int:
    try:
        res = page.get("/Resources")
        xobjects = res.get_object().get("/XObject") if res is not None else None
        if not xobjects:
            return 0
        return sum(1 for v in xobjects.get_object().values() if v.get_object().get("/Subtype") == "/Image")
    except Exception:  # noqa: BLE001 - resources in broken files are optional
        return 0


def _errors():
    from pypdf.errors import DependencyError, DeprecationError, PyPdfError

    return (PyPdfError, DependencyError, DeprecationError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, AssertionError, ZeroDivisionError, OverflowError, RecursionError, UnicodeError, OSError,
            NotImplementedError, LookupError, ArithmeticError)


def read_pdf(path: Path, max_pages: int | None = None) -> Document:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, WrongPasswordError

    errors = _errors()
    with pypdf.apply_configuration(**PDF_LIMITS):
        try:
            reader = pypdf.PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")
                except (FileNotDecryptedError, WrongPasswordError, NotImplementedError):
                    ok = 0
                except DependencyError as exc:
                    raise UnreadableDocument(f"{path.name} uses encryption this install cannot open ({exc})",
                                             "install the 'cryptography' package, or export an unprotected copy") from None
                if not ok:
                    raise EncryptedDocument(f"{path.name} is password-protected")
            total = len(reader.pages)
            if total == 0:
                raise UnreadableDocument(f"{path.name} has no pages")
            limit = min(total, max_pages or total)
            pages: list[list[Line]] = []
            images = 0
            for i in range(limit):
                page = reader.pages[i]
                images += _image_count(page)
                try:
                    contents = page.get_contents()
                    if contents is not None and len(contents.get_data()) > MAX_CONTENT_BYTES:
                        raise HostileDocument(f"{path.name}: page {i + 1} has an oversized content stream")
                    pages.append(_lines(_page_fragments(page)))
                except GraderError:
                    raise
                except LimitReachedError:
                    raise HostileDocument(f"{path.name}: page {i + 1} exceeds the grader's decoding limits") from None
                except errors:
                    pages.append([])
        except GraderError:
            raise
        except LimitReachedError as exc:
            raise HostileDocument(f"{path.name} exceeds the grader's parsing limits ({str(exc)[:80]})") from None
        except (FileNotDecryptedError, WrongPasswordError):
            raise EncryptedDocument(f"{path.name} is password-protected") from None
        except errors as exc:
            raise UnreadableDocument(f"{path.name} is a damaged PDF ({type(exc).__name__}: {str(exc)[:100]})") from None
    raw, tables = _layout(pages)
    chars = sum(len(b.text) for b in raw)
    if chars < 40:
        if images:
            raise NoTextLayer(f"{path.name} has no text layer (it looks scanned or image-only)")
        raise NoTextLayer(f"{path.name} has no extractable text")
    blocks = finalize(raw)
    notes = []
    if limit < total:
        notes.append(f"only the first {limit} of {total} pages were analysed")
    figures = images + sum(1 for b in blocks if b.kind is Kind.CAPTION and b.text.lower().startswith(("fig", "chart", "exhibit")))
    return Document(
        source=str(path), format="pdf", blocks=blocks, page_count=total, page_count_method="pdf",
        figure_count=images or figures, table_count=tables,
        truncated_after_page=limit if limit < total else 0, notes=tuple(notes),
    )
