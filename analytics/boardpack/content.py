"""What the board pack says: the charts in order, each with its finding, the numbers behind it
(speaker notes) and, where PowerPoint has a matching chart type, an editable native version.

Everything here is computed from the metrics' results; nothing is laid out on a slide (that is
`deck`), so tests can check the numbers without opening a presentation.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from analytics import formatting
from analytics.charts.cohorts import IMMATURE_NAME, MATURE_NAME, MAX_COHORTS
from analytics.charts.common import (
    cause_label,
    group_key,
    is_missing,
    month_label,
    stage_label,
)
from analytics.charts.source import ChartSource
from analytics.charts.theme import (
    CAUSE_COLORS,
    CONTEXT,
    EXPECTED,
    HIGHLIGHT,
    IMMATURE,
    REALIZED,
    REFERENCE,
    STAGE_COLORS,
    format_pct,
)
from analytics.charts.trend import OVERALL_LABEL
from analytics.charts.value import EXPECTED_NAME, REALIZED_NAME, by_group
from analytics.domain import CAUSES, UNATTRIBUTED, Stage
from analytics.metrics import (
    REFERENCE_FIGURES,
    Report,
    breakdown,
    compute_report,
    trend,
)
from analytics.metrics.report import DEFAULT_STALL_DAYS
from analytics.metrics.types import CENSORED, LEFT_OUT_REASONS, ReferenceFigure

#: The survey figures the dashboard draws on the same charts.
PRODUCTION_REFERENCE = "gartner_2024_production"
DURATION_REFERENCE = "gartner_2024_months"

#: Number formats of native charts (Excel codes: PowerPoint and LibreOffice both read them).
PCT = "0%"
COUNT = "#,##0"
DECIMAL = "0.0"
def money_format(currency: str) -> str:
    """The native charts' money number format, with the snapshot's currency symbol or code."""
    mark = '"' + formatting.currency_prefix(currency) + '"'
    return f'[>=1000000]{mark}#,##0.0,,"M";[>=1000]{mark}#,##0,"k";{mark}#,##0'


@dataclass(frozen=True, slots=True, eq=False)
class PackData:
    """The metrics one board pack shows, for one as-of month and the filters in force.

    report: compute_report for M with the filters; previous: the same for the snapshot month
    before M (None when M is the first), for the KPI changes; trend: metrics.trend up to M
    with the filters; by_business_unit: metrics.breakdown(rows, M, "business_unit"), or None
    to leave that slide out. A breakdown splits the whole portfolio, so under a business unit
    or solution filter it would show initiatives the footer says are filtered out: the pack
    leaves it out then, whatever is passed.
    """

    report: Report
    previous: Report | None
    trend: pd.DataFrame
    by_business_unit: pd.DataFrame | None = None
    by_solution_type: pd.DataFrame | None = None

    @property
    def is_filtered(self) -> bool:
        return self.report.business_unit is not None or self.report.solution_type is not None

    # The chart catalog's ChartSource (analytics.charts.catalog): what a chart is built from.
    def filtered_report(self) -> Report:
        return self.report

    def whole_report(self) -> Report:
        # Whole-portfolio charts are only drawn unfiltered (see is_filtered), where both agree.
        return self.report

    def monthly_trend(self) -> pd.DataFrame:
        return self.trend

    def split(self, by: str) -> pd.DataFrame:
        frame = {"business_unit": self.by_business_unit, "solution_type": self.by_solution_type}[by]
        if frame is None or self.is_filtered:
            raise LookupError(f"the pack holds no whole-portfolio split by {by}")
        return frame

    def initiative(self) -> tuple[pd.DataFrame, str | None]:
        raise LookupError("a board pack is about the portfolio, not one initiative")


def pack_data(
    rows: pd.DataFrame, as_of: date, *, stall_days: int = DEFAULT_STALL_DAYS,
    business_unit: str | None = None, solution_type: str | None = None,
    currencies: Mapping[date, str | None] | None = None,
) -> PackData:
    """Everything the pack needs from `rows` (store.read_rows up to M, or metrics.load_rows).

    `currencies` is store.snapshot_currencies: each month's money carries its own currency.
    """
    filters = dict(business_unit=business_unit, solution_type=solution_type)

    def currency(month: date) -> str:
        return (currencies or {}).get(month) or formatting.DEFAULT_CURRENCY

    report = compute_report(rows, as_of, stall_days=stall_days, currency=currency(
        as_of.replace(day=1)), **filters)
    # "Previous month" is decided once, by compute_report.
    before = report.changes.previous_as_of
    previous = (compute_report(rows, before, stall_days=stall_days, currency=currency(before),
                               **filters) if before else None)
    history = trend(rows, stall_days=stall_days, up_to=report.as_of, **filters)
    if business_unit is not None or solution_type is not None:
        return PackData(report, previous, history)
    return PackData(report, previous, history,
                    breakdown(rows, report.as_of, "business_unit", stall_days=stall_days),
                    breakdown(rows, report.as_of, "solution_type", stall_days=stall_days))


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a native chart. `point_colors` colours each point (else `color` the
    series); `labels` replaces the value labels with text (else values in the number format)."""

    name: str
    values: tuple[float | None, ...]
    color: str
    point_colors: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class NativeChart:
    """A chart PowerPoint can draw and people can edit: `kind` is "bar" (horizontal, first
    category at the top), "column" or "line"."""

    kind: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str
    value_max: float | None = None
    overlap: int = 0                # 100 draws the series on top of each other
    value_axis: bool = False        # off when every bar carries its value
    label_last_only: bool = False   # lines: the latest value only, not every month
    label_every: int = 1            # category labels: every n-th (long month axes)
    subtitle: str | None = None     # replaces the picture's subtitle when it says more than this shows
    legend: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class SlideText:
    """What a chart's slide says besides the picture: the numbers behind it (speaker notes,
    one per line) and, where PowerPoint has the chart type, an editable version."""

    notes: str
    native: NativeChart | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ChartSlide:
    """One chart of the pack: `name` is its file stem ("funnel"), the figure carries the
    finding as its title; `notes` are the numbers behind it, one per line."""

    name: str
    figure: go.Figure
    notes: str
    native: NativeChart | None = None

    @property
    def title(self) -> str:
        return split_title(self.figure)[0]

    @property
    def subtitle(self) -> str:
        return split_title(self.figure)[1]


_TAG = re.compile(r"<[^>]+>")


def split_title(fig: go.Figure) -> tuple[str, str]:
    """The figure's title as plain text: (finding, subtitle). `finish` writes the finding's
    lines in <b> and the subtitle's in <span>, joined by <br>."""
    finding: list[str] = []
    subtitle: list[str] = []
    for part in (fig.layout.title.text or "").split("<br>"):
        text = html.unescape(_TAG.sub("", part)).strip()
        if text:
            (finding if part.lstrip().startswith("<b>") else subtitle).append(text)
    return " ".join(finding), " ".join(subtitle)


# --- Number words for the notes: exact figures, not the rounded ones on the chart -----------

def pct(value: float | None) -> str:
    return "n/a" if is_missing(value) else formatting.percent(value, 1)


money = formatting.money_exact
count = formatting.count


def _references() -> dict[str, ReferenceFigure]:
    return {r.key: r for r in REFERENCE_FIGURES}


# --- The slides --------------------------------------------------------------------------------

def funnel_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    ref = _references()[PRODUCTION_REFERENCE]
    f = report.funnel
    notes = [
        f"Population (initiatives in the {report.as_of:%B %Y} export): {f.population}, {f.on_hold} on hold",
        f"Reached pilot: {f.reached_pilot}",
        f"Reached scaling: {f.reached_scaling} (pilot to scaling {pct(f.pilot_to_scaling)})",
        f"Reached production: {f.reached_production} (scaling to production {pct(f.scaling_to_production)})",
        f"Pilot to production: {pct(f.pilot_to_production)} ({f.reached_production} of {f.reached_pilot})",
        f"Survey figure for context: {ref.statement} ({ref.source}, {ref.year}); definitions differ",
    ]
    steps = (Stage.PILOT, Stage.SCALING, Stage.PRODUCTION)
    reached = (f.reached_pilot, f.reached_scaling, f.reached_production)
    rates = (None, f.pilot_to_scaling, f.scaling_to_production)
    categories = tuple(
        f"Reached {stage_label(s).lower()}" + ("" if r is None else f" ({format_pct(r)} went on)")
        for s, r in zip(steps, rates, strict=True)
    )
    native = NativeChart(
        kind="bar", categories=categories, number_format=COUNT, value_max=max(reached) * 1.15 or 1,
        series=(Series("Initiatives", tuple(float(n) for n in reached), HIGHLIGHT,
                       point_colors=tuple(STAGE_COLORS[s] for s in steps)),),
    )
    return SlideText("\n".join(notes), native if f.reached_pilot else None)


def trend_text(src: ChartSource) -> SlideText:
    frame = src.monthly_trend().sort_values("as_of").reset_index(drop=True)
    notes = ["Month: pilot to production (reached production of reached pilot); reached scaling"]
    for row in frame.itertuples(index=False):
        notes.append(
            f"{month_label(row.as_of)}: {pct(row.pilot_to_production)} ({row.reached_production} of "
            f"{row.reached_pilot}); {row.reached_scaling} reached scaling"
        )
    rates = tuple(None if is_missing(v) else float(v) for v in frame["pilot_to_production"])
    known = [v for v in rates if v is not None]
    native = NativeChart(
        kind="line", categories=tuple(f"{pd.Timestamp(m):%b}\n’{pd.Timestamp(m):%y}" for m in frame["as_of"]),
        number_format=PCT,
        series=(Series("Pilot → production", rates, HIGHLIGHT),), value_axis=True,
        label_last_only=True, value_max=_share_top(max(known)) if known else None,
        label_every=3 if len(frame) > 12 else 1,
        subtitle="Pilot-to-production conversion at each month-end; the counts behind each month are in the notes",
    )
    return SlideText("\n".join(notes), native if known else None)


def _share_top(top: float) -> float:
    """A round axis maximum above `top` with room for labels, never beyond 100%."""
    return min(1.0, (int(top * 1.25 * 10) + 1) / 10)


def cohort_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    every = report.cohorts
    shown = every.iloc[-MAX_COHORTS:]
    notes = ["Pilot-start quarter: pilots; in production within 12 months (mature quarters) or so far"]
    for row in every.itertuples(index=False):
        if bool(row.mature):
            notes.append(
                f"{row.cohort}: {row.pilots} pilots; {row.reached_production_12m} in production within "
                f"12 months = {pct(row.conversion_12m)}"
            )
        else:
            notes.append(
                f"{row.cohort}: {row.pilots} pilots; too young to judge, {row.reached_production} in "
                f"production so far"
            )
    mature = shown["mature"].astype(bool).tolist()
    pilots = shown["pilots"].astype(int).tolist()
    so_far = shown["reached_production"].astype(int).tolist()
    rates = [None if is_missing(v) else float(v) for v in shown["conversion_12m"]]
    series = [Series(MATURE_NAME, tuple(r if m else None for r, m in zip(rates, mature, strict=True)), HIGHLIGHT)]
    if not all(mature):
        # Young quarters are never a rate: their bar is the share so far, labelled in words.
        series.append(Series(
            IMMATURE_NAME,
            tuple(None if m else (k / n if n else 0.0) for k, n, m in zip(so_far, pilots, mature, strict=True)),
            IMMATURE, labels=tuple("" if m else f"{k} of {n}" for k, n, m in zip(so_far, pilots, mature, strict=True)),
        ))
    values = [v for s in series for v in s.values if v is not None]
    native = NativeChart(
        kind="column",
        categories=tuple(f"{c}\nn={n}"
                         for c, n in zip(shown["cohort"].astype(str), pilots, strict=True)),
        series=tuple(series), number_format=PCT, overlap=100, legend=len(series) > 1,
        value_max=_share_top(max(values + [0.1])),
    )
    return SlideText("\n".join(notes), native if len(shown) else None)


def time_to_production_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    ref = _references()[DURATION_REFERENCE]
    ttp = report.time_to_production
    subjects = ttp.subjects.loc[ttp.subjects["left_out_reason"].isna()]
    outcomes = subjects["outcome"].astype(str).value_counts()
    median = ttp.median_days_observed
    left_out = ", ".join(f"{reason.replace('_', ' ')} {ttp.left_out_by_reason.get(reason, 0)}"
                         for reason in LEFT_OUT_REASONS)
    notes = [
        f"Estimated share in production within 12 months: {pct(ttp.p_production_12m)}",
        f"Pilots followed: {ttp.included} included, {ttp.left_out} left out ({left_out})",
        f"Of those included: {outcomes.get(str(Stage.PRODUCTION), 0)} reached production, "
        f"{outcomes.get(str(Stage.STOPPED), 0)} stopped first, {outcomes.get(CENSORED, 0)} still in progress",
        "Median time to production among those that reached it: "
        + ("n/a" if median is None else formatting.days_as_months(median))
        + " (biased toward fast ones; read it beside the 12-month estimate)",
        f"Survey figure for context: {ref.statement} ({ref.source}, {ref.year}); definitions differ",
    ]
    return SlideText("\n".join(notes))


def _pareto_order(report: Report) -> pd.DataFrame:
    """The causes as the chart draws them: most flagged first, unattributed last when any."""
    causes = report.stalls.causes
    rank = {key: i for i, key in enumerate(CAUSES)}
    named = [c for c in causes.index if c != UNATTRIBUTED]
    named.sort(key=lambda c: (-_flagged(causes.at[c, "flagged"]), rank.get(c, len(rank))))
    if UNATTRIBUTED in causes.index and float(causes.at[UNATTRIBUTED, "weighted"]) > 0:
        named.append(UNATTRIBUTED)
    return causes.loc[named]


def _flagged(value: object) -> float:
    return 0.0 if is_missing(value) else float(value)  # type: ignore[arg-type]


def cause_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    stalls = report.stalls
    notes = [
        f"Stalled (on hold, or more than {stalls.stall_days} days in pilot or scaling): {stalls.count} "
        f"initiatives, {money(stalls.budget, report.currency)} of budget",
        "Cause: flagged in; weighted count (split evenly over each initiative's causes); weighted budget",
    ]
    causes = _pareto_order(report)
    for key, row in causes.iterrows():
        flagged_in = "" if is_missing(row["flagged"]) else f"flagged in {int(row['flagged'])}; "
        notes.append(
            f"{cause_label(key)}: {flagged_in}weighted {float(row['weighted']):.2f}; "
            f"budget {money(row['budget_weighted'], report.currency)}"
        )
    keys = [str(k) for k in causes.index]
    # One measure, as on the chart: stalled initiatives flagged with each cause.
    counts = tuple(
        float(w) if k == UNATTRIBUTED else _flagged(f)
        for k, f, w in zip(keys, causes["flagged"], causes["weighted"], strict=False)
    )
    native = NativeChart(
        kind="column", number_format=COUNT, value_max=(max(counts) if counts else 1) * 1.15,
        categories=tuple(cause_label(k) for k in keys),
        series=(Series("Stalled initiatives flagged", counts, HIGHLIGHT,
                       point_colors=tuple(CAUSE_COLORS[k] for k in keys)),),
    )
    return SlideText("\n".join(notes), native if stalls.count else None)


def heatmap_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    stalled = report.stalls.stalled
    notes = ["Business unit (stalled): stalled initiatives flagged with each cause"]
    units = stalled.assign(_unit=[group_key(v) for v in stalled["business_unit"]])
    sizes = units["_unit"].value_counts()
    for unit in sorted(sizes.index, key=lambda u: (-sizes[u], u)):
        mine = units.loc[units["_unit"] == unit]
        cells = [
            f"{cause_label(c)} {int(mine['causes'].map(lambda cs, c=c: c in cs).sum())}" for c in CAUSES
        ]
        none = int((mine["k"] == 0).sum())
        if none:
            cells.append(f"{cause_label(UNATTRIBUTED)} {none}")
        notes.append(f"{unit} ({sizes[unit]}): " + ", ".join(cells))
    return SlideText("\n".join(notes))


def _amount(value: float | None, currency: str) -> str:
    """A section 6 sum for the notes: NOT_IN_EXPORT when the export gives no such amount."""
    return formatting.NOT_IN_EXPORT if value is None else money(value, currency)


def value_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    out = report.outcomes
    groups = by_group(report, "business_unit")
    notes = [
        f"In production: expected {_amount(out.expected_in_production, report.currency)} a year, "
        f"realized {_amount(out.realized_in_production, report.currency)} a year, value capture "
        f"{pct(out.value_capture)}",
        f"Budget of stalled initiatives: {_amount(out.stalled_budget, report.currency)}; spend to "
        f"date on stopped ones: {_amount(out.spend_on_stopped, report.currency)}",
        "Business unit: expected a year; realized a year (capture)",
    ]
    money_rows = groups.loc[
        groups[["expected_in_production", "realized_in_production"]].fillna(0).sum(axis=1) > 0
    ].sort_values(["expected_in_production", "realized_in_production", "business_unit"],
                  ascending=[False, False, True])
    for row in money_rows.itertuples(index=False):
        expected, realized = float(row.expected_in_production), float(row.realized_in_production)
        capture = pct(realized / expected) if expected > 0 else "n/a"
        notes.append(f"{row.business_unit}: {money(expected, report.currency)}; "
                     f"{money(realized, report.currency)} ({capture})")
    expected_values = tuple(float(v) for v in money_rows["expected_in_production"].fillna(0))
    realized_values = tuple(float(v) for v in money_rows["realized_in_production"].fillna(0))
    native = NativeChart(
        kind="bar", categories=tuple(str(u) for u in money_rows["business_unit"]),
        number_format=money_format(report.currency),
        series=(Series(EXPECTED_NAME, expected_values, EXPECTED),
                Series(REALIZED_NAME, realized_values, REALIZED)),
        legend=True, value_max=max(expected_values + realized_values + (1.0,)) * 1.2,
    )
    return SlideText("\n".join(notes), native if len(money_rows) else None)


def stalled_budget_text(src: ChartSource) -> SlideText:
    report = src.filtered_report()
    out = report.outcomes
    groups = by_group(report, "business_unit")
    notes = [
        f"Budget of stalled initiatives: {_amount(out.stalled_budget, report.currency)}; spend to "
        f"date on stopped ones: {_amount(out.spend_on_stopped, report.currency)}",
        "Business unit: budget of stalled initiatives; spend to date on stopped ones",
    ]
    for unit, stuck, stopped in zip(groups["business_unit"], groups["stalled_budget"],
                                    groups["spend_on_stopped"], strict=True):
        notes.append(f"{group_key(unit)}: "
                     f"{money(0.0 if is_missing(stuck) else float(stuck), report.currency)}; "
                     f"{money(0.0 if is_missing(stopped) else float(stopped), report.currency)}")
    return SlideText("\n".join(notes))


def cause_budget_text(src: ChartSource) -> SlideText:
    """The causes weighed by budget: the same numbers as by count, no native chart (its
    native version shows counts)."""
    return SlideText(cause_text(src).notes)


def breakdown_text(src: ChartSource, by: str) -> SlideText:
    """The whole portfolio's pilot-to-production by business unit or solution type."""
    frame = src.split(by)
    report = src.whole_report()
    ordered = frame.assign(conversion=frame["pilot_to_production"].astype(float)).sort_values(
        ["conversion", by], ascending=[False, True], na_position="last",
    )
    f = report.funnel
    what = "Business unit" if by == "business_unit" else "Solution type"
    notes = [
        f"{OVERALL_LABEL}: {pct(f.pilot_to_production)} ({f.reached_production} of {f.reached_pilot})",
        f"{what}: pilot to production (reached production of reached pilot)",
    ]
    for group, conversion, produced, piloted in zip(
        ordered[by], ordered["conversion"], ordered["reached_production"], ordered["reached_pilot"], strict=True
    ):
        notes.append(f"{group_key(group)}: {pct(conversion)} ({produced} of {piloted})")
    rates = [None if is_missing(v) else float(v) for v in ordered["conversion"]]
    best = max((r for r in rates if r is not None), default=None)
    categories = [
        f"{group_key(u)} ({p} of {q})" for u, p, q in
        zip(ordered[by], ordered["reached_production"], ordered["reached_pilot"], strict=True)
    ]
    colors = [HIGHLIGHT if r is not None and r == best else CONTEXT for r in rates]
    if f.pilot_to_production is not None:
        categories.append(f"{OVERALL_LABEL} ({f.reached_production} of {f.reached_pilot})")
        rates.append(float(f.pilot_to_production))
        colors.append(REFERENCE)
    known = [r for r in rates if r is not None]
    native = NativeChart(
        kind="bar", categories=tuple(categories), number_format=PCT,
        series=(Series("Pilot → production", tuple(rates), CONTEXT, point_colors=tuple(colors)),),
        value_max=_share_top(max(known)) if known else None,
    )
    return SlideText("\n".join(notes), native if known else None)
