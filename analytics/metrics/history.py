"""Per-row facts derived from the monthly rows (METRICS.md sections 2-5).

`prepare` turns the stored rows into one row per (initiative, snapshot) holding what a report
for that row's month needs to know about the initiative: the stage carried through on-hold
months, the highest stage reached, pilot start, production and stop dates, and time in stage.
Every fact looks backward only (at rows of the same or earlier months), so one pass serves
every as-of month: a report for M reads the rows of M, and the trend reads every month.

Dates after a row's as-of date are plans, not facts: a `pilot_start` or `production_date`
later than the as-of date does not count (section 3's "<= as-of date" rule, applied
everywhere). Date fields use the latest value given up to that month.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.domain import ALL_STAGES, FIELDS, LADDER, LADDER_RANK, Kind, Stage

# Defined once in ingest.months (no pandas there); the metrics modules import them from here.
from analytics.ingest.months import month_end as month_end
from analytics.ingest.months import month_start as month_start
from analytics.metrics.types import (
    FROM_PILOT_START,
    FROM_PRODUCTION_DATE,
    FROM_SNAPSHOT,
    FROM_STAGE_ENTERED,
)

NO_RANK = -1
PILOT_RANK = LADDER_RANK[Stage.PILOT]
PRODUCTION_RANK = LADDER_RANK[Stage.PRODUCTION]
#: highest_rank -> the stage name shown (None: reached no ladder stage, e.g. only ever stopped).
RANK_STAGE: dict[int, str | None] = {NO_RANK: None, **{LADDER_RANK[s]: str(s) for s in LADDER}}
_STAGE_BY_RANK = np.array([RANK_STAGE[r] for r in sorted(RANK_STAGE)], dtype=object)

#: Columns `prepare` adds to the rows.
FACT_COLUMNS: tuple[str, ...] = (
    "as_of_date", "rank", "highest_rank", "highest_stage", "origin", "origin_source",
    "production_at", "production_source", "stopped_at", "stopped_source", "stage_since",
    "stage_since_source", "days_in_stage",
)

_DAY = "datetime64[D]"
TEXT_COLUMNS: tuple[str, ...] = (
    *(f.name for f in FIELDS if f.kind in (Kind.ID, Kind.TEXT, Kind.INTEGRATION, Kind.SOLUTION)),
    "stage_raw", "raw_json",
)


def snapshot_months(rows: pd.DataFrame) -> np.ndarray:
    """The distinct snapshot months in `rows`, ascending, as datetime64[M]."""
    return np.unique(rows["as_of"].to_numpy().astype("datetime64[M]"))


def _days(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series).to_numpy().astype(_DAY)


def _ffill_index(valid: np.ndarray, group_first: np.ndarray) -> np.ndarray:
    """Per row: the position of the latest row at or before it in its group where `valid`, else -1.

    Rows must be sorted by group then time; groups are contiguous.
    """
    positions = np.arange(valid.size)
    own_start = np.maximum.accumulate(np.where(group_first, positions, 0))
    latest = np.maximum.accumulate(np.where(valid, positions, -1))
    return np.where(latest >= own_start, latest, -1)


def _first_index(mask: np.ndarray, group_first: np.ndarray) -> np.ndarray:
    """Per row: the position of the first row of its group where `mask`, -1 when there is none
    or when that row is later than this one (so the fact is only known from then on)."""
    n = mask.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    positions = np.arange(n)
    starts = np.flatnonzero(group_first)
    first = np.minimum.reduceat(np.where(mask, positions, n), starts)
    group = np.cumsum(group_first) - 1
    per_row = first[group]
    return np.where(per_row <= positions, per_row, -1)


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index], NaT where index is -1."""
    out = values[np.maximum(index, 0)].copy()
    out[index < 0] = np.datetime64("NaT")
    return out


def _coalesce(*pairs: tuple[np.ndarray, str]) -> tuple[np.ndarray, np.ndarray]:
    """The first non-NaT date per row among `pairs` (date array, source name), with its source."""
    dates = np.full(pairs[0][0].shape, np.datetime64("NaT"), dtype=_DAY)
    sources = np.full(dates.shape, None, dtype=object)
    for values, source in pairs:
        fill = np.isnat(dates) & ~np.isnat(values)
        dates[fill] = values[fill]
        sources[fill] = source
    return dates, sources


#: Stage codes: the position in ALL_STAGES (ladder stages equal their rank); MISSING for on hold.
STAGE_CODE: dict[str, int] = {str(stage): code for code, stage in enumerate(ALL_STAGES)}
MISSING = -1
_CODE_STAGE = np.array([str(stage) for stage in ALL_STAGES], dtype=object)


def stage_codes(stage: pd.Series) -> np.ndarray:
    """Stage text -> STAGE_CODE (MISSING for a missing or unknown value)."""
    codes, uniques = pd.factorize(stage)
    lookup = np.array([STAGE_CODE.get(str(u), MISSING) for u in uniques] + [MISSING], dtype=np.int64)
    return lookup[codes]


def resolve_stages(code: np.ndarray, pilot_started: np.ndarray, group_first: np.ndarray) -> np.ndarray:
    """Section 2: an on-hold row (stage missing) keeps the stage resolved in the initiative's
    previous row; with none, `pilot` when pilot_start is set, else `idea`."""
    filled = code.copy()
    opening = group_first & (code == MISSING)
    filled[opening] = np.where(pilot_started, STAGE_CODE[Stage.PILOT], STAGE_CODE[Stage.IDEA])[opening]
    return filled[_ffill_index(filled != MISSING, group_first)]


def _by_initiative(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with each initiative's rows together, oldest first (no reordering when the loader
    already ordered them)."""
    ids = pd.factorize(rows["initiative_id"])[0]
    stamps = rows["as_of"].to_numpy().astype("datetime64[M]")
    same = ids[1:] == ids[:-1]
    if (np.diff(ids) >= 0).all() and (stamps[1:][same] > stamps[:-1][same]).all():
        return rows.reset_index(drop=True)
    return rows.iloc[np.lexsort((stamps, ids))].reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class _Positions:
    """For each kept row: its resolved stage code and rank, the highest rank seen so far, and the
    positions (in all rows; -1 for none) of the earlier rows that hold its facts."""

    code: np.ndarray
    rank: np.ndarray
    seen_rank: np.ndarray
    latest_pilot_start: np.ndarray
    latest_production_date: np.ndarray
    latest_production_row: np.ndarray
    first_pilot: np.ndarray
    first_pilot_plus: np.ndarray
    first_idea: np.ndarray
    first_production: np.ndarray
    first_stopped: np.ndarray
    run_start: np.ndarray


def _positions(frame: pd.DataFrame, month: np.ndarray, pilot_start: np.ndarray,
               production_date: np.ndarray, months: np.ndarray | None, at: np.ndarray) -> _Positions:
    """Work over every row is integer positions only; dates are looked up for kept rows later."""
    n = len(frame)
    ids = pd.factorize(frame["initiative_id"])[0]
    group_first = np.ones(n, dtype=bool)
    group_first[1:] = ids[1:] != ids[:-1]
    code = resolve_stages(stage_codes(frame["stage"]), ~np.isnat(pilot_start), group_first)
    rank = np.where(code <= PRODUCTION_RANK, code, NO_RANK)
    is_stage = {s: code == STAGE_CODE[s] for s in (Stage.IDEA, Stage.PILOT, Stage.PRODUCTION, Stage.STOPPED)}
    # Running max per initiative: offset each group above the previous one, then one accumulate.
    offset = (np.cumsum(group_first) - 1) * (PRODUCTION_RANK + 2)
    seen_rank = np.maximum.accumulate(rank + offset) - offset if n else rank
    return _Positions(
        code=code[at],
        rank=rank[at],
        seen_rank=seen_rank[at],
        latest_pilot_start=_ffill_index(~np.isnat(pilot_start), group_first)[at],
        latest_production_date=_ffill_index(~np.isnat(production_date), group_first)[at],
        latest_production_row=_ffill_index(is_stage[Stage.PRODUCTION], group_first)[at],
        first_pilot=_first_index(is_stage[Stage.PILOT], group_first)[at],
        first_pilot_plus=_first_index(rank >= PILOT_RANK, group_first)[at],
        first_idea=_first_index(is_stage[Stage.IDEA], group_first)[at],
        first_production=_first_index(is_stage[Stage.PRODUCTION], group_first)[at],
        first_stopped=_first_index(is_stage[Stage.STOPPED], group_first)[at],
        run_start=_run_start(code, month, group_first, months)[at],
    )


def prepare(rows: pd.DataFrame, months: np.ndarray | None = None,
            keep: Collection[date] | None = None) -> pd.DataFrame:
    """The rows by initiative then month, `stage` resolved, with FACT_COLUMNS added.

    `months`: every snapshot month (datetime64[M]) when `rows` is a subset (e.g. one initiative),
    so that "unbroken run of snapshots" still counts the snapshots the initiative is missing from.
    `keep`: return only the rows of these months (the facts still use every earlier row).
    """
    frame = _by_initiative(rows)
    month = frame["as_of"].to_numpy().astype("datetime64[M]")
    pilot_start = _days(frame["pilot_start"])
    production_date = _days(frame["production_date"])
    stage_entered = _days(frame["stage_entered"])
    month_end_all = (month + 1).astype(_DAY) - 1
    at = np.arange(len(frame)) if keep is None else np.flatnonzero(
        np.isin(month, np.array(sorted(keep), dtype="datetime64[M]")))
    pos = _positions(frame, month, pilot_start, production_date, months, at)
    code, as_of_date, entered = pos.code, month_end_all[at], stage_entered[at]
    eff_pilot = _effective(pilot_start, pos.latest_pilot_start, as_of_date)
    eff_production = _effective(production_date, pos.latest_production_date, as_of_date)
    highest = np.maximum(pos.seen_rank, np.maximum(
        np.where(~np.isnat(eff_pilot), PILOT_RANK, NO_RANK),
        np.where(~np.isnat(eff_production), PRODUCTION_RANK, NO_RANK),
    ))
    reached_production = highest >= PRODUCTION_RANK
    # Section 4 origin: pilot_start; stage_entered of the earliest pilot row; the as-of date of
    # the earliest row at pilot or above when an earlier row showed idea.
    origin, origin_source = _coalesce(
        (eff_pilot, FROM_PILOT_START),
        (_take(stage_entered, pos.first_pilot), FROM_STAGE_ENTERED),
        (np.where((pos.first_idea >= 0) & (pos.first_idea < pos.first_pilot_plus),
                  _take(month_end_all, pos.first_pilot_plus), np.datetime64("NaT")), FROM_SNAPSHOT),
    )
    _blank(origin, origin_source, highest < PILOT_RANK)
    production_at, production_source = _coalesce(
        (eff_production, FROM_PRODUCTION_DATE),
        (_take(stage_entered, pos.latest_production_row), FROM_STAGE_ENTERED),
        (_take(month_end_all, pos.first_production), FROM_SNAPSHOT),
    )
    _blank(production_at, production_source, ~reached_production)
    stopped_at, stopped_source = _coalesce(
        (entered, FROM_STAGE_ENTERED),
        (_take(month_end_all, pos.first_stopped), FROM_SNAPSHOT),
    )
    _blank(stopped_at, stopped_source, (code != STAGE_CODE[Stage.STOPPED]) | reached_production)
    stage_since, stage_since_source = _coalesce(
        (entered, FROM_STAGE_ENTERED),
        (np.where(code == STAGE_CODE[Stage.PILOT], eff_pilot, np.datetime64("NaT")), FROM_PILOT_START),
        (month_end_all[pos.run_start], FROM_SNAPSHOT),
    )
    days_in_stage = (as_of_date - stage_since).astype("timedelta64[D]").astype(np.int64)

    text_facts = {
        "stage": _CODE_STAGE[code],
        "highest_stage": _STAGE_BY_RANK[highest - NO_RANK],
        "origin_source": origin_source,
        "production_source": production_source,
        "stopped_source": stopped_source,
        "stage_since_source": stage_since_source,
    }
    kept = frame.iloc[at].reset_index(drop=True)
    # All-missing text columns arrive as object from DuckDB: make every text column `str`.
    kept = kept.astype({c: "str" for c in TEXT_COLUMNS if c in kept.columns and kept[c].dtype != "str"})
    kept = kept.assign(
        as_of=month[at].astype(_DAY),
        as_of_date=as_of_date,
        rank=pos.rank,
        highest_rank=highest,
        origin=origin,
        production_at=production_at,
        stopped_at=stopped_at,
        stage_since=stage_since,
        days_in_stage=days_in_stage,
        **{name: pd.array(values, dtype="str") for name, values in text_facts.items()},
    )
    return kept.sort_values(["initiative_id", "as_of"], kind="stable").reset_index(drop=True)


def _effective(values: np.ndarray, latest: np.ndarray, as_of_date: np.ndarray) -> np.ndarray:
    """The latest date given up to each kept row, NaT when it lies after the as-of date (a plan)."""
    dates = _take(values, latest)
    dates[dates > as_of_date] = np.datetime64("NaT")
    return dates


def _blank(dates: np.ndarray, sources: np.ndarray, where: np.ndarray) -> None:
    dates[where] = np.datetime64("NaT")
    sources[where] = None


def _run_start(stage: np.ndarray, month: np.ndarray, group_first: np.ndarray,
               months: np.ndarray | None) -> np.ndarray:
    """Per row: the position of the first row of the latest unbroken run of snapshots at this
    row's stage. A run breaks at a stage change or at a snapshot the initiative is missing from."""
    n = stage.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    calendar_months = np.unique(month) if months is None else np.asarray(months, dtype="datetime64[M]")
    position = np.searchsorted(calendar_months, month)
    breaks = group_first.copy()
    breaks[1:] |= (stage[1:] != stage[:-1]) | (position[1:] != position[:-1] + 1)
    return _ffill_index(breaks, group_first)
