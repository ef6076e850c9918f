"""Read a file into a Document. The real type is taken from the content, not the extension."""

from __future__ import annotations

import os
from pathlib import Path

from ..document import Document
from ..errors import UnreadableDocument, UnsupportedFormat

MAX_FILE_BYTES = 200 * 1024 * 1024


def sniff(path: Path, head: bytes) -> str:
    """'pdf', 'docx' or 'text', from the first bytes (and the name only for plain text)."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFormat(f"{path.name} is a legacy Word .doc (or another OLE) file",
                                "save it as .docx or export a PDF")
    if path.suffix.lower() in (".md", ".markdown", ".txt"):
        return "text"
    if path.suffix.lower() == ".pdf":
        raise UnreadableDocument(f"{path.name} is not a PDF (no %PDF header)")
    if path.suffix.lower() in (".docx", ".docm", ".dotx", ".dotm"):
        if not head.strip():
            raise UnreadableDocument(f"{path.name} is empty")
        raise UnreadableDocument(f"{path.name} is not a Word file (not a ZIP package)")
    raise UnsupportedFormat(f"{path.name}: unsupported file type '{path.suffix or 'none'}'")


def read_document(path: str | os.PathLike[str], max_pages: int | None = None) -> Document:
    """Parse a PDF, DOCX or mini-markdown file. ``max_pages`` bounds how much of a huge file is analysed."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(1024)
    except FileNotFoundError:
        raise UnreadableDocument(f"{p} does not exist", "check the path") from None
    except IsADirectoryError:
        raise UnsupportedFormat(f"{p} is a folder", "name a .pdf or .docx file") from None
    except OSError as exc:
        raise UnreadableDocument(f"{p} cannot be read ({exc.strerror})", "check its permissions") from None
    if size == 0:
        raise UnreadableDocument(f"{p.name} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise UnreadableDocument(f"{p.name} is {size // 2**20} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit",
                                 "export a smaller file (compress images)")
    kind = sniff(p, head)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(p, max_pages=max_pages)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(p, max_pages=max_pages)
    from .text import parse_markdown

    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableDocument(f"{p.name} is not UTF-8 text", "save it as UTF-8") from None
    return parse_markdown(text, source=str(p))
