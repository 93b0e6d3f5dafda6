"""How wide a text is when drawn, from the font's own advance widths, so titles wrap to the
width they are drawn at rather than at a guessed number of characters.

The widths are Liberation Sans's (Regular and Bold, in thousandths of an em), which is metric-
compatible with Arial: the same widths in the browser (Arial, or Liberation Sans on Linux), in
Kaleido's Chromium and in PowerPoint or LibreOffice. A character outside the table counts as
wide (an em for CJK and symbols, two thirds of an em otherwise), so an unknown text wraps early,
never late.
"""
from __future__ import annotations

#: The characters the tables describe: printable ASCII, then the arrows, dots, dashes, currency
#: signs and quotes the charts write.
_CHARS = (
    "".join(chr(c) for c in range(32, 127)) + "\u2192\u2193\u00b7\u2013\u2014\u2026\u20ac\u00a3\u00a5"
    "\u2019\u201c\u201d\u00d7\u2265\u2264"
)
_REGULAR: tuple[int, ...] = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584, 1000, 500, 278, 556, 1000, 1000, 556, 556, 556, 222, 333, 333, 584,
    549, 549,
)
_BOLD: tuple[int, ...] = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
    722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
    611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
    500, 389, 280, 389, 584, 1000, 500, 278, 556, 1000, 1000, 556, 556, 556, 278, 500, 500, 584,
    549, 549,
)

_ADVANCE: dict[bool, dict[str, int]] = {
    False: dict(zip(_CHARS, _REGULAR, strict=True)),
    True: dict(zip(_CHARS, _BOLD, strict=True)),
}
_WIDE = 1000        # CJK, symbols: a full em
_UNKNOWN = 667      # other letters (accented, Greek, Cyrillic): as wide as a capital


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The drawn width of one line of `text` at font `size`, in the unit of `size` (px or pt)."""
    advance = _ADVANCE[bold]
    total = 0
    for ch in text:
        known = advance.get(ch)
        total += known if known is not None else (_WIDE if ord(ch) >= 0x2E80 else _UNKNOWN)
    return total * size / 1000


def _tokens(text: str) -> list[str]:
    """Words, with a short parenthesised group such as "(6 of 18)" kept as one token."""
    words = text.split()
    tokens: list[str] = []
    i = 0
    while i < len(words):
        end = i
        if words[i].startswith("(") and ")" not in words[i]:
            end = next((j for j in range(i, min(i + 4, len(words))) if ")" in words[j]), i)
        group = " ".join(words[i:end + 1])
        tokens.append(group if len(group) <= 18 else words[i])
        i = i + 1 if len(group) > 18 else end + 1
    return tokens


def _greedy(tokens: list[str], width: float, size: float, bold: bool) -> list[str]:
    lines: list[str] = []
    for token in tokens:
        if lines and text_width(lines[-1] + " " + token, size, bold=bold) <= width:
            lines[-1] += " " + token
        else:
            lines.append(token)
    return lines or [""]


def wrap_to_width(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """Split plain text into lines no wider than `width` when drawn at `size` (same unit),
    balanced in length so no word is left alone on the last line; parenthesised groups never
    break. A single word wider than `width` keeps a line of its own."""
    tokens = _tokens(text)
    count = len(_greedy(tokens, width, size, bold))
    best = width
    narrower = width - size / 2
    while narrower > 0 and len(_greedy(tokens, narrower, size, bold)) == count:
        best = narrower
        narrower -= size / 2
    return _greedy(tokens, best, size, bold)
