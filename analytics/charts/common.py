"""What the chart modules share: labels as people read them, empty states, number words.

No colour or font is decided here: they come from `theme`.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from analytics.charts.theme import MUTED, NOTE_SIZE, REFERENCE
from analytics.domain import CAUSE_FIELDS, CAUSE_LABELS, FIELD_BY_NAME, STAGE_LABELS
from analytics.metrics.types import NOT_SET, ReferenceFigure
from analytics.text import escape_plotly

#: The smallest group a title states a finding about: below it a rate swings with one
#: initiative, so the title says there are too few to judge instead.
MIN_GROUP = 10

#: Days per month on time axes: the mean Gregorian month, so day 365 sits at 12.0 months.
DAYS_PER_MONTH = 365.25 / 12


def is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def plain(value: object) -> str:
    """Workbook text made inert for Plotly's HTML-like labels (a '<b>' in a name stays text)."""
    return escape_plotly(value)


def group_key(value: object) -> str:
    """A business unit / solution type as a group key: missing becomes NOT_SET."""
    return NOT_SET if is_missing(value) or str(value).strip() == "" else str(value)


def stage_label(stage: object) -> str:
    return STAGE_LABELS.get(str(stage), str(stage).capitalize())


def cause_label(cause: object) -> str:
    return CAUSE_LABELS.get(str(cause), str(cause))


def unreadable_note(unreadable: Sequence[str]) -> str:
    """The words a cause chart adds when the export gives no value for some causes' fields
    (StallResult.unreadable): their bars follow the rules but say nothing about the portfolio."""
    if not unreadable:
        return ""
    fields = [FIELD_BY_NAME[CAUSE_FIELDS[c]].label.lower() for c in unreadable]
    causes = [lower_first(cause_label(c)) for c in unreadable]
    return f"No {_joined(fields)} in this export: read {_joined(causes)} as unknown (hatched)"


def _joined(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def lower_first(text: str) -> str:
    """'Unclear ownership' -> 'unclear ownership', for use mid-sentence."""
    return text[:1].lower() + text[1:] if text else text


def plural(count: float, noun: str, nouns: str | None = None) -> str:
    """'1 pilot', '3 pilots'."""
    word = noun if count == 1 else (nouns or noun + "s")
    return f"{count:,.0f} {word}" if float(count).is_integer() else f"{count:,.1f} {word}"


def month_label(value: date | pd.Timestamp) -> str:
    return f"{pd.Timestamp(value):%b %Y}"


def wrap_label(text: str, width: int = 14) -> str:
    """A category label broken onto lines of about `width` characters (for narrow bars)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def reference_label(ref: ReferenceFigure) -> str:
    """How a survey figure is credited on a chart: short, with publisher and year."""
    publisher = ref.source.split(",")[0].split("(")[0].strip()
    return f"{publisher} {ref.year}"


def share_ticks(top: float) -> list[float]:
    """Tick positions for a share axis whose range runs to `top` (which may exceed 100% to
    leave room for labels): round steps, never beyond 100%."""
    step = 0.05 if top <= 0.25 else 0.1 if top <= 0.6 else 0.2 if top <= 1.2 else 0.25
    count = int(min(top, 1.0) / step + 1e-9)
    return [round(i * step, 2) for i in range(count + 1)]


def empty_state(fig: go.Figure, message: str) -> go.Figure:
    """A chart with nothing to draw says so in words instead of showing bare axes."""
    fig.add_annotation(
        text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
        font=dict(size=NOTE_SIZE + 4, color=MUTED), name="empty",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(showlegend=False)
    return fig


def note(fig: go.Figure, text: str, **placement: object) -> None:
    """A muted explanatory annotation (reference markers, caveats)."""
    defaults: dict[str, object] = dict(showarrow=False, font=dict(size=NOTE_SIZE, color=REFERENCE))
    defaults.update(placement)
    fig.add_annotation(text=text, **defaults)


#: Characters a category label keeps before it is abbreviated (the full text is on hover):
#: a 40-character business unit would take half of a half-width chart.
LABEL_CHARS = 24


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """Plain (unescaped) text cut to `limit` characters at a word where possible, with '…'."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def row_font(rows: int) -> int:
    """Category and value label size for a chart with `rows` rows, so rows never collide in the
    450 px tall picture of a slide (about 220 px of plot for the rows)."""
    return NOTE_SIZE + 2 if rows <= 6 else NOTE_SIZE if rows <= 9 else NOTE_SIZE - 3


#: px a category row needs in the dashboard so its label reads at full size.
ROW_PX = 30
#: Plotly's (and Streamlit's) default chart height.
DEFAULT_HEIGHT = 450


def fit_rows(fig: go.Figure, rows: int) -> go.Figure:
    """Grow a finished chart's height in the dashboard so `rows` categories each get ROW_PX.

    Only the dashboard reads this height: the PNG and the slide are drawn at their own size
    (Kaleido's width/height override it), where `row_font` keeps the rows apart instead."""
    margin = fig.layout.margin
    needed = int((margin.t or 0) + (margin.b or 0) + rows * ROW_PX + 40)
    if needed > DEFAULT_HEIGHT:
        fig.update_layout(height=needed)
    return fig
