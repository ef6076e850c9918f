"""Greedy line breaking of one measured paragraph, for the DOCX page estimate.

``docx_measure`` turns a paragraph into atoms (text in a font, tabs, breaks, pictures); this module
breaks them into lines as a word processor does, a word at a time, and returns each line's height.
It runs once per word of the document, so the line state lives in local variables and each font's
space width and line height are worked out once per run of text, not once per word. The arithmetic
is the same, operation for operation, as the straightforward version it replaced: the estimate's
line heights (and so its page breaks) are unchanged to the last bit.
"""

from __future__ import annotations

import re

from .font_metrics import CHARS, FAMILIES

TAB_STOP = 36.0
MAX_WIDTHS = 20000  # memoised word widths, all fonts together (about 3 MB)
_TOKENS = re.compile(r" +|[^ ]+")
_FONTS: dict[str, Font] = {}
_memoised = 0


class Font:
    """One family's character widths (regular, bold) and single-line height, from ``font_metrics``."""

    def __init__(self, family: str) -> None:
        height, regular, bold = FAMILIES[family]
        self.height = height
        self.widths = (dict(zip(CHARS, regular, strict=True)), dict(zip(CHARS, bold, strict=True)))
        self.default = (regular[CHARS.index("n")], bold[CHARS.index("n")])
        self.words: tuple[dict[str, float], dict[str, float]] = ({}, {})  # word widths met so far

    def width(self, text: str, bold: bool) -> float:
        table, default = self.widths[bold], self.default[bold]
        return sum(table.get(ch, default) for ch in text) / 1000.0

    def word_width(self, word: str, bold: bool) -> float:
        """``width`` memoised: the same words recur throughout a document and across documents. The
        memos are emptied when they grow large; a width is the same whether it came from one or not."""
        global _memoised
        width = self.words[bold].get(word)
        if width is None:
            if _memoised >= MAX_WIDTHS:
                for f in _FONTS.values():
                    f.words[0].clear()
                    f.words[1].clear()
                _memoised = 0
            width = self.words[bold][word] = self.width(word, bold)
            _memoised += 1
        return width


def font(family: str) -> Font:
    """The metrics of a family of ``font_metrics`` (one object a family, kept for the process)."""
    f = _FONTS.get(family)
    if f is None:
        f = _FONTS[family] = Font(family)
    return f


def natural(f: tuple) -> float:
    """A run font's single line height in points (``f`` is measure's (family, size, bold, caps, spacing))."""
    return font(f[0]).height * f[1]


def wrap(atoms: list, first_avail: float, avail: float, ppr: dict, mark_font: tuple) -> tuple[list, float]:
    """Greedy line breaking: the line heights of each piece between page breaks, and floating height."""
    rule, spacing = ppr.get("rule", "auto"), ppr.get("line", 1.0)
    pieces: list[list[float]] = []
    lines: list[float] = []
    floats = 0.0
    mark_h = natural(mark_font)
    # The line being filled: its width so far, text height, picture height, whether it holds anything;
    # the word being gathered (width, height); the spaces before it.
    x = h = img = word = wh = space = 0.0
    has = False
    limit = first_avail  # the first line's width until a line ends or a page breaks, then every line's

    def end_line() -> None:
        nonlocal x, h, img, has, space, limit
        text_h = h or mark_h
        if rule == "exact":
            lines.append(spacing)
        elif rule == "auto":  # an inline picture's line is the picture plus the spacing's extra
            lines.append(max(text_h * spacing, img + (spacing - 1.0) * text_h))
        else:
            lines.append(max(text_h, spacing, img))
        x = h = img = 0.0
        has = False
        space = 0.0
        limit = avail

    def flush() -> None:
        """Put the gathered word on the line, or on the next one when it does not fit."""
        nonlocal x, h, has, word, wh, space
        w = word
        if not w:
            return
        if has and x + space + w > limit:
            end_line()
        if w > limit:  # a word longer than the line breaks anywhere
            while w > limit:
                h = wh if wh > h else h
                has = True
                line_width = limit  # the width of the line this part of the word fills
                end_line()
                w -= line_width
        x += (space if has else 0.0) + w
        h = wh if wh > h else h
        has = True
        word = wh = space = 0.0

    for atom in atoms:
        kind = atom[0]
        if kind == "text":
            _, text, f = atom
            family, size, bold, caps, extra = f
            if caps:
                text = text.upper()
            fnt = font(family)
            widths = fnt.words[bold]
            space_w = fnt.word_width(" ", bold) * size + extra
            nat = fnt.height * size
            for tok in _TOKENS.findall(text):
                if tok[0] == " ":
                    if word:
                        if (has and x + space + word > limit) or word > limit:
                            flush()
                        else:  # flush()'s common case, inline: the word fits on the line
                            x += (space if has else 0.0) + word
                            h = wh if wh > h else h
                            has = True
                            word = wh = space = 0.0
                    space += space_w if tok == " " else len(tok) * space_w  # 1 * space_w is space_w
                else:
                    ww = widths.get(tok)
                    if ww is None:
                        ww = fnt.word_width(tok, bold)
                    word += ww * size + extra * len(tok)
                    wh = nat if nat > wh else wh
        elif kind == "tab":
            flush()
            pos = x + space
            x = (int(pos / TAB_STOP) + 1) * TAB_STOP
            has = True
            space = 0.0
            nat = natural(atom[1])
            h = nat if nat > h else h
            if x > limit:
                end_line()
        elif kind == "br":
            flush()
            h = h or natural(atom[1])
            end_line()
        elif kind == "page":
            flush()
            if has or not lines:  # the break sits on a line of the page it ends
                end_line()
            pieces.append(lines)
            lines = []
            limit = avail
        elif kind == "img":
            flush()
            _, iw, ih = atom
            if has and x + space + iw > limit:
                end_line()
            x += iw
            img = ih if ih > img else img
            has = True
        elif kind == "float":  # text flows below it (top and bottom) or beside it: either way it takes its height
            floats += atom[1]
    flush()
    if has or (not lines and not pieces):
        end_line()
    # Nothing after a page break: LibreOffice starts the next paragraph at the top of the new page
    # (and adds no page at the end of the document), as if the break were "page break before" it.
    pieces.append(lines)
    return pieces, floats
