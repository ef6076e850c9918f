"""Safety checks on an OOXML (ZIP) package, and read-only access to its parts with a safe XML parser.

The package layer is ours rather than python-docx's: python-docx refuses macro-enabled documents and
templates by content type, cannot open Strict Open XML, and insists on every part a relationship
names (a missing image is fatal to it). Here only the parts the grader reads are opened, each one
checked for a DTD before parsing, and parsed without entity expansion, DTD loading or network access.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..errors import HostileDocument, OversizedDocument, UnreadableDocument, UnsupportedFormat

MAX_UNCOMPRESSED = 256 * 1024 * 1024  # all parts together
MAX_PART = 64 * 1024 * 1024  # one XML part
MAX_MAIN_PART = 16 * 1024 * 1024  # the main document part: its lxml tree can cost ~20x its size
MAX_RATIO = 200  # uncompressed / compressed, for parts over 1 MiB
MAX_ENTRIES = 5000

CT_WORD_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "document",
    "application/vnd.ms-word.document.macroEnabled.main+xml": "macro-enabled document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "template",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "macro-enabled template",
}
_OTHER_OFFICE = {
    "spreadsheetml": "an Excel workbook", "ms-excel": "an Excel workbook",
    "presentationml": "a PowerPoint presentation", "ms-powerpoint": "a PowerPoint presentation",
    "drawingml.chart": "a chart", "visio": "a Visio drawing",
}
# Strict Open XML namespaces and their Transitional twins (ECMA-376 Part 1 vs Part 4).
STRICT_NAMESPACES = {
    "http://purl.oclc.org/ooxml/wordprocessingml/main": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/officeDocument/relationships":
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/drawingml/main": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing":
        "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "http://purl.oclc.org/ooxml/drawingml/picture": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "http://purl.oclc.org/ooxml/officeDocument/math": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
_DOCTYPE = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def check_package(path: Path) -> None:
    """Refuse zip bombs and broken archives, judged by the declared sizes, before decompressing."""
    open_package(path).close()


def open_package(path: Path) -> Package:
    """The checks of :func:`check_package`, then the checked package itself, read from the one open
    archive (the central directory is read once, not once to check and again to read)."""
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except zipfile.BadZipFile:
        raise UnreadableDocument(f"{path.name} is a damaged ZIP package (truncated or corrupt)") from None
    except (OSError, ValueError, EOFError, NotImplementedError) as exc:  # NotImplementedError: a ZIP version
        raise UnreadableDocument(f"{path.name} cannot be opened as a Word package ({exc})") from None
    try:
        _check_entries(path, zf, infos)
    except BaseException:
        zf.close()
        raise
    return Package(path, zf)


def _check_entries(path: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise HostileDocument(f"{path.name} holds {len(infos)} parts, far more than any Word file")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / info.compress_size if info.compress_size else float(info.file_size > 0)
        if info.file_size > 2**20 and ratio > MAX_RATIO and (ratio >= 500 or info.file_size <= MAX_PART):
            raise HostileDocument(
                f"{path.name} looks like a zip bomb ({info.filename} would inflate "
                f"{ratio:.0f}:1 to {info.file_size // 2**20} MiB)"
            )
        if info.file_size > MAX_PART and info.filename.endswith((".xml", ".rels")):
            raise OversizedDocument(
                f"{path.name}: part {info.filename} would unpack to {info.file_size // 2**20} MiB of XML, "
                f"far more than any take-home (limit {MAX_PART // 2**20} MiB)"
            )
    if total > MAX_UNCOMPRESSED:
        raise HostileDocument(f"{path.name} would unpack to {total // 2**20} MiB "
                              f"(limit {MAX_UNCOMPRESSED // 2**20} MiB)")
    names = {i.filename for i in infos}
    if "mimetype" in names and "[Content_Types].xml" not in names:
        try:
            with zf.open("mimetype") as fh:
                mime = fh.read(100).decode("ascii", "replace")
        except (OSError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, RuntimeError,
                NotImplementedError):
            mime = ""
        if "opendocument" in mime:
            raise UnsupportedFormat(f"{path.name} is an OpenDocument file ({mime.rsplit('.', 1)[-1]}), not Word",
                                    "save it as .docx or export a PDF")
    if "[Content_Types].xml" not in names:
        raise UnreadableDocument(f"{path.name} is a ZIP file but not a Word document (no [Content_Types].xml)")


_XML_DECL = re.compile(rb"<\?xml\b([^>]*)\?>")
_UTF8 = re.compile(rb"""\s*version\s*=\s*["'][^"']*["']\s+encoding\s*=\s*["']utf-8["'](?:\s+standalone\s*=\s*["']\w+["'])?\s*""",
                   re.I)


def plain_utf8(data: bytes) -> int | None:
    """Where the part's XML declaration ends, when it opens the part and declares UTF-8 (so tests on the
    bytes see the text) and the part has no ``<!`` (no DOCTYPE, comment or CDATA) and no ``&`` (no entity
    or character reference); else None. Such a part cannot be hostile but by its size or nesting."""
    if b"&" in data or b"<!" in data:
        return None
    decl = _XML_DECL.match(data)
    return decl.end() if decl is not None and _UTF8.fullmatch(decl.group(1)) else None


def safe_parser(huge: bool = True):
    """An lxml parser that never expands entities, loads a DTD or touches the network.

    ``huge`` lifts libxml2's depth limit of 256 (deeply nested tables are legal); sizes are bounded
    by :func:`check_package` before anything is parsed.
    """
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=huge,
                           remove_comments=True, remove_pis=True, dtd_validation=False)


def _to_transitional(root) -> None:
    """Rename Strict namespaces in place to their Transitional twins, so one reader handles both."""
    for el in root.iter():
        tag = el.tag
        if isinstance(tag, str) and tag.startswith("{http://purl.oclc.org/ooxml/"):
            ns, local = tag[1:].split("}", 1)
            if ns in STRICT_NAMESPACES:
                el.tag = f"{{{STRICT_NAMESPACES[ns]}}}{local}"
        for key in [k for k in el.attrib if k.startswith("{http://purl.oclc.org/ooxml/")]:
            ns, local = key[1:].split("}", 1)
            if ns in STRICT_NAMESPACES:
                el.attrib[f"{{{STRICT_NAMESPACES[ns]}}}{local}"] = el.attrib.pop(key)


def parse_part(name: str, part: str, data: bytes, strict: bool):
    """Parse a part's bytes (from ``Package.xml_bytes``) safely: its root element, with Strict namespaces
    renamed when ``strict``. Too deep a nesting, entities or a DOCTYPE refuse the file (HostileDocument);
    anything else malformed is an UnreadableDocument."""
    from lxml import etree

    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        text = str(exc)
        if "depth" in text.lower():
            raise HostileDocument(f"{name}: {part} nests XML elements deeper than the parser allows",
                                  "re-save the document from Word as .docx, or export a PDF") from None
        if "amplification" in text.lower() or "entity" in text.lower():
            raise HostileDocument(f"{name}: {part} uses XML entity expansion, which Word never writes",
                                  "re-save the document from Word as .docx, or export a PDF") from None
        raise UnreadableDocument(f"{name}: {part} is malformed XML ({text[:100]})") from None
    if root is None:
        raise UnreadableDocument(f"{name}: {part} is empty")
    if root.getroottree().docinfo.internalDTD is not None:  # a DOCTYPE past the 64 KiB head checked before
        raise HostileDocument(
            f"{name}: {part} declares a <!DOCTYPE>, which Word never writes (an XXE or entity-expansion "
            "probe); its entities were not expanded",
            "re-save the document from Word as .docx, or export a PDF",
        )
    if strict:
        _to_transitional(root)
    return root


@dataclass
class Rel:
    type: str  # the last segment of the relationship type URI: officeDocument, styles, ...
    target: str  # resolved part name inside the ZIP (no leading slash), or the URL when external
    external: bool


class Package:
    """Read-only view of an OOXML package: parts by name, relationships, and safely parsed XML."""

    def __init__(self, path: Path, zf: zipfile.ZipFile | None = None) -> None:
        self.path = path
        self.name = path.name
        try:
            self.zip = zipfile.ZipFile(path) if zf is None else zf
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise UnreadableDocument(f"{path.name} is a damaged ZIP package (truncated or corrupt)") from None
        # Part names are case-insensitive (OPC); keep the first of any duplicates.
        self._names: dict[str, str] = {}
        for info in infos:
            self._names.setdefault(info.filename.lower().lstrip("/"), info.filename)
        self.strict = False
        self._rels: dict[str, list[Rel]] = {}  # a part's relationships, parsed once

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def has(self, part: str) -> bool:
        return part.lower().lstrip("/") in self._names

    def size(self, part: str) -> int:
        real = self._names.get(part.lower().lstrip("/"))
        return self.zip.getinfo(real).file_size if real is not None else 0

    def blob(self, part: str) -> bytes | None:
        real = self._names.get(part.lower().lstrip("/"))
        if real is None:
            return None
        info = self.zip.getinfo(real)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2 and LZMA inflate without an output bound; Word writes neither.
            raise UnreadableDocument(f"{self.name}: part {part} uses a compression Word never writes "
                                     f"(method {info.compress_type})")
        try:
            # In bounded chunks: zipfile.read() inflates everything at once and only then cuts the output
            # to the declared size, so a part lying about its size would inflate in full first.
            with self.zip.open(info) as fh:
                return b"".join(iter(lambda: fh.read(2**20), b""))
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
            raise UnreadableDocument(
                f"{self.name}: part {part} is damaged ({type(exc).__name__}: {str(exc)[:80]})"
            ) from None

    def xml(self, part: str):
        """The root element of an XML part (None when the part is absent), parsed safely."""
        data = self.xml_bytes(part)
        return None if data is None else parse_part(self.name, part, data, self.strict)

    def xml_bytes(self, part: str) -> bytes | None:
        """An XML part's bytes, checked as :meth:`xml` checks them before parsing (size, a DOCTYPE in its
        head); None when the part is absent. ``parse_part`` is the rest of :meth:`xml`."""
        if self.size(part) > MAX_MAIN_PART:
            raise OversizedDocument(
                f"{self.name}: its part {part} is {self.size(part) // 2**20} MiB of XML, "
                f"far more than any take-home (limit {MAX_MAIN_PART // 2**20} MiB)"
            )
        data = self.blob(part)
        if data is None:
            return None
        head = data[:65536]
        if any(marker in head for marker in _DOCTYPE):
            entities = b"<!ENTITY" in head or "<!ENTITY".encode("utf-16-le") in head
            raise HostileDocument(
                f"{self.name}: {part} declares {'XML entities in ' if entities else ''}a <!DOCTYPE>, "
                "which Word never writes (an XXE or entity-expansion probe); it was not parsed",
                "re-save the document from Word as .docx, or export a PDF",
            )
        return data

    def rels(self, part: str) -> list[Rel]:
        """The relationships of ``part`` ("" for the package), targets resolved to part names.

        Parsed once per part: the package's own are asked for twice (main part, then app.xml)."""
        if part not in self._rels:
            self._rels[part] = self._read_rels(part)
        return self._rels[part]

    def _read_rels(self, part: str) -> list[Rel]:
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        try:
            root = self.xml(rels_part)
        except UnreadableDocument:
            return []
        if root is None:
            return []
        out = []
        for rel in root:
            if not isinstance(rel.tag, str) or not rel.tag.endswith("Relationship"):
                continue
            rtype = (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            external = (rel.get("TargetMode") or "").lower() == "external"
            if not external:
                target = unquote(target)
                target = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                target = posixpath.normpath(target).lstrip("/")
                if target.startswith(".."):
                    continue
            out.append(Rel(rtype, target, external))
            if "purl.oclc.org" in (rel.get("Type") or ""):
                self.strict = True
        return out

    def content_types(self) -> dict[str, str]:
        """Part name (lower case, no slash) -> content type, from the Override entries."""
        try:
            root = self.xml("[Content_Types].xml")
        except UnreadableDocument:
            return {}
        out = {}
        for el in root if root is not None else ():
            if isinstance(el.tag, str) and el.tag.endswith("Override"):
                out[(el.get("PartName") or "").lower().lstrip("/")] = (el.get("ContentType") or "").strip()
        return out

    def main_document(self) -> tuple[str, str]:
        """(part name, kind) of the main Word document part: found via the package relationships,
        then the content types, then the usual path."""
        types = self.content_types()
        candidates = [r.target for r in self.rels("") if r.type == "officeDocument" and not r.external]
        candidates += [p for p, ct in types.items() if ct in CT_WORD_MAIN]
        candidates.append("word/document.xml")
        for part in candidates:
            if self.has(part):
                ct = types.get(part.lower(), "")
                for key, what in _OTHER_OFFICE.items():
                    if key in ct:
                        raise UnsupportedFormat(f"{self.name} is {what}, not a Word document",
                                                "save the submission as .docx or export a PDF")
                return part, CT_WORD_MAIN.get(ct, "document")
        for ct in types.values():
            for key, what in _OTHER_OFFICE.items():
                if key in ct:
                    raise UnsupportedFormat(f"{self.name} is {what}, not a Word document",
                                            "save the submission as .docx or export a PDF")
        raise UnreadableDocument(f"{self.name} is a ZIP package without a Word document part")


def strip_ns(tag: str) -> str:
    return re.sub(r"^\{[^}]*\}", "", tag) if isinstance(tag, str) else ""
