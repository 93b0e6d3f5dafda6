"""`python -m analytics report --as-of YYYY-MM [--db PATH] [--stall-days N] [--json]`."""
from __future__ import annotations

import argparse
import json
import sys

from analytics import formatting, store
from analytics.cli import options
from analytics.domain import ALL_STAGES, CAUSE_LABELS
from analytics.metrics.load import require_database
from analytics.metrics.report_json import report_json
from analytics.metrics.stored import report_from_store

HELP = "Report the portfolio metrics for one as-of month (readable, or --json)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_as_of(parser, "the snapshot month to report on")
    options.add_db(parser)
    options.add_filters(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")


def run(args: argparse.Namespace) -> int:
    scope = options.scope(args)
    path = store.db_path(args.db)
    require_database(path, scope.as_of)
    with store.connect(path, read_only=True) as con:
        report = report_from_store(con, scope)
    document = report_json(report)
    if args.json:
        json.dump(document, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(summary(document))
    return 0


def _pct(value: object) -> str:
    return "n/a" if value is None else formatting.percent(float(value))  # type: ignore[arg-type]


def _per_year(value: object, currency: str) -> str:
    return formatting.NOT_IN_EXPORT if value is None else f"{_money(value, currency)}/yr"


def _money(value: object, currency: str) -> str:
    if value is None:
        return formatting.NOT_IN_EXPORT
    return formatting.money_exact(float(value), currency)  # type: ignore[arg-type]


def summary(doc: dict) -> str:
    """The readable form of the JSON document."""
    funnel, conv, ttp = doc["funnel"], doc["conversion"], doc["time_to_production"]
    stages = ", ".join(f"{stage} {doc['stage_counts'][str(stage)]}" for stage in ALL_STAGES)
    median = ttp["median_days_observed"]
    lines = [
        f"Portfolio as of {doc['as_of_date']} ({doc['population']} initiatives, {doc['on_hold']} on hold)",
        f"  Stages: {stages}",
        f"  Reached: pilot {funnel['reached_pilot']}, scaling {funnel['reached_scaling']}, "
        f"production {funnel['reached_production']}",
        f"  Conversion: pilot->scaling {_pct(conv['pilot_to_scaling'])}, scaling->production "
        f"{_pct(conv['scaling_to_production'])}, pilot->production {_pct(conv['pilot_to_production'])}",
        f"  Time to production: {_pct(ttp['p_production_12m'])} of pilots reach production within "
        f"12 months ({ttp['included']} pilots followed, those still running counted for as long as "
        f"they ran; {ttp['left_out']} left out); median "
        f"{'n/a' if median is None else formatting.days_as_months(median)} among those that did",
        f"  Stalled (>{doc['stall_days']} days or on hold): {doc['stalled']['count']}, budget "
        f"{_money(doc['stalled']['budget'], doc['currency'])}",
    ]
    for key, figures in doc["causes"].items():
        flagged = f"flagged {figures['flagged']}, " if "flagged" in figures else ""
        lines.append(f"    {CAUSE_LABELS[key]}: {flagged}weighted {figures['weighted']:.2f}, "
                     f"budget {_money(figures['budget_weighted'], doc['currency'])}")
    out = doc["outcomes"]
    lines += [
        f"  Value in production: expected {_per_year(out['expected_in_production'], doc['currency'])}, "
        f"realized {_per_year(out['realized_in_production'], doc['currency'])} "
        f"({_pct(out['value_capture'])} captured)",
        f"  Spend on stopped initiatives: {_money(out['spend_on_stopped'], doc['currency'])}",
        f"  Early warning: {len(doc['early_warning'])} initiative(s) heading for a stall",
    ]
    changes = doc["changes"]
    if changes["previous_as_of"] is not None:
        counts = ", ".join(f"{name.replace('_', ' ')} {len(changes[name])}"
                           for name in ("moved_up", "newly_stalled", "stopped", "new", "vanished"))
        lines.append(f"  Since {changes['previous_as_of']}: {counts}")
    lines += [f"  warning: {w['message']}" for w in doc["warnings"]]
    return "\n".join(lines) + "\n"
