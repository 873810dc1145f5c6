"""ABC/XYZ classification math."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from domain.analytics.abc_xyz import Cutoffs, abc_classes, classify, coefficients_of_variation, xyz_class
from domain.errors import DomainError


def test_abc_by_cumulative_share_before_the_item() -> None:
    # 50 / 25 / 10 / 8 / 5 / 2 of 100: A while the share before the item is under 80 % (so the 10
    # that takes the total from 75 % to 85 % is still A), B under 95 %, C after.
    classes, share, cumulative = abc_classes([10, 50, 2, 25, 8, 5], Cutoffs())
    assert classes == ["A", "A", "C", "A", "B", "B"]
    assert share.tolist() == pytest.approx([0.10, 0.50, 0.02, 0.25, 0.08, 0.05])
    assert cumulative[3] == pytest.approx(0.75) and cumulative[0] == pytest.approx(0.85)


def test_items_without_consumption_are_c_and_cut_offs_are_configurable() -> None:
    assert abc_classes([0, 0], Cutoffs())[0] == ["C", "C"]
    assert abc_classes([60, 40, 0], Cutoffs(a_share=Decimal("0.5"), b_share=Decimal("0.9")))[0] == ["A", "B", "C"]
    with pytest.raises(DomainError):
        Cutoffs(a_share=Decimal("0.9"), b_share=Decimal("0.8"))
    with pytest.raises(DomainError):
        Cutoffs(x_cv=Decimal("1.5"), y_cv=Decimal("1.0"))


def test_xyz_by_coefficient_of_variation() -> None:
    monthly = np.array([[10, 10, 10, 10], [5, 15, 5, 15], [0, 0, 40, 0], [0, 0, 0, 0]], dtype=float)
    cvs = coefficients_of_variation(monthly)
    assert cvs[0] == 0 and cvs[1] == pytest.approx(0.5) and cvs[2] == pytest.approx(np.sqrt(3)) and cvs[3] is None
    assert [xyz_class(cv, Cutoffs()) for cv in cvs] == ["X", "X", "Z", "Z"]
    assert xyz_class(0.7, Cutoffs()) == "Y"
    combined = classify([100, 10, 1, 0], monthly, Cutoffs())
    assert [c.abc + c.xyz for c in combined] == ["AX", "BX", "CZ", "CZ"]
