"""The pack's charts as PNG files in a ZIP, for people who build their own slides."""
from __future__ import annotations

import io
import zipfile

from analytics.boardpack.content import PackData
from analytics.boardpack.deck import chart_slides
from analytics.boardpack.render import render_pngs
from analytics.charts.images import ChartExportFailed, png_file_name
from analytics.charts.theme import EXPORT_HEIGHT, EXPORT_SCALE, EXPORT_WIDTH
from analytics.provenance import ChartContext

ZIP_MIME = "application/zip"


def zip_file_name(ctx: ChartContext) -> str:
    """'board-pack-charts-2026-11.zip'."""
    return f"{ctx.file_stem('board-pack-charts')}.zip"


def charts_zip(data: PackData, ctx: ChartContext) -> bytes:
    """Every chart of the pack as a PNG (1600x900 layout at scale 3, title and footer on, the
    same picture as the dashboard's download button), named like `funnel-2026-11.png`.

    Raises ChromiumMissing without a browser, ChartExportFailed naming a chart that failed.
    """
    slides = chart_slides(data, ctx)
    pictures = render_pngs({s.name: s.figure for s in slides},
                           layout=(EXPORT_WIDTH, EXPORT_HEIGHT), scale=EXPORT_SCALE)
    failed = [p.problem for p in pictures.values() if p.png is None]
    drawn = {name: p.png for name, p in pictures.items() if p.png is not None}
    if failed:
        raise ChartExportFailed(
            f"{failed[0]}. No ZIP was written; check that Chromium starts "
            f"(`chromium --headless --version`) and try again."
        )
    out = io.BytesIO()
    # PNGs are compressed already: storing them keeps building the ZIP instant.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for slide in slides:
            archive.writestr(png_file_name(ctx, slide.name), drawn[slide.name])
    return out.getvalue()
