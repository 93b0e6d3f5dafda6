"""The shipped sample portfolio: 24 monthly exports of a believable, messy AI portfolio.

`generate_portfolio` simulates the portfolio month by month (seeded, so always the same story)
and returns the canonical truth of every export; `write_sample` renders each month the way a
real tracker export looks (title rows, a cover sheet, headers that change when the tracker was
migrated, dates and money written several ways) and `load_sample` imports the shipped workbooks.

The story the sample tells: most pilots never reach production, and the ones that stall carry
the five failure causes of METRICS.md section 5 far more often than the ones that move on.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics import store
from analytics.domain import (
    DATE_FIELDS,
    FIELD_BY_NAME,
    FIELD_NAMES,
    FIELDS,
    MONEY_FIELDS,
    STALLABLE,
    Cause,
    Integration,
    Kind,
    SolutionType,
    Stage,
)
from analytics.ingest.months import as_of_from_name, month_end
from analytics.problems import PortfolioError, SnapshotExists

if TYPE_CHECKING:
    from analytics.ingest import ImportResult

SEED = 30
FIRST_MONTH = date(2024, 12, 1)
MONTH_COUNT = 24
#: The first month exported from the new tracker (month index): headers and vocabulary change.
MIGRATION_INDEX = 12
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
#: Extra columns the trackers export that are no canonical field (kept raw by the import).
EXTRA_COLUMNS: tuple[str, ...] = ("sponsor", "region")
#: Columns of each month's truth frame. `stage` is the stage the initiative is really in, also
#: on on-hold rows (whose stage cell says "On hold"; the store keeps NULL there).
TRUTH_COLUMNS: tuple[str, ...] = (*FIELD_NAMES, "on_hold", *EXTRA_COLUMNS)

#: Same bytes on every run: workbook properties and zip entry times are pinned to this.
_FIXED_TIME = datetime(2026, 11, 25, 9, 0, 0)
#: The analyst writes a stall verdict once an initiative is this many days in its stage.
_VERDICT_AFTER_DAYS = 180
_LEGACY_COUNT = 58
_ARRIVALS_PER_MONTH = 5.0
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- the cast ----------------------------------------------------------------------------------

_NAMES_BY_UNIT: dict[str, tuple[str, ...]] = {
    "Finance": (
        "Invoice matching copilot", "Expense fraud detection", "Cash flow forecasting model",
        "Accounts payable triage bot", "Month-end close assistant", "Revenue recognition checker",
        "Credit risk scoring model", "Collections prioritisation model",
        "Treasury FX exposure forecaster", "Budget variance explainer", "Tax provision copilot",
        "Vendor payment anomaly detection", "Intercompany reconciliation matcher",
        "Financial report narrative generator", "Audit sampling assistant",
        "Capex request summariser", "Journal entry anomaly detection", "Cost allocation optimiser",
        "Lease accounting extractor", "Board pack drafting assistant", "Spend cube classifier",
        "Dunning letter generator", "Payment terms optimiser",
        "Procure-to-pay exception classifier",
        "Travel policy compliance checker", "Fixed asset tagging from photos",
    ),
    "Operations": (
        "Predictive maintenance for conveyors", "Shift scheduling optimiser",
        "Quality defect vision inspection", "Energy consumption forecaster",
        "Field service route optimiser", "Work order triage assistant",
        "Equipment failure early warning", "Yield optimisation model", "Safety incident classifier",
        "SOP copilot for plant staff", "Spare parts demand forecast",
        "Downtime root-cause analyser",
        "Visual meter reading", "Process mining bottleneck finder", "Maintenance manual Q&A bot",
        "Production plan optimiser", "Asset health scoring", "Scrap reduction model",
        "Technician knowledge assistant", "Batch release document checker",
        "Forklift collision early warning", "Plant energy peak shaving", "Digital twin for line 4",
        "Inspection report generator",
    ),
    "Customer Service": (
        "Contact centre agent assist", "Call summarisation", "Email auto-triage",
        "Customer sentiment monitor", "Order status chatbot", "Complaint root-cause classifier",
        "Next best action for agents", "Knowledge base answer bot",
        "Voice of customer topic mining",
        "Callback demand forecaster", "Refund request automation", "Warranty claim triage",
        "Call quality scoring", "Multilingual reply drafting", "Escalation risk predictor",
        "Self-service FAQ generator", "Agent coaching copilot", "Case deduplication",
        "Service level breach predictor", "Returns reason classifier",
        "Complaint letter drafting", "Live chat translation", "Customer intent router",
        "Vulnerable customer detection", "Proactive outage notifications",
    ),
    "Marketing": (
        "Churn propensity model", "Campaign copy generator", "Customer lifetime value model",
        "Marketing mix model", "Lead scoring model", "Product description writer",
        "Personalised offer engine", "Social listening monitor", "Audience segmentation clustering",
        "Email send-time optimiser", "Brand safety image checker", "SEO content assistant",
        "Promotion uplift forecaster", "Price elasticity model", "Loyalty next best offer",
        "Creative asset tagging", "Web personalisation engine", "Market research summariser",
        "Competitor price monitor", "A/B test analysis assistant",
        "Influencer fit scoring", "Retail media bid optimiser", "Brand voice checker",
        "Event lead enrichment",
    ),
    "HR": (
        "CV screening assistant", "Employee attrition predictor", "HR policy Q&A bot",
        "Job description generator", "Interview scheduling assistant", "Skills inference engine",
        "Onboarding copilot", "Learning recommendation engine", "Pay equity analyser",
        "Workforce demand planner", "Engagement survey comment analysis",
        "Internal mobility matcher", "Benefits enquiry chatbot", "Performance review drafting aid",
        "Absence pattern analytics", "Recruitment funnel forecaster", "Exit interview theme miner",
        "Succession risk model", "Shift swap assistant", "Candidate sourcing copilot",
        "Payroll query assistant", "Wellbeing pulse analytics",
    ),
    "Supply Chain": (
        "Demand forecasting engine", "Inventory optimisation model", "Supplier risk monitor",
        "Warehouse pick-path optimiser", "Shipment ETA predictor", "Freight invoice audit",
        "Purchase order anomaly detection", "Supplier contract summariser",
        "Stock-out early warning", "Transport load planner", "Returns disposition optimiser",
        "Safety stock calculator", "Supplier onboarding document checker",
        "Port congestion predictor", "Replenishment copilot", "Logistics emissions estimator",
        "Cold chain temperature anomaly detection", "Procurement negotiation assistant",
        "Tender evaluation assistant", "S&OP scenario planner",
        "Supplier invoice dispute resolver", "Dock door scheduling optimiser",
        "Container fill optimiser", "Supplier ESG score monitor",
        "Customs classification assistant",
    ),
    "IT": (
        "IT service desk chatbot", "Incident auto-routing", "Code review assistant",
        "Log anomaly detection", "Test case generator", "Legacy COBOL documentation copilot",
        "Access request triage", "Cloud cost anomaly detection", "Change risk predictor",
        "Developer copilot rollout", "Knowledge article generator", "Phishing email classifier",
        "Vulnerability prioritisation model", "Data catalogue auto-tagging",
        "Server capacity forecasting", "Password reset voice bot", "Release notes generator",
        "Alert noise reduction", "Asset inventory reconciliation",
        "Architecture decision assistant", "SQL query copilot for analysts", "Patch risk scoring",
        "Mainframe batch failure predictor", "Meeting transcription service",
    ),
    "Legal": (
        "Contract clause extraction", "NDA review assistant", "Legal research copilot",
        "eDiscovery document classifier", "Regulatory change monitor",
        "Litigation outcome predictor", "Policy drafting assistant", "Trademark watch service",
        "Contract renewal alerting", "Privacy impact assessment helper",
        "Sanctions screening assistant", "Board minutes summariser", "Legal spend analytics",
        "Due diligence data room reviewer", "Litigation hold notifier", "Contract playbook checker",
        "Claims correspondence triage", "Legal intake chatbot",
    ),
    "Sales": (
        "Sales forecast model", "Opportunity win-probability model", "Proposal drafting copilot",
        "Account research assistant", "CRM data hygiene bot", "Quote configuration assistant",
        "Territory planning optimiser", "Sales call summariser", "Cross-sell recommendation engine",
        "Deal desk pricing guidance", "Partner lead routing", "Renewal risk predictor",
        "RFP answer library bot", "Meeting prep briefings", "Discount leakage detector",
        "Sales email personalisation", "Pipeline hygiene nudges",
        "Channel partner performance model",
    ),
}

_SUCCESS_METRICS: dict[str, tuple[str, ...]] = {
    "Finance": ("Cut invoice exceptions from 8% to 3%", "Close books 2 days faster",
                "Reduce DSO by 5 days", "Forecast error below 5%"),
    "Operations": ("Unplanned downtime -20%", "OEE +3 points", "Scrap rate below 1.5%",
                   "First-time fix rate 85%"),
    "Customer Service": ("Average handling time -15%", "CSAT +5 points",
                         "Deflect 25% of contacts to self-service", "After-call work -40%"),
    "Marketing": ("Churn -2 points in pilot segment", "Campaign ROI +10%",
                  "Content production cost -30%", "Conversion rate +0.5 points"),
    "HR": ("Time to hire -25%", "Regretted attrition -10%", "HR tickets deflected 30%",
           "Onboarding time -1 week"),
    "Supply Chain": ("Forecast accuracy +8 points", "Inventory days -6", "On-time delivery 96%",
                     "Freight overpayments recovered $400k/yr"),
    "IT": ("Mean time to resolve -30%", "Tickets auto-resolved 35%", "Cloud spend -12%",
           "Developer cycle time -20%"),
    "Legal": ("Contract review time -50%", "Outside counsel spend -15%",
              "Regulatory changes triaged within 5 days"),
    "Sales": ("Forecast accuracy within 5%", "Win rate +3 points", "Proposal turnaround 2 days",
              "Seller admin time -4 h/week"),
}

_PEOPLE: tuple[str, ...] = (
    "Priya Shah", "Tom Reed", "Sandra Anderson", "Andrew Sanders", "Brandon Okafor",
    "Maria Gonzalez", "James O'Neill", "Wei Zhang", "Fatima Al-Sayed", "Lars Nielsen",
    "Aisha Bello", "Daniel Kim", "Elena Rossi", "Mark Thompson", "Sofia Petrova", "Kwame Mensah",
    "Hannah Becker", "Ravi Iyer", "Chloe Martin", "Diego Alvarez", "Yuki Tanaka", "Olivia Brown",
    "Samuel Osei", "Grace Liu", "Mohammed Khan", "Isabelle Dubois", "Patrick Walsh",
    "Nina Kowalski", "Jonas Weber", "Laura Fischer", "Omar Haddad", "Emily Clarke", "Lucas Silva",
    "Zara Ahmed", "Henrik Larsen", "Rebecca Stone", "Victor Nguyen", "Alice Moreau",
    "Julia Novak", "Peter Hughes", "Ingrid Berg", "Carlos Mendes", "Amara Nwosu",
    "Alexander Grant", "Rosalind Candler",
)
#: Owner cells that name more than one person (the ownership cause, METRICS.md section 5).
_SHARED_OWNERS: tuple[str, ...] = (
    "Priya Shah / Tom Reed", "Ana Torres & Ben Cole", "Raj Patel and Mei Lin",
    "Laura Fischer; Omar Haddad", "Finance + IT steering group",
)
_SPONSORS: tuple[str, ...] = ("CFO", "COO", "CIO", "CMO", "CHRO", "Chief Customer Officer",
                              "General Counsel", "CEO office")
_REGIONS: tuple[str, ...] = ("Global", "EMEA", "North America", "APAC", "LATAM")

#: What the analyst writes in the stall-cause column, by the cause the verdict names.
_VERDICTS: dict[Cause | None, tuple[str, ...]] = {
    Cause.OWNERSHIP: ("No accountable owner", "Owner moved roles; no replacement"),
    Cause.DATA_READINESS: ("Data not ready", "Source data quality too poor"),
    Cause.GENERIC_TOOLS: ("Off-the-shelf tool does not fit the process",
                          "Generic vendor tool, no differentiation"),
    Cause.INTEGRATION: ("Waiting on SAP integration", "Integration with Salesforce not scoped"),
    Cause.SUCCESS_METRICS: ("No agreed success KPI", "Benefits cannot be measured yet"),
    None: ("Budget freeze", "Paused for re-prioritisation"),
}

#: How often each failure cause afflicts a new initiative.
_CAUSE_RATE: dict[Cause, float] = {
    Cause.OWNERSHIP: 0.33,
    Cause.DATA_READINESS: 0.33,
    Cause.GENERIC_TOOLS: 0.33,
    Cause.INTEGRATION: 0.33,
    Cause.SUCCESS_METRICS: 0.33,
}


# --- months ------------------------------------------------------------------------------------


def month_at(index: int) -> date:
    """First day of the month `index` months after FIRST_MONTH (negative: before it)."""
    year, month0 = divmod(FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + index, 12)
    return date(year, month0 + 1, 1)


def sample_months() -> tuple[date, ...]:
    return tuple(month_at(i) for i in range(MONTH_COUNT))


def sample_file_name(month: date) -> str:
    return f"portfolio-{month:%Y-%m}.xlsx"


def _day_in(index: int, rng: np.random.Generator) -> date:
    month = month_at(index)
    return month.replace(day=int(rng.integers(1, month_end(month).day + 1)))


def _round_to(value: float, step: int) -> float:
    return float(round(value / step) * step)


# --- the simulation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Profile:
    """What an initiative is, fixed when it is registered."""

    initiative_id: str
    name: str
    business_unit: str
    arrival: int               # month index of its first export row (< 0: before the series)
    arrives_as_pilot: bool
    causes: frozenset[Cause]
    owner: str | None          # None: a placeholder is written
    solution: SolutionType
    readiness: int
    success_metric: str | None
    expected_value: float
    pilot_budget: float
    scale_budget: float
    capture: float             # share of the expected value realised once running
    shows_stage_entered: bool
    shows_pilot_start: bool
    shows_idea_details: bool   # ideas with readiness, solution type and value filled in
    verdict: str | None        # what the analyst writes once it stalls; None: writes nothing
    sponsor: str
    region: str


@dataclass(frozen=True, slots=True)
class _State:
    stage: Stage
    entered: date
    pilot_start: date | None = None
    production_date: date | None = None
    hold_left: int = 0         # > 0: on hold for that many more months
    came_from: Stage | None = None  # for stopped: the stage it was stopped in
    spend: float = 0.0
    realized: float = 0.0


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _draw_causes(rng: np.random.Generator) -> frozenset[Cause]:
    return frozenset(c for c, rate in _CAUSE_RATE.items() if rng.random() < rate)


def _draw_owner(causes: frozenset[Cause], rng: np.random.Generator) -> str | None:
    if Cause.OWNERSHIP not in causes:
        return _pick(rng, _PEOPLE)
    return None if rng.random() < 0.55 else _pick(rng, _SHARED_OWNERS)


def _draw_solution(causes: frozenset[Cause], rng: np.random.Generator) -> SolutionType:
    if Cause.GENERIC_TOOLS in causes:
        return SolutionType.GENERIC
    return SolutionType.CUSTOM if rng.random() < 0.55 else SolutionType.CONFIGURED


def _draw_verdict(causes: frozenset[Cause], rng: np.random.Generator) -> str | None:
    if rng.random() >= 0.45:
        return None
    named = Cause(_pick(rng, sorted(causes))) if causes else None
    return _pick(rng, _VERDICTS[named])


def _draw_profile(
    number: int, unit: str, name: str, arrival: int, rng: np.random.Generator
) -> _Profile:
    causes = _draw_causes(rng)
    pilot_budget = _round_to(rng.uniform(60_000, 450_000), 5_000)
    return _Profile(
        initiative_id=f"AI-{number:04d}",
        name=name,
        business_unit=unit,
        arrival=arrival,
        arrives_as_pilot=bool(rng.random() < 0.22),
        causes=causes,
        owner=_draw_owner(causes, rng),
        solution=_draw_solution(causes, rng),
        readiness=int(rng.integers(1, 3) if Cause.DATA_READINESS in causes
                      else rng.integers(3, 6)),
        success_metric=(None if Cause.SUCCESS_METRICS in causes
                        else _pick(rng, _SUCCESS_METRICS[unit])),
        expected_value=_round_to(float(rng.lognormal(np.log(900_000), 0.8)), 10_000),
        pilot_budget=pilot_budget,
        scale_budget=_round_to(pilot_budget * rng.uniform(2.0, 6.0), 10_000),
        capture=float(rng.uniform(0.3, 1.05)),
        shows_stage_entered=bool(rng.random() < 0.85),
        shows_pilot_start=bool(rng.random() < 0.93),
        shows_idea_details=bool(rng.random() < 0.5),
        verdict=_draw_verdict(causes, rng),
        sponsor=_pick(rng, _SPONSORS),
        region=_pick(rng, _REGIONS),
    )


def _draw_profiles(rng: np.random.Generator) -> list[_Profile]:
    """Legacy initiatives registered before the first export, then monthly arrivals."""
    arrivals = sorted(int(a) for a in rng.integers(-30, 0, size=_LEGACY_COUNT))
    for index in range(1, MONTH_COUNT):
        arrivals += [index] * int(rng.poisson(_ARRIVALS_PER_MONTH))
    catalogue = [(unit, name) for unit, names in _NAMES_BY_UNIT.items() for name in names]
    order = rng.permutation(len(catalogue))
    if len(arrivals) > len(catalogue):
        arrivals = arrivals[: len(catalogue)]
    return [
        _draw_profile(number, *catalogue[int(order[number - 1])], arrival, rng)
        for number, arrival in enumerate(arrivals, start=1)
    ]


def _first_state(profile: _Profile, rng: np.random.Generator) -> _State:
    entered = _day_in(profile.arrival, rng)
    if not profile.arrives_as_pilot:
        return _State(Stage.IDEA, entered)
    # Pilots registered late: the pilot started up to two months before its first row.
    started = entered - timedelta(days=int(rng.integers(0, 60)))
    return _State(Stage.PILOT, started, pilot_start=started)


def _hazards(stage: Stage, causes: int) -> tuple[float, float, float]:
    """Monthly (advance, stop, go on hold) chances; every failure cause slows a pilot down."""
    if stage is Stage.IDEA:
        return 0.10, 0.02, 0.0
    if stage is Stage.PILOT:
        return 0.13 * 0.35 ** causes, 0.015 + 0.01 * causes, 0.01 + 0.012 * causes
    if stage is Stage.SCALING:
        return 0.18 * 0.4 ** causes, 0.01 + 0.006 * causes, 0.01 + 0.01 * causes
    return 0.0, 0.0, 0.0


_NEXT: dict[Stage, Stage] = {
    Stage.IDEA: Stage.PILOT, Stage.PILOT: Stage.SCALING, Stage.SCALING: Stage.PRODUCTION,
}


def _budget(profile: _Profile, state: _State) -> float | None:
    if state.stage is Stage.IDEA or state.came_from is Stage.IDEA:
        return None
    reached_scaling = (state.stage in (Stage.SCALING, Stage.PRODUCTION)
                       or state.came_from is Stage.SCALING)
    return profile.pilot_budget + (profile.scale_budget if reached_scaling else 0.0)


def _spend_rate(state: _State, rng: np.random.Generator) -> float:
    if state.hold_left > 0:
        return rng.uniform(0.0, 0.01)
    return {
        Stage.PILOT: rng.uniform(0.05, 0.13),
        Stage.SCALING: rng.uniform(0.04, 0.09),
        Stage.PRODUCTION: rng.uniform(0.005, 0.02),
    }.get(state.stage, 0.0)


def _accrue(profile: _Profile, state: _State, index: int, rng: np.random.Generator) -> _State:
    """Spend grows with the budget; value is realised over the first six months live."""
    budget = _budget(profile, state) or 0.0
    spend = min(state.spend + budget * _spend_rate(state, rng), budget * 1.15)
    realized = state.realized
    if state.stage is Stage.PRODUCTION and state.production_date is not None:
        months_live = (index - _month_index(state.production_date))
        realized = profile.expected_value * profile.capture * min(1.0, months_live / 6)
    return replace(state, spend=_round_to(spend, 1_000), realized=_round_to(realized, 1_000))


def _month_index(day: date) -> int:
    return (day.year - FIRST_MONTH.year) * 12 + day.month - FIRST_MONTH.month


def _advance(profile: _Profile, state: _State, index: int, rng: np.random.Generator) -> _State:
    """One month of the state machine: move up, stop, pause, or stay."""
    if state.hold_left > 0:
        if rng.random() < 0.04:
            return replace(state, stage=Stage.STOPPED, came_from=state.stage, hold_left=0,
                           entered=_day_in(index, rng))
        return replace(state, hold_left=state.hold_left - 1)
    advance, stop, hold = _hazards(state.stage, len(profile.causes))
    # A hold needs a previous row at the same stage, so the import can carry the stage over.
    if index <= max(profile.arrival, 0):
        hold = 0.0
    draw = rng.random()
    if draw < advance:
        nxt = _NEXT[state.stage]
        day = _day_in(index, rng)
        return replace(
            state, stage=nxt, entered=day,
            pilot_start=day if nxt is Stage.PILOT else state.pilot_start,
            production_date=day if nxt is Stage.PRODUCTION else state.production_date,
        )
    if draw < advance + stop:
        return replace(state, stage=Stage.STOPPED, came_from=state.stage,
                       entered=_day_in(index, rng))
    if draw < advance + stop + hold:
        return replace(state, hold_left=int(rng.integers(2, 7)))
    return state


def _simulate(profile: _Profile, rng: np.random.Generator) -> dict[int, _State]:
    """The initiative's state at the end of every exported month it appears in."""
    state = _first_state(profile, rng)
    states: dict[int, _State] = {}
    for index in range(profile.arrival, MONTH_COUNT):
        if index > profile.arrival:
            state = _advance(profile, state, index, rng)
        state = _accrue(profile, state, index, rng)
        if index >= 0:
            states[index] = state
    return states


# --- the truth of one row ----------------------------------------------------------------------


def _integration(profile: _Profile, stage: Stage) -> Integration | None:
    if stage is Stage.IDEA:
        return None
    if stage is Stage.PRODUCTION:
        return Integration.INTEGRATED
    if Cause.INTEGRATION in profile.causes:
        return Integration.NONE
    return Integration.PLANNED if stage is Stage.PILOT else Integration.IN_PROGRESS


def _readiness(profile: _Profile, stage: Stage, index: int) -> int | None:
    if stage is Stage.IDEA and not profile.shows_idea_details:
        return None
    # Going live forces the data problem to be fixed.
    score = max(profile.readiness, 4) if stage is Stage.PRODUCTION else profile.readiness
    if index < MIGRATION_INDEX:  # the old tracker only had red / amber / green
        return 1 if score <= 2 else 3 if score == 3 else 5
    return score


def _is_stalled(state: _State, as_of: date) -> bool:
    if state.stage not in STALLABLE:
        return False
    return state.hold_left > 0 or (as_of - state.entered).days > _VERDICT_AFTER_DAYS


def _notes(profile: _Profile, state: _State, index: int) -> str | None:
    if state.stage is Stage.STOPPED and _month_index(state.entered) == index:
        return "Stopped at portfolio review"
    went_live = state.production_date and _month_index(state.production_date) == index
    if state.stage is Stage.PRODUCTION and went_live:
        return "Go-live signed off by steering committee"
    if state.hold_left > 0:
        return "Paused pending funding decision" if profile.verdict is None else None
    return None


def _truth_row(profile: _Profile, state: _State, index: int) -> dict[str, object]:
    stage = state.came_from if state.stage is Stage.STOPPED else state.stage
    shown_stage = stage or Stage.IDEA
    as_of = month_end(month_at(index))
    idea_like = shown_stage is Stage.IDEA and not profile.shows_idea_details
    integration = _integration(profile, shown_stage)
    return {
        "initiative_id": profile.initiative_id,
        "name": profile.name,
        "stage": state.stage.value,
        "business_unit": profile.business_unit,
        "owner": profile.owner,
        "pilot_start": state.pilot_start if profile.shows_pilot_start else None,
        "production_date": state.production_date,
        "stage_entered": state.entered if profile.shows_stage_entered else None,
        "budget": _budget(profile, state),
        "spend_to_date": None if shown_stage is Stage.IDEA else state.spend,
        "expected_value": None if idea_like else profile.expected_value,
        "realized_value": state.realized if state.stage is Stage.PRODUCTION else None,
        "data_readiness": _readiness(profile, shown_stage, index),
        "integration_status": integration.value if integration else None,
        "solution_type": None if idea_like else profile.solution.value,
        "success_metric": profile.success_metric,
        "stall_cause": profile.verdict if _is_stalled(state, as_of) else None,
        "notes": _notes(profile, state, index),
        "on_hold": state.hold_left > 0,
        "sponsor": profile.sponsor,
        "region": profile.region,
    }


_TEXT_COLUMNS: tuple[str, ...] = (
    *(f.name for f in FIELDS
      if f.kind in (Kind.ID, Kind.TEXT, Kind.STAGE, Kind.INTEGRATION, Kind.SOLUTION)),
    *EXTRA_COLUMNS,
)


def _truth_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].astype("str")
    for column in DATE_FIELDS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    for column in MONEY_FIELDS:
        frame[column] = frame[column].astype("float64")
    for column in (f.name for f in FIELDS if f.kind is Kind.READINESS):
        frame[column] = frame[column].astype("Int16")
    frame["on_hold"] = frame["on_hold"].astype(bool)
    return frame.sort_values("initiative_id", ignore_index=True)


def generate_portfolio(seed: int = SEED) -> dict[date, pd.DataFrame]:
    """The canonical truth of every monthly export, keyed by the as-of month's first day.

    One row per initiative in that month's export, columns TRUTH_COLUMNS: canonical values as
    the import should read them (placeholders as missing, dates as datetimes, money as floats,
    readiness as 1-5, integration and solution type as their enum values).
    """
    rng = np.random.default_rng(seed)
    rows: dict[int, list[dict[str, object]]] = {i: [] for i in range(MONTH_COUNT)}
    for profile in _draw_profiles(rng):
        for index, state in _simulate(profile, rng).items():
            rows[index].append(_truth_row(profile, state, index))
    return {month_at(i): _truth_frame(rows[i]) for i in range(MONTH_COUNT)}


# --- rendering a month the way the tracker exports it ------------------------------------------


def _day_month_year(day: date) -> str:
    return f"{day.day} {_MONTH_ABBR[day.month - 1]} {day.year}"


def _month_day_year(day: date) -> str:
    return f"{_MONTH_ABBR[day.month - 1]} {day.day}, {day.year}"


def _iso(day: date) -> str:
    return day.isoformat()


@dataclass(frozen=True, slots=True)
class _Layout:
    """One tracker's export: sheet, headers in column order, and the words its dropdowns use."""

    sheet: str
    cover_sheet: str
    columns: tuple[tuple[str, str], ...]  # (header as exported, truth column)
    stage_words: dict[Stage, tuple[str, ...]]  # the usual word first, then rarer variants
    hold_words: tuple[str, ...]
    integration_words: dict[Integration, tuple[str, ...]]
    solution_words: dict[SolutionType, tuple[str, ...]]
    readiness_words: dict[int, str] | None  # None: the score is written as a number
    source_line: str | None
    sort_by: tuple[str, ...]
    date_format: str
    excel_date_share: float
    #: Text date styles, equally likely; never all-numeric (03/04/2025 is ambiguous).
    text_dates: tuple[Callable[[date], str], ...]
    plain_money_share: float


#: Months 1-12: the old use-case register (a hand-kept Smartsheet).
_OLD_TRACKER = _Layout(
    sheet="Portfolio",
    cover_sheet="README",
    columns=(
        ("Use Case ID", "initiative_id"), ("Use Case Name", "name"), ("Division", "business_unit"),
        ("Phase", "stage"), ("Business Owner", "owner"), ("Sponsor", "sponsor"),
        ("POC Start", "pilot_start"), ("Go-Live", "production_date"),
        ("In Stage Since", "stage_entered"), ("Approved Budget", "budget"),
        ("Actual Cost", "spend_to_date"), ("Business Case Value", "expected_value"),
        ("Value Delivered", "realized_value"), ("Data Readiness (RAG)", "data_readiness"),
        ("Core System Integration", "integration_status"), ("Build vs Buy", "solution_type"),
        ("KPI", "success_metric"), ("Blocker", "stall_cause"), ("Comments", "notes"),
    ),
    stage_words={
        Stage.IDEA: ("Ideation", "Backlog"),
        Stage.PILOT: ("POC", "Proof of Concept"),
        Stage.SCALING: ("Scale-up", "Rollout"),
        Stage.PRODUCTION: ("Live", "In Production"),
        Stage.STOPPED: ("Cancelled", "Rejected"),
    },
    hold_words=("On Hold",),
    integration_words={
        Integration.NONE: ("Not started",),
        Integration.PLANNED: ("Planned",),
        Integration.IN_PROGRESS: ("In progress",),
        Integration.INTEGRATED: ("Done",),
    },
    solution_words={
        SolutionType.GENERIC: ("COTS", "Off-the-shelf"),
        SolutionType.CONFIGURED: ("Hybrid",),
        SolutionType.CUSTOM: ("Build", "In-house"),
    },
    readiness_words={1: "Red", 3: "Amber", 5: "Green"},
    source_line=None,
    sort_by=("initiative_id",),
    date_format="d mmm yyyy",
    excel_date_share=0.75,
    text_dates=(_day_month_year,),
    plain_money_share=0.7,
)

#: Months 13-24: the new portfolio tool (ServiceNow SPM) after the migration.
_NEW_TRACKER = _Layout(
    sheet="Initiatives",
    cover_sheet="Cover",
    columns=(
        ("Initiative ID", "initiative_id"), ("Initiative Name", "name"),
        ("Business Unit", "business_unit"), ("Region", "region"), ("Stage", "stage"),
        ("Owner", "owner"), ("Stage Entered", "stage_entered"),
        ("Pilot Start Date", "pilot_start"), ("Production Date", "production_date"),
        ("Budget (USD)", "budget"), ("Spend to Date", "spend_to_date"),
        ("Expected Value", "expected_value"), ("Realized Value", "realized_value"),
        ("Data Readiness", "data_readiness"), ("Integration Status", "integration_status"),
        ("Solution Type", "solution_type"), ("Success Metric", "success_metric"),
        ("Stall Cause", "stall_cause"), ("Notes", "notes"),
    ),
    stage_words={
        Stage.IDEA: ("Idea", "Intake"),
        Stage.PILOT: ("Pilot", "MVP"),
        Stage.SCALING: ("Scaling", "Pre-production"),
        Stage.PRODUCTION: ("Production", "Deployed"),
        Stage.STOPPED: ("Stopped", "Cancelled"),
    },
    hold_words=("Paused", "On hold"),
    integration_words={
        Integration.NONE: ("None", "None", "Standalone"),
        Integration.PLANNED: ("Planned",),
        Integration.IN_PROGRESS: ("In progress", "WIP"),
        Integration.INTEGRATED: ("Integrated",),
    },
    solution_words={
        SolutionType.GENERIC: ("SaaS", "Off-the-shelf", "COTS"),
        SolutionType.CONFIGURED: ("Configured vendor platform", "Hybrid"),
        SolutionType.CUSTOM: ("Custom", "Bespoke"),
    },
    readiness_words=None,
    source_line="Source: ServiceNow SPM, all business units, amounts in USD",
    sort_by=("business_unit", "initiative_id"),
    date_format="yyyy-mm-dd",
    excel_date_share=0.55,
    text_dates=(_iso, _iso, _month_day_year),
    plain_money_share=0.35,
)

#: Months that start with a cover sheet before the data sheet.
_COVER_MONTHS = frozenset({2, 5, 8, 13, 14, 17, 20, 23})


def layout_for(month: date) -> _Layout:
    return _OLD_TRACKER if _month_index(month) < MIGRATION_INDEX else _NEW_TRACKER


def _stable(options: Sequence[object], *key: object) -> object:
    """The same choice for the same key on every run, so a tracker's quirks persist."""
    return options[zlib.crc32("|".join(map(str, key)).encode()) % len(options)]


def _present(value: object) -> bool:
    return not pd.isna(value)


def _stage_cell(row: pd.Series, layout: _Layout) -> str:
    if row["on_hold"]:
        return str(_stable(layout.hold_words, row["initiative_id"], layout.sheet))
    words = layout.stage_words[Stage(row["stage"])]
    # One initiative in eight has someone who types the rarer word for every stage.
    rare = _stable((True, *[False] * 7), row["initiative_id"], "stage")
    return words[-1] if rare else words[0]


def _date_cell(value: object, layout: _Layout, rng: np.random.Generator) -> object:
    """An Excel date, or (someone typed over it) text in one of the tracker's date styles."""
    day = pd.Timestamp(value).date()
    roll = rng.random()
    if roll < layout.excel_date_share:
        return day
    share = layout.excel_date_share
    styles = layout.text_dates
    return styles[int((roll - share) / (1 - share) * len(styles))](day)


def _short_money(value: float) -> str:
    if value >= 1_000_000 and value % 10_000 == 0:
        return f"${value / 1_000_000:g}M"
    if value < 1_000_000 and value % 1_000 == 0:
        return f"${value / 1_000:g}k"
    return f"${value:,.0f}"


def _money_cell(value: float, layout: _Layout, rng: np.random.Generator) -> object:
    amount = float(value)
    roll = rng.random()
    if amount == 0 or roll < layout.plain_money_share:
        return int(amount) if amount.is_integer() else amount
    return f"${amount:,.0f}" if roll < (1 + layout.plain_money_share) / 2 else _short_money(amount)


#: What a tracker writes where a field has no value, by field (default: an empty cell).
_PLACEHOLDER_CELLS: dict[str, tuple[str | None, ...]] = {
    "owner": ("TBD", "Unassigned", None, "TBC", "Vacant"),
    "success_metric": ("TBD", None, "tbc", "To be defined", "TBD"),
    "budget": (None, None, "TBD"),
}


def _cell(column: str, row: pd.Series, layout: _Layout, rng: np.random.Generator) -> object:
    """The cell the tracker writes for one truth value."""
    value = row[column]
    key = row["initiative_id"]
    kind = FIELD_BY_NAME[column].kind if column in FIELD_BY_NAME else Kind.TEXT
    if kind is Kind.STAGE:
        return _stage_cell(row, layout)
    if not _present(value):
        return _stable(_PLACEHOLDER_CELLS.get(column, (None,)), key, column)
    if kind is Kind.DATE:
        return _date_cell(value, layout, rng)
    if kind is Kind.MONEY:
        return _money_cell(float(value), layout, rng)
    if kind is Kind.READINESS:
        return layout.readiness_words[int(value)] if layout.readiness_words else int(value)
    if kind is Kind.INTEGRATION:
        return _stable(layout.integration_words[Integration(value)], key, layout.sheet)
    if kind is Kind.SOLUTION:
        return _stable(layout.solution_words[SolutionType(value)], key, layout.sheet)
    return value


def _cover_lines(month: date, layout: _Layout) -> tuple[str, ...]:
    return (
        f"AI Portfolio export, {_MONTH_ABBR[month.month - 1]} {month.year}",
        "",
        "One row per AI initiative in the portfolio, including stopped and live ones.",
        f"The data is on the '{layout.sheet}' sheet. Money in US dollars; value figures are "
        "per year.",
        "Questions: AI Office (ai-office@example.com)",
    )


def _data_rows(
    truth: pd.DataFrame, layout: _Layout, rng: np.random.Generator
) -> list[list[object]]:
    ordered = truth.sort_values(list(layout.sort_by), ignore_index=True)
    rows = [
        [_cell(column, row, layout, rng) for _, column in layout.columns]
        for _, row in ordered.iterrows()
    ]
    # Hand-edited exports pick up blank rows where someone deleted a line.
    if rng.random() < 0.4:
        gaps = rng.choice(len(rows), size=int(rng.integers(1, 3)), replace=False)
        for position in sorted(gaps, reverse=True):
            rows.insert(int(position), [None] * len(layout.columns))
    return rows


def _write_data_sheet(sheet: Worksheet, month: date, truth: pd.DataFrame, layout: _Layout,
                      rng: np.random.Generator) -> None:
    sheet.append([f"AI Portfolio — export {month:%Y-%m}"])
    sheet["A1"].font = Font(bold=True, size=14)
    if layout.source_line:
        sheet.append([layout.source_line])
    sheet.append([])
    sheet.append([header for header, _ in layout.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for values in _data_rows(truth, layout, rng):
        sheet.append(values)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = layout.date_format
    for number, (header, _) in enumerate(layout.columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(12, len(header) + 2)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _pinned(data: bytes) -> bytes:
    """The workbook re-zipped with fixed entry times and modified stamp: same bytes every run."""
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def render_month(month: date, truth: pd.DataFrame, seed: int = SEED) -> bytes:
    """One month's export as .xlsx bytes, written the way that month's tracker writes it."""
    index = _month_index(month)
    layout = layout_for(month)
    rng = np.random.default_rng([seed, index])
    workbook = Workbook()
    workbook.properties.creator = "AI Office"
    workbook.properties.title = f"AI Portfolio export {month:%Y-%m}"
    workbook.properties.created = _FIXED_TIME
    data_sheet = workbook.active
    data_sheet.title = layout.sheet
    if index in _COVER_MONTHS:
        cover = workbook.create_sheet(layout.cover_sheet, 0)
        for line in _cover_lines(month, layout):
            cover.append([line or None])
        cover.column_dimensions["A"].width = 90
        workbook.active = 0
    _write_data_sheet(data_sheet, month, truth, layout, rng)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _pinned(buffer.getvalue())


def write_sample(out_dir: Path, seed: int = SEED) -> list[Path]:
    """Write the 24 monthly workbooks into `out_dir`; returns their paths in month order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for month, truth in generate_portfolio(seed).items():
        path = out_dir / sample_file_name(month)
        path.write_bytes(render_month(month, truth, seed))
        written.append(path)
    return written


# --- loading the shipped sample ----------------------------------------------------------------


def sample_paths(directory: Path | None = None) -> list[Path]:
    """The sample workbooks in `directory` (default: the shipped data/sample), in month order."""
    folder = Path(directory) if directory is not None else SAMPLE_DIR
    paths = sorted(folder.glob("portfolio-????-??.xlsx"))
    if not paths:
        raise PortfolioError(
            f"There are no sample workbooks (portfolio-YYYY-MM.xlsx) in {folder}. "
            f"Write them with `python -m analytics sample --out {folder}` (or `make sample`)."
        )
    return paths


def _month_of(path: Path) -> date:
    month = as_of_from_name(path.name)
    if month is None:
        raise PortfolioError(f"{path.name} does not name its month (portfolio-YYYY-MM.xlsx)")
    return month


def _still_to_load(db: str | Path | None, paths: Sequence[Path]) -> list[Path]:
    """The sample workbooks the database does not hold yet.

    Refuses before anything is imported when one of the months holds a different workbook.
    """
    with store.connect(db, read_only=True) as con:
        stored = {path: store.snapshot_sha(con, _month_of(path)) for path in paths}
    digests = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
    clashes = [p.name for p in paths if stored[p] is not None and stored[p] != digests[p]]
    if clashes:
        raise SnapshotExists(
            f"The database {store.db_path(db)} already holds other data for "
            f"{len(clashes)} of the sample's months ({clashes[0]} first); loading the sample "
            f"would overwrite it. Load the sample into an empty database (set $PORTFOLIO_DB "
            f"or pass --db) or delete those months first."
        )
    return [p for p in paths if stored[p] is None]


def load_sample_results(
    db: str | Path | None = None, directory: Path | None = None
) -> list[ImportResult]:
    """Import the sample workbooks the database lacks, oldest month first, as sample data.

    Months that already hold the same workbook are skipped, so loading twice changes nothing.
    """
    from analytics.ingest import import_file

    return [
        import_file(path, db=db, is_sample=True)
        for path in _still_to_load(db, sample_paths(directory))
    ]


def load_sample(db: str | Path | None = None, directory: Path | None = None) -> int:
    """Import the shipped sample into the database; returns how many sample months it holds."""
    load_sample_results(db, directory)
    return len(sample_paths(directory))
