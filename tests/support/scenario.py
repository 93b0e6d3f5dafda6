"""Scenario builders for the metrics tests: canonical monthly rows written through the store."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from analytics import store
from analytics.domain import DATE_FIELDS, MONEY_FIELDS, Stage
from analytics.store import ROW_COLUMNS, SnapshotMeta

#: Marker for a stage cell that said "on hold" (stored as stage NULL, on_hold true).
ON_HOLD = "on hold"
#: Short stage names, so a scenario's monthly rows read as a table.
P, I, S, PR, ST = Stage.PILOT, Stage.IDEA, Stage.SCALING, Stage.PRODUCTION, Stage.STOPPED  # noqa: E741


def month(text: str) -> date:
    year, number = text.split("-")
    return date(int(year), int(number), 1)


def canonical_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Canonical rows as the importer stores them (ROW_COLUMNS without as_of)."""
    records = []
    for number, row in enumerate(rows, start=2):
        record = {"source_row": number, "name": f"Initiative {row['initiative_id']}", **row}
        stage = record.get("stage")
        record["on_hold"] = stage == ON_HOLD
        record["stage_raw"] = str(stage) if stage is not None else None
        record["stage"] = None if stage == ON_HOLD else (str(stage) if stage is not None else None)
        record["raw_json"] = json.dumps({k: str(v) for k, v in row.items() if v is not None})
        records.append(record)
    columns = [c for c in ROW_COLUMNS if c != "as_of"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for field in DATE_FIELDS:
        frame[field] = pd.to_datetime(frame[field])
    for field in MONEY_FIELDS:
        frame[field] = frame[field].astype("float64")
    frame["data_readiness"] = frame["data_readiness"].astype("Int16")
    frame["source_row"] = frame["source_row"].astype("Int32")
    frame["on_hold"] = frame["on_hold"].astype(bool)
    return frame


def write_months(db: Path, months: Mapping[str, Iterable[Mapping[str, object]]]) -> None:
    """Store each snapshot month ("YYYY-MM" -> rows) through store.write_snapshot."""
    with store.connect(db) as con:
        for as_of, rows in months.items():
            meta = SnapshotMeta(as_of=month(as_of), file_name=f"portfolio-{as_of}.xlsx",
                                sha256=f"sha-{as_of}", sheet="Portfolio", header_row=1, imported_by="test")
            store.write_snapshot(con, meta, canonical_frame(rows), [], b"workbook " + as_of.encode())


def read_back(db: Path, up_to: str | None = None) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:
        return store.read_rows(con, None if up_to is None else month(up_to))


def row(initiative_id: str, stage: Stage | str, **fields: object) -> dict[str, object]:
    """One initiative's row; dates may be ISO text."""
    values: dict[str, object] = {"initiative_id": initiative_id, "stage": stage}
    for key, value in fields.items():
        values[key] = date.fromisoformat(value) if key in DATE_FIELDS and isinstance(value, str) else value
    return values
