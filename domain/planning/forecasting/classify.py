"""Syntetos-Boylan demand classification (ADI × CV²).

The class decides which family of methods is appropriate (SES-type for smooth demand,
Croston-type for intermittent/lumpy), and the automatic selector pools its validation evidence
per class because single intermittent series are too short to judge methods on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .methods import as_matrix

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49

SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND = range(5)
CLASS_NAMES: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy", "no demand")


@dataclass(frozen=True)
class Classification:
    """Per-series ADI, CV² and class code (index into :data:`CLASS_NAMES`)."""

    adi: NDArray[np.float64]
    cv2: NDArray[np.float64]
    code: NDArray[np.int8]

    @property
    def labels(self) -> NDArray[np.str_]:
        return np.asarray(CLASS_NAMES)[self.code]


def classify(Y: ArrayLike, adi_cutoff: float = ADI_CUTOFF, cv2_cutoff: float = CV2_CUTOFF) -> Classification:
    """Classify each series; a value exactly on a cut-off goes to the more irregular side.

    ADI is periods per demand occurrence (``n_periods / n_nonzero``), defined from one demand on;
    CV² is the squared coefficient of variation of the non-zero sizes (population variance, so a
    single demand gives 0). All-zero series are ``no demand`` with ADI = inf and CV² = NaN.
    """
    X = as_matrix(Y)
    nz = X > 0
    count = nz.sum(axis=1)
    has = count > 0
    adi = np.divide(X.shape[1], count, out=np.full(X.shape[0], np.inf), where=has)
    safe = np.maximum(count, 1)
    mean = np.where(nz, X, 0.0).sum(axis=1) / safe
    var = np.where(nz, (X - mean[:, None]) ** 2, 0.0).sum(axis=1) / safe
    cv2 = np.divide(var, mean**2, out=np.full(X.shape[0], np.nan), where=has & (mean > 0))
    code = np.where(adi >= adi_cutoff, INTERMITTENT, SMOOTH) + np.where(
        np.nan_to_num(cv2) >= cv2_cutoff, 1, 0
    )
    code = np.where(has, code, NO_DEMAND).astype(np.int8)
    return Classification(adi=adi, cv2=cv2, code=code)
