"""The board pack: the sample portfolio's month as a deck, reopened with python-pptx and read
back slide by slide against the metrics; the same charts as a ZIP of PNGs; and the pack on a
machine without Chromium. Decks are built once per module (each picture render takes ~1 s);
tests marked `browser` draw pictures in Chromium and skip without it (fail under CI)."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE

from analytics import store
from analytics.boardpack import (
    CHROMIUM_NEEDED,
    DECK_TITLE,
    build_deck,
    chart_slides,
    charts_zip,
    deck_file_name,
    make_deck,
    pack_data,
    zip_file_name,
)
from analytics.boardpack.content import _pareto_order
from analytics.boardpack.deck import CHART_SHAPE_PREFIX, FOOTER_SHAPE, SAMPLE_SHAPE, picture_figure
from analytics.charts import catalog
from analytics.charts.common import cause_label
from analytics.charts.images import ChromiumMissing
from analytics.charts.theme import (
    CAUSE_COLORS,
    EXPORT_HEIGHT,
    EXPORT_SCALE,
    EXPORT_WIDTH,
    FOOTER_NAME,
    format_money,
    format_pct,
)
from analytics.charts.value import by_group
from analytics.cli import main
from analytics.domain import Stage
from analytics.formatting import days_as_months
from analytics.kpis import NO_CHANGE, kpis
from analytics.metrics import Report, load_rows
from analytics.provenance import ChartContext
from tests.support.environment import require_chromium
from tests.support.scenario import row, write_months

PICTURE_PIXELS = (EXPORT_WIDTH * EXPORT_SCALE, EXPORT_HEIGHT * EXPORT_SCALE)
#: Slide order after the title and headline slides (the breakdown shows only unfiltered).
CHARTS = ("funnel", "conversion-trend", "cohorts", "time-to-production", "conversion-by-business-unit",
          "stall-causes", "business-unit-by-cause", "value-by-business-unit")
PICTURE_ONLY = {"time-to-production", "business-unit-by-cause"}
#: The pack ends with the evidence chart and the decisions table (tests/test_boardpack_decisions.py).
DECISION_SLIDES = ("evidence-by-cause", "decisions-needed")


# --- Fixtures: the sample portfolio's latest month -------------------------------------------------

@pytest.fixture(scope="module")
def sample(sample_db_master: Path):
    """(pack data, chart context) for the sample's latest month, read as the CLI reads it."""
    with store.connect(sample_db_master, read_only=True) as con:
        infos = store.list_snapshots(con)
        latest = infos[-1]
        rows = store.read_rows(con, latest.as_of)
    ctx = ChartContext(as_of=latest.as_of, source=latest.file_name, is_sample=True)
    return pack_data(rows, latest.as_of), ctx


@pytest.fixture(scope="module")
def picture_deck(sample):
    require_chromium()
    data, ctx = sample
    return Presentation(io.BytesIO(build_deck(data, ctx)))


@pytest.fixture(scope="module")
def native_deck(sample):
    require_chromium()
    data, ctx = sample
    return Presentation(io.BytesIO(build_deck(data, ctx, native_charts=True)))


def text_of(shape) -> str:
    """A shape's text with line breaks as spaces (titles are broken into balanced lines)."""
    return re.sub(r"\s+", " ", shape.text_frame.text).strip()


def title(slide) -> str:
    return text_of(slide.shapes.title)


def notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text


def named(slide, name: str):
    return next(s for s in slide.shapes if s.name == name)


def chart_slide(deck, chart: str):
    return deck.slides[2 + CHARTS.index(chart)]


def chart_shape(slide):
    return next(s for s in slide.shapes if s.name.startswith(CHART_SHAPE_PREFIX))


# --- The deck's shape ---------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_deck_is_16_by_9_with_title_headline_figures_and_one_slide_per_chart(picture_deck, sample):
    data, ctx = sample
    assert (picture_deck.slide_width.inches, picture_deck.slide_height.inches) == pytest.approx((13.333, 7.5), abs=0.01)
    assert len(picture_deck.slides) == 2 + len(CHARTS) + len(DECISION_SLIDES)
    assert [s.name for s in chart_slides(data, ctx)] == list(CHARTS)
    for slide, chart in zip(list(picture_deck.slides)[2:2 + len(CHARTS)], CHARTS, strict=True):
        assert chart_shape(slide).name == CHART_SHAPE_PREFIX + chart


@pytest.mark.browser
def test_the_title_slide_names_the_pack_month_filters_and_says_sample_data(picture_deck, sample):
    data, ctx = sample
    first = picture_deck.slides[0]
    assert title(first) == DECK_TITLE
    details = " ".join(text_of(s) for s in first.shapes if s.has_text_frame)
    assert f"as of {ctx.as_of:%B %Y}" in details
    assert "Filters: none (the whole portfolio)" in details
    assert f"{data.report.stall_days} days" in details and ctx.source in details
    assert "SAMPLE DATA" in text_of(named(first, SAMPLE_SHAPE))


@pytest.mark.browser
def test_every_slide_after_the_title_carries_the_footer(picture_deck, sample):
    _, ctx = sample
    for slide in list(picture_deck.slides)[1:]:
        footer = text_of(named(slide, FOOTER_SHAPE))
        assert footer == " ".join(ctx.footer().split())
        assert f"As of {ctx.as_of:%B %Y}" in footer and f"Source: {ctx.source} (sample data)" in footer


# --- Headline figures ---------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_headline_slide_is_a_table_of_the_kpis_with_their_change(picture_deck, sample):
    data, _ = sample
    slide = picture_deck.slides[1]
    table = next(s for s in slide.shapes if s.has_table).table
    tiles = kpis(data.report, data.previous)
    assert table.cell(0, 1).text == f"{data.report.as_of:%B %Y}"
    assert table.cell(0, 2).text == f"Change since {data.previous.as_of:%B %Y}"
    body = [[table.cell(r, c).text for c in range(3)] for r in range(1, len(tiles) + 1)]
    assert [row[:2] for row in body] == [[t.label, t.text] for t in tiles]
    # The changes, worked out from the two reports without kpis(): sign, size and unit.
    now, was = data.report, data.previous
    change = {label: delta for label, _, delta in body}
    for label, a, b in (
        ("Initiatives", now.funnel.population, was.funnel.population),
        ("In pilot", now.funnel.stage_counts.get(Stage.PILOT, 0),
         was.funnel.stage_counts.get(Stage.PILOT, 0)),
        ("In production", now.funnel.stage_counts.get(Stage.PRODUCTION, 0),
         was.funnel.stage_counts.get(Stage.PRODUCTION, 0)),
        ("Stalled", now.stalls.count, was.stalls.count),
    ):
        assert change[label] == (NO_CHANGE if a == b else f"{a - b:+,d}"), label
    points = round((now.funnel.pilot_to_production - was.funnel.pilot_to_production) * 100)
    assert change["Pilot → production"] == (NO_CHANGE if points == 0 else f"{points:+d} pts")
    money = now.stalls.budget - was.stalls.budget
    assert change["Budget stuck in stalls"][0] == ("+" if money > 0 else "-")
    assert money != 0  # the sample's stalled budget moves from month to month
    stalled = data.report.stalls
    assert f"{stalled.count} initiatives are stalled" in title(slide)
    assert format_money(stalled.budget) in title(slide)
    assert f"Stalled: {stalled.count} (was {was.stalls.count}; change" in notes(slide)
    budget_tile = next(t for t in tiles if t.key == "stalled_budget")
    assert f"{budget_tile.label}: ${stalled.budget:,.0f}" in notes(slide)


# --- Chart slides: findings and the numbers behind them -------------------------------------------

@pytest.mark.browser
def test_the_funnel_slide_states_the_conversion_and_notes_each_step(picture_deck, sample):
    data, _ = sample
    funnel = data.report.funnel
    slide = chart_slide(picture_deck, "funnel")
    assert title(slide) == (f"{format_pct(funnel.pilot_to_production)} of pilots reached production "
                            f"({funnel.reached_production} of {funnel.reached_pilot})")
    text = notes(slide)
    assert f"Reached pilot: {funnel.reached_pilot}\n" in text
    assert f"Reached scaling: {funnel.reached_scaling} (pilot to scaling {funnel.pilot_to_scaling:.1%})" in text
    assert (f"Reached production: {funnel.reached_production} (scaling to production "
            f"{funnel.scaling_to_production:.1%})") in text


@pytest.mark.browser
def test_the_cohort_slide_notes_every_quarter_mature_or_too_young(picture_deck, sample):
    data, _ = sample
    text = notes(chart_slide(picture_deck, "cohorts"))
    cohorts = data.report.cohorts
    for c in cohorts.itertuples():
        if c.mature:
            assert (f"{c.cohort}: {c.pilots} pilots; {c.reached_production_12m} in production within "
                    f"12 months = {c.conversion_12m:.1%}") in text
        else:
            assert (f"{c.cohort}: {c.pilots} pilots; too young to judge, "
                    f"{c.reached_production} in production so far") in text
    assert (~cohorts["mature"]).any() and cohorts["mature"].any()  # the sample has both kinds


@pytest.mark.browser
def test_the_time_to_production_slide_notes_the_estimate_and_who_was_followed(picture_deck, sample):
    data, _ = sample
    ttp = data.report.time_to_production
    slide = chart_slide(picture_deck, "time-to-production")
    assert format_pct(ttp.p_production_12m) in title(slide)
    text = notes(slide)
    assert f"within 12 months: {ttp.p_production_12m:.1%}" in text
    assert f"Pilots followed: {ttp.included} included, {ttp.left_out} left out" in text
    assert f"reached it: {days_as_months(ttp.median_days_observed)}" in text


@pytest.mark.browser
def test_the_cause_slide_notes_flagged_weighted_and_budget_for_each_cause(picture_deck, sample):
    data, _ = sample
    stalls = data.report.stalls
    slide = chart_slide(picture_deck, "stall-causes")
    top = stalls.causes.drop(index="unattributed").sort_values("weighted", ascending=False).index[0]
    assert title(slide).startswith(f"{cause_label(top)} is the top stall cause")
    assert f"of {stalls.count} stalled initiatives" in title(slide)
    text = notes(slide)
    assert f"{stalls.count} initiatives, ${stalls.budget:,.0f} of budget" in text
    for key, c in stalls.causes.iterrows():
        flagged = "" if key == "unattributed" else f"flagged in {int(c['flagged'])}; "
        assert (f"{cause_label(key)}: {flagged}weighted {c['weighted']:.2f}; "
                f"budget ${c['budget_weighted']:,.0f}") in text


@pytest.mark.browser
def test_the_heatmap_slide_notes_each_business_units_stalls_by_cause(picture_deck, sample):
    data, _ = sample
    stalled = data.report.stalls.stalled
    text = notes(chart_slide(picture_deck, "business-unit-by-cause"))
    for unit, group in stalled.groupby("business_unit"):
        owners = int(group["causes"].map(lambda causes: "ownership" in causes).sum())
        assert f"{unit} ({len(group)}): Unclear ownership {owners}," in text


@pytest.mark.browser
def test_the_value_slide_states_capture_and_notes_each_business_unit(picture_deck, sample):
    data, _ = sample
    out = data.report.outcomes
    slide = chart_slide(picture_deck, "value-by-business-unit")
    assert (f"{format_pct(out.value_capture)} of their expected value: "
            f"{format_money(out.realized_in_production)} of {format_money(out.expected_in_production)}") in title(slide)
    text = notes(slide)
    for g in by_group(data.report, "business_unit").itertuples():
        if g.expected_in_production > 0:
            assert f"{g.business_unit}: ${g.expected_in_production:,.0f}; ${g.realized_in_production:,.0f}" in text


@pytest.mark.browser
def test_the_trend_and_breakdown_slides_note_every_month_and_unit(picture_deck, sample):
    data, _ = sample
    trend_notes = notes(chart_slide(picture_deck, "conversion-trend"))
    assert trend_notes.count("\n") == len(data.trend)
    last = data.trend.iloc[-1]
    assert f"{last['pilot_to_production']:.1%} ({last['reached_production']} of {last['reached_pilot']})" in trend_notes
    unit_notes = notes(chart_slide(picture_deck, "conversion-by-business-unit"))
    for unit in data.by_business_unit.itertuples():
        assert (f"{unit.business_unit}: {unit.pilot_to_production:.1%} "
                f"({unit.reached_production} of {unit.reached_pilot})") in unit_notes


# --- Pictures ------------------------------------------------------------------------------------

@pytest.mark.browser
def test_each_chart_is_a_high_resolution_picture(picture_deck):
    for chart in CHARTS:
        shape = chart_shape(chart_slide(picture_deck, chart))
        assert shape.shape_type == MSO_SHAPE_TYPE.PICTURE
        assert Image.open(io.BytesIO(shape.image.blob)).size == PICTURE_PIXELS
        assert shape.width / shape.height == pytest.approx(16 / 9, rel=0.01)


def test_the_picture_drops_the_plotly_title_but_keeps_its_footer(sample):
    data, ctx = sample
    for chart in chart_slides(data, ctx):
        picture = picture_figure(chart.figure)
        assert picture.layout.title.text == ""
        assert picture.layout.margin.t < chart.figure.layout.margin.t
        assert [a.text for a in picture.layout.annotations if a.name == FOOTER_NAME] == [ctx.footer()]
        assert chart.figure.layout.title.text  # the dashboard's figure is left alone


# --- Native charts ---------------------------------------------------------------------------------

def series_values(shape) -> list[tuple[str, tuple]]:
    return [(s.name, tuple(s.values)) for s in shape.chart.plots[0].series]


@pytest.mark.browser
def test_native_charts_hold_the_analytics_numbers(native_deck, sample):
    data, _ = sample
    report = data.report
    funnel = chart_shape(chart_slide(native_deck, "funnel"))
    assert funnel.chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    # A bar chart lists its categories bottom-up: production first.
    assert series_values(funnel) == [("Initiatives", (report.funnel.reached_production,
                                                      report.funnel.reached_scaling, report.funnel.reached_pilot))]

    causes = chart_shape(chart_slide(native_deck, "stall-causes"))
    assert causes.chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    flagged = report.stalls.causes["flagged"].drop(index="unattributed", errors="ignore")
    [(_, values)] = series_values(causes)
    assert list(values)[:len(flagged)] == sorted(flagged, reverse=True)
    keys = [str(k) for k in _pareto_order(report).index][:len(flagged)]
    colours = [f"#{p.format.fill.fore_color.rgb}" for p in causes.chart.plots[0].series[0].points]
    assert colours[:len(keys)] == [CAUSE_COLORS[k] for k in keys]

    value = chart_shape(chart_slide(native_deck, "value-by-business-unit"))
    groups = by_group(report, "business_unit").set_index("business_unit")
    units = list(value.chart.plots[0].categories)
    [(realized_name, realized), (expected_name, expected)] = series_values(value)
    assert (expected_name, realized_name) == ("Expected value / yr", "Realized value / yr")
    assert expected == pytest.approx(tuple(groups.loc[units, "expected_in_production"]))
    assert realized == pytest.approx(tuple(groups.loc[units, "realized_in_production"]))

    trend = chart_shape(chart_slide(native_deck, "conversion-trend"))
    assert trend.chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
    assert series_values(trend)[0][1] == pytest.approx(tuple(data.trend["pilot_to_production"]))

    cohorts = chart_shape(chart_slide(native_deck, "cohorts"))
    mature = data.report.cohorts.iloc[-len(cohorts.chart.plots[0].categories):]
    shown = series_values(cohorts)[0][1]
    for value_shown, (_, c) in zip(shown, mature.iterrows(), strict=True):
        assert value_shown == (pytest.approx(c["conversion_12m"]) if c["mature"] else None)


@pytest.mark.browser
def test_charts_without_a_native_type_stay_pictures_in_the_native_deck(native_deck):
    for chart in CHARTS:
        shape = chart_shape(chart_slide(native_deck, chart))
        assert shape.has_chart == (chart not in PICTURE_ONLY)
        if chart in PICTURE_ONLY:
            assert Image.open(io.BytesIO(shape.image.blob)).size == PICTURE_PIXELS


# --- The ZIP of PNGs --------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_zip_holds_every_chart_as_a_named_png_at_scale_3(sample):
    require_chromium()
    data, ctx = sample
    archive = zipfile.ZipFile(io.BytesIO(charts_zip(data, ctx)))
    month = f"{ctx.as_of:%Y-%m}"
    assert archive.namelist() == [f"{chart}-{month}.png" for chart in CHARTS]
    for name in archive.namelist():
        assert Image.open(io.BytesIO(archive.read(name))).size == PICTURE_PIXELS
    assert zip_file_name(ctx) == f"board-pack-charts-{month}.zip"
    assert deck_file_name(ctx) == f"board-pack-{month}.pptx"


# --- Without Chromium --------------------------------------------------------------------------------

@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # $BROWSER_PATH overrides every other place the Chromium lookup searches; point it at nothing.
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))


def test_without_chromium_picture_slides_say_what_to_install_and_the_rest_comes_out(sample, no_chromium):
    data, ctx = sample
    built = make_deck(data, ctx, native_charts=True)
    deck = Presentation(io.BytesIO(built.content))
    assert len(deck.slides) == 2 + len(CHARTS) + len(DECISION_SLIDES)
    assert any(s.has_table for s in deck.slides[1].shapes)
    for chart in CHARTS:
        slide = chart_slide(deck, chart)
        if chart in PICTURE_ONLY:
            missing = named(slide, f"Missing chart: {chart}")
            assert text_of(missing).startswith(" ".join(CHROMIUM_NEEDED.split()))
            assert "apt-get install -y chromium" in CHROMIUM_NEEDED
            assert notes(slide)  # the numbers are still there
        else:
            assert chart_shape(slide).has_chart
    assert sorted(m.chart for m in built.missing_pictures) == sorted(PICTURE_ONLY)
    assert {m.problem for m in built.missing_pictures} == {CHROMIUM_NEEDED}
    with pytest.raises(ChromiumMissing, match="apt-get install -y chromium"):
        charts_zip(data, ctx)


# --- A small portfolio, by hand: first month, filters, nothing stalled -------------------------------

@pytest.fixture
def first_month(db_file: Path) -> Path:
    """Four initiatives in their first export: one live, one in pilot for 40 days, one that
    reached scaling this month, one idea; Finance has all but the idea. Nothing is stalled."""
    write_months(db_file, {"2025-06": [
        row("A", "production", business_unit="Finance", pilot_start="2024-09-01",
            production_date="2025-03-01", expected_value=400_000, realized_value=100_000),
        row("B", "pilot", business_unit="Finance", pilot_start="2025-05-21", owner="Ana"),
        row("C", "scaling", business_unit="Finance", pilot_start="2025-01-10", owner="Bo"),
        row("D", "idea", business_unit="HR"),
    ]})
    return db_file


def read(db: Path, as_of: date):
    with store.connect(db, read_only=True) as con:
        return store.read_rows(con, as_of)


def test_a_filtered_first_month_pack_has_no_changes_and_no_unit_split(first_month, no_chromium):
    month = date(2025, 6, 1)
    data = pack_data(read(first_month, month), month, business_unit="Finance")
    ctx = ChartContext(as_of=month, source="portfolio-2025-06.xlsx", filters="Business unit: Finance")
    deck = Presentation(io.BytesIO(build_deck(data, ctx, native_charts=True)))

    assert data.previous is None and data.by_business_unit is None
    titles = [title(s) for s in deck.slides]
    assert len(deck.slides) == 2 + len(CHARTS) - 1 + len(DECISION_SLIDES)  # no split by unit under a unit filter
    assert titles[2] == "Too few pilots to judge conversion: 1 of 3 reached production"
    assert titles[-5] == "No stalled initiatives this month"
    assert titles[-3] == "Only 1 initiative in production so far: $100k realized of $400k expected a year"
    table = next(s for s in deck.slides[1].shapes if s.has_table).table
    assert table.cell(0, 2).text == "Change (first month loaded)"
    assert {table.cell(r, 2).text for r in range(1, 8)} == {"–"}
    assert "Filters: Business unit: Finance" in " ".join(text_of(s) for s in deck.slides[0].shapes if s.has_text_frame)
    assert not any(s.name == SAMPLE_SHAPE for s in deck.slides[0].shapes)
    for slide in list(deck.slides)[1:]:
        assert "Business unit: Finance" in text_of(named(slide, FOOTER_SHAPE))
    assert "Reached pilot: 3\n" in notes(deck.slides[2])


# --- The command line --------------------------------------------------------------------------------

def test_the_command_writes_the_pack_under_its_default_name(first_month, no_chromium, tmp_path,
                                                            monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["boardpack", "--as-of", "2025-06", "--db", str(first_month), "--native"]) == 0
    written = tmp_path / "board-pack-2025-06.pptx"
    deck = Presentation(str(written))
    assert title(deck.slides[2]) == "Too few pilots to judge conversion: 1 of 3 reached production"
    out, err = capsys.readouterr()
    assert f"Wrote {written.name}" in out and "native charts" in out
    # Nothing is stalled, so the causes slide is the "no stalled initiatives" picture too.
    assert "not drawn (time-to-production, stall-causes, business-unit-by-cause)" in err
    assert "apt-get install -y chromium" in err


def test_a_missing_month_names_the_months_that_exist(first_month, tmp_path, capsys):
    out = tmp_path / "pack.pptx"
    assert main(["boardpack", "--as-of", "2031-01", "--db", str(first_month), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no snapshot for 2031-01" in err and "2025-06" in err
    assert not out.exists()


def test_an_unwritable_output_is_an_error_in_words(first_month, no_chromium, tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "pack.pptx"
    assert main(["boardpack", "--as-of", "2025-06", "--db", str(first_month), "--out", str(target),
                 "--native"]) == 2
    assert f"Could not write the board pack to {target}" in capsys.readouterr().err


def test_the_pack_is_built_from_the_month_asked_not_later_ones(sample_db: Path):
    """A report for M never changes when later months are imported: neither does its pack."""
    with store.connect(sample_db, read_only=True) as con:
        months = [s.as_of for s in store.list_snapshots(con)]
        earlier = months[-4]
        rows = store.read_rows(con, earlier)
    data = pack_data(rows, earlier)
    assert isinstance(data.report, Report) and data.report.as_of == earlier
    assert data.trend["as_of"].max().date() == earlier
    assert data.previous.as_of == months[-5]


def test_a_page_gets_a_short_deck_of_its_own_charts(sample_db_master, no_chromium) -> None:
    with store.connect(sample_db_master, read_only=True) as con:
        rows = load_rows(con, date(2026, 11, 1))
    data = pack_data(rows, date(2026, 11, 1))
    ctx = ChartContext(as_of=date(2026, 11, 1), source="portfolio-2026-11.xlsx", is_sample=True)
    deck = Presentation(io.BytesIO(build_deck(
        data, ctx, only=(catalog.BUSINESS_UNIT_BY_CAUSE, catalog.STALL_CAUSES))))
    # Title, headline figures, then the two charts of the Stalls page in the pack's order.
    assert len(deck.slides) == 4
    causes = data.report.stalls
    assert title(deck.slides[2]).startswith("Poor data readiness is the top stall cause")
    assert f"of {causes.count} stalled" in title(deck.slides[2])
    assert title(deck.slides[3]) == chart_slides(data, ctx, (catalog.BUSINESS_UNIT_BY_CAUSE,))[0].title


def test_under_a_filter_a_page_deck_leaves_out_the_whole_portfolio_split_and_says_so(
    first_month, no_chromium,
) -> None:
    month = date(2025, 6, 1)
    data = pack_data(read(first_month, month), month, business_unit="Finance")
    ctx = ChartContext(as_of=month, source="portfolio-2025-06.xlsx", filters="Business unit: Finance")
    page = (catalog.FUNNEL, catalog.CONVERSION_BY_BUSINESS_UNIT)
    deck = Presentation(io.BytesIO(build_deck(data, ctx, only=page)))
    assert len(deck.slides) == 3                       # title, headline figures, the funnel
    cover = " ".join(text_of(s) for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Left out under these filters: Conversion by business unit" in cover


def test_each_chart_is_declared_once_with_a_unique_key_and_the_pack_in_reading_order() -> None:
    keys = [c.key for c in catalog.CATALOG]
    assert len(keys) == len(set(keys))
    assert [c.key for c in catalog.PACK] == list(CHARTS)
    assert all(c.slide is not None for c in catalog.PACK)
