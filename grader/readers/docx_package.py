"""Opening a Word package: the main document part and the parts the reader and the page estimate use.

The package is opened by ``ooxml`` rather than python-docx, so macro-enabled documents, templates
and Strict Open XML are read as well, and every XML part is parsed without entity expansion. Only
the parts used are parsed (document, styles, theme, numbering; app.xml is read as bytes), each once,
from one open archive; the parts' order, and which failures are fatal, are fixed: a damaged styles,
theme or numbering part only costs precision, a hostile one refuses the file. The styles part is
indexed by a scan where its bytes allow one (``docx_stylescan``): only the styles the document uses
are parsed, and a damaged style then costs that style alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import OversizedDocument, UnreadableDocument
from .docx_styles import StyleIndex, W
from .docx_stylescan import scan_styles
from .ooxml import MAX_MAIN_PART, Package, _to_transitional, parse_part, plain_utf8

STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
DOCUMENT, BODY = f"{{{W}}}document", f"{{{W}}}body"


class LazyPart:
    """An optional XML part (theme, numbering), parsed when first asked for: ``part()`` is its root
    element, or None when it is absent or malformed (a damaged optional part only costs precision).

    Only bytes that cannot fail as hostile are left for later (see ``_deferrable``): whatever parsing
    them later gives, a tree or a malformed part, is what parsing them up front gave, so deferring
    changes nothing but when, or whether, the work is done.
    """

    def __init__(self, root=None, name: str = "", part: str = "", data: bytes | None = None,
                 strict: bool = False) -> None:
        self._root = root
        self._pending = (name, part, data, strict) if data is not None else None

    def __call__(self):
        if self._pending is not None:
            name, part, data, strict = self._pending
            self._pending = None
            try:
                self._root = parse_part(name, part, data, strict)
            except UnreadableDocument:
                self._root = None
        return self._root


_ABSENT = LazyPart()


def _deferrable(data: bytes) -> bool:
    """Whether parsing these bytes can only give a tree or an UnreadableDocument, never a HostileDocument:
    declared UTF-8 (so the byte tests below see the text), under 1 MiB, no ``<!`` (no DOCTYPE), no ``&``
    (no entity, so no entity error) and fewer start tags than libxml2's nesting limit of 2048."""
    if len(data) >= 2**20 or plain_utf8(data) is None:
        return False
    return data.count(b"<") - data.count(b"</") < 2000


def _optional_part(pkg: Package, part: str) -> LazyPart:
    try:
        data = pkg.xml_bytes(part)  # too big or a DOCTYPE: refused now, as always
        if data is None:
            return _ABSENT
        if _deferrable(data):
            return LazyPart(None, pkg.name, part, data, pkg.strict)
        return LazyPart(parse_part(pkg.name, part, data, pkg.strict))
    except UnreadableDocument:
        return _ABSENT


def _styles(pkg: Package, part: str) -> StyleIndex | None:
    """The styles part's index: from a scan when the part allows one (``docx_stylescan``), else from the
    whole part parsed; None when it is missing or damaged (styles are optional: headings fall back to
    outline levels and bold). A hostile part refuses the file either way."""
    try:
        data = pkg.xml_bytes(part)
        if data is None:
            return None
        index = None if pkg.strict else scan_styles(data)
        return index if index is not None else StyleIndex(parse_part(pkg.name, part, data, pkg.strict))
    except UnreadableDocument:
        return None


@dataclass
class WordPackage:
    """What the reader and the page estimate need of a Word package."""

    root: object  # the w:document element
    body: object  # its w:body, or None
    styles: StyleIndex | None  # the styles part's index, or None when the part is missing or damaged
    app: bytes | None  # docProps/app.xml, for the stored page count
    kind: str  # "document", "template", "macro-enabled document", ...
    strict: bool  # saved as Strict Open XML
    theme: LazyPart  # for theme fonts (minorHAnsi...) in the page estimate
    numbering: LazyPart  # for list indents in the page estimate


def open_word(pkg: Package) -> WordPackage:
    """Parse the parts the grader reads from a package ``ooxml.open_package`` has opened and checked;
    the package is closed on return."""
    path = pkg.path
    with pkg:
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
            _to_transitional(root)
        strict = pkg.strict
        if root.tag != DOCUMENT:
            raise UnreadableDocument(f"{path.name}: the main part {part} is not a Word document body "
                                     f"(root element {root.tag.rsplit('}', 1)[-1]})")
        styles = None
        for rel in rels:
            if rel.type == "styles" and not rel.external:
                styles = _styles(pkg, rel.target)
                break
        extra: dict[str, LazyPart] = {}
        for rel in rels:  # optional parts the page estimate reads; a damaged one only costs precision
            if rel.type in ("theme", "numbering") and not rel.external and rel.type not in extra:
                extra[rel.type] = _optional_part(pkg, rel.target)
        app = None
        for rel in pkg.rels(""):
            if rel.type == "extended-properties" and not rel.external and pkg.size(rel.target) < 2**20:
                try:
                    app = pkg.blob(rel.target)
                except UnreadableDocument:
                    app = None
                break
    return WordPackage(root, root.find(BODY), styles, app, kind, strict, extra.get("theme", _ABSENT),
                       extra.get("numbering", _ABSENT))
