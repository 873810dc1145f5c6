"""ABC/XYZ classification, pure math.

ABC ranks items by annual consumption value: walking down from the largest, an item is A while
the cumulative share *before* it is below `a_share` (so the item that crosses 80 % is still A),
B below `b_share`, C after; items without consumption are C. XYZ grades demand variability by the
coefficient of variation of monthly demand (population standard deviation ÷ mean): X ≤ `x_cv`
steady, Y ≤ `y_cv` variable, Z erratic (and Z when there was no demand at all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from domain.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class Cutoffs:
    a_share: Decimal = Decimal("0.80")
    b_share: Decimal = Decimal("0.95")
    x_cv: Decimal = Decimal("0.5")
    y_cv: Decimal = Decimal("1.0")

    def __post_init__(self) -> None:
        # NaN/Infinity arrive as valid Decimal scalars; comparing NaN raises, so refuse them first.
        if not all(c.is_finite() for c in (self.a_share, self.b_share, self.x_cv, self.y_cv)):
            raise DomainError(ErrorCode.INVALID_INPUT, "cut-offs must be finite numbers", ["aShare"])
        if not Decimal(0) < self.a_share < self.b_share < Decimal(1):
            raise DomainError(ErrorCode.INVALID_INPUT, "cut-offs need 0 < A share < B share < 1", ["aShare"])
        if not Decimal(0) < self.x_cv < self.y_cv:
            raise DomainError(ErrorCode.INVALID_INPUT, "cut-offs need 0 < X CV < Y CV", ["xCv"])


@dataclass(frozen=True)
class Classified:
    abc: str
    share: float  # of the total value
    cumulative_share: float  # including this item
    cv: float | None
    xyz: str


def abc_classes(values: Sequence[float], cutoffs: Cutoffs) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Classes, shares and cumulative shares, in the input order."""
    v = np.maximum(np.asarray(values, dtype=np.float64), 0.0)
    total = float(v.sum())
    n = len(v)
    classes = ["C"] * n
    share = v / total if total > 0 else np.zeros(n)
    cumulative = np.zeros(n)
    if total <= 0:
        return classes, share, cumulative
    order = np.argsort(-v, kind="stable")
    cum = np.cumsum(share[order])
    before = cum - share[order]
    a, b = float(cutoffs.a_share), float(cutoffs.b_share)
    for rank, idx in enumerate(order):
        cumulative[idx] = cum[rank]
        if v[idx] <= 0:
            continue
        classes[idx] = "A" if before[rank] < a else "B" if before[rank] < b else "C"
    return classes, share, cumulative


def coefficients_of_variation(monthly: np.ndarray) -> list[float | None]:
    """CV per row of a (items × months) array; None where the mean is zero."""
    m = np.asarray(monthly, dtype=np.float64)
    if m.size == 0:
        return [None] * len(m)
    mean = m.mean(axis=1)
    std = m.std(axis=1)
    return [float(s / mu) if mu > 0 else None for mu, s in zip(mean.tolist(), std.tolist(), strict=True)]


def xyz_class(cv: float | None, cutoffs: Cutoffs) -> str:
    if cv is None:
        return "Z"
    return "X" if cv <= float(cutoffs.x_cv) else "Y" if cv <= float(cutoffs.y_cv) else "Z"


def classify(values: Sequence[float], monthly: np.ndarray, cutoffs: Cutoffs) -> list[Classified]:
    abc, share, cumulative = abc_classes(values, cutoffs)
    cvs = coefficients_of_variation(monthly) if len(values) else []
    return [
        Classified(abc[i], float(share[i]), float(cumulative[i]), cvs[i], xyz_class(cvs[i], cutoffs))
        for i in range(len(values))
    ]
