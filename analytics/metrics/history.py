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


def as_months(values: np.ndarray | pd.Series) -> np.ndarray:
    """Dates as datetime64[M]. numpy's own month conversion does calendar arithmetic per element
    (15 ms for 600k rows); a history spans few days, so a per-day lookup table costs a tenth."""
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    days = array.astype(_DAY)
    if days.size == 0 or np.isnat(days).any():
        return days.astype("datetime64[M]")
    numbers = days.view(np.int64)
    low, high = int(numbers.min()), int(numbers.max())
    if high - low > _LOOKUP_DAYS:
        return days.astype("datetime64[M]")
    table = np.arange(low, high + 1, dtype=np.int64).astype(_DAY).astype("datetime64[M]")
    return table[numbers - low]


#: The widest span of days `as_months` converts by lookup table (about 270 years).
_LOOKUP_DAYS = 100_000


def last_days(months: np.ndarray) -> np.ndarray:
    """The last day (datetime64[D]) of each month of `months` (datetime64[M], no NaT), by a
    lookup table over the months spanned, for the same reason as `as_months`."""
    if months.size == 0:
        return np.zeros(0, dtype=_DAY)
    numbers = months.astype("datetime64[M]").view(np.int64)
    low, high = int(numbers.min()), int(numbers.max())
    table = (np.arange(low + 1, high + 2, dtype=np.int64).astype("datetime64[M]").astype(_DAY)
             - np.timedelta64(1, "D"))
    return table[numbers - low]


def snapshot_months(rows: pd.DataFrame) -> np.ndarray:
    """The distinct snapshot months in `rows`, ascending, as datetime64[M]."""
    return np.unique(as_months(rows["as_of"]))


def _days(series: pd.Series) -> np.ndarray:
    return pd.to_datetime(series).to_numpy().astype(_DAY)


@dataclass(frozen=True, slots=True, eq=False)
class _Groups:
    """Rows sorted by initiative then month, each initiative's rows contiguous: the per-row
    positions the running facts below share (computed once, not once per fact)."""

    first: np.ndarray       # bool: the initiative's first row
    positions: np.ndarray   # 0..n-1
    own_start: np.ndarray   # position of the row's initiative's first row
    starts: np.ndarray      # position of each initiative's first row
    group: np.ndarray       # the initiative's number, 0..groups-1

    @classmethod
    def of(cls, group_first: np.ndarray) -> _Groups:
        # int32 halves the memory traffic of the running maxima over a 600k-row history.
        positions = np.arange(group_first.size, dtype=np.int32)
        starts = np.flatnonzero(group_first).astype(np.int32)
        group = (np.cumsum(group_first, dtype=np.int32) - 1).astype(np.int32)
        return cls(group_first, positions, starts[group] if starts.size else positions, starts, group)


def _ffill_index(valid: np.ndarray, groups: _Groups, at: np.ndarray | None = None) -> np.ndarray:
    """Per row (of `at` when given): the position of the latest row at or before it in its
    group where `valid`, else -1."""
    if at is None or at.size * 8 > valid.size:
        latest = np.maximum.accumulate(np.where(valid, groups.positions, -1))
        own_start = groups.own_start
        if at is not None:
            latest, own_start = latest[at], own_start[at]
    else:
        # A few kept rows of a long history: a binary search among the valid positions costs
        # less than a running maximum over every row.
        hits = np.flatnonzero(valid)
        found = np.searchsorted(hits, at, side="right") - 1
        latest = np.where(found >= 0, hits[np.maximum(found, 0)] if hits.size else -1, -1)
        own_start = groups.own_start[at]
    return np.where(latest >= own_start, latest, -1)


def _first_index(mask: np.ndarray, groups: _Groups, at: np.ndarray) -> np.ndarray:
    """Per row of `at`: the position of the first row of its group where `mask`, -1 when there
    is none or when that row is later than this one (so the fact is only known from then on)."""
    n = mask.size
    if n == 0:
        return np.zeros(0, dtype=groups.positions.dtype)
    first = np.minimum.reduceat(np.where(mask, groups.positions, n), groups.starts)
    per_row = first[groups.group[at]]
    return np.where(per_row <= groups.positions[at], per_row, -1)


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index], NaT where index is -1."""
    out = values[np.maximum(index, 0)].copy()
    out[index < 0] = np.datetime64("NaT")
    return out


#: Where a date came from, as a small code (the trend never needs the names): NO_SOURCE, then
#: SOURCE_NAMES[1:] by code.
NO_SOURCE = 0
SOURCE_NAMES = np.array([None, FROM_PILOT_START, FROM_PRODUCTION_DATE, FROM_STAGE_ENTERED, FROM_SNAPSHOT],
                        dtype=object)
_SOURCE_CODE = {name: code for code, name in enumerate(SOURCE_NAMES) if name is not None}


def _coalesce(*pairs: tuple[np.ndarray, str]) -> tuple[np.ndarray, np.ndarray]:
    """The first non-NaT date per row among `pairs` (date array, source name), with its source
    code (SOURCE_NAMES)."""
    dates = np.full(pairs[0][0].shape, np.datetime64("NaT"), dtype=_DAY)
    sources = np.zeros(dates.shape, dtype=np.int8)
    for values, source in pairs:
        fill = np.isnat(dates) & ~np.isnat(values)
        dates[fill] = values[fill]
        sources[fill] = _SOURCE_CODE[source]
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


def resolve_stages(code: np.ndarray, pilot_started: np.ndarray, groups: _Groups) -> np.ndarray:
    """Section 2: an on-hold row (stage missing) keeps the stage resolved in the initiative's
    previous row; with none, `pilot` where `pilot_started` (a pilot_start on or before that
    row's as-of date), else `idea`."""
    filled = code.copy()
    opening = groups.first & (code == MISSING)
    filled[opening] = np.where(pilot_started, STAGE_CODE[Stage.PILOT], STAGE_CODE[Stage.IDEA])[opening]
    return filled[_ffill_index(filled != MISSING, groups)]


def _initiative_order(ids: np.ndarray, stamps: np.ndarray) -> np.ndarray | None:
    """Positions that put each initiative's rows together, oldest first; None when the rows
    already are (the loader ordered them). Only positions move: the frame itself is never
    reordered, so a 600k-row history costs one integer sort, not a copy of every column."""
    same = ids[1:] == ids[:-1]
    if (np.diff(ids) >= 0).all() and (stamps[1:][same] > stamps[:-1][same]).all():
        return None
    return np.lexsort((stamps, ids))


@dataclass(frozen=True, slots=True)
class _Positions:
    """For each kept row: its resolved stage code and rank, the highest rank seen so far, and the
    positions (in all rows; -1 for none) of the earlier rows that hold its facts."""

    code: np.ndarray
    rank: np.ndarray
    seen_rank: np.ndarray
    latest_pilot_start: np.ndarray
    latest_production_date: np.ndarray
    latest_production_entered: np.ndarray
    first_pilot_entered: np.ndarray
    stay_entered: np.ndarray
    first_pilot_plus: np.ndarray
    first_idea: np.ndarray
    first_production: np.ndarray
    first_stopped: np.ndarray
    run_start: np.ndarray


def _positions(ids: np.ndarray, stage_code: np.ndarray, month: np.ndarray, pilot_start: np.ndarray,
               production_date: np.ndarray, stage_entered: np.ndarray, month_end_all: np.ndarray,
               months: np.ndarray | None, at: np.ndarray) -> _Positions:
    """Work over every row is integer positions only; dates are looked up for kept rows later."""
    n = ids.size
    group_first = np.ones(n, dtype=bool)
    group_first[1:] = ids[1:] != ids[:-1]
    groups = _Groups.of(group_first)
    # A pilot_start after the row's as-of date is a plan: an on-hold opening row is then idea.
    code = resolve_stages(stage_code, pilot_start <= month_end_all, groups)
    rank = np.where(code <= PRODUCTION_RANK, code, NO_RANK)
    is_stage = {s: code == STAGE_CODE[s] for s in (Stage.IDEA, Stage.PILOT, Stage.PRODUCTION, Stage.STOPPED)}
    # Running max per initiative: offset each group above the previous one, then one accumulate.
    offset = groups.group * (PRODUCTION_RANK + 2)
    seen_rank = np.maximum.accumulate(rank + offset) - offset if n else rank
    entered = ~np.isnat(stage_entered)
    # Section 2: a stage_entered left blank in later rows is still a fact, so each rule reads the
    # first non-blank one among the rows it names; time in stage and a stop read the rows of the
    # current stay at the stage (the initiative's rows since its resolved stage last changed).
    stage_changed = group_first.copy()
    stage_changed[1:] |= code[1:] != code[:-1]
    stay_start = _ffill_index(stage_changed, groups, at)
    last_entered = _ffill_index(entered, groups, at)
    return _Positions(
        code=code[at],
        rank=rank[at],
        seen_rank=seen_rank[at],
        latest_pilot_start=_ffill_index(~np.isnat(pilot_start), groups, at),
        latest_production_date=_ffill_index(~np.isnat(production_date), groups, at),
        latest_production_entered=_ffill_index(is_stage[Stage.PRODUCTION] & entered, groups, at),
        first_pilot_entered=_first_index(is_stage[Stage.PILOT] & entered, groups, at),
        stay_entered=np.where(last_entered >= stay_start, last_entered, -1),
        first_pilot_plus=_first_index(rank >= PILOT_RANK, groups, at),
        first_idea=_first_index(is_stage[Stage.IDEA], groups, at),
        first_production=_first_index(is_stage[Stage.PRODUCTION], groups, at),
        first_stopped=_first_index(is_stage[Stage.STOPPED], groups, at),
        run_start=_run_start(code, month, groups, months, at),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Facts:
    """The facts of the kept rows as arrays, the rows by initiative then month: what `prepare`
    puts in a frame, without building one (the trend reads these arrays for every month at once).
    `frame` is the rows as given (never reordered) and `at` the positions of the kept rows in it."""

    frame: pd.DataFrame
    at: np.ndarray
    month: np.ndarray               # datetime64[M] of each kept row
    as_of_date: np.ndarray
    code: np.ndarray                # STAGE_CODE, resolved (on-hold rows carry a stage)
    rank: np.ndarray
    highest: np.ndarray
    origin: np.ndarray
    origin_source: np.ndarray       # SOURCE_NAMES codes, likewise the other *_source arrays
    production_at: np.ndarray
    production_source: np.ndarray
    stopped_at: np.ndarray
    stopped_source: np.ndarray
    stage_since: np.ndarray
    stage_since_source: np.ndarray
    days_in_stage: np.ndarray
    #: Per kept row: the position in `frame` of its initiative's first row at pilot or above up
    #: to that row (section 7's "first row at pilot"), else of the row itself.
    first_pilot_at: np.ndarray


def facts(rows: pd.DataFrame, months: np.ndarray | None = None,
          keep: Collection[date] | None = None) -> Facts:
    """The section 2-5 facts of each row (of the `keep` months when given); see `prepare`."""
    ids = pd.factorize(rows["initiative_id"])[0]
    stamps = as_months(rows["as_of"])
    order = _initiative_order(ids, stamps)

    def ordered(values: np.ndarray) -> np.ndarray:
        return values if order is None else values[order]

    month = ordered(stamps)
    pilot_start = ordered(_days(rows["pilot_start"]))
    production_date = ordered(_days(rows["production_date"]))
    stage_entered = ordered(_days(rows["stage_entered"]))
    month_end_all = last_days(month)
    at = np.arange(len(rows)) if keep is None else np.flatnonzero(
        np.isin(month, np.array(sorted(keep), dtype="datetime64[M]")))
    pos = _positions(ordered(ids), ordered(stage_codes(rows["stage"])), month, pilot_start,
                     production_date, stage_entered, month_end_all, months, at)
    code, as_of_date, entered = pos.code, month_end_all[at], _take(stage_entered, pos.stay_entered)
    eff_pilot = _effective(pilot_start, pos.latest_pilot_start, as_of_date)
    eff_production = _effective(production_date, pos.latest_production_date, as_of_date)
    highest = np.maximum(pos.seen_rank, np.maximum(
        np.where(~np.isnat(eff_pilot), PILOT_RANK, NO_RANK),
        np.where(~np.isnat(eff_production), PRODUCTION_RANK, NO_RANK),
    ))
    reached_production = highest >= PRODUCTION_RANK
    # Section 4 origin: pilot_start; stage_entered of the earliest pilot rows; the as-of date of
    # the earliest row at pilot or above when an earlier row showed idea.
    origin, origin_source = _coalesce(
        (eff_pilot, FROM_PILOT_START),
        (_take(stage_entered, pos.first_pilot_entered), FROM_STAGE_ENTERED),
        (np.where((pos.first_idea >= 0) & (pos.first_idea < pos.first_pilot_plus),
                  _take(month_end_all, pos.first_pilot_plus), np.datetime64("NaT")), FROM_SNAPSHOT),
    )
    _blank(origin, origin_source, highest < PILOT_RANK)
    production_at, production_source = _coalesce(
        (eff_production, FROM_PRODUCTION_DATE),
        (_take(stage_entered, pos.latest_production_entered), FROM_STAGE_ENTERED),
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
    first_pilot = np.where(pos.first_pilot_plus >= 0, pos.first_pilot_plus, at)
    return Facts(
        frame=rows, at=at if order is None else order[at], month=month[at], as_of_date=as_of_date,
        code=code, rank=pos.rank,
        highest=highest, origin=origin, origin_source=origin_source, production_at=production_at,
        production_source=production_source, stopped_at=stopped_at, stopped_source=stopped_source,
        stage_since=stage_since, stage_since_source=stage_since_source, days_in_stage=days_in_stage,
        first_pilot_at=first_pilot if order is None else order[first_pilot],
    )


def prepare(rows: pd.DataFrame, months: np.ndarray | None = None,
            keep: Collection[date] | None = None, detail: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows by initiative then month, `stage` resolved, with FACT_COLUMNS added.

    `months`: every snapshot month (datetime64[M]) when `rows` is a subset (e.g. one initiative),
    so that "unbroken run of snapshots" still counts the snapshots the initiative is missing from.
    `keep`: return only the rows of these months (the facts still use every earlier row).
    `detail`: the full rows of the `keep` months when `rows` holds only the history columns
    (see load.load_report_parts); each kept row takes its other columns from there.
    """
    return facts_frame(facts(rows, months, keep), detail)


def facts_frame(found: Facts, detail: pd.DataFrame | None = None) -> pd.DataFrame:
    """`prepare`'s frame from facts already computed (see `prepare` for `detail`)."""
    kept = found.frame.iloc[found.at] if detail is None else _detail_of(found, detail)
    text_facts = {
        "stage": _CODE_STAGE[found.code],
        "highest_stage": _STAGE_BY_RANK[found.highest - NO_RANK],
        "origin_source": SOURCE_NAMES[found.origin_source],
        "production_source": SOURCE_NAMES[found.production_source],
        "stopped_source": SOURCE_NAMES[found.stopped_source],
        "stage_since_source": SOURCE_NAMES[found.stage_since_source],
    }
    kept = kept.reset_index(drop=True)
    # All-missing text columns arrive as object from DuckDB: make every text column `str`.
    kept = kept.astype({c: "str" for c in TEXT_COLUMNS if c in kept.columns and kept[c].dtype != "str"})
    kept = kept.assign(
        as_of=found.month.astype(_DAY),
        as_of_date=found.as_of_date,
        rank=found.rank,
        highest_rank=found.highest,
        origin=found.origin,
        production_at=found.production_at,
        stopped_at=found.stopped_at,
        stage_since=found.stage_since,
        days_in_stage=found.days_in_stage,
        **{name: pd.array(values, dtype="str") for name, values in text_facts.items()},
    )
    return kept.sort_values(["initiative_id", "as_of"], kind="stable").reset_index(drop=True)


def _detail_of(found: Facts, detail: pd.DataFrame) -> pd.DataFrame:
    """The rows of `detail` with the same (initiative, month) as the kept rows, in their order;
    ValueError when one is missing (history and detail read from different data)."""
    ids = found.frame["initiative_id"].iloc[found.at]
    codes, _ = pd.factorize(pd.concat([ids, detail["initiative_id"]], ignore_index=True))
    month_number = found.month.astype(np.int64)
    detail_month = as_months(detail["as_of"]).astype(np.int64)
    # One integer key per (initiative, month): initiative code, then the month number.
    span = int(max(month_number.max(initial=0), detail_month.max(initial=0))) + 1
    wanted = codes[: ids.size].astype(np.int64) * span + month_number
    offered = codes[ids.size:].astype(np.int64) * span + detail_month
    if wanted.size == 0:
        return detail.iloc[0:0]
    missing = ValueError("the detail rows do not hold every kept row of the history")
    if offered.size == 0:
        raise missing
    order = np.argsort(offered, kind="stable")
    where = np.minimum(np.searchsorted(offered[order], wanted), offered.size - 1)
    if not (offered[order][where] == wanted).all():
        raise missing
    return detail.iloc[order[where]]


def _effective(values: np.ndarray, latest: np.ndarray, as_of_date: np.ndarray) -> np.ndarray:
    """The latest date given up to each kept row, NaT when it lies after the as-of date (a plan)."""
    dates = _take(values, latest)
    dates[dates > as_of_date] = np.datetime64("NaT")
    return dates


def _blank(dates: np.ndarray, sources: np.ndarray, where: np.ndarray) -> None:
    dates[where] = np.datetime64("NaT")
    sources[where] = NO_SOURCE


def _run_start(stage: np.ndarray, month: np.ndarray, groups: _Groups,
               months: np.ndarray | None, at: np.ndarray) -> np.ndarray:
    """Per row: the position of the first row of the latest unbroken run of snapshots at this
    row's stage. A run breaks at a stage change or at a snapshot the initiative is missing from."""
    n = stage.size
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    # The position of each row's month among the snapshot months, by a lookup table over the
    # month numbers (no sort of the 600k rows).
    number = month.astype(np.int64)
    snapshot = number if months is None else np.asarray(months, dtype="datetime64[M]").astype(np.int64)
    low = min(int(number.min()), int(snapshot.min()))
    present = np.zeros(max(int(number.max()), int(snapshot.max())) - low + 1, dtype=bool)
    present[snapshot - low] = True
    position = (np.cumsum(present) - 1)[number - low]
    breaks = groups.first.copy()
    breaks[1:] |= (stage[1:] != stage[:-1]) | (position[1:] != position[:-1] + 1)
    return _ffill_index(breaks, groups, at)
