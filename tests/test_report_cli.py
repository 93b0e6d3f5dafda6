"""`python -m analytics report`: the JSON contract, the readable summary and its errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics.cli import main
from analytics.domain import CAUSES, UNATTRIBUTED, Integration
from tests.support.environment import ROOT
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, row, write_months


@pytest.fixture
def portfolio(db_file: Path) -> Path:
    write_months(db_file, {
        "2025-01": [row("A", P, pilot_start="2024-01-15"), row("B", I), row("C", S, stage_entered="2024-10-01")],
        "2025-02": [
            row("A", PR, pilot_start="2024-01-15", production_date="2025-02-01",
                expected_value=1_000_000.0, realized_value=250_000.0),
            row("B", P, owner="Ann and Bob", pilot_start="2025-02-03", budget=80_000.0),
            row("C", ON_HOLD, stage_entered="2024-10-01", budget=200_000.0, owner="Dana",
                data_readiness=4, integration_status=Integration.NONE, success_metric="NPS"),
            row("D", ST, spend_to_date=40_000.0, pilot_start="2024-06-01", stage_entered="2025-01-20"),
        ],
    })
    return db_file


def run_json(capsys, *args: str) -> dict:
    assert main(["report", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_holds_the_contract_fields_with_hand_computed_values(portfolio, capsys):
    doc = run_json(capsys, "--as-of", "2025-02", "--db", str(portfolio))
    assert doc["as_of"] == "2025-02"
    assert (doc["population"], doc["on_hold"]) == (4, 1)
    assert doc["stage_counts"] == {"idea": 0, "pilot": 1, "scaling": 1, "production": 1, "stopped": 1}
    assert doc["funnel"] == {"reached_pilot": 4, "reached_scaling": 2, "reached_production": 1}
    assert doc["conversion"] == {"pilot_to_scaling": 0.5, "scaling_to_production": 0.5, "pilot_to_production": 0.25}
    ttp = doc["time_to_production"]
    # A: 2024-01-15 -> 2025-02-01 = 383 days. C: origin unknown (seen at scaling first).
    assert ttp["median_days_observed"] == 383.0
    assert (ttp["included"], ttp["left_out"]) == (3, 1)
    assert ttp["p_production_12m"] == 0.0       # D stopped at 233 days; A converted after a year
    assert doc["stalled"] == {"count": 1, "budget": 200_000.0}
    assert set(doc["causes"]) == {*(str(c) for c in CAUSES), UNATTRIBUTED}
    assert doc["causes"]["integration"] == {"flagged": 1, "weighted": 1.0, "budget_weighted": 200_000.0}
    assert doc["causes"]["ownership"] == {"flagged": 0, "weighted": 0.0, "budget_weighted": 0.0}
    assert doc["causes"][UNATTRIBUTED] == {"weighted": 0.0, "budget_weighted": 0.0}
    assert doc["outcomes"] == {
        "expected_in_production": 1_000_000.0, "realized_in_production": 250_000.0,
        "value_capture": 0.25, "stalled_budget": 200_000.0, "spend_on_stopped": 40_000.0,
    }
    assert doc["early_warning"] == ["B"]
    assert doc["changes"]["moved_up"] == ["A", "B"] and doc["changes"]["new"] == ["D"]


def test_stall_days_setting_changes_the_stalled_count(portfolio, capsys):
    doc = run_json(capsys, "--as-of", "2025-02", "--db", str(portfolio), "--stall-days", "10")
    assert doc["stall_days"] == 10
    assert doc["stalled"]["count"] == 2           # B: 25 days in pilot now counts
    assert doc["causes"]["ownership"]["flagged"] == 1


def test_undefined_ratios_are_null(db_file, capsys):
    write_months(db_file, {"2025-01": [row("A", I)]})
    doc = run_json(capsys, "--as-of", "2025-01")          # $PORTFOLIO_DB points at db_file
    assert doc["conversion"] == {"pilot_to_scaling": None, "scaling_to_production": None, "pilot_to_production": None}
    assert doc["time_to_production"]["p_production_12m"] is None
    assert doc["outcomes"]["value_capture"] is None


def test_readable_summary(portfolio, capsys):
    assert main(["report", "--as-of", "2025-02", "--db", str(portfolio)]) == 0
    text = capsys.readouterr().out
    assert "Portfolio as of 2025-02-28 (4 initiatives, 1 on hold)" in text
    assert "pilot->production 25%" in text
    assert "Stalled (>180 days or on hold): 1, budget $200,000" in text
    assert "1 left out" in text


def test_a_missing_month_is_an_error_naming_the_months_that_exist(portfolio, capsys):
    assert main(["report", "--as-of", "2024-12", "--db", str(portfolio), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no snapshot for 2024-12" in captured.err
    assert "2025-01 to 2025-02" in captured.err


def test_a_missing_database_is_an_error_and_is_not_created(tmp_path, capsys):
    target = tmp_path / "nowhere.duckdb"
    assert main(["report", "--as-of", "2025-01", "--db", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not target.exists()


def test_a_badly_written_month_is_a_usage_error(portfolio, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["report", "--as-of", "Feb 2025", "--db", str(portfolio)])
    assert stop.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_the_command_opens_the_database_read_only(portfolio):
    # A read-only holder in this process lets other readers in but locks out any writer.
    holder = duckdb.connect(str(portfolio), read_only=True)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "report", "--as-of", "2025-02", "--db", str(portfolio), "--json"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
        )
    finally:
        holder.close()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["population"] == 4
