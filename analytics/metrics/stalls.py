"""Stalls and their causes (METRICS.md section 5), and the early-warning list.

Works on the population frame of one month (rows of `history.prepare` for M).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.domain import (
    BLANK_FLAGS,
    CAUSE_FIELDS,
    CAUSE_KEYWORDS,
    CAUSE_LABELS,
    CAUSES,
    FIELD_BY_NAME,
    PLACEHOLDERS,
    STALLABLE,
    UNATTRIBUTED,
    Cause,
    Integration,
    SolutionType,
)
from analytics.metrics.types import BY_ANALYST, BY_RULES, StallResult
from analytics.problems import Problem, Severity

#: Owner text naming more than one person: a separator character or the WORD "and"
#: ("Sandra Anderson" is one person, "Ann and Bob" two).
OWNER_SEPARATOR = r"([/;&+]|\band\b)"
READINESS_STALL_MAX = 2
CAUSE_KEYS: tuple[str, ...] = tuple(str(c) for c in CAUSES)
ALL_CAUSE_KEYS: tuple[str, ...] = (*CAUSE_KEYS, UNATTRIBUTED)
STALLABLE_STAGES: tuple[str, ...] = tuple(str(s) for s in STALLABLE)
UNREAD_VERDICT = "stall_cause_unread"

_KEYWORD_PATTERN: dict[str, str] = {
    str(cause): "|".join(re.escape(stem) for stem in stems) for cause, stems in CAUSE_KEYWORDS.items()
}
_NO_CAUSE_EVIDENCE = "no cause flagged and no analyst verdict naming one"

LIST_COLUMNS: tuple[str, ...] = ("initiative_id", "name", "business_unit", "stage")


def text(series: pd.Series) -> pd.Series:
    """A text column as pandas `str` dtype (missing stays missing)."""
    return series.astype("str")


def per_distinct(series: pd.Series, compute: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`compute(series)`, evaluated once per distinct value: text functions run in Python per
    element, and a portfolio's owners or metrics repeat across thousands of rows."""
    codes, distinct = pd.factorize(series, use_na_sentinel=False)
    return compute(pd.Series(distinct, dtype=series.dtype)).iloc[codes].set_axis(series.index)


def is_blank(series: pd.Series) -> pd.Series:
    """Missing or a placeholder (section 1), compared trimmed, lower-cased, spaces folded."""
    def blank(values: pd.Series) -> pd.Series:
        folded = values.str.replace(r"\s+", " ", regex=True).str.strip().str.lower()
        return (folded.isna() | folded.isin(PLACEHOLDERS)).astype(bool)

    return per_distinct(text(series), blank)


def is_stalled(population: pd.DataFrame, stall_days: int) -> pd.Series:
    """Section 5: at pilot or scaling, and on hold or in that stage more than `stall_days`."""
    stallable = population["stage"].isin(STALLABLE_STAGES)
    return stallable & (population["on_hold"].astype(bool) | (population["days_in_stage"] > stall_days))


def _rule_flags(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    owner = text(frame["owner"])
    owner_blank = is_blank(owner)
    separator = per_distinct(owner, lambda values: values.str.extract(OWNER_SEPARATOR, flags=re.IGNORECASE)[0])
    readiness = pd.to_numeric(frame["data_readiness"], errors="coerce").astype("Float64")
    solution = text(frame["solution_type"])
    integration = text(frame["integration_status"])
    flags = pd.DataFrame({
        Cause.OWNERSHIP: owner_blank | separator.notna(),
        Cause.DATA_READINESS: (readiness <= READINESS_STALL_MAX).fillna(False).astype(bool),
        Cause.GENERIC_TOOLS: (solution == SolutionType.GENERIC).fillna(False).astype(bool),
        Cause.INTEGRATION: (integration == Integration.NONE).fillna(False).astype(bool),
        Cause.SUCCESS_METRICS: is_blank(frame["success_metric"]),
    }, index=frame.index)
    multi = "owner '" + owner + "' names more than one person (contains '" + separator + "')"
    evidence = pd.DataFrame({
        Cause.OWNERSHIP: multi.where(~owner_blank, "no owner given (blank or a placeholder)"),
        Cause.DATA_READINESS: "data readiness score " + readiness.round().astype("Int64").astype("str")
        + f" (flagged at {READINESS_STALL_MAX} or less)",
        Cause.GENERIC_TOOLS: "solution type '" + solution + "' (off-the-shelf tool)",
        Cause.INTEGRATION: "integration status '" + integration + "'",
        Cause.SUCCESS_METRICS: pd.Series("no success metric given (blank or a placeholder)", index=frame.index),
    }, index=frame.index).astype("str")
    flags.columns = list(CAUSE_KEYS)
    evidence.columns = list(CAUSE_KEYS)
    return flags, evidence


def rule_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """Section 5's table from the fields only (never the stall-cause column): bool per cause key.
    Evidence (section 7) and readiness (section 9) read the rules this way."""
    return _rule_flags(frame)[0]


def attribute_causes(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Per row: cause flags (bool per cause key), evidence text per cause (missing where not
    flagged), who decided (BY_ANALYST / BY_RULES), and whether a non-empty stall_cause cell named
    no cause (its flags then stand, and the caller warns)."""
    flags, evidence = _rule_flags(frame)
    verdict = text(frame["stall_cause"])
    has_verdict = ~is_blank(verdict)
    # Only the rows with a verdict are searched for cause words (most rows have none).
    said_something = verdict.loc[has_verdict]
    matched = pd.DataFrame(
        {key: said_something.str.extract(f"({_KEYWORD_PATTERN[key]})", flags=re.IGNORECASE)[0]
         for key in CAUSE_KEYS},
        index=said_something.index,
    ).astype("str").reindex(frame.index)
    named = matched.notna() & has_verdict.to_numpy()[:, None]
    by_analyst = named.any(axis=1)
    unread = has_verdict & ~by_analyst
    final = named.where(by_analyst, flags, axis=0).astype(bool)
    said = "analyst's stall cause '" + verdict + "' (says '"
    evidence = pd.DataFrame(
        {key: (said + matched[key] + "')").where(by_analyst, evidence[key]) for key in CAUSE_KEYS},
        index=frame.index,
    ).where(final)
    source = pd.Series(np.where(by_analyst, BY_ANALYST, BY_RULES), index=frame.index, dtype="str")
    return final, evidence, source, unread


def _stall_cause_header(raw_json: object, value: str) -> str:
    """The stall-cause column's header as the workbook wrote it, found by its cell text."""
    try:
        cells = json.loads(raw_json) if isinstance(raw_json, str) else {}
    except ValueError:
        cells = {}
    for header, cell in cells.items() if isinstance(cells, dict) else ():
        if str(cell).strip() == value.strip():
            return str(header)
    return FIELD_BY_NAME["stall_cause"].label


def unread_verdict_warnings(frame: pd.DataFrame, unread: pd.Series, as_of_label: str) -> tuple[Problem, ...]:
    """One warning per stall_cause cell that names none of the five causes."""
    rows = frame.loc[unread]
    raw = rows["raw_json"] if "raw_json" in rows else pd.Series(None, index=rows.index, dtype=object)
    problems = []
    for initiative, name, source_row, value, cells in zip(
        rows["initiative_id"], rows["name"], rows["source_row"], text(rows["stall_cause"]), raw, strict=True
    ):
        header = _stall_cause_header(cells, value)
        problems.append(Problem(
            severity=Severity.WARNING,
            code=UNREAD_VERDICT,
            message=(
                f"{as_of_label}, initiative {initiative} ({name}): the stall cause '{value}' names none "
                f"of the five causes, so the rule flags are used instead. To attribute it, reword "
                f"the cell with a cause word: owner, data, generic/off-the-shelf, integration, or "
                f"metric/KPI."
            ),
            row=None if pd.isna(source_row) else int(source_row),
            column=header,
            value=value,
        ))
    return tuple(problems)


def _cause_tuples(final: pd.DataFrame) -> list[tuple[str, ...]]:
    keys = np.array(CAUSE_KEYS, dtype=object)
    return [tuple(keys[row]) for row in final.to_numpy(dtype=bool)]


def _joined_evidence(evidence: pd.DataFrame) -> pd.Series:
    """The flagged causes' evidence texts of each row, joined with '; '."""
    joined = pd.Series("", index=evidence.index, dtype="str")
    for key in evidence.columns:
        joined = joined + ("; " + evidence[key]).fillna("")
    return joined.str.slice(2).where(joined != "", _NO_CAUSE_EVIDENCE)


@dataclass(frozen=True, slots=True, eq=False)
class Assessment:
    """The pilot/scaling initiatives of one month with their causes, computed once and shared by
    the stalled list, the attribution, the early warning and the verdict warnings."""

    rows: pd.DataFrame          # pilot/scaling rows + causes, cause_source, evidence, k, stalled
    final: pd.DataFrame         # bool per cause key
    evidence: pd.DataFrame      # evidence text per cause key, missing where not flagged
    unread: pd.Series           # stall_cause cell that names no cause
    stall_days: int


def assess(population: pd.DataFrame, stall_days: int) -> Assessment:
    stallable = population.loc[population["stage"].isin(STALLABLE_STAGES)]
    final, evidence, source, unread = attribute_causes(stallable)
    rows = stallable.assign(
        causes=pd.Series(_cause_tuples(final), index=stallable.index, dtype=object),
        cause_source=source,
        evidence=_joined_evidence(evidence),
        k=final.sum(axis=1).astype(np.int64),
        stalled=is_stalled(stallable, stall_days),
    )
    return Assessment(rows, final, evidence, unread, stall_days)


STALLED_COLUMNS: tuple[str, ...] = (
    *LIST_COLUMNS, "solution_type", "owner", "on_hold", "days_in_stage", "stage_since",
    "stage_since_source", "budget", "causes", "cause_source", "evidence", "k",
)
ATTRIBUTION_COLUMNS: tuple[str, ...] = (
    *LIST_COLUMNS, "cause", "evidence", "source", "weight", "budget_weight",
)
EARLY_WARNING_COLUMNS: tuple[str, ...] = (
    *LIST_COLUMNS, "owner", "days_in_stage", "days_left", "causes", "cause_source", "evidence",
)


def stall_result(population: pd.DataFrame, stall_days: int,
                 assessment: Assessment | None = None) -> StallResult:
    """Who is stalled at M, why, and the flagged / weighted / budget-weighted split by cause."""
    assessment = assessment or assess(population, stall_days)
    stalled_mask = assessment.rows["stalled"]
    stalled_rows = assessment.rows.loc[stalled_mask]
    final = assessment.final.loc[stalled_mask]
    evidence = assessment.evidence.loc[stalled_mask]
    source = stalled_rows["cause_source"]
    k = stalled_rows["k"]
    budget = stalled_rows["budget"].astype("float64").fillna(0.0)
    stalled = stalled_rows.reindex(columns=list(STALLED_COLUMNS))
    stalled = stalled.sort_values(["days_in_stage", "initiative_id"], ascending=[False, True]).reset_index(drop=True)

    long = final.rename_axis("row").reset_index().melt(id_vars="row", var_name="cause", value_name="flag")
    long = long.loc[long["flag"]]
    long_evidence = evidence.rename_axis("row").reset_index().melt(
        id_vars="row", var_name="cause", value_name="evidence")
    attributed = long.merge(long_evidence, on=["row", "cause"], how="left")
    unattributed = pd.DataFrame({"row": k.index[k == 0], "cause": UNATTRIBUTED, "evidence": _NO_CAUSE_EVIDENCE})
    attribution = pd.concat([attributed.drop(columns="flag"), unattributed], ignore_index=True)
    row_k = k.reindex(attribution["row"]).to_numpy()
    share = 1.0 / np.maximum(row_k, 1)
    attribution = attribution.assign(
        source=np.where(attribution["cause"] == UNATTRIBUTED, BY_RULES, source.reindex(attribution["row"]).to_numpy()),
        weight=share,
        budget_weight=budget.reindex(attribution["row"]).to_numpy() * share,
    )
    details = stalled_rows.loc[attribution["row"], list(LIST_COLUMNS)].reset_index(drop=True)
    attribution = pd.concat([details, attribution.drop(columns="row").reset_index(drop=True)], axis=1)
    attribution = attribution.reindex(columns=list(ATTRIBUTION_COLUMNS))
    attribution = attribution.sort_values(["cause", "initiative_id"], key=_cause_order).reset_index(drop=True)

    weighted = attribution.groupby("cause")["weight"].sum().reindex(list(ALL_CAUSE_KEYS), fill_value=0.0)
    budget_weighted = attribution.groupby("cause")["budget_weight"].sum().reindex(list(ALL_CAUSE_KEYS), fill_value=0.0)
    flagged = pd.array([int(final[key].sum()) for key in CAUSE_KEYS] + [pd.NA], dtype="Int64")
    causes = pd.DataFrame(
        {
            "label": [CAUSE_LABELS[key] for key in ALL_CAUSE_KEYS],
            "flagged": flagged,
            "weighted": weighted.to_numpy(dtype=float),
            "budget_weighted": budget_weighted.to_numpy(dtype=float),
        },
        index=pd.Index(list(ALL_CAUSE_KEYS), name="cause"),
    )
    return StallResult(
        stall_days=stall_days,
        count=len(stalled_rows),
        budget=float(budget.sum()),
        stalled=stalled,
        attribution=attribution,
        causes=causes,
        unreadable=unreadable_causes(population),
    )


def _cause_order(column: pd.Series) -> pd.Series:
    if column.name == "cause":
        return column.map({key: i for i, key in enumerate(ALL_CAUSE_KEYS)})
    return column


def early_warning(population: pd.DataFrame, stall_days: int,
                  assessment: Assessment | None = None) -> pd.DataFrame:
    """Pilot/scaling initiatives not stalled yet but with at least one cause, soonest first."""
    rows = (assessment or assess(population, stall_days)).rows
    warned = rows.loc[~rows["stalled"] & (rows["k"] > 0)].assign(days_left=lambda f: stall_days - f["days_in_stage"])
    return (
        warned.reindex(columns=list(EARLY_WARNING_COLUMNS))
        .sort_values(["days_left", "initiative_id"])
        .reset_index(drop=True)
    )


CAUSE_FIELD_BLANK = "cause_field_blank"


def unreadable_causes(population: pd.DataFrame) -> tuple[str, ...]:
    """The causes whose rule field no initiative of `population` fills in (blank, a
    placeholder, or no such column in the export): their flags describe the export, not the
    portfolio (every stalled initiative for a cause in BLANK_FLAGS, none for the others)."""
    if population.empty:
        return ()
    # Owner and success metric are free text (placeholders mean blank); the others are stored
    # normalised (a score, a canonical status or type: "none" is an integration status), so
    # only a missing value is blank there.
    blank = {
        cause: (is_blank(population[field]) if cause in BLANK_FLAGS
                else population[field].isna()).all()
        for cause, field in CAUSE_FIELDS.items()
    }
    return tuple(cause for cause in CAUSE_KEYS if blank[cause])


def unreadable_cause_warnings(population: pd.DataFrame, as_of_label: str) -> tuple[Problem, ...]:
    """One warning per cause whose rule field is blank throughout (see unreadable_causes)."""
    problems = []
    for cause in unreadable_causes(population):
        label = FIELD_BY_NAME[CAUSE_FIELDS[cause]].label
        effect = ("so every stalled initiative is flagged for it" if cause in BLANK_FLAGS
                  else "so no initiative can be flagged for it")
        problems.append(Problem(
            severity=Severity.WARNING,
            code=CAUSE_FIELD_BLANK,
            message=(
                f"{as_of_label}: no initiative here gives a value for '{label}', {effect}: read "
                f"'{CAUSE_LABELS[cause]}' as unknown. Add or map the '{label}' column in the "
                f"monthly export to measure it."
            ),
            column=label,
        ))
    return tuple(problems)


def unreadable_summary(unreadable: tuple[str, ...]) -> str:
    """One paragraph on the causes an export cannot show (stalls.unreadable), for a page."""
    def listed(words: list[str], joiner: str = "or") -> str:
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {joiner} " + words[-1]

    never = [c for c in unreadable if c not in BLANK_FLAGS]
    every = [c for c in unreadable if c in BLANK_FLAGS]
    parts = []
    if never:
        parts.append(f"no initiative gives a value for {listed([_field_label(c) for c in never])}, so "
                     f"{listed([CAUSE_LABELS[c] for c in never], 'and')} can never be flagged")
    if every:
        parts.append(f"{'none' if never else 'no initiative'} gives a value for "
                     f"{listed([_field_label(c) for c in every])}, so every stalled initiative counts "
                     f"under {listed([CAUSE_LABELS[c] for c in every], 'and')}")
    text = "; ".join(parts)
    return (f"{text[:1].upper()}{text[1:]}. Read those causes as unknown, and add or map the "
            f"columns in the monthly export to measure them.") if text else ""


def _field_label(cause: str) -> str:
    return f"'{FIELD_BY_NAME[CAUSE_FIELDS[cause]].label}'"


def verdict_warnings(population: pd.DataFrame, as_of_label: str,
                     assessment: Assessment | None = None) -> tuple[Problem, ...]:
    """Warnings for pilot/scaling initiatives whose stall_cause cell names no cause."""
    assessment = assessment or assess(population, 1)
    return unread_verdict_warnings(assessment.rows, assessment.unread, as_of_label)
