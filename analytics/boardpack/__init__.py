"""The board pack: a 16:9 PowerPoint deck of the month's findings, and the same charts as PNGs.

    data = pack_data(rows, as_of, stall_days=..., business_unit=..., solution_type=...)
    build_deck(data, ctx, native_charts=False) -> bytes      # .pptx
    make_deck(data, ctx, native_charts=False) -> Deck        # the bytes, slide count, charts not drawn
    charts_zip(data, ctx) -> bytes                           # .zip of PNGs (ChromiumMissing without a browser)
    deck_file_name(ctx), zip_file_name(ctx)                  # 'board-pack-2026-11.pptx', '...zip'

Pure: no Streamlit. `ctx` is the charts' ChartContext (as-of month, filters, source, sample).
CLI: `python -m analytics boardpack` (analytics/cli/boardpack.py). Docs: docs/boardpack.md.
"""
from __future__ import annotations

from analytics.boardpack.bundle import ZIP_MIME, charts_zip, zip_file_name
from analytics.boardpack.content import (
    ChartSlide,
    NativeChart,
    PackData,
    Series,
    SlideText,
    pack_data,
)
from analytics.boardpack.deck import (
    CHROMIUM_NEEDED,
    DECK_TITLE,
    PPTX_MIME,
    Deck,
    build_deck,
    chart_slides,
    deck_file_name,
    left_out,
    make_deck,
)

__all__ = [
    "CHROMIUM_NEEDED", "DECK_TITLE", "PPTX_MIME", "ZIP_MIME", "ChartSlide", "Deck", "NativeChart",
    "PackData", "Series", "SlideText", "build_deck", "charts_zip", "chart_slides", "deck_file_name",
    "left_out", "make_deck",
    "pack_data", "zip_file_name",
]
