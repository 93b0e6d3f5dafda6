"""The vocabulary of the portfolio: stages, causes, canonical fields and their synonyms.

Every stage, cause and field name is spelled here and only here (METRICS.md sections 1, 2, 5);
everything else imports these constants.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    IDEA = "idea"
    PILOT = "pilot"
    SCALING = "scaling"
    PRODUCTION = "production"
    STOPPED = "stopped"


#: The ladder, lowest first. `stopped` is terminal and outside it.
LADDER: tuple[Stage, ...] = (Stage.IDEA, Stage.PILOT, Stage.SCALING, Stage.PRODUCTION)
LADDER_RANK: dict[Stage, int] = {stage: rank for rank, stage in enumerate(LADDER)}
ALL_STAGES: tuple[Stage, ...] = (*LADDER, Stage.STOPPED)
#: Stages in which an initiative can stall (METRICS.md section 5).
STALLABLE: tuple[Stage, ...] = (Stage.PILOT, Stage.SCALING)

STAGE_SYNONYMS: dict[Stage, tuple[str, ...]] = {
    Stage.IDEA: ("idea", "ideation", "backlog", "intake", "discovery", "proposed"),
    Stage.PILOT: ("pilot", "poc", "proof of concept", "prototype", "experiment", "mvp"),
    Stage.SCALING: ("scaling", "scale-up", "rollout", "hardening", "integration", "pre-production"),
    Stage.PRODUCTION: ("production", "in production", "live", "deployed", "launched", "bau", "scaled"),
    Stage.STOPPED: ("stopped", "cancelled", "canceled", "killed", "abandoned", "retired", "rejected"),
}
#: Stage-column values that are a status, not a stage: the stage carries over (section 2).
ON_HOLD_VALUES: tuple[str, ...] = ("on hold", "paused", "blocked")


class Cause(StrEnum):
    OWNERSHIP = "ownership"
    DATA_READINESS = "data_readiness"
    GENERIC_TOOLS = "generic_tools"
    INTEGRATION = "integration"
    SUCCESS_METRICS = "success_metrics"


CAUSES: tuple[Cause, ...] = tuple(Cause)
#: The bucket for stalled initiatives with no cause (weights only, never flagged).
UNATTRIBUTED = "unattributed"

CAUSE_LABELS: dict[str, str] = {
    Cause.OWNERSHIP: "Unclear ownership",
    Cause.DATA_READINESS: "Poor data readiness",
    Cause.GENERIC_TOOLS: "Generic tools",
    Cause.INTEGRATION: "No integration",
    Cause.SUCCESS_METRICS: "Unclear success metrics",
    UNATTRIBUTED: "Unattributed",
}
#: The field each cause's rule reads (METRICS.md section 5).
CAUSE_FIELDS: dict[str, str] = {
    Cause.OWNERSHIP: "owner",
    Cause.DATA_READINESS: "data_readiness",
    Cause.GENERIC_TOOLS: "solution_type",
    Cause.INTEGRATION: "integration_status",
    Cause.SUCCESS_METRICS: "success_metric",
}
#: Causes whose rule flags a blank field (a missing owner or metric is unclear), so a field
#: nobody fills in flags every stalled initiative; the other rules then flag none.
BLANK_FLAGS: frozenset[str] = frozenset({Cause.OWNERSHIP, Cause.SUCCESS_METRICS})
#: What the board can fund or order to clear each cause (METRICS.md section 10).
CAUSE_REMEDIES: dict[str, str] = {
    Cause.OWNERSHIP: "Assign one accountable owner",
    Cause.DATA_READINESS: "Fund the data work before scaling",
    Cause.GENERIC_TOOLS: "Fit or replace the tool for the workflow",
    Cause.INTEGRATION: "Plan the integration with the core system",
    Cause.SUCCESS_METRICS: "Agree one measurable business outcome",
}
#: Each cause's rule turned round into a readiness check (METRICS.md section 9).
CAUSE_CHECKS: dict[str, str] = {
    Cause.OWNERSHIP: "A named owner",
    Cause.DATA_READINESS: "Data ready",
    Cause.GENERIC_TOOLS: "A fitted solution",
    Cause.INTEGRATION: "Integration under way",
    Cause.SUCCESS_METRICS: "A success metric",
}
STAGE_LABELS: dict[str, str] = {s: s.value.capitalize() for s in ALL_STAGES}

#: Word stems an analyst's `stall_cause` cell is read for (section 5), matched case-insensitively.
CAUSE_KEYWORDS: dict[Cause, tuple[str, ...]] = {
    Cause.OWNERSHIP: ("owner", "ownership", "accountab"),
    Cause.DATA_READINESS: ("data",),
    Cause.GENERIC_TOOLS: ("generic", "off-the-shelf", "vendor tool", "tooling"),
    Cause.INTEGRATION: ("integrat",),
    Cause.SUCCESS_METRICS: ("metric", "kpi", "success", "measur"),
}


class Integration(StrEnum):
    NONE = "none"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    INTEGRATED = "integrated"


INTEGRATION_SYNONYMS: dict[Integration, tuple[str, ...]] = {
    Integration.NONE: ("none", "no", "not started", "not planned", "standalone", "stand-alone"),
    Integration.PLANNED: ("planned", "scheduled", "designed"),
    Integration.IN_PROGRESS: ("in progress", "in-progress", "ongoing", "underway", "wip", "partial", "building"),
    Integration.INTEGRATED: ("integrated", "yes", "done", "complete", "completed", "live", "connected"),
}


class SolutionType(StrEnum):
    CUSTOM = "custom"
    CONFIGURED = "configured"
    GENERIC = "generic"


SOLUTION_SYNONYMS: dict[SolutionType, tuple[str, ...]] = {
    SolutionType.GENERIC: (
        "generic", "off-the-shelf", "off the shelf", "ots", "cots", "out-of-the-box",
        "out of the box", "packaged", "saas",
    ),
    SolutionType.CONFIGURED: (
        "configured", "configured vendor platform", "customised", "customized",
        "customised vendor platform", "customized vendor platform", "hybrid", "vendor platform",
    ),
    SolutionType.CUSTOM: ("custom", "purpose-built", "purpose built", "bespoke", "in-house", "in house", "build"),
}

READINESS_WORDS: dict[int, tuple[str, ...]] = {
    1: ("red", "low", "poor", "not ready"),
    3: ("amber", "yellow", "medium", "partial"),
    5: ("green", "high", "good", "ready"),
}

#: Cell text meaning "no value" (section 1), compared trimmed and lower-cased.
PLACEHOLDERS: frozenset[str] = frozenset({
    "", "tbd", "tba", "tbc", "n/a", "na", "none", "-", "?", "unassigned", "vacant",
    "unknown", "to be defined",
})


class Kind(StrEnum):
    """How a canonical field's cells are normalised."""

    ID = "id"
    TEXT = "text"
    STAGE = "stage"
    DATE = "date"
    MONEY = "money"
    READINESS = "readiness"
    INTEGRATION = "integration"
    SOLUTION = "solution"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    required: bool
    synonyms: tuple[str, ...]
    label: str


FIELDS: tuple[Field, ...] = (
    Field("initiative_id", Kind.ID, True,
          ("ID", "Initiative ID", "Use Case ID", "Project ID", "Key"), "Initiative ID"),
    Field("name", Kind.TEXT, True,
          ("Name", "Initiative", "Initiative Name", "Use Case", "Use Case Name", "Project",
           "Project Name", "Title", "Summary"), "Name"),
    Field("stage", Kind.STAGE, True, ("Stage", "Phase", "Status", "Lifecycle Stage"), "Stage"),
    Field("business_unit", Kind.TEXT, False,
          ("Business Unit", "BU", "Division", "Department", "Function"), "Business unit"),
    Field("owner", Kind.TEXT, False,
          ("Owner", "Accountable Owner", "Business Owner", "Lead"), "Owner"),
    Field("pilot_start", Kind.DATE, False,
          ("Pilot Start", "POC Start", "Pilot Start Date"), "Pilot start"),
    Field("production_date", Kind.DATE, False,
          ("Go-Live", "Go-Live Date", "Production Date", "Launch Date"), "Production date"),
    Field("stage_entered", Kind.DATE, False,
          ("Stage Entered", "In Stage Since", "Stage Start"), "Stage entered"),
    Field("budget", Kind.MONEY, False, ("Budget", "Approved Budget", "Budget (USD)"), "Budget"),
    Field("spend_to_date", Kind.MONEY, False,
          ("Spend", "Spend to Date", "Actual Cost"), "Spend to date"),
    Field("expected_value", Kind.MONEY, False,
          ("Expected Value", "Target Benefit", "Business Case Value"), "Expected value / yr"),
    Field("realized_value", Kind.MONEY, False,
          ("Realized Value", "Actual Benefit", "Value Delivered"), "Realized value / yr"),
    Field("data_readiness", Kind.READINESS, False,
          ("Data Readiness", "Data Quality", "Data Readiness (RAG)"), "Data readiness"),
    Field("integration_status", Kind.INTEGRATION, False,
          ("Integration", "Integration Status", "Core System Integration"), "Integration"),
    Field("solution_type", Kind.SOLUTION, False,
          ("Solution Type", "Build vs Buy", "Approach", "Vendor / Build"), "Solution type"),
    Field("success_metric", Kind.TEXT, False,
          ("Success Metric", "KPI", "Success KPI", "Target Outcome"), "Success metric"),
    Field("stall_cause", Kind.TEXT, False,
          ("Stall Cause", "Blocker", "Stall Reason", "Root Cause"), "Stall cause"),
    Field("notes", Kind.TEXT, False, ("Notes", "Comments", "Commentary"), "Notes"),
)
FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
DATE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind is Kind.DATE)
MONEY_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind is Kind.MONEY)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(header: object) -> str:
    """A header as compared for matching: case- and punctuation-insensitive."""
    return _NON_ALNUM.sub("", str(header).casefold())


#: header_key(synonym) -> canonical field name.
HEADER_SYNONYMS: dict[str, str] = {
    header_key(syn): f.name for f in FIELDS for syn in (f.name, *f.synonyms)
}


def value_key(value: str) -> str:
    """A cell text as compared against value synonyms: trimmed, lower-cased, spaces folded."""
    return " ".join(value.casefold().split())


def is_placeholder(value: object) -> bool:
    """True when a cell means "no value" (METRICS.md section 1)."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return value_key(str(value)) in PLACEHOLDERS


STAGE_BY_VALUE: dict[str, Stage] = {
    value_key(v): stage for stage, values in STAGE_SYNONYMS.items() for v in values
}
INTEGRATION_BY_VALUE: dict[str, Integration] = {
    value_key(v): i for i, values in INTEGRATION_SYNONYMS.items() for v in values
}
SOLUTION_BY_VALUE: dict[str, SolutionType] = {
    value_key(v): s for s, values in SOLUTION_SYNONYMS.items() for v in values
}
READINESS_BY_WORD: dict[str, int] = {
    value_key(w): score for score, words in READINESS_WORDS.items() for w in words
}

#: Excel's error values (METRICS.md section 1): an error in a mapped column, never a blank.
EXCEL_ERRORS: frozenset[str] = frozenset({
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
    "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})

#: Money fields where a negative amount is an error (a budget or a spend cannot be negative);
#: a negative expected or realized value is kept with a warning (a business case can lose money).
NON_NEGATIVE_MONEY: frozenset[str] = frozenset({"budget", "spend_to_date"})

#: What happens to the figures a field feeds when a field present last month is missing now.
FIELD_FIGURES: dict[str, str] = {
    "business_unit": "the business-unit breakdowns and filter will show every initiative as "
                     "unknown",
    "owner": "the ownership stall cause will read every owner as unclear",
    "pilot_start": "time to production and the pilot cohorts will lose the pilots that "
                   "started this month",
    "production_date": "time to production will lose this month's launches",
    "stage_entered": "days in stage and the stall count will be unknown",
    "budget": "the stalled budget and the budget by cause will read as zero",
    "spend_to_date": "spend on stopped initiatives will read as zero",
    "expected_value": "expected value and value capture will read as zero",
    "realized_value": "realized value and value capture will read as zero",
    "data_readiness": "the data-readiness stall cause will be unknown",
    "integration_status": "the integration stall cause will be unknown",
    "solution_type": "the generic-tools stall cause will be unknown",
    "success_metric": "the success-metrics stall cause will read every metric as unclear",
    "stall_cause": "the stall causes analysts wrote will be gone",
    "notes": "the notes shown with each initiative will be gone",
}


def id_key(value: str) -> str:
    """An initiative ID as compared within a file and across months: case and spaces ignored."""
    return " ".join(value.replace("\u200b", " ").replace("\ufeff", " ").split()).casefold()
