"""Making workbook and URL text inert wherever it is shown.

Workbook text is hostile (README, docs/security.md): a business unit can carry Markdown,
HTML, KaTeX or a URL. Streamlit renders Markdown in most text elements and Plotly renders a
subset of HTML (`<a>`, `<b>`, `<br>`, `<span style>`) in every text it draws, so each
renderer has one escaping function here and nothing else escapes by hand.
"""
from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")
#: An invisible character that joins words (U+2060 WORD JOINER).
WORD_JOINER = "\u2060"
#: Where Streamlit's Markdown (GitHub autolink literals) would turn plain text into a link:
#: "http://", "https://", "www." and the "@" of an address. Its autolinks are found in the text
#: after backslash escapes are resolved, so escaping alone does not stop them; an invisible
#: word joiner inside the trigger does.
_AUTOLINK = re.compile(r"(?i)(?<=https:)(?=//)|(?<=http:)(?=//)|(?<=www)(?=\.)|(?<=@)")


def escape_markdown(text: object) -> str:
    """Text made inert for Streamlit's Markdown renderer (links, emphasis, colour, KaTeX),
    plain URLs and addresses included."""
    joined = _AUTOLINK.sub(WORD_JOINER, str(text))
    return _MD_SPECIAL.sub(r"\\\1", joined).replace("\n", " ")


def escape_plotly(text: object) -> str:
    """Text made inert for Plotly's text renderer, which interprets a subset of HTML."""
    return html.escape(str(text), quote=False)
