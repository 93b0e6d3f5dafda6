"""The initiatives behind a number: what a click on a bar or segment lists.

Each function takes a Report and the key a chart put in the clicked point's `customdata`,
and returns the matching initiatives (initiative_id, name, business_unit, stage first).
"""
from __future__ import annotations

import pandas as pd

from analytics.domain import LADDER_RANK, Stage
from analytics.metrics.types import NOT_SET, Report

ID_COLUMNS = ("initiative_id", "name", "business_unit", "stage")
POPULATION_COLUMNS = (*ID_COLUMNS, "highest_stage", "owner", "days_in_stage", "stalled", "budget")


def _select(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    present = [c for c in columns if c in frame.columns]
    return frame.loc[:, present].sort_values(["business_unit", "name"], na_position="last").reset_index(drop=True)


def reached(report: Report, stage: str) -> pd.DataFrame:
    """Initiatives whose highest stage reached is at least `stage`."""
    floor = LADDER_RANK[Stage(stage)]
    population = report.population
    ranks = population["highest_stage"].map(lambda s: LADDER_RANK.get(Stage(s), -1) if isinstance(s, str) else -1)
    return _select(population[ranks >= floor], POPULATION_COLUMNS)


def in_stage(report: Report, stage: str) -> pd.DataFrame:
    population = report.population
    return _select(population[population["stage"] == stage], POPULATION_COLUMNS)


def in_group(report: Report, by: str, value: str) -> pd.DataFrame:
    """Initiatives of one business unit or solution type (NOT_SET: those without one)."""
    population = report.population
    column = population[by]
    mask = column.isna() if value == NOT_SET else column == value
    return _select(population[mask], POPULATION_COLUMNS)


def stalled_with_cause(report: Report, cause: str, business_unit: str | None = None) -> pd.DataFrame:
    """Stalled initiatives attributed to `cause` (optionally in one business unit), with evidence."""
    attribution = report.stalls.attribution
    mask = attribution["cause"] == cause
    if business_unit is not None:
        bu = attribution["business_unit"]
        mask &= bu.isna() if business_unit == NOT_SET else bu == business_unit
    return _select(attribution[mask], (*ID_COLUMNS, "cause", "source", "evidence", "weight", "budget"))


def in_cohort(report: Report, cohort: str) -> pd.DataFrame:
    subjects = report.time_to_production.subjects
    return _select(
        subjects[subjects["cohort"] == cohort],
        (*ID_COLUMNS, "origin", "outcome", "end_date", "days", "left_out_reason"),
    )


def search(
    report: Report, *, query: str = "", stages: tuple[str, ...] = (), only_stalled: bool = False
) -> pd.DataFrame:
    """The Initiatives list: a case-insensitive match on name, ID or owner, then stage filters."""
    population = report.population
    mask = pd.Series(True, index=population.index)
    needle = query.strip().casefold()
    if needle:
        text = (
            population["name"].fillna("").astype(str) + "\n"
            + population["initiative_id"].fillna("").astype(str) + "\n"
            + population["owner"].fillna("").astype(str)
        ).str.casefold()
        mask &= text.str.contains(needle, regex=False)
    if stages:
        mask &= population["stage"].isin(stages)
    if only_stalled:
        mask &= population["stalled"].fillna(False).astype(bool)
    return _select(population[mask], POPULATION_COLUMNS)


def causes_of(report: Report, initiative_id: str) -> pd.DataFrame:
    """One initiative's failure causes with their evidence: stalled, or flagged early."""
    attribution = report.stalls.attribution
    stalled = attribution[attribution["initiative_id"] == initiative_id]
    if not stalled.empty:
        return stalled.loc[:, ["cause", "source", "evidence"]].reset_index(drop=True)
    early = report.early_warning
    early = early[early["initiative_id"] == initiative_id]
    if early.empty:
        return pd.DataFrame(columns=["cause", "source", "evidence"])
    row = early.iloc[0]
    return pd.DataFrame(
        {"cause": list(row["causes"]), "source": row["cause_source"], "evidence": row["evidence"]}
    )


def owner_history(history: pd.DataFrame) -> pd.DataFrame:
    """Who owned the initiative, month by month: one row per change of owner."""
    if history.empty:
        return pd.DataFrame(columns=["from", "owner"])
    owners = history["owner"].fillna("(no owner)").astype(str)
    changed = owners.ne(owners.shift())
    return pd.DataFrame(
        {"from": pd.to_datetime(history["as_of"][changed]).dt.strftime("%Y-%m").to_numpy(),
         "owner": owners[changed].to_numpy()}
    )
