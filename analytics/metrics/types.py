"""Frozen results of the portfolio metrics (METRICS.md sections 3-6).

Every frame that lists initiatives carries `initiative_id`, `name`, `business_unit` and `stage`
so that a chart click can show the initiatives behind a number. Ratios are fractions (0.25, not
25) and are None / NaN where the denominator is 0. Money is a plain float in the workbook's
currency. Mappings are read-only views keyed by the constants in `analytics.domain`.

Dataclasses holding frames compare by identity (`eq=False`): compare their frames with
`pandas.testing` instead. Treat the frames as read-only.
"""
from __future__ import annotations

import copyreg
import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.domain import Stage
from analytics.problems import Problem


# Results are cached by the dashboard with st.cache_data, which pickles them; the read-only
# mapping views they hold pickle as a fresh view of a copied dict.
def readonly_view(values: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(values)


copyreg.pickle(types.MappingProxyType, lambda view: (readonly_view, (dict(view),)))

#: Time-to-production outcome of an initiative that has neither reached production nor stopped.
CENSORED = "censored"
#: Why an initiative is left out of time to production (METRICS.md section 4).
UNKNOWN_ORIGIN = "unknown_origin"
EVENT_BEFORE_ORIGIN = "event_before_origin"
#: The pilot start lies after the as-of date (only possible via a stage_entered cell in the future).
ORIGIN_AFTER_AS_OF = "origin_after_as_of"
LEFT_OUT_REASONS: tuple[str, ...] = (UNKNOWN_ORIGIN, EVENT_BEFORE_ORIGIN, ORIGIN_AFTER_AS_OF)

#: Where a date came from (columns `origin_source`, `end_source`, `stage_since_source`).
FROM_PILOT_START = "pilot_start"
FROM_PRODUCTION_DATE = "production_date"
FROM_STAGE_ENTERED = "stage_entered"
FROM_SNAPSHOT = "snapshot"          # the as-of date of a snapshot row (a move seen between months)
FROM_AS_OF = "as_of"                # censored at the report's as-of date

#: Who attributed a stalled initiative's causes.
BY_ANALYST = "analyst"              # the stall_cause cell named at least one cause
BY_RULES = "rules"                  # the flags of the section 5 table

#: Group label for initiatives with no business unit / solution type (also accepted as a filter).
NOT_SET = "(not set)"

#: The days the time-to-production curve covers: 0..CURVE_DAYS.
CURVE_DAYS = 730
YEAR_DAYS = 365


@dataclass(frozen=True, slots=True)
class FunnelResult:
    """Section 3 at month M, over the population (the initiatives in M's snapshot)."""

    population: int
    on_hold: int
    stage_counts: Mapping[Stage, int]      # every Stage, resolved (on-hold rows carry a stage)
    reached_pilot: int
    reached_scaling: int
    reached_production: int
    pilot_to_scaling: float | None
    scaling_to_production: float | None
    pilot_to_production: float | None


@dataclass(frozen=True, slots=True, eq=False)
class TimeToProduction:
    """Section 4: Aalen-Johansen cumulative incidence of production, stopped as competing risk.

    curve: one row per day 0..CURVE_DAYS: `day`, `cif` (production), `cif_stopped`, `at_risk`
      (initiatives still followed on that day, i.e. time >= day). `cif` / `cif_stopped` are NaN
      after the last observed time unless every initiative had an event (not estimable there).
    subjects: one row per population initiative that reached pilot: initiative_id, name,
      business_unit, stage, cohort, origin, origin_source, outcome (Stage.PRODUCTION,
      Stage.STOPPED or CENSORED), end_date, end_source, days, left_out_reason (None if included).
    p_production_12m: the curve at day 365; None when nobody was followed for 365 days.
    median_days_observed: median days origin -> production among included initiatives that
      reached production (biased toward fast ones; show it beside p_production_12m).
    """

    curve: pd.DataFrame
    subjects: pd.DataFrame
    p_production_12m: float | None
    median_days_observed: float | None
    included: int
    left_out: int
    left_out_by_reason: Mapping[str, int]


@dataclass(frozen=True, slots=True, eq=False)
class StallResult:
    """Section 5 at month M.

    stalled: one row per stalled initiative: initiative_id, name, business_unit, solution_type,
      owner, stage, on_hold, days_in_stage, stage_since, stage_since_source, budget, causes
      (tuple of cause keys), cause_source (BY_ANALYST / BY_RULES), evidence (one readable
      text), k (number of causes).
    attribution: one row per (stalled initiative, cause), `unattributed` rows for k = 0:
      initiative_id, name, business_unit, stage, cause, evidence, source, weight, budget_weight.
    causes: indexed by cause key (the five causes, then `unattributed`): label, flagged
      (<NA> for unattributed: weights only), weighted, budget_weighted.
    unreadable: the causes whose rule field no initiative of M fills in (stalls.unreadable_causes):
      their flags follow the spec's rules but describe the export, not the portfolio.
    """

    stall_days: int
    count: int
    budget: float
    stalled: pd.DataFrame
    attribution: pd.DataFrame
    causes: pd.DataFrame
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Changes:
    """Since the previous snapshot month present in the data (None: M is the first).

    Each frame lists initiatives (initiative_id, name, business_unit, stage). moved_up adds
    `from_stage`; vanished shows the initiative as it was in the previous snapshot.
    """

    previous_as_of: date | None
    moved_up: pd.DataFrame
    newly_stalled: pd.DataFrame
    stopped: pd.DataFrame
    new: pd.DataFrame
    vanished: pd.DataFrame


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Section 6 at month M. A blank amount counts 0; a figure whose money field no initiative
    gives is None, and the field is in `not_captured` (outcomes.not_captured)."""

    expected_in_production: float | None
    realized_in_production: float | None
    value_capture: float | None
    stalled_budget: float | None
    spend_on_stopped: float | None
    not_captured: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferenceFigure:
    """A published survey figure, for context only: definitions differ from ours."""

    key: str
    source: str
    year: int
    value: float            # a fraction, or days for durations (see `unit`)
    unit: str               # "share" or "days"
    statement: str          # the figure as the source states it
    definition: str         # what the source counted, and how it differs from our metric
    url: str


#: A group of fewer initiatives than this is "too few to compare" (METRICS.md section 7).
MIN_COMPARABLE = 10
#: The forecast's horizon in days (METRICS.md section 8).
FORECAST_DAYS = 182
#: The two sides of each cause's evidence (METRICS.md section 7).
FLAGGED = "flagged"
CLEAR = "clear"
EVIDENCE_GROUPS: tuple[str, ...] = (FLAGGED, CLEAR)


@dataclass(frozen=True, slots=True, eq=False)
class Evidence:
    """Section 7: per cause, the initiatives whose first row at pilot or above broke its rule
    (flagged) against those that did not (clear).

    table: one row per (cause, group), causes in domain order, flagged first: cause, group,
      n, reached_production, p_production_12m (NaN for an empty group or no year of follow-up),
      too_few (n < MIN_COMPARABLE).
    """

    table: pd.DataFrame


@dataclass(frozen=True, slots=True, eq=False)
class Forecast:
    """Section 8: launches expected in the next FORECAST_DAYS days.

    initiatives: one row per included initiative still without an event, highest chance
      first: initiative_id, name, business_unit, stage, age_days, chance.
    """

    production_next_6m: float
    production_next_6m_low: int
    production_next_6m_high: int
    initiatives: pd.DataFrame


@dataclass(frozen=True, slots=True, eq=False)
class Readiness:
    """Section 9 over the initiatives at pilot at M.

    failing: cause key -> pilots failing that cause's check.
    pilots_table: one row per pilot: initiative_id, name, business_unit, stage, owner, a bool
      per cause key (True: the check FAILS), checks_failed, ready; least ready first.
    """

    pilots: int
    ready_to_scale: int
    failing: Mapping[str, int]
    pilots_table: pd.DataFrame


@dataclass(frozen=True, slots=True, eq=False)
class Decisions:
    """Section 10: the stalled initiatives, largest budget first.

    table: initiative_id, name, business_unit, stage, owner, on_hold, days_in_stage, budget,
      spend_to_date, budget_remaining (max(budget - spend, 0); NaN without a budget, or for all
      when the export gives no spend at all: `spend_given` false, `budget_remaining` None), causes
      (tuple of cause keys), remedies (tuple of remedy texts, one per cause), cause_source,
      evidence.
    """

    count: int
    budget_remaining: float | None
    table: pd.DataFrame
    spend_given: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class Report:
    """Everything the dashboard shows for as-of month M (see analytics.metrics.compute_report).

    population: one row per initiative in scope at M with its facts: initiative_id, name,
      business_unit, solution_type, owner, stage, on_hold, highest_stage, budget,
      spend_to_date, expected_value, realized_value, days_in_stage, stage_since,
      stage_since_source, stalled.
    cohorts: one row per pilot-start quarter: cohort ("2024 Q3"), quarter_start, quarter_end,
      pilots, reached_production_12m, conversion_12m (NaN when immature), reached_production,
      stopped, age_days (as-of date minus the quarter's last day; negative while the quarter
      runs), mature (age_days >= 365).
    early_warning: pilot/scaling initiatives not stalled yet but with causes: initiative_id,
      name, business_unit, stage, owner, days_in_stage, days_left (threshold minus days in
      stage), causes, cause_source, evidence; soonest first.
    warnings: Problems (severity warning) about this month's numbers.
    """

    as_of: date                     # first day of M
    as_of_date: date                # last day of M
    stall_days: int
    business_unit: str | None
    solution_type: str | None
    funnel: FunnelResult
    cohorts: pd.DataFrame
    time_to_production: TimeToProduction
    stalls: StallResult
    early_warning: pd.DataFrame
    changes: Changes
    outcomes: Outcomes
    population: pd.DataFrame
    warnings: tuple[Problem, ...]
    evidence: Evidence
    forecast: Forecast
    readiness: Readiness
    decisions: Decisions
    currency: str = "USD"           # ISO code of M's snapshot (METRICS.md section 1)
