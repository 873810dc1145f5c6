"""ABC/XYZ analysis (report and the classification that writes the parts' class) and the
turnover outliers among A items."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.abc_xyz import Classified, Cutoffs, classify
from domain.analytics.policy import ensure_classifier
from domain.analytics.reports import Column, ColumnKind, ReportParams, ReportTable
from domain.analytics.reports.common import (
    Consumption,
    consumption,
    money,
    parts_info,
    sites_in_scope,
    stock_by_part,
)
from domain.analytics.settings import get_analytics_settings
from domain.audit.service import record
from domain.principal import Principal

K = ColumnKind


async def _classified(
    session: AsyncSession, site_ids: list[int], params: ReportParams
) -> tuple[Consumption, list[Classified]]:
    used = await consumption(session, site_ids, params.months)
    return used, classify(used.annual_value.tolist(), used.monthly_qty, params.cutoffs)


async def abc_xyz_report(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    sites = await sites_in_scope(session, principal, params.location_code)
    used, classes = await _classified(session, [s.id for s in sites], params)
    info = await parts_info(session)
    values = used.annual_value
    order = sorted(range(len(classes)), key=lambda i: -values[i])
    rows = []
    for i in order:
        part_id = int(used.part_ids[i])
        code, name, category, current, manual = info[part_id]
        c = classes[i]
        rows.append(
            [
                code,
                name,
                category,
                Decimal(str(round(float(used.filled_qty[i]), 3))),
                money(values[i]),
                Decimal(str(round(c.share, 6))),
                Decimal(str(round(c.cumulative_share, 6))),
                c.abc,
                None if c.cv is None else Decimal(str(round(c.cv, 3))),
                c.xyz,
                c.abc + c.xyz,
                current,
                "yes" if manual else "",
            ]
        )
    counts = Counter(c.abc + c.xyz for c in classes)
    return ReportTable(
        name="abc_xyz",
        title="ABC/XYZ analysis",
        title_zh="ABC/XYZ 分类分析",
        columns=[
            Column("part", "Part", "配件编码"),
            Column("name", "Name", "名称"),
            Column("category", "Category", "类别"),
            Column("consumed_qty", "Consumed qty", "消耗数量", K.DECIMAL),
            Column("annual_value", "Annual consumption value", "年消耗金额", K.MONEY),
            Column("share", "Share", "占比", K.PERCENT),
            Column("cumulative_share", "Cumulative share", "累计占比", K.PERCENT),
            Column("abc", "ABC", "ABC", K.TEXT),
            Column("cv", "Demand CV", "需求变异系数", K.DECIMAL),
            Column("xyz", "XYZ", "XYZ", K.TEXT),
            Column("class", "Class", "综合分类", K.TEXT),
            Column("current_class", "Current ABC", "当前ABC", K.TEXT),
            Column("manual", "Manual", "手工指定", K.TEXT),
        ],
        rows=rows,
        notes=[
            f"Consumption {used.start} to {used.end} (exclusive), {len(sites)} sites.",
            "Classes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        ],
    )


@dataclass(frozen=True)
class ClassificationResult:
    changed: int
    manual_kept: int
    counts: dict[str, int]


async def classify_parts(
    session: AsyncSession, principal: Principal, cutoffs: Cutoffs, months: int = 12
) -> ClassificationResult:
    """Write the computed ABC class to every active part whose class is not set by hand, from the
    whole company's consumption (a part has one class, not one per store)."""
    ensure_classifier(principal)
    params = ReportParams(
        months=months, a_share=cutoffs.a_share, b_share=cutoffs.b_share, x_cv=cutoffs.x_cv, y_cv=cutoffs.y_cv
    )
    sites = await sites_in_scope(session, principal, None)
    used, classes = await _classified(session, [s.id for s in sites], params)
    ids = [int(p) for p in used.part_ids.tolist()]
    abc = [c.abc for c in classes]
    result = await session.execute(
        text(
            """
            UPDATE part SET abc_class = c.abc, updated_at = now()
              FROM unnest(CAST(:ids AS int[]), CAST(:abc AS text[])) AS c(id, abc)
             WHERE part.id = c.id AND NOT part.abc_manual AND part.abc_class IS DISTINCT FROM c.abc
            """
        ),
        {"ids": ids, "abc": abc},
    )
    manual = (await session.execute(text("SELECT count(*) FROM part WHERE active AND abc_manual"))).scalar_one()
    counts = dict(Counter(abc))
    changed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    await record(
        session,
        principal,
        "part.classify_abc",
        target_type="part",
        after={"cutoffs": cutoffs.__dict__, "months": months, "changed": changed, "counts": counts},
    )
    return ClassificationResult(changed=changed, manual_kept=int(manual), counts=counts)


async def turnover_outliers(session: AsyncSession, principal: Principal, params: ReportParams) -> ReportTable:
    """A items (their current class) turning slower than the target: annual consumption value ÷
    stock value in scope. The excess is the stock beyond what the target turnover needs."""
    settings = get_analytics_settings()
    target = params.target_turnover or settings.turnover_target_a
    sites = await sites_in_scope(session, principal, params.location_code)
    site_ids = [s.id for s in sites]
    used = await consumption(session, site_ids, params.months)
    stock = await stock_by_part(session, site_ids)
    info = await parts_info(session)
    position = used.index()
    values = used.annual_value
    rows: list[list[Any]] = []
    for part_id, (code, name, category, current, _) in info.items():
        held = stock.get(part_id)
        if current != "A" or held is None or held.value <= 0:
            continue
        i = position.get(part_id)
        annual = money(values[i]) if i is not None else Decimal(0)
        turnover = (annual / held.value).quantize(Decimal("0.01"))
        if turnover >= target:
            continue
        needed = (annual / target).quantize(Decimal("0.01"))
        rows.append([code, name, category, annual, held.value, turnover, target, max(held.value - needed, Decimal(0))])
    rows.sort(key=lambda r: (r[5], -r[4]))
    return ReportTable(
        name="turnover_outliers",
        title="Turnover outliers (A items below target)",
        title_zh="周转异常（A类低于目标）",
        columns=[
            Column("part", "Part", "配件编码"),
            Column("name", "Name", "名称"),
            Column("category", "Category", "类别"),
            Column("annual_value", "Annual consumption value", "年消耗金额", K.MONEY),
            Column("stock_value", "Stock value", "库存金额", K.MONEY),
            Column("turnover", "Turnover (per year)", "年周转次数", K.DECIMAL),
            Column("target", "Target", "目标周转", K.DECIMAL),
            Column("excess_value", "Excess stock value", "超额库存金额", K.MONEY),
        ],
        rows=rows,
        notes=[f"Target turnover {target} per year; consumption over {params.months} months; {len(sites)} sites."],
    )
