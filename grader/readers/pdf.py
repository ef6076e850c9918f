"""PDF: paragraphs from the layout, not from ``extract_text``'s line breaks.

Text fragments come from pypdf's text visitor with their position, size and font. Fragments are
grouped into lines, lines into blocks by vertical gaps, indentation, font size and weight;
hyphenated line ends are joined, headings recognised, and text repeated at the top or bottom of
every page (running heads, page numbers) dropped.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
import warnings
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..document import Document, Kind
from ..errors import (
    EncryptedDocument,
    GraderError,
    HostileDocument,
    NoTextLayer,
    OversizedDocument,
    UnreadableDocument,
    UnsupportedFormat,
)
from ..profile import stage
from .pdf_content import operations
from .pdf_text import mult, page_runs
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
MAX_TREE_NODES = 200_000  # page-tree nodes visited (pages and /Pages nodes)
MAX_TREE_DEPTH = 64
EXACT_COUNT_UP_TO = 5_000  # page counts up to this are always counted, never taken from /Count
TIME_BUDGET = 12.0  # seconds of text extraction before the remaining pages are skipped
MAX_RECOVERY_BYTES = 50 * 2**20  # files re-read into memory to rebuild a missing cross-reference table
MIN_TEXT_CHARS = 40  # less than this is no text layer, not a document
_ROTATION = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}  # angle -> (cos, sin)
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_BULLET = re.compile(r"^\s*(?:[•▪◦●■\x7f\uf0b7\uf0a7\-–—*·➢►✓]|\(?\d{1,2}[.)]|\(?[a-z][.)])(?:\s+|$)")
_GLYPH_BULLET = re.compile(r"^\s*[•▪◦●■\x7f\uf0b7\uf0a7\-–—*·➢►✓]\s")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$", re.I)
_CAPTION = re.compile(r"^(?:figure|fig\.|table|exhibit|chart)\s*\d+[.:]", re.I)
_MONO = re.compile(r"courier|mono|consol|menlo|code", re.I)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_DIGITS = re.compile(r"\d+")
_HYPHENATED = re.compile(r"\w+-\w+")
_CLAUSE_END = re.compile(r"[.;,]$")
_SENTENCE_END = re.compile(r"[.!?:]['\")]?$")


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

    @cached_property
    def text(self) -> str:
        """Read once its fragments are final (``_lines`` adds and sorts them before reading it)."""
        return " ".join(f.text.strip() for f in self.frags if f.text.strip())


def _font_flags(font_dict) -> tuple[bool, bool]:
    try:
        name = str(font_dict.get("/BaseFont", "")) if font_dict else ""
    except Exception:  # noqa: BLE001 - broken font dictionaries are common
        name = ""
    return bool(_BOLD.search(name)), bool(_MONO.search(name))


def _preparse(page, ops) -> None:
    """Give pypdf the page's content-stream operations already parsed (pdf_content parses them as
    pypdf would, several times faster), for a page its own text extraction reads."""
    from pypdf.generic import ContentStream, NameObject

    stream = ContentStream(None, page.pdf, "bytes")
    stream.operations = ops
    page[NameObject("/Contents")] = stream


def _page_fragments(page, ops: list | None = None, fonts: dict | None = None) -> list[Frag]:
    """Text fragments in reading coordinates: x to the right, y up, as the reader holds the page.

    The text runs are pypdf's text extraction's, from ``pdf_text.page_runs`` where it can follow the
    page (``ops``: the content stream parsed by pdf_content; ``fonts``: the document's font cache),
    else from pypdf itself.

    Text is collected in every orientation and the page's dominant one kept, its coordinates rotated
    so that lines run left to right: a landscape page set as portrait with /Rotate 90 draws its body
    at 90 degrees. Text at other angles (a rotated margin stamp) is dropped, as before.
    """
    found: list[tuple[int, float, float, float, bool, bool, str]] = []
    flags: dict[int, tuple[object, tuple[bool, bool]]] = {}  # id(font dict) -> (the dict, its flags)

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        try:
            m = mult(tm, cm)
            angle = int(round(math.degrees(math.atan2(m[1], m[0])) / 90.0)) % 4 * 90
            size = round(font_size * ((m[2] ** 2 + m[3] ** 2) ** 0.5 or 1.0), 1)
            known = flags.get(id(font_dict))
            if known is None or known[0] is not font_dict:  # the dict is held, so its id is not reused
                known = flags[id(font_dict)] = (font_dict, _font_flags(font_dict))
            bold, mono = known[1]
            found.append((angle, float(m[4]), float(m[5]), size, bold, mono, text))
        except (TypeError, ValueError, IndexError, OverflowError, ZeroDivisionError):
            return

    if ops is None or not page_runs(page, ops, visit, {} if fonts is None else fonts):
        if ops is not None:
            _preparse(page, ops)
        page.extract_text(visitor_text=visit)
    if not found:
        return []
    weight = Counter()
    for angle, *_, text in found:
        weight[angle] += len(text.strip())
    dominant = weight.most_common(1)[0][0]
    cos, sin = _ROTATION[dominant]
    frags: list[Frag] = []
    for angle, x, y, size, bold, mono, text in found:
        if angle != dominant:
            continue
        rx, ry = x * cos + y * sin, -x * sin + y * cos
        if not (math.isfinite(rx) and math.isfinite(ry) and math.isfinite(size)):
            continue
        for k, piece in enumerate(text.split("\n")):
            if piece.strip():
                frags.append(Frag(rx, ry - k * size * 1.2, size, bold, mono, piece))
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
    for a, b in zip(frags, frags[1:], strict=False):
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
    return _DIGITS.sub("#", text.lower()).strip()


def _running_heads(pages: list[list[Line]]) -> set[str]:
    """Text at the top or bottom edge that repeats across pages.

    Only pages with body text besides their edges count: when every page is one repeated line (a
    generated or test file), that line is the content, not a running head.
    """
    if len(pages) < 2:
        return set()
    edge = Counter()
    for lines in pages:
        if len(lines) < 3:
            continue
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


def _edge_line(lines: list[Line], i: int, body_size: float, leading: float) -> bool:
    """A small-print line set apart at the top or bottom edge: a running head or footer on a one-page file."""
    ln = lines[i]
    if ln.size >= body_size - 0.5 or len(lines) < 3:
        return False
    if i == 0:
        return lines[0].y - lines[1].y > leading * 2
    if i == len(lines) - 1:
        return lines[-2].y - lines[-1].y > leading * 2
    return False


def _heading_goes_on(prev: Line, ln: Line, gap: float, bullet) -> bool:
    """A heading or title wrapped onto a second line in the same size and weight."""
    return (not bullet and abs(ln.size - prev.size) <= 0.3 and ln.bold == prev.bold
            and 0 < gap <= ln.size * 1.6)


def _layout(pages: list[list[Line]]) -> tuple[list[RawBlock], int]:
    heads = _running_heads(pages)
    body_lines = [ln for lines in pages for ln in lines]
    sizes = Counter()
    for ln in body_lines:
        sizes[ln.size] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    gaps = [a.y - b.y for lines in pages for a, b in zip(lines, lines[1:], strict=False)
            if abs(a.size - body_size) < 0.6 and abs(b.size - body_size) < 0.6 and 0 < a.y - b.y < body_size * 3]
    leading = statistics.median(gaps) if gaps else body_size * 1.2
    widths = sorted(_width(ln) for ln in body_lines if abs(ln.size - body_size) < 0.6)
    full_width = widths[int(len(widths) * 0.9)] if widths else 400.0
    hyphenated = {w.lower() for ln in body_lines for w in _HYPHENATED.findall(ln.text)}
    raw: list[RawBlock] = []
    tables = 0
    in_table = False
    first_page_top = True
    for pno, lines in enumerate(pages, start=1):
        kept = [ln for i, ln in enumerate(lines)
                if not ((i < 2 or i >= len(lines) - 2) and (_norm(ln.text) in heads or _PAGE_NUMBER.match(ln.text.strip())))
                and not _edge_line(lines, i, body_size, leading)]
        prev: Line | None = None
        current: RawBlock | None = None
        item_x = 0.0
        table_rows = _table_rows(kept)
        for li, ln in enumerate(kept):
            text = ln.text.strip()
            big = ln.size > body_size * 1.15
            heading_like = (big or ln.bold) and len(text.split()) <= 15 and not _CLAUSE_END.search(text)
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
            wrapped_heading = (current is not None and current.kind in (Kind.HEADING, Kind.TITLE)
                               and _heading_goes_on(prev, ln, gap, bullet))
            new_block = (
                current is None
                or (gap > leading * 1.45 and not wrapped_heading)
                or gap < 0
                or abs(ln.size - prev.size) > 0.8
                or ln.bold != prev.bold and (heading_like or current.kind is Kind.HEADING)
                or ln.mono != prev.mono
                or bool(bullet)
                or (ln.x > prev.x + body_size * 1.2 and current.kind is not Kind.LIST_ITEM)
                or (current.kind in (Kind.HEADING, Kind.TITLE) and not wrapped_heading)
                # A short line ends its paragraph: cover lines ("Candidate: …", a date) stay apart.
                or (_width(prev) < 0.6 * full_width and text[:1].isupper() and current.kind is Kind.PARAGRAPH)
                or (_width(prev) < 0.8 * full_width and _SENTENCE_END.search(prev.text.strip())
                    and text[:1].isupper() and current.kind is Kind.PARAGRAPH)
                # A list item goes on only in lines indented past its bullet: a sentence that starts
                # back at the bullet's edge after a full stop is the paragraph after the list.
                or (current.kind is Kind.LIST_ITEM and ln.x <= item_x + 1.0 and text[:1].isupper()
                    and _SENTENCE_END.search(prev.text.strip()))
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
            item_x = ln.x
            raw.append(current)
            prev = ln
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

    # DependencyError and DeprecationError are not PyPdfError subclasses.
    return (PyPdfError, DependencyError, DeprecationError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, AssertionError, ZeroDivisionError, OverflowError, RecursionError, UnicodeError, OSError,
            NotImplementedError, LookupError, ArithmeticError, EOFError, zlib.error)


@contextmanager
def _quiet():
    """Silence pypdf's logger and Python warnings while reading: a damaged file makes pypdf log one
    line per repair (thousands for some fuzzed files), and the CLI promises exactly one line of output
    for a file it cannot grade."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _object_count(reader) -> int:
    """How many objects the cross-reference data lists: an upper bound for a sane page count."""
    try:
        n = sum(len(v) for v in reader.xref.values()) + len(getattr(reader, "xref_objStm", {}) or {})
    except (AttributeError, TypeError):
        n = 0
    size = reader.trailer.get("/Size") if reader.trailer is not None else None
    return max(n, size if isinstance(size, int) and size < 2**31 else 0)


def _page_prefix(reader, limit: int) -> tuple[list, int, bool, bool]:
    """The first ``limit`` pages and the page count, without building every page of a huge file.

    pypdf's ``reader.pages`` builds a PageObject for every page up front (seconds for 20,000 pages,
    and it refuses trees with more than 100,000 entries). Here the tree is walked in order with an
    explicit stack (no recursion), repeated or cyclic references are skipped, and once ``limit``
    pages are in hand the rest is counted from the root's /Count if it is large (over
    EXACT_COUNT_UP_TO) and plausible: at least the pages seen plus the kids not yet visited, and no
    more than the objects the file holds. Otherwise the walk goes on, counting leaves only.
    Returns (pages, total, exact, recovered): exact is False when the total came from /Count,
    recovered True when the tree's root was missing and the pages were found by scanning the file.
    """
    from pypdf import PageObject
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    errors = _errors()
    root = reader.root_object
    top = root.get("/Pages")
    if top is None or not isinstance(top.get_object(), DictionaryObject):
        # The page tree's root is missing: find the page objects themselves, as viewers do.
        orphans = _orphan_pages(reader)
        if not orphans:
            raise UnreadableDocument("its page tree is missing and no pages could be found")
        top = ArrayObject()
        top_kids, recovered = orphans, True
    else:
        top_kids, recovered = [top], False
    pages: list = []
    total = 0
    seen: set[tuple[int, int]] = set()
    stack: list[list] = [[top_kids, 0, {}]]  # [kids, next index, inherited attributes]
    nodes = 0
    declared = top.get_object().get("/Count") if isinstance(top.get_object(), DictionaryObject) else None
    counting_only = False
    while stack:
        frame = stack[-1]
        kids, index, inherit = frame
        if index >= len(kids):
            stack.pop()
            continue
        frame[1] += 1
        kid = kids[index]
        if isinstance(kid, IndirectObject):
            key = (kid.idnum, kid.generation)
            if key in seen:
                continue  # a page or subtree listed twice, or a loop back up the tree
            seen.add(key)
        try:
            node = kid.get_object()
        except errors:
            continue
        if not isinstance(node, DictionaryObject) or not node:
            continue
        nodes += 1
        if nodes > MAX_TREE_NODES:
            raise HostileDocument(f"its page tree has more than {MAX_TREE_NODES:,} nodes")
        kind = node.get("/Type")
        if kind == "/Pages" or (kind != "/Page" and "/Kids" in node):
            if len(stack) >= MAX_TREE_DEPTH:
                continue
            try:
                sub = node.get("/Kids")
                sub = sub.get_object() if sub is not None else None
            except errors:
                continue
            if not isinstance(sub, ArrayObject):
                continue
            child_inherit = dict(inherit)
            for attr in _INHERITABLE:
                if attr in node:
                    child_inherit[attr] = node[attr]
            stack.append([list(sub), 0, child_inherit])
            continue
        total += 1
        if counting_only:
            continue
        page = PageObject(reader, kid if isinstance(kid, IndirectObject) else None)
        if not isinstance(kid, IndirectObject):
            page.update(node)
        for attr, value in inherit.items():
            if attr not in page:
                page[NameObject(attr)] = value
        pages.append(page)
        if len(pages) >= limit:
            pending = sum(len(k) - i for k, i, _ in stack)
            if pending == 0:
                continue
            # Trust /Count only where walking on would cost real time, and only if it is plausible.
            if (isinstance(declared, int) and declared > EXACT_COUNT_UP_TO
                    and total + pending <= declared <= max(_object_count(reader), total)):
                return pages, declared, False, recovered
            counting_only = True
    if total == 0 and isinstance(declared, int) and declared > 0:
        raise UnreadableDocument(f"is a damaged PDF: its page tree declares {declared} page(s) but none can be read")
    return pages, total, True, recovered


def _orphan_pages(reader) -> list:
    """Page objects found by scanning every object, in object-number order (the first page of a
    linearized file first): the fallback when the page tree's root is missing."""
    from pypdf.generic import DictionaryObject, IndirectObject

    errors = _errors()
    refs = []
    numbers: list[tuple[int, int]] = []
    try:
        for gen, table in reader.xref.items():
            numbers.extend((idnum, gen) for idnum in table)
        numbers.extend((idnum, 0) for idnum in (getattr(reader, "xref_objStm", {}) or {}))
    except (AttributeError, TypeError):
        return []
    first = None
    for idnum, gen in sorted(set(numbers))[:MAX_TREE_NODES]:
        ref = IndirectObject(idnum, gen, reader)
        try:
            obj = ref.get_object()
        except errors:
            continue
        if not isinstance(obj, DictionaryObject):
            continue
        if obj.get("/Type") == "/Page":
            refs.append(ref)
        elif "/Linearized" in obj and isinstance(obj.get("/O"), int):
            first = obj.get("/O")
    if first is not None:
        refs.sort(key=lambda r: r.idnum != first)
    return refs


def _truncated(path: Path) -> bool:
    """True when the file stops before its end-of-file marker (an incomplete download or copy)."""
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 2048))
            tail = fh.read()
    except OSError:
        return False
    return b"%%EOF" not in tail and b"startxref" not in tail


def _open_reader(path: Path):
    """A PdfReader; when the file has no usable startxref (damaged or truncated tail), try again with
    one appended that points nowhere, which makes pypdf rebuild the cross-reference table by scanning
    the objects: viewers recover such files the same way."""
    import io

    import pypdf
    from pypdf.errors import PdfReadError

    try:
        return pypdf.PdfReader(str(path), strict=False)
    except PdfReadError as exc:
        if "startxref" not in str(exc).lower() or path.stat().st_size > MAX_RECOVERY_BYTES:
            raise
        first = exc
    try:
        data = path.read_bytes() + b"\nstartxref\n0\n%%EOF\n"
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        reader.root_object  # noqa: B018 - fails now rather than later when nothing was recovered
        return reader
    except (*_errors(), MemoryError):
        raise first from None


def _failure(path: Path, exc: BaseException) -> GraderError:
    """The one-line error for an exception pypdf raised: specific where the cause is known."""
    from pypdf.errors import DependencyError, DeprecationError, LimitReachedError

    text = str(exc)
    if "brotli" in text.lower():
        return UnsupportedFormat(f"{path.name} uses Brotli compression (/BrotliDecode), which the grader cannot decode",
                                 "export the PDF again from your editor with standard compression")
    if isinstance(exc, LimitReachedError):
        return HostileDocument(f"{path.name} exceeds the grader's parsing limits ({text[:80]})")
    if isinstance(exc, RecursionError):
        return HostileDocument(f"{path.name} nests its objects too deeply to read (a loop or a decompression trap)")
    if isinstance(exc, MemoryError):
        return OversizedDocument(f"{path.name} needs more memory to read than the grader allows")
    if isinstance(exc, DependencyError):
        return UnreadableDocument(f"{path.name} uses a compression the grader cannot decode ({text[:100]})")
    if isinstance(exc, DeprecationError):
        return UnreadableDocument(f"{path.name} uses an obsolete PDF construct the grader's PDF library rejects "
                                  f"({text[:100]})")
    if _truncated(path):
        return UnreadableDocument(f"{path.name} is truncated: the PDF stops before its end-of-file marker "
                                  "(an incomplete download or copy)", "download or export the file again")
    return UnreadableDocument(f"{path.name} is a damaged PDF ({type(exc).__name__}: {text[:100]})")


def read_pdf(path: Path, max_pages: int | None = None) -> Document:
    with _quiet():
        return _read_pdf(path, max_pages)


def _read_pdf(path: Path, max_pages: int | None) -> Document:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, WrongPasswordError

    errors = _errors()
    page_errors: list[BaseException] = []
    timed_out = False
    with pypdf.apply_configuration(**PDF_LIMITS):
        try:
            reader = _open_reader(path)
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
            try:
                page_objects, total, _exact, recovered = _page_prefix(reader, max_pages or 10**9)
            except GraderError as exc:
                text = str(exc)
                raise type(exc)(f"{path.name} {text}" if text.startswith("is ") else f"{path.name}: {text}",
                                exc.advice) from None
            if total == 0:
                raise UnreadableDocument(f"{path.name} has no pages")
            limit = len(page_objects)
            pages: list[list[Line]] = []
            fonts: dict = {}  # the fonts read so far, shared by the pages (see pdf_text.page_fonts)
            images = 0
            started = time.monotonic()
            for i, page in enumerate(page_objects):
                if pages and time.monotonic() - started > TIME_BUDGET:
                    timed_out = True
                    break
                images += _image_count(page)
                try:
                    contents = page.get_contents()
                    ops = None
                    if contents is not None:
                        data = contents.get_data()
                        if len(data) > MAX_CONTENT_BYTES:
                            raise HostileDocument(f"{path.name}: page {i + 1} has an oversized content stream")
                        ops = operations(data)
                    frags = _page_fragments(page, ops, fonts)
                    with stage("layout"):
                        pages.append(_lines(frags))
                except GraderError:
                    raise
                except LimitReachedError as exc:
                    what = ("inflates past the grader's decoding limits (a decompression bomb)"
                            if "decompress" in str(exc).lower() else
                            f"exceeds the grader's decoding limits ({str(exc).rstrip('.')[:80]})")
                    raise HostileDocument(f"{path.name}: page {i + 1} {what}") from None
                except MemoryError:
                    raise OversizedDocument(f"{path.name}: page {i + 1} needs more memory than the grader allows") \
                        from None
                except errors as exc:
                    page_errors.append(exc)
                    pages.append([])
            limit = len(pages)
        except GraderError:
            raise
        except (FileNotDecryptedError, WrongPasswordError):
            raise EncryptedDocument(f"{path.name} is password-protected") from None
        except (*errors, LimitReachedError, MemoryError) as exc:
            raise _failure(path, exc) from None
    with stage("layout"):
        raw, tables = _layout(pages)
    chars = sum(len(b.text.strip()) for b in raw)
    if chars < MIN_TEXT_CHARS:
        if page_errors and len(page_errors) >= len(pages):
            raise _failure(path, page_errors[0])
        if chars == 0 and images:
            raise NoTextLayer(f"{path.name} has no text layer (its pages are images: it looks scanned)")
        if chars == 0:
            raise NoTextLayer(f"{path.name} has no text layer (no extractable text on its first {limit} page(s))",
                              "export the PDF from your editor (text drawn as shapes or images cannot be read), "
                              "or run OCR on it first")
        raise NoTextLayer(
            f"{path.name} has almost no extractable text (only {chars} characters)",
            "if its pages show more text than that, export the PDF again from your editor (fonts embedded), "
            "or run OCR on it first",
        )
    with stage("layout"):
        blocks = finalize(raw)
    notes = []
    if limit < total:
        why = " (time limit)" if timed_out else ""
        notes.append(f"only the first {limit} of {total} pages were analysed{why}")
    if recovered:
        notes.append("the PDF's page tree is missing; its pages were recovered in file order")
    if page_errors:
        notes.append(f"{len(page_errors)} damaged page(s) could not be read")
    figures = images + sum(1 for b in blocks if b.kind is Kind.CAPTION and b.text.lower().startswith(("fig", "chart", "exhibit")))
    return Document(
        source=str(path), format="pdf", blocks=blocks, page_count=total, page_count_method="pdf",
        figure_count=images or figures, table_count=tables,
        truncated_after_page=limit if limit < total else 0, notes=tuple(notes),
    )
