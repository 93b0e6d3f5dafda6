"""A blank export template: the canonical headers, and a sheet explaining each with an example.

The data sheet stays empty so an unedited template can never import a made-up initiative."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analytics.domain import FIELDS, STAGE_SYNONYMS, Kind

_KIND_HELP: dict[Kind, str] = {
    Kind.ID: "text, unique in the file",
    Kind.TEXT: "text",
    Kind.STAGE: "stage: " + "; ".join(f"{s.value} ({', '.join(v)})" for s, v in STAGE_SYNONYMS.items())
    + "; or 'on hold' / 'paused' / 'blocked' to keep last month's stage",
    Kind.DATE: "date: an Excel date, 2025-03-15, 15 Mar 2025 or March 2025",
    Kind.MONEY: "money: a number, $1,200,000, 1.2M or 250k (one currency per workbook)",
    Kind.READINESS: "score 1-5, or Red / Amber / Green, Low / Medium / High",
    Kind.INTEGRATION: "none / planned / in progress / integrated",
    Kind.SOLUTION: "custom / configured / generic (SaaS, off-the-shelf)",
}

_EXAMPLE: dict[str, object] = {
    "initiative_id": "AI-001", "name": "Invoice matching copilot", "stage": "Pilot",
    "business_unit": "Finance", "owner": "Priya Shah", "pilot_start": "2025-03-01",
    "production_date": None, "stage_entered": "2025-03-01", "budget": 250000,
    "spend_to_date": 90000, "expected_value": 600000, "realized_value": None,
    "data_readiness": "Amber", "integration_status": "planned", "solution_type": "configured",
    "success_metric": "Invoice touch time -40%", "stall_cause": None, "notes": None,
}


def template_workbook() -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Portfolio"
    headers = [f.synonyms[0] if f.synonyms else f.label for f in FIELDS]
    sheet.append(headers)
    for index, _ in enumerate(headers, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = 20
    guide = wb.create_sheet("How to fill")
    guide.append(["Column", "Required", "What it holds", "Example", "Other accepted headers"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for field in FIELDS:
        guide.append([
            field.synonyms[0] if field.synonyms else field.label,
            "yes" if field.required else "no",
            _KIND_HELP[field.kind],
            _EXAMPLE.get(field.name),
            ", ".join(field.synonyms[1:]),
        ])
    for letter, width in zip("ABCDE", (24, 10, 70, 28, 60), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
