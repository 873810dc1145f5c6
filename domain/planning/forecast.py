"""Demand forecasting engine for spare parts: public facade.

Pure numpy/scipy, no I/O. Every function works on a 2-D array ``Y`` of shape
``(n_series, n_periods)`` so thousands of parts are forecast in one vectorised pass. The
implementation lives in :mod:`domain.planning.forecasting`; import from here so it can be
reorganised freely.
"""

from __future__ import annotations

from .forecasting.classify import (
    ADI_CUTOFF,
    CLASS_NAMES,
    CV2_CUTOFF,
    Classification,
    classify,
)
from .forecasting.distribution import (
    DemandDistribution,
    cdf,
    expected_shortage,
    fill_rate,
    lead_time_demand,
    per_period_moments,
    quantile,
    reorder_point_for_fill_rate,
    safety_stock,
)
from .forecasting.methods import (
    adida,
    croston,
    holt,
    mean_interval,
    moving_average,
    naive,
    sba,
    seasonal,
    seasonality_test,
    ses,
    tsb,
)
from .forecasting.metrics import (
    SeriesScore,
    bias,
    mape,
    mase,
    naive_scale,
    rmsse,
    scaled_bias,
    worsening_error,
)
from .forecasting.selection import (
    METHODS,
    AutoForecast,
    MethodResult,
    auto_forecast,
    backtest,
    default_methods,
    forecast,
    validation_origins,
)

__all__ = [
    "ADI_CUTOFF",
    "CLASS_NAMES",
    "CV2_CUTOFF",
    "METHODS",
    "AutoForecast",
    "Classification",
    "DemandDistribution",
    "MethodResult",
    "SeriesScore",
    "adida",
    "auto_forecast",
    "backtest",
    "bias",
    "cdf",
    "classify",
    "croston",
    "default_methods",
    "expected_shortage",
    "fill_rate",
    "forecast",
    "holt",
    "lead_time_demand",
    "mape",
    "mase",
    "mean_interval",
    "moving_average",
    "naive",
    "naive_scale",
    "per_period_moments",
    "quantile",
    "reorder_point_for_fill_rate",
    "rmsse",
    "safety_stock",
    "sba",
    "scaled_bias",
    "seasonal",
    "seasonality_test",
    "ses",
    "tsb",
    "validation_origins",
    "worsening_error",
]
