"""Safety checks on an OOXML (ZIP) package before any XML is parsed."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import HostileDocument, UnreadableDocument

MAX_UNCOMPRESSED = 256 * 1024 * 1024  # all parts together
MAX_PART = 64 * 1024 * 1024  # one XML part
MAX_RATIO = 200  # uncompressed / compressed, for parts over 1 MiB
MAX_ENTRIES = 5000


def check_package(path: Path) -> None:
    """Refuse zip bombs and broken archives, judged by the declared sizes, before decompressing."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise UnreadableDocument(f"{path.name} is a damaged ZIP package (truncated or corrupt)") from None
    except (OSError, ValueError, EOFError) as exc:
        raise UnreadableDocument(f"{path.name} cannot be opened as a Word package ({exc})") from None
    if len(infos) > MAX_ENTRIES:
        raise HostileDocument(f"{path.name} holds {len(infos)} parts, far more than any Word file")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART and info.filename.endswith((".xml", ".rels")):
            raise HostileDocument(
                f"{path.name}: part {info.filename} would unpack to {info.file_size // 2**20} MiB"
            )
        if info.file_size > 2**20 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise HostileDocument(
                f"{path.name} looks like a zip bomb ({info.filename} compresses {info.file_size // info.compress_size}:1)"
            )
    if total > MAX_UNCOMPRESSED:
        raise HostileDocument(f"{path.name} would unpack to {total // 2**20} MiB")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise UnreadableDocument(f"{path.name} is a ZIP file but not a Word document (no [Content_Types].xml)")
