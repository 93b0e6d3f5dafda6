"""Writing the sample's monthly workbooks, byte for byte the same on every run."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook

from analytics.sample.simulation import (
    FIXED_TIME,
    SEED,
    generate_portfolio,
    month_index,
    sample_file_name,
)
from analytics.sample.trackers import COVER_MONTHS, cover_lines, layout_for, write_data_sheet

if TYPE_CHECKING:
    pass


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _pinned(data: bytes) -> bytes:
    """The workbook re-zipped with fixed entry times and modified stamp: same bytes every run."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def render_month(month: date, truth: pd.DataFrame, seed: int = SEED) -> bytes:
    """One month's export as .xlsx bytes, written the way that month's tracker writes it."""
    index = month_index(month)
    layout = layout_for(month)
    rng = np.random.default_rng([seed, index])
    workbook = Workbook()
    workbook.properties.creator = "AI Office"
    workbook.properties.title = f"AI Portfolio export {month:%Y-%m}"
    workbook.properties.created = FIXED_TIME
    data_sheet = workbook.active
    data_sheet.title = layout.sheet
    if index in COVER_MONTHS:
        cover = workbook.create_sheet(layout.cover_sheet, 0)
        for line in cover_lines(month, layout):
            cover.append([line or None])
        cover.column_dimensions["A"].width = 90
        workbook.active = 0
    write_data_sheet(data_sheet, month, truth, layout, rng)
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
