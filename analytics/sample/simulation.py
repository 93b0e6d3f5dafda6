"""The sample's story: the portfolio simulated month by month (seeded, so always the same) and
the canonical truth of every month's export. Most pilots never reach production, and the ones
that stall carry the five failure causes of METRICS.md section 5 far more often."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.domain import (
    DATE_FIELDS,
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
from analytics.ingest.months import month_end

if TYPE_CHECKING:
    pass

SEED = 30
FIRST_MONTH = date(2024, 12, 1)
MONTH_COUNT = 24
#: The first month exported from the new tracker (month index): headers and vocabulary change.
MIGRATION_INDEX = 12
#: Extra columns the trackers export that are no canonical field (kept raw by the import).
EXTRA_COLUMNS: tuple[str, ...] = ("sponsor", "region")
#: Columns of each month's truth frame. `stage` is the stage the initiative is really in, also
#: on on-hold rows (whose stage cell says "On hold"; the store keeps NULL there).
TRUTH_COLUMNS: tuple[str, ...] = (*FIELD_NAMES, "on_hold", *EXTRA_COLUMNS)

#: Same bytes on every run: workbook properties and zip entry times are pinned to this.
FIXED_TIME = datetime(2026, 11, 25, 9, 0, 0)
#: The analyst writes a stall verdict once an initiative is this many days in its stage.
_VERDICT_AFTER_DAYS = 180
_LEGACY_COUNT = 58
_ARRIVALS_PER_MONTH = 5.0
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
        months_live = (index - month_index(state.production_date))
        realized = profile.expected_value * profile.capture * min(1.0, months_live / 6)
    return replace(state, spend=_round_to(spend, 1_000), realized=_round_to(realized, 1_000))


def month_index(day: date) -> int:
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
    if state.stage is Stage.STOPPED and month_index(state.entered) == index:
        return "Stopped at portfolio review"
    went_live = state.production_date and month_index(state.production_date) == index
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
