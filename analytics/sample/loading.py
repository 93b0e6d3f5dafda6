"""Loading the shipped sample workbooks into a database, as sample data."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import store
from analytics.ingest.months import as_of_from_name
from analytics.problems import PortfolioError, SnapshotExists

if TYPE_CHECKING:
    from analytics.ingest import ImportResult


#: The shipped sample workbooks (data/sample at the project root).
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"


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
