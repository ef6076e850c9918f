"""Read a file into a Document. The real type is taken from the content, not the extension."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from ..document import Document
from ..errors import EncryptedDocument, UnreadableDocument, UnsupportedFormat

MAX_FILE_BYTES = 200 * 1024 * 1024
KIND_BY_SUFFIX = {".pdf": "pdf", ".docx": "docx", ".docm": "docx", ".dotx": "docx", ".dotm": "docx"}  # what a name claims


_OLE_MARKERS = {
    "EncryptedPackage": "encrypted", "WordDocument": "a legacy Word .doc file",
    "Workbook": "a legacy Excel .xls file", "PowerPoint Document": "a legacy PowerPoint .ppt file",
}
_PDF_BODY = re.compile(rb"\d+\s+\d+\s+obj\b|\btrailer\s*<<|\bstartxref\b|\bxref\s")


def _ole_kind(path: Path) -> str:
    """What an OLE2 (Compound File) container holds, from the stream names in its directory."""
    markers = {name.encode("utf-16-le"): what for name, what in _OLE_MARKERS.items()}
    found = set()
    tail = b""
    try:
        with path.open("rb") as fh:
            for _ in range(MAX_FILE_BYTES // 2**20 + 1):
                chunk = fh.read(2**20)
                if not chunk:
                    break
                window = tail + chunk
                found.update(what for marker, what in markers.items() if marker in window)
                if "encrypted" in found:
                    break
                tail = window[-64:]
    except OSError:
        pass
    if "encrypted" in found:
        return "encrypted"
    for what in _OLE_MARKERS.values():
        if what in found:
            return what
    return "a legacy Office (OLE) file"


def sniff(path: Path, head: bytes) -> str:
    """'pdf', 'docx' or 'text', from the first bytes (and the name only for plain text)."""
    suffix = path.suffix.lower()
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        kind = _ole_kind(path)
        if kind == "encrypted":
            raise EncryptedDocument(f"{path.name} is a password-protected (encrypted) Word file")
        raise UnsupportedFormat(f"{path.name} is {kind}, not .docx or .pdf", "save it as .docx or export a PDF")
    if suffix in (".md", ".markdown", ".txt"):
        return "text"
    if suffix in (".pdf", "") and b"%PDF-" in head:
        return "pdf"  # junk before the header (a mail or download wrapper); pypdf skips it
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) and b"<html" in stripped[:2048]:
        raise UnsupportedFormat(f"{path.name} is a web page (HTML), not a {suffix.lstrip('.').upper() or 'document'}",
                                "the download probably failed: download or export the file again")
    if stripped.startswith(b"{\\rtf"):
        raise UnsupportedFormat(f"{path.name} is an RTF file, not a {suffix.lstrip('.').upper() or 'document'}",
                                "save it as .docx or export a PDF")
    if suffix == ".pdf":
        if not head.strip(b"\x00 \t\r\n"):
            raise UnreadableDocument(f"{path.name} holds no data (only blanks or zero bytes)")
        if _PDF_BODY.search(head[:4096]):
            raise UnreadableDocument(f"{path.name} is a damaged PDF: it has PDF objects but no %PDF header "
                                     "(truncated at the start or corrupted)")
        raise UnreadableDocument(f"{path.name} is not a PDF (no %PDF header)")
    if suffix in (".docx", ".docm", ".dotx", ".dotm"):
        if not head.strip(b"\x00 \t\r\n"):
            raise UnreadableDocument(f"{path.name} is empty")
        raise UnreadableDocument(f"{path.name} is not a Word file (not a ZIP package)")
    raise UnsupportedFormat(f"{path.name}: unsupported file type '{path.suffix or 'none'}'")


def read_document(path: str | os.PathLike[str], max_pages: int | None = None, renderer: str | None = None) -> Document:
    """Parse a PDF, DOCX or mini-markdown file. ``max_pages`` bounds how much of a huge file is analysed;
    ``renderer`` (``auto``, ``libreoffice``, ``none``; see grader.render) is how a DOCX's pages are counted."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(65536)
    except FileNotFoundError:
        raise UnreadableDocument(f"{p.name} does not exist", "check the path") from None
    except IsADirectoryError:
        raise UnsupportedFormat(f"{p.name} is a folder", "name a .pdf or .docx file") from None
    except OSError as exc:
        raise UnreadableDocument(f"{p.name} cannot be read ({exc.strerror})", "check its permissions") from None
    if size == 0:
        raise UnreadableDocument(f"{p.name} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise UnreadableDocument(f"{p.name} is {size // 2**20} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit",
                                 "export a smaller file (compress images)")
    kind = sniff(p, head)
    if kind in ("pdf", "docx"):
        if kind == "pdf":
            from .pdf import read_pdf

            document = read_pdf(p, max_pages=max_pages)
        else:
            from .docx import read_docx

            document = read_docx(p, max_pages=max_pages, renderer=renderer)
        named = KIND_BY_SUFFIX.get(p.suffix.lower())
        if named and named != kind:
            what = "a PDF" if kind == "pdf" else "a Word document"
            document = replace(document, notes=(f"read as {what}: the file's content says so, "
                                                f"whatever its {p.suffix} name",) + document.notes)
        return document
    from .text import parse_markdown

    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableDocument(f"{p.name} is not UTF-8 text", "save it as UTF-8") from None
    return parse_markdown(text, source=str(p))
