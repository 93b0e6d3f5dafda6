"""The shipped sample portfolio: it matches its generator, imports cleanly and tells the story.

The truth (`generate_portfolio`) is read here by the METRICS.md definitions, written out
independently of the metrics package so the sample's headline numbers are checked on their own.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from analytics import store
from analytics.cli import main
from analytics.domain import (
    CAUSE_KEYWORDS,
    DATE_FIELDS,
    FIELD_NAMES,
    HEADER_SYNONYMS,
    LADDER_RANK,
    MONEY_FIELDS,
    STAGE_BY_VALUE,
    STALLABLE,
    Cause,
    Integration,
    SolutionType,
    Stage,
    header_key,
    value_key,
)
from analytics.ingest import import_file
from analytics.metrics import compute_report
from analytics.metrics.types import BY_RULES
from analytics.problems import SnapshotExists
from analytics.sample import (
    MIGRATION_INDEX,
    SAMPLE_DIR,
    generate_portfolio,
    load_sample,
    month_end,
    render_month,
    sample_file_name,
    sample_months,
)

STALL_DAYS = 180  # METRICS.md section 5, the default threshold
EXTRA_HEADERS = {"Sponsor", "Region"}
_SEVERAL_PEOPLE = re.compile(r"[/;&+]|\band\b", re.IGNORECASE)
_AMBIGUOUS_DATE = re.compile(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*$")


# --- the truth read by the METRICS.md definitions ----------------------------------------------


@pytest.fixture(scope="module")
def truth() -> dict[date, pd.DataFrame]:
    return generate_portfolio()


@pytest.fixture(scope="module")
def history(truth: dict[date, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(
        [frame.assign(as_of=pd.Timestamp(month)) for month, frame in truth.items()],
        ignore_index=True,
    )


def highest_rank(history: pd.DataFrame, month: date) -> pd.Series:
    """Highest ladder rank reached per initiative, counting pilot/production dates (section 3)."""
    as_of = pd.Timestamp(month_end(month))
    rows = history[history["as_of"] <= pd.Timestamp(month)]
    rank = rows["stage"].map(lambda s: LADDER_RANK.get(Stage(s), -1))
    rank = rank.where(~(rows["pilot_start"] <= as_of), rank.clip(lower=LADDER_RANK[Stage.PILOT]))
    rank = rank.where(~(rows["production_date"] <= as_of), LADDER_RANK[Stage.PRODUCTION])
    return rank.groupby(rows["initiative_id"]).max()


def funnel(history: pd.DataFrame, month: date) -> dict[str, int]:
    population = history.loc[history["as_of"] == pd.Timestamp(month), "initiative_id"]
    rank = highest_rank(history, month).loc[population]
    return {
        "population": len(population),
        "reached_pilot": int((rank >= LADDER_RANK[Stage.PILOT]).sum()),
        "reached_production": int((rank >= LADDER_RANK[Stage.PRODUCTION]).sum()),
    }


def _stage_since(rows: pd.DataFrame) -> pd.Timestamp | None:
    """When the latest row's stage began (section 5): stage entered, pilot start, else the run."""
    latest = rows.iloc[-1]
    if pd.notna(latest["stage_entered"]):
        return latest["stage_entered"]
    if latest["stage"] == Stage.PILOT and pd.notna(latest["pilot_start"]):
        return latest["pilot_start"]
    run = rows["stage"].iloc[::-1]
    length = int((run != latest["stage"]).cumsum().eq(0).sum())
    first = rows["as_of"].iloc[-length]
    return pd.Timestamp(month_end(first.date()))


def stalled(history: pd.DataFrame, month: date) -> pd.DataFrame:
    """M's rows of the initiatives stalled at M."""
    as_of = pd.Timestamp(month_end(month))
    rows = history[history["as_of"] <= pd.Timestamp(month)].sort_values("as_of")
    current = rows[rows["as_of"] == pd.Timestamp(month)]
    stallable = current[current["stage"].isin([s.value for s in STALLABLE])]
    keep = [
        row.Index for row in stallable.itertuples()
        if row.on_hold or (as_of - _stage_since(
            rows[rows["initiative_id"] == row.initiative_id])).days > STALL_DAYS
    ]
    return stallable.loc[keep]


def cause_flags(rows: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per cause, flagged from the rows by the section 5 rules."""
    return pd.DataFrame({
        Cause.OWNERSHIP: rows["owner"].isna() | rows["owner"].str.contains(_SEVERAL_PEOPLE),
        Cause.DATA_READINESS: rows["data_readiness"].fillna(5) <= 2,
        Cause.GENERIC_TOOLS: rows["solution_type"] == SolutionType.GENERIC,
        Cause.INTEGRATION: rows["integration_status"] == Integration.NONE,
        Cause.SUCCESS_METRICS: rows["success_metric"].isna(),
    }).fillna(False).astype(bool)


def causes_named(verdict: str) -> set[Cause]:
    text = verdict.casefold()
    return {c for c, stems in CAUSE_KEYWORDS.items() if any(s in text for s in stems)}


# --- the workbooks -----------------------------------------------------------------------------


def sheets(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def data_table(path: Path) -> tuple[list[str], list[list[object]]]:
    """The header row (the first row naming 3+ known fields) and the rows under it."""
    rows = list(sheets(path).values())[-1]
    for number, row in enumerate(rows):
        if sum(header_key(cell) in HEADER_SYNONYMS for cell in row if cell) >= 3:
            return [str(cell) for cell in row], rows[number + 1:]
    raise AssertionError(f"{path.name} has no header row")


@pytest.fixture(scope="module")
def shipped() -> list[Path]:
    return sorted(SAMPLE_DIR.glob("portfolio-*.xlsx"))


# --- the shipped files never drift from the generator ------------------------------------------


def test_the_command_regenerates_exactly_the_shipped_workbooks(
    tmp_path: Path, shipped: list[Path]
):
    assert main(["sample", "--out", str(tmp_path)]) == 0

    assert [p.name for p in shipped] == [sample_file_name(m) for m in sample_months()]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in shipped]
    for path in shipped:
        assert sheets(tmp_path / path.name) == sheets(path), (
            f"{path.name} differs from the generator: run `make sample` and commit data/sample"
        )


def test_rendering_is_byte_stable_and_the_seed_matters(truth: dict[date, pd.DataFrame]):
    month = sample_months()[5]

    assert render_month(month, truth[month]) == render_month(month, truth[month])
    other = generate_portfolio(seed=7)
    assert not other[month].equals(truth[month])


# --- it imports as the truth says --------------------------------------------------------------


def test_every_month_imports_as_sample_data_with_no_errors_or_warnings(
    sample_db_master: Path, truth
):
    with store.connect(sample_db_master, read_only=True) as con:
        snapshots = store.list_snapshots(con)
        actions = set(store.read_audit(con)["action"])
        problems = pd.concat([store.read_problems(con, s.as_of) for s in snapshots])

    assert [s.as_of for s in snapshots] == list(sample_months())
    assert [s.rows for s in snapshots] == [len(truth[m]) for m in sample_months()]
    assert all(s.is_sample for s in snapshots) and actions == {"import"}
    assert problems.empty, f"{len(problems)} unintended warnings, first: {problems.head(3)}"


def test_the_stored_rows_are_the_truth(sample_db_master: Path, truth):
    with store.connect(sample_db_master, read_only=True) as con:
        rows = store.read_rows(con)

    for month, expected in truth.items():
        got = rows[rows["as_of"] == pd.Timestamp(month)].set_index("initiative_id").sort_index()
        want = expected.set_index("initiative_id").sort_index()
        assert list(got.index) == list(want.index), month
        # The store keeps no stage on on-hold rows: the metrics carry the stage over.
        want = want.assign(stage=want["stage"].where(~want["on_hold"]))
        for field in (*FIELD_NAMES[1:], "on_hold"):
            pd.testing.assert_series_equal(
                got[field], want[field], check_dtype=False, check_names=False,
                obj=f"{month:%Y-%m} {field}",
            )


def test_loading_again_changes_nothing(sample_db: Path):
    with store.connect(sample_db, read_only=True) as con:
        audit_before = len(store.read_audit(con))

    assert load_sample(sample_db) == len(sample_months())
    with store.connect(sample_db, read_only=True) as con:
        assert len(store.read_audit(con)) == audit_before
        assert len(store.list_snapshots(con)) == len(sample_months())


def test_loading_over_a_real_month_is_refused_before_anything_is_written(
    db_file: Path, tmp_path: Path
):
    real = tmp_path / "portfolio-2025-06.xlsx"
    book = Workbook()
    book.active.append(["Initiative ID", "Initiative Name", "Stage"])
    book.active.append(["FIN-7", "Real invoice bot", "Pilot"])
    book.save(real)
    import_file(real, db=db_file)

    with pytest.raises(SnapshotExists, match="2025-06"):
        load_sample(db_file)
    with store.connect(db_file, read_only=True) as con:
        assert [s.file_name for s in store.list_snapshots(con)] == [real.name]


# --- the story ---------------------------------------------------------------------------------


def test_the_latest_month_has_a_full_portfolio_with_a_realistic_conversion(truth, history):
    latest = sample_months()[-1]
    frame = truth[latest]
    numbers = funnel(history, latest)

    assert numbers["population"] >= 150
    assert frame["business_unit"].nunique() >= 6
    assert set(frame["stage"]) == {s.value for s in Stage}
    # Pilot purgatory: far more initiatives sit in pilot than made it to production.
    assert (frame["stage"] == Stage.PILOT).sum() > 1.5 * (frame["stage"] == Stage.PRODUCTION).sum()
    assert frame["on_hold"].any()
    assert 0.10 <= numbers["reached_production"] / numbers["reached_pilot"] <= 0.20
    # Initiatives arrive over time: the portfolio grows month on month.
    sizes = [len(truth[m]) for m in sample_months()]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0] * 2


def test_the_definitions_read_here_agree_with_compute_report_every_month(
        sample_db_master: Path, history: pd.DataFrame):
    """The truth read with this file's own METRICS.md functions, against the dashboard's."""
    with store.connect(sample_db_master, read_only=True) as con:
        rows = store.read_rows(con, None)
    for month in sample_months():
        report = compute_report(rows, month, stall_days=STALL_DAYS)
        expected = funnel(history, month)
        assert (report.funnel.population, report.funnel.reached_pilot,
                report.funnel.reached_production) == (
            expected["population"], expected["reached_pilot"], expected["reached_production"]), month
        stuck = stalled(history, month)
        found = report.stalls.stalled.set_index("initiative_id")
        assert sorted(found.index) == sorted(stuck["initiative_id"]), month
        budget = stuck["budget"].fillna(0).sum()
        assert (report.stalls.count, report.stalls.budget, report.outcomes.stalled_budget) == \
            pytest.approx((len(stuck), budget, budget)), month
        by_rules = found["cause_source"] == BY_RULES
        flags = cause_flags(stuck.set_index("initiative_id").loc[found.index[by_rules]])
        assert {i: set(found.at[i, "causes"]) for i in flags.index} == {
            i: {str(c) for c in flags.columns[flags.loc[i]]} for i in flags.index}, month


def test_every_cause_shows_among_stalled_initiatives_and_flagged_ones_stall_more(history):
    latest = sample_months()[-1]
    stuck = stalled(history, latest)
    rows = history[history["as_of"] == pd.Timestamp(latest)]
    active = rows[rows["stage"].isin([s.value for s in STALLABLE])]
    flagged = cause_flags(active).any(axis=1)
    is_stalled = active["initiative_id"].isin(stuck["initiative_id"])

    assert len(stuck) >= 20
    flags = cause_flags(stuck)
    assert all(flags[c].sum() >= 5 for c in Cause), flags.sum().to_dict()
    assert flagged.sum() >= 20 and (~flagged).sum() >= 5
    assert is_stalled[flagged].mean() > 2 * is_stalled[~flagged].mean()


def test_owner_cells_exercise_the_several_people_rule(history):
    owners = set(history["owner"].dropna())

    assert "Priya Shah / Tom Reed" in owners
    assert "Sandra Anderson" in owners and not _SEVERAL_PEOPLE.search("Sandra Anderson")
    assert history["owner"].isna().any()


def test_analysts_name_causes_and_sometimes_none(history):
    verdicts = set(history["stall_cause"].dropna())
    named = [causes_named(v) for v in verdicts]

    assert set().union(*named) == set(Cause)
    assert any(not n for n in named), "no verdict that names no cause (like 'Budget freeze')"
    assert {"No accountable owner", "Data not ready", "Waiting on SAP integration",
            "Budget freeze"} <= verdicts


def test_on_hold_keeps_the_stage_it_had_and_some_initiatives_resume(history):
    rows = history.sort_values(["initiative_id", "as_of"])
    previous = rows.groupby("initiative_id")[["stage", "on_hold"]].shift()
    held = rows["on_hold"]

    assert held.sum() >= 10
    # The import resolves an on-hold row to the previous month's stage: never a first row.
    assert previous.loc[held, "stage"].notna().all()
    assert (previous.loc[held, "stage"] == rows.loc[held, "stage"]).all()
    resumed = previous["on_hold"].eq(True) & ~held & (previous["stage"] == rows["stage"])
    assert resumed.any()


# --- the messiness of real exports -------------------------------------------------------------


def test_headers_are_all_known_and_change_once_with_the_tracker_migration(shipped):
    header_sets = []
    for path in shipped:
        headers, _ = data_table(path)
        unknown = {h for h in headers if h and header_key(h) not in HEADER_SYNONYMS}
        assert unknown <= EXTRA_HEADERS, f"{path.name}: {unknown}"
        fields = [HEADER_SYNONYMS[header_key(h)] for h in headers if h not in EXTRA_HEADERS]
        assert len(fields) == len(set(fields)) == len(FIELD_NAMES), path.name
        header_sets.append(frozenset(headers))

    early, late = header_sets[:MIGRATION_INDEX], header_sets[MIGRATION_INDEX:]
    assert len(set(early)) == 1 and len(set(late)) == 1
    assert not early[0] & late[0], "the migrated tracker renames every column"
    assert "Sponsor" in early[0] and "Region" in late[0]


def test_cells_are_written_the_many_ways_real_exports_write_them(shipped):
    stage_cells, date_kinds, money_kinds, covers, blank_rows = set(), set(), set(), 0, 0
    for path in shipped:
        workbook = sheets(path)
        covers += len(workbook) > 1
        headers, rows = data_table(path)
        column = {h: i for i, h in enumerate(headers)}
        stage_at = next(
            i for h, i in column.items() if HEADER_SYNONYMS.get(header_key(h)) == "stage"
        )
        blank_rows += sum(all(c in ("", None) for c in row) for row in rows)
        for row in rows:
            for header, cell in zip(headers, row, strict=True):
                field = HEADER_SYNONYMS.get(header_key(header))
                if field in DATE_FIELDS and cell != "":
                    date_kinds.add(type(cell).__name__)
                    assert not _AMBIGUOUS_DATE.match(str(cell)), (path.name, cell)
                if field in MONEY_FIELDS and cell != "":
                    money_kinds.add("text" if isinstance(cell, str) else "number")
            if row[stage_at]:
                stage_cells.add(value_key(str(row[stage_at])))

    assert covers >= 3 and blank_rows >= 3
    assert {"date", "str"} <= date_kinds
    assert money_kinds == {"text", "number"}
    not_stages = stage_cells - set(STAGE_BY_VALUE)
    assert not_stages and not_stages <= {"on hold", "paused", "blocked"}
