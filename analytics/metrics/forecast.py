"""Forecast (METRICS.md section 8): launches expected in the next six months.

Each initiative still in progress gets the chance that a pilot of its age reaches production
within FORECAST_DAYS, read off the portfolio's own Aalen-Johansen curves; the launches are the
sum of those chances, with a range from the Poisson-binomial distribution. The input is the
time-to-production subjects table (origin, outcome, days per initiative).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.metrics.survival import CENSOR, OUTCOME_CODES, aalen_johansen
from analytics.metrics.types import FORECAST_DAYS, Forecast

#: The range is the 10th to the 90th percentile of the number of launches (an 80% range).
LOW_QUANTILE, HIGH_QUANTILE = 0.1, 0.9
#: Cumulative probabilities within this of a quantile count as reaching it (float sums drift).
_TOLERANCE = 1e-9

FORECAST_COLUMNS: tuple[str, ...] = ("initiative_id", "name", "business_unit", "stage", "age_days", "chance")


def conditional_chances(days: np.ndarray, outcome: np.ndarray, ages: np.ndarray,
                        horizon: int = FORECAST_DAYS) -> np.ndarray:
    """(F(a + horizon) - F(a)) / S(a) for each age a, with F the cumulative incidence of
    production and S the share with no event just after day a, over all `days`/`outcome`
    (codes CENSOR / PRODUCTION / STOPPED); 0 where S(a) is 0.

    Past the last day anyone was followed nothing more can be seen, so F holds its last value
    there: no launch is forecast from follow-up the portfolio does not have.
    """
    ages = np.asarray(ages, dtype=np.int64)
    if ages.size == 0:
        return np.zeros(0, dtype=float)
    last = int(max(np.max(days) if len(days) else 0, ages.max()))
    curve = aalen_johansen(days, outcome, horizon=last + horizon)
    cif = curve["cif"].ffill().fillna(0.0).to_numpy()
    stopped = curve["cif_stopped"].ffill().fillna(0.0).to_numpy()
    still = 1.0 - cif[ages] - stopped[ages]
    gain = cif[ages + horizon] - cif[ages]
    safe = np.where(still > _TOLERANCE, still, 1.0)
    return np.where(still > _TOLERANCE, np.clip(gain / safe, 0.0, 1.0), 0.0)


def poisson_binomial(chances: np.ndarray) -> np.ndarray:
    """P(X = k) for k = 0..n, X the number of successes of independent trials with `chances`
    (trials with chance 0 leave X unchanged, so the result has one entry per other trial, plus 1).

    The distribution is the product of the polynomials (1 - p + p x). Folding them in one trial
    at a time is a Python loop over thousands of open initiatives; instead, blocks of
    _BLOCK trials are folded side by side, and the block products are multiplied pairwise.
    Every step adds products of non-negative numbers, so it is as exact as the one-by-one fold."""
    positive = np.asarray(chances, dtype=float)
    positive = positive[positive > 0.0]
    if positive.size == 0:
        return np.ones(1)
    blocks = np.concatenate([positive, np.zeros(-positive.size % _BLOCK)]).reshape(-1, _BLOCK)
    dist = np.zeros((blocks.shape[0], _BLOCK + 1))
    dist[:, 0] = 1.0
    for k in range(_BLOCK):
        p = blocks[:, k:k + 1]
        dist[:, 1:k + 2] = dist[:, 1:k + 2] * (1.0 - p) + dist[:, :k + 1] * p
        dist[:, 0] *= 1.0 - blocks[:, k]
    products = list(dist)
    while len(products) > 1:
        paired = [np.convolve(a, b) for a, b in zip(products[::2], products[1::2], strict=False)]
        products = paired + products[len(paired) * 2:]
    return products[0][: positive.size + 1]


#: Trials folded side by side per block in `poisson_binomial`.
_BLOCK = 16


def quantile(dist: np.ndarray, q: float) -> int:
    """The smallest k with P(X <= k) >= q."""
    cumulative = np.cumsum(dist)
    return int(np.argmax(cumulative >= q - _TOLERANCE))


def forecast(subjects: pd.DataFrame) -> Forecast:
    """Section 8 over the included time-to-production subjects."""
    included = subjects.loc[subjects["left_out_reason"].isna()]
    days = included["days"].to_numpy(dtype=np.int64)
    codes = included["outcome"].map(OUTCOME_CODES).to_numpy(dtype=np.int64)
    open_ = included.loc[codes == CENSOR]
    chances = conditional_chances(days, codes, open_["days"].to_numpy(dtype=np.int64))
    dist = poisson_binomial(chances)
    listed = pd.DataFrame({
        "initiative_id": open_["initiative_id"].to_numpy(),
        "name": open_["name"].to_numpy(),
        "business_unit": open_["business_unit"].to_numpy(),
        "stage": open_["stage"].to_numpy(),
        "age_days": open_["days"].to_numpy(dtype=np.int64),
        "chance": chances,
    }, columns=list(FORECAST_COLUMNS))
    listed = listed.sort_values(["chance", "initiative_id"], ascending=[False, True]).reset_index(drop=True)
    return Forecast(
        production_next_6m=float(chances.sum()),
        production_next_6m_low=quantile(dist, LOW_QUANTILE),
        production_next_6m_high=quantile(dist, HIGH_QUANTILE),
        initiatives=listed,
    )
