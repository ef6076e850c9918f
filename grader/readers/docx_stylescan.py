"""The styles part indexed without parsing all of it.

A styles part routinely carries 150-300 style definitions in a few hundred KiB of XML, of which a
document uses a handful; parsing it whole costs more than the rest of a three-page document together.
``scan_styles`` finds the top-level styles by their tags instead, parses their start tags (the
attributes the index needs) and the little that lies between them (the document defaults, the
latent styles), and leaves each style's body to be parsed when it is first read.

It only takes parts where finding tags by their bytes cannot go wrong: declared UTF-8, no comment,
CDATA, DOCTYPE or processing instruction (``<!``, ``<?``), no entity or character reference (``&``),
and the WordprocessingML namespace bound once, on the root, to the prefix every style tag uses. Then
every ``<`` in the part begins a tag, ``</w:style>`` can only be an end tag, and a start tag ends at
the first ``>`` outside quotes. Anything else, a style nested in another element among them, and
anything deep enough to reach the parser's nesting limit, returns None: the caller parses the part
whole, as before, and that decides what the part gives or whether it is refused.
"""

from __future__ import annotations

import functools
import re

from .docx_styles import DOC_DEFAULTS, StyleIndex, W
from .ooxml import plain_utf8, safe_parser

SCAN_LIMIT = 4 * 2**20  # bytes: beyond this a styles part is not a usual one; parse it whole
MAX_TAGS = 1_000  # start tags in one span, far below the parser's nesting limit of 2,048
DEEP_SPAN = 3 * MAX_TAGS  # bytes: a span this short holds fewer start tags (``<a>`` takes 3 bytes)
_NS = W.encode()
_WS = b" \t\r\n"
# A start tag's attributes, quoted either way, then ``>`` or ``/>`` (group 2).
_ATTRS = rb"""((?:\s+[^\s=/<>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
_ROOT = re.compile(rb"\s*<([^\s/<>:]+):styles" + _ATTRS)


@functools.lru_cache(maxsize=4)
def _patterns(prefix: bytes) -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    p = re.escape(prefix)
    return (re.compile(rb"<" + p + rb":style(?=[\s/>])"),  # every style start tag, well-formed or not
            re.compile(rb"<" + p + rb":style" + _ATTRS),  # a well-formed one, whole
            re.compile(rb"</" + p + rb":style\s*>"),
            re.compile(rb"xmlns:" + p + rb"\s*="))  # no \b before it: that would slow the search tenfold


def _too_deep(data: bytes, start: int, end: int) -> bool:
    """Whether the span might nest elements near the parser's limit: it has too many start tags, closed or
    not (a damaged span is parsed when first read, and must meet the same limit the whole parse did)."""
    return end - start > DEEP_SPAN and data.count(b"<", start, end) - data.count(b"</", start, end) > MAX_TAGS


def scan_styles(data: bytes) -> StyleIndex | None:
    """An index over the styles part ``data``, reading each style when it is first asked for; None
    when the part is not one this can index safely (parse it whole instead)."""
    from lxml import etree

    if len(data) > SCAN_LIMIT or data.count(_NS) != 1:
        return None
    opened = plain_utf8(data)
    if opened is None or data.find(b"<?", opened) >= 0:
        return None
    root = _ROOT.match(data, opened)
    if root is None or root.group(3) or _NS not in root.group(0):
        return None
    prefix = root.group(1)
    any_start, start_tag, end_tag, xmlns = _patterns(prefix)
    close = data.rfind(b"</" + prefix + b":styles")
    if close < root.end() or len(xmlns.findall(data)) != 1:
        return None
    ends = [(m.start(), m.end()) for m in end_tag.finditer(data, root.end(), close)]
    tags: list[bytes] = []
    spans: list[tuple[int, int]] = []
    gaps: list[tuple[int, int]] = []
    pos, k = root.end(), 0
    for m in start_tag.finditer(data, root.end(), close):
        if m.start() < pos or (k < len(ends) and ends[k][0] < m.start()):
            return None  # a style inside a style, or an end tag without its start
        gaps.append((pos, m.start()))
        tag = m.group(0)
        if m.group(2):
            end = m.end()
        else:
            if k == len(ends):
                return None
            end = ends[k][1]
            k += 1
            tag = tag[:-1] + b"/>"
        if _too_deep(data, m.start(), end):
            return None
        tags.append(tag)
        spans.append((m.start(), end))
        pos = end
    gaps.append((pos, close))
    if k != len(ends) or len(any_start.findall(data, root.end(), close)) != len(spans):
        return None  # a start tag the pattern did not take whole, or an end tag left over
    head = data[data.index(b"<", opened):root.end()]
    tail = b"</" + prefix + b":styles>"
    parser = safe_parser()

    def parse(body: bytes):
        return etree.fromstring(head + body + tail, parser)

    doc_defaults = None
    try:
        for start, end in gaps:  # what lies between the styles must be whole elements, none of them a style
            if data[start:end].strip(_WS):
                if _too_deep(data, start, end):
                    return None
                between = parse(data[start:end])
                if doc_defaults is None:
                    doc_defaults = between.find(DOC_DEFAULTS)
        skeleton = parse(b"".join(tags))
    except etree.XMLSyntaxError:
        return None
    if skeleton.tag != f"{{{W}}}styles" or len(skeleton) != len(spans):
        return None

    def load(span: tuple[int, int]):
        try:
            whole = parse(data[span[0]:span[1]])
        except etree.XMLSyntaxError:
            return None
        return whole[0] if len(whole) else None

    return StyleIndex.scanned(list(zip(skeleton, spans, strict=True)), doc_defaults, load)
