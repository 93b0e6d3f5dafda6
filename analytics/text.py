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


def escape_markdown(text: object) -> str:
    """Text made inert for Streamlit's Markdown renderer (links, emphasis, colour, KaTeX)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def escape_plotly(text: object) -> str:
    """Text made inert for Plotly's text renderer, which interprets a subset of HTML."""
    return html.escape(str(text), quote=False)
