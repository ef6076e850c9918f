"""pypdf's text extraction of one page, for its text visitor, without its per-character Python work.

``pypdf.PageObject.extract_text(visitor_text=...)`` reports runs of text with the matrices, font and
size they were drawn with. Most of its cost is not the PDF: it decodes every string one byte at a
time through generator expressions, sums glyph widths one character at a time, and routes every
operator through several layers of calls. ``page_runs`` follows the same rules, operator by operator
(``pypdf/_text_extraction/_text_extractor.py`` and ``pypdf/_page.py``, ``_extract_text``), so that it
reports the same runs at the same positions, but decodes a string with ``str.translate`` tables built
once per font and keeps only the last character of the text already reported, where pypdf keeps the
whole page's text.

It gives up (returns None, and the caller lets pypdf extract the page) where following pypdf would
need more than that: a form XObject (pypdf recurses into it), right-to-left text (pypdf reorders it),
a font whose character map holds something other than text, or any error, which pypdf then raises or
handles in its own way.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

Visit = Callable[[str, Sequence[float], Sequence[float], object, float], None]
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
SPACE_WIDTH = 200.0  # extract_text's default space width, for fonts that give a space no width


class _GiveUp(Exception):
    """Something only pypdf's own extraction handles: it extracts the page instead."""


def mult(m, n) -> tuple[float, ...]:
    """The product of two PDF matrices [a b c d e f], as pypdf's ``mult``."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _orient(m) -> int:
    if m[3] > 1e-6:
        return 0
    if m[3] < -1e-6:
        return 180
    if m[1] > 0:
        return 90
    return 270


def _number(operands: Sequence, index: int, default: float) -> float:
    if index < len(operands) and isinstance(operands[index], (int, float)):
        return float(operands[index])
    return default


class FontCodec:
    """One pypdf ``Font``: its strings decoded and measured as pypdf's ``get_text_operands`` and
    ``get_display_str`` do, with translation tables in place of per-character lookups."""

    __slots__ = ("font", "named", "bytes_table", "char_table", "widths", "space_char", "space_width", "default")

    def __init__(self, font) -> None:
        self.font = font
        encoding = font.encoding
        self.named = encoding if isinstance(encoding, str) else None
        # Dictionary encodings: byte -> text, "".join(encoding.get(b, chr(b)) for b in data) in pypdf.
        self.bytes_table = None if self.named else {b: encoding.get(b, chr(b)) for b in range(256)}
        if self.bytes_table is not None and not all(isinstance(v, str) for v in self.bytes_table.values()):
            raise _GiveUp
        table = {}
        for key, value in font.character_map.items():
            if isinstance(key, str) and len(key) == 1:
                if not isinstance(value, str):
                    raise _GiveUp  # pypdf would fail joining it, or treat it apart
                table[ord(key)] = value
        self.char_table = table
        self.widths: dict[str, float] = {}
        self.space_char = font.space_char
        self.space_width = font.space_width
        self.default = font.character_widths["default"]

    def decode(self, data: bytes) -> tuple[str, str]:
        """(text before the character map, the characters the widths are summed over)."""
        if self.named is not None:
            try:
                text = data.decode(self.named, "surrogatepass")
            except UnicodeDecodeError:
                text = data.decode(self.named, "replace")
            return text, text
        raw = data.decode("latin-1")  # chr(b) for each byte, as pypdf's raw characters
        return raw.translate(self.bytes_table), raw

    def width(self, chars: str) -> float:
        widths = self.widths
        total = 0.0
        for char in chars:
            w = widths.get(char)
            if w is None:
                if char == self.space_char:
                    w = self.space_width
                else:
                    w = self.font.character_widths.get(char, self.default)
                widths[char] = w
            total += w
        return total


def _rtl_guard():
    """pypdf's test for text it would reorder right to left (and its custom right-to-left setting)."""
    import pypdf._text_extraction as te

    pattern = te.RTL_CHARACTER_PATTERN

    def has_rtl(text: str) -> bool:
        return bool(te.CUSTOM_RTL_MIN and te.CUSTOM_RTL_MAX) or pattern.search(text) is not None

    return has_rtl


def page_fonts(page, cache: dict[int, tuple[object, object, FontCodec | None]]):
    """The page's fonts by resource name, as pypdf's ``_extract_text`` sets them up, and its resources.

    ``cache`` maps id(font dictionary) to (the dictionary, its Font, its codec) across the pages of one
    document: a font shared by every page is read once, where pypdf reads it again for each page.
    """
    from pypdf._page import _get_font_resources, _get_page_resources
    from pypdf.generic._font import Font

    resources = _get_page_resources(page)
    font_dicts: dict[str, object] = {}
    codecs: dict[str, FontCodec] = {}
    if not resources:
        return resources, font_dicts, codecs
    fonts = _get_font_resources(resources)
    for name in fonts:
        try:  # what pypdf's _extract_text does for each font, with its own tolerance of broken ones
            obj = fonts[name].get_object()
            font_dicts[name] = obj
            known = cache.get(id(obj))
            if known is None or known[0] is not obj:
                font = Font.from_font_resource(obj)
                if font.character_widths.get(font.space_char, 0) == 0:
                    font.space_width = SPACE_WIDTH
                known = cache[id(obj)] = (obj, font, None)
        except (AttributeError, TypeError):
            continue
        if known[2] is None:  # outside that tolerance: a font this module cannot decode goes to pypdf
            known = cache[id(obj)] = (obj, known[1], FontCodec(known[1]))
        codecs[name] = known[2]
    return resources, font_dicts, codecs


def _unknown_font() -> FontCodec:
    from pypdf.generic._font import Font, FontDescriptor

    return FontCodec(Font("Unknown", space_width=250, encoding=dict.fromkeys(range(256), "\ufffd"),
                          font_descriptor=FontDescriptor(), character_map={}))


@functools.cache
def _initial_font() -> FontCodec:
    from pypdf._codecs import encoding_dict_from_named_encoding
    from pypdf.generic._font import Font, FontDescriptor

    return FontCodec(Font(name="NotInitialized", sub_type="Unknown",
                          encoding=encoding_dict_from_named_encoding("cp1252"), font_descriptor=FontDescriptor()))


CHECKED_PYPDF = ("7.1.",)  # the releases whose text extraction this module follows (tests/test_pdf_text.py)


@functools.cache
def _checked_pypdf() -> bool:
    """Whether the installed pypdf is one this module was checked against; another one extracts every
    page itself, so that the text is always what that pypdf would give."""
    import pypdf

    return pypdf.__version__.startswith(CHECKED_PYPDF)


def page_runs(page, operations: list[tuple[list, bytes]], visit: Visit,
              font_cache: dict[int, tuple[object, object, FontCodec | None]]) -> bool:
    """Report the page's text runs to ``visit`` as ``page.extract_text(visitor_text=visit)`` would.

    Calls are collected first and made only when the whole page could be followed: on False nothing
    was reported, and the caller extracts the page with pypdf.
    """
    if not _checked_pypdf():
        return False
    calls: list[tuple[str, list, list, object, float]] = []
    try:
        _run(page, operations, calls, font_cache)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - _GiveUp, or anything pypdf handles its own way
        return False
    for call in calls:
        visit(*call)
    return True


def _run(page, operations, calls: list, font_cache) -> None:  # noqa: C901, PLR0912, PLR0915 - one interpreter
    from pypdf.generic import ArrayObject, NameObject

    resources, font_dicts, codecs = page_fonts(page, font_cache)
    if not resources:
        return  # pypdf: no resources, no font, no text
    has_rtl = _rtl_guard()
    emit = calls.append
    # Matrices are tuples, replaced and never changed in place, so that where pypdf copies a matrix
    # to remember it, holding the tuple is enough.
    cm = tm = cm_prev = tm_prev = memo_cm = memo_tm = _IDENTITY
    stack: list[tuple] = []
    char_spacing = 0.0
    half_space = 500.0  # pypdf's _space_width: half a space, set at the first Tf
    previous_font_space = None
    str_widths = 0.0
    str_height = 0.0
    leading = 0.0
    font_size = 12.0
    line_span = None
    text = ""
    last_out = ""  # the last character of the text reported so far ("" before any)
    font_resource = None
    codec = _initial_font()
    unknown = None

    def report() -> None:
        """pypdf's ``output += text`` and visitor call for the text gathered so far."""
        nonlocal text, last_out
        if text:
            last_out = text[-1]
        emit((text, memo_cm, memo_tm, font_resource, font_size))
        text = ""

    def flush() -> None:
        nonlocal memo_cm, memo_tm
        report()
        memo_cm, memo_tm = cm, tm

    def post(widths: float) -> None:
        """pypdf's _post_process_text_operation and crlf_space_check: a line break or a word gap."""
        nonlocal text, last_out, cm_prev, tm_prev, line_span, memo_cm, memo_tm
        was_empty = text == ""
        space = font_size * half_space
        if previous_font_space is not None:
            space = min(space, previous_font_space)
        space /= 1000
        m_prev = mult(tm_prev, cm_prev)
        m = mult(tm, cm)
        orientation = _orient(m)
        dx, dy = m[4] - m_prev[4], m[5] - m_prev[5]
        scale_prev_x = math.sqrt(m_prev[0] ** 2 + m_prev[1] ** 2)
        scale_prev_y = math.sqrt(m_prev[2] ** 2 + m_prev[3] ** 2)
        scale_y = math.sqrt(m[2] ** 2 + m[3] ** 2)
        if orientation in (0, 180):
            moved_height, moved_width, axis_index = dy, dx, 5
        else:
            moved_height, moved_width, axis_index = dx, dy, 4
        axis = m[axis_index]
        if line_span is None or line_span[0] != axis_index:
            distance = abs(moved_height)
        else:
            lower, upper = line_span[1], line_span[2]
            distance = 0.0 if lower <= axis <= upper else min(abs(axis - lower), abs(axis - upper))
        last = text[-1] if text else last_out
        threshold = 0.8 * min(str_height * scale_prev_y, font_size * scale_y)
        if distance > threshold:
            if last not in ("", "\n"):
                emit((text + "\n", memo_cm, memo_tm, font_resource, font_size))
                last_out = "\n"
                text = ""
            line_span = (axis_index, axis, axis)
        else:
            if ((abs(moved_height) > threshold or moved_width >= (space + widths) * scale_prev_x)
                    and last not in ("", " ")):
                text += " "
            if last in ("", "\n") or line_span is None or line_span[0] != axis_index:
                line_span = (axis_index, axis, axis)
            else:
                line_span = (axis_index, min(line_span[1], axis), max(line_span[2], axis))
        tm_prev, cm_prev = tm, cm
        if was_empty or text == "":
            memo_cm, memo_tm = cm, tm

    def show(operands) -> None:
        """Tj: pypdf's _handle_tj_operation, get_text_operands and get_display_str."""
        nonlocal text, previous_font_space, str_widths, str_height
        if not operands or not isinstance(operands[0], (str, bytes)):
            post(0.0)
            return
        previous_font_space = None
        data = operands[0]
        if isinstance(data, str):
            decoded = data
            text += data
            widths = codec.width(data)
        else:
            decoded, raw = codec.decode(data)
            shown = decoded.translate(codec.char_table)
            if has_rtl(shown):
                raise _GiveUp
            text += shown
            widths = codec.width(raw or decoded)
        str_widths += widths * font_size + 1000 * char_spacing * len(decoded)
        str_height = font_size
        post(0.0)

    def move(tx: float, ty: float) -> None:
        nonlocal str_widths, tm
        tm = (*tm[:4], tm[4] + (tx * tm[0] + ty * tm[2]), tm[5] + (tx * tm[1] + ty * tm[3]))
        widths, str_widths = str_widths / 1000, 0.0
        post(widths)

    def next_line() -> None:
        nonlocal str_widths, tm
        tm = (*tm[:4], tm[4] - leading * tm[2], tm[5] - leading * tm[3])
        widths, str_widths = str_widths / 1000, 0.0
        post(widths)

    for operands, op in operations:
        if op == b"Tj":
            show(operands)
        elif op == b"TJ":
            confirm = half_space * 0.95
            if operands and isinstance(operands[0], ArrayObject):
                for item in operands[0]:
                    if isinstance(item, (str, bytes)) and not isinstance(item, NameObject):
                        show([item])
                    if isinstance(item, (int, float)):
                        offset = float(item)
                        after = str_widths - offset * font_size
                        previous = text or last_out
                        if -offset >= confirm and previous and previous[-1] not in " \n":
                            show([" "])
                        str_widths = after
        elif op == b"Td":
            move(_number(operands, 0, 0.0), _number(operands, 1, 0.0))
        elif op == b"TD":
            if len(operands) >= 2:
                if isinstance(operands[1], (int, float)):
                    leading = float(-operands[1])
                move(_number(operands, 0, 0.0), _number(operands, 1, 0.0))
        elif op == b"Tm":
            try:
                values = [float(o) for o in operands[:6]]
            except (TypeError, ValueError):
                values = []
            tm = tuple(values) if len(values) == 6 else _IDENTITY
            widths, str_widths = str_widths / 1000, 0.0
            post(widths)
        elif op == b"T*":
            next_line()
        elif op == b"'":
            next_line()
            show(operands)
        elif op == b'"':
            if len(operands) >= 3:
                char_spacing = _number(operands, 1, 0.0)
                next_line()
                show(operands[2:])
        elif op == b"BT":
            tm = _IDENTITY
            flush()
        elif op == b"ET":
            flush()
        elif op == b"Tf":
            if text != "":
                previous_font_space = font_size * half_space
                report()
            memo_cm, memo_tm = cm, tm
            try:
                name = operands[0]
                font_resource = font_dicts[name]
                codec = codecs[name]
            except (KeyError, IndexError):
                font_resource = None
                codec = unknown = unknown or _unknown_font()
            half_space = codec.space_width / 2
            try:
                font_size = float(operands[1])
            except Exception:  # noqa: BLE001 - pypdf keeps the previous size
                pass
        elif op == b"q":
            stack.append((cm, font_resource, codec, font_size, char_spacing, leading))
        elif op == b"Q":
            if stack:
                cm, font_resource, codec, font_size, char_spacing, leading = stack.pop()
            else:
                cm = _IDENTITY
        elif op == b"cm":
            report()
            try:
                cm = mult([float(o) for o in operands[:6]], cm)
            except Exception:  # noqa: BLE001 - pypdf falls back to the identity
                cm = _IDENTITY
            memo_cm, memo_tm = cm, tm
        elif op == b"Tc":
            char_spacing = _number(operands, 0, 0.0)
        elif op == b"TL":
            leading = _number(operands, 0, 0.0)
        elif op == b"Do" and operands:
            report()
            if last_out not in ("", "\n"):
                last_out = "\n"
                emit(("\n", memo_cm, memo_tm, font_resource, font_size))
            try:
                image = resources["/XObject"][operands[0]]["/Subtype"] == "/Image"
            except Exception:  # noqa: BLE001 - pypdf logs it and goes on
                image = True
            if not image:
                raise _GiveUp  # a form: pypdf extracts its text recursively
            memo_cm, memo_tm = cm, tm
    if text != "":
        emit((text, memo_cm, memo_tm, font_resource, font_size))
