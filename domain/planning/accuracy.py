"""Forecast accuracy: what we forecast for a month before it started (the snapshot) against what
was then demanded, scored per series and grouped by part, location, demand class or method.

MASE and RMSSE scale errors by the in-sample monthly naive error of each series, so intermittent
series are comparable; MAPE divides by the actuals, which are mostly zero for spare parts, so it is
reported only for groups where every actual is positive — otherwise it is undefined and said so."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode
from domain.planning.forecast import worsening_error
from domain.planning.planners import ImsPlanner
from domain.planning.run import _raw, load_inputs, plan_series
from domain.principal import Principal

GROUPS = ("part", "location", "class", "method")
MAPE_UNDEFINED = "MAPE is undefined here: some actuals are zero (intermittent demand); use MASE or RMSSE"


@dataclass(frozen=True)
class AccuracyRow:
    key: str
    series: int
    scored: int
    mase: float | None
    rmsse: float | None
    bias: float | None
    scaled_bias: float | None
    mape: float | None
    mape_defined: bool
    worsening: int


def _month_start(day: date, back: int) -> date:
    month = day.month - 1 - back
    year = day.year + month // 12
    return date(year, month % 12 + 1, 1)


async def snapshot_forecasts(session: AsyncSession, principal: Principal, as_of: date) -> int:
    """Record the month's forecast as the planner makes it from history before `as_of` only
    (used by `ims plan backfill` to give a new installation an accuracy history)."""
    del principal
    period = as_of.replace(day=1)
    inputs = await load_inputs(session, period)
    plan = plan_series(inputs, period, ImsPlanner())
    assert plan.own_rate is not None
    days = calendar.monthrange(period.year, period.month)[1]
    monthly = plan.own_rate * days / inputs.scale
    n_sites = len(inputs.site_ids)
    raw = await _raw(session)
    result = await raw.execute(
        """
        INSERT INTO forecast_snapshot (period, part_id, location_id, forecast, method)
        SELECT $1::date, p, l, f, 'ims'
          FROM unnest($2::int[], $3::int[], $4::float8[]) AS t(p, l, f)
        ON CONFLICT DO NOTHING
        """,
        period,
        np.repeat(inputs.part_ids, n_sites).tolist(),
        np.tile(inputs.site_ids, len(inputs.part_ids)).tolist(),
        np.round(monthly, 6).tolist(),
    )
    return int(result.split()[-1])


async def accuracy_report(
    session: AsyncSession, principal: Principal, *, group_by: str, months: int, today: date | None = None
) -> list[AccuracyRow]:
    if group_by not in GROUPS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"group by one of {', '.join(GROUPS)}", ["groupBy"])
    if not 1 <= months <= 36:
        raise DomainError(ErrorCode.INVALID_INPUT, "months must be between 1 and 36", ["months"])
    today = today or date.today()
    first = _month_start(today, months)
    end = today.replace(day=1)
    history_from = _month_start(first, 12)
    raw = await _raw(session)
    scope_sql = ""
    args: list[object] = [first, end]
    if principal.location_paths is not None:
        scope_sql = (
            "AND s.location_id IN (SELECT id FROM location WHERE "
            + " OR ".join(f"path = ${n} OR path LIKE ${n} || '/%'" for n in range(3, 3 + len(principal.location_paths)))
            + ")"
        )
        args += list(principal.location_paths)
    series = await raw.fetch(
        f"""
        SELECT s.part_id, s.location_id, min(s.method) AS method, p.code AS part, l.code AS location,
               coalesce(min(df.demand_class), 'unknown') AS class,
               array_agg(s.period ORDER BY s.period) AS periods, array_agg(s.forecast::float8 ORDER BY s.period) AS f
          FROM forecast_snapshot s JOIN part p ON p.id = s.part_id JOIN location l ON l.id = s.location_id
          LEFT JOIN demand_forecast df ON df.part_id = s.part_id AND df.location_id = s.location_id
         WHERE s.period >= $1 AND s.period < $2 {scope_sql}
         GROUP BY 1, 2, 4, 5
        """,
        *args,
    )
    if not series:
        return []
    actuals = await raw.fetchrow(
        """
        SELECT array_agg(part_id) AS p, array_agg(location_id) AS l, array_agg(period) AS m, array_agg(q) AS q
          FROM (SELECT part_id, location_id, date_trunc('month', occurred_on)::date AS period,
                       sum(quantity)::float8 AS q
                  FROM demand_event WHERE occurred_on >= $1 AND occurred_on < $2 GROUP BY 1, 2, 3) t
        """,
        history_from,
        end,
    )
    periods = [_month_start(first, -k) for k in range(months)]
    hist_periods = [_month_start(history_from, -k) for k in range(12)]
    index = {p: i for i, p in enumerate(hist_periods + periods)}
    position = {(row["part_id"], row["location_id"]): i for i, row in enumerate(series)}
    n, width = len(series), len(index)
    actual = np.zeros((n, width))
    forecast = np.full((n, months), np.nan)
    for part_id, location_id, period, qty in zip(
        actuals["p"] or [], actuals["l"] or [], actuals["m"] or [], actuals["q"] or [], strict=True
    ):
        i = position.get((part_id, location_id))
        if i is not None and period in index:
            actual[i, index[period]] = qty
    for i, row in enumerate(series):
        for period, f in zip(row["periods"], row["f"], strict=True):
            forecast[i, index[period] - 12] = f
    rows = series
    past, test = actual[:, :12], actual[:, 12:]
    scale = np.abs(np.diff(past, axis=1)).mean(axis=1)
    error = forecast - test
    scored = np.isfinite(error)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.nanmean(np.abs(error), axis=1)
        mse = np.nanmean(error**2, axis=1)
        bias = np.nanmean(error, axis=1)
        ok = (scale > 0) & scored.any(axis=1)
        mase = np.where(ok, mae / scale, np.nan)
        rmsse = np.where(ok, np.sqrt(mse / scale**2), np.nan)
        scaled_bias = np.where(ok, bias / scale, np.nan)
        ape = np.abs(error) / test
    scaled_errors = np.where(ok[:, None], np.abs(error) / np.where(scale > 0, scale, 1)[:, None], np.nan)
    worsening = worsening_error(scaled_errors, recent=max(1, months // 3)) if months >= 4 else np.zeros(n, dtype=bool)
    keys = [str(row[group_by]) for row in rows]
    result = []
    for key in sorted(set(keys)):
        sel = np.array([k == key for k in keys])
        good = sel & ok
        defined = bool(np.all(test[sel][scored[sel]] > 0)) and bool(scored[sel].any())
        result.append(
            AccuracyRow(
                key=key,
                series=int(sel.sum()),
                scored=int(good.sum()),
                mase=float(np.mean(mase[good])) if good.any() else None,
                rmsse=float(np.mean(rmsse[good])) if good.any() else None,
                bias=float(np.nanmean(bias[sel])) if scored[sel].any() else None,
                scaled_bias=float(np.mean(scaled_bias[good])) if good.any() else None,
                mape=float(np.nanmean(ape[sel][scored[sel]]) * 100) if defined else None,
                mape_defined=defined,
                worsening=int((worsening & sel).sum()),
            )
        )
    return result
