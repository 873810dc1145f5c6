"""Demo VMI agreements: three suppliers keep a few of their fast parts stocked at two stores and the
warehouse — quantities for some, days of cover for others, the first supplier on consignment at the
first store — created through the VMI service like a buyer would."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.principal import Principal
from domain.vmi.agreements import AgreementInput, create_agreement

SUPPLIERS = 3
PARTS_PER_SUPPLIER = 6


async def load_vmi_agreements(session: AsyncSession) -> int:
    buyer = Principal.system("demo")
    suppliers = (
        await session.execute(
            text(
                "SELECT s.id, s.code FROM supplier s WHERE EXISTS (SELECT 1 FROM part p "
                "WHERE p.primary_supplier_id = s.id AND p.active AND p.uom_precision = 0) ORDER BY s.code LIMIT :n"
            ),
            {"n": SUPPLIERS},
        )
    ).all()
    sites = [
        r.code
        for r in await session.execute(
            text(
                "(SELECT code FROM location WHERE kind = 'store' AND active ORDER BY code LIMIT 2) "
                "UNION ALL (SELECT code FROM location WHERE kind = 'warehouse' AND active ORDER BY code LIMIT 1)"
            )
        )
    ]
    created = 0
    for n, supplier in enumerate(suppliers):
        parts = (
            await session.execute(
                text(
                    """
                    SELECT p.code, coalesce(sp.unit_price, p.purchase_price) AS price
                      FROM part p LEFT JOIN supplier_part sp ON sp.part_id = p.id AND sp.supplier_id = :s
                     WHERE p.primary_supplier_id = :s AND p.active AND p.uom_precision = 0
                     ORDER BY p.abc_class NULLS LAST, p.code LIMIT :n
                    """
                ),
                {"s": supplier.id, "n": PARTS_PER_SUPPLIER},
            )
        ).all()
        for m, part in enumerate(parts):
            for k, site in enumerate(sites):
                cover = (m + k) % 2 == 1
                consignment = n == 0 and k == 0
                await create_agreement(
                    session,
                    buyer,
                    AgreementInput(
                        supplier_code=supplier.code,
                        part_code=part.code,
                        location_code=site,
                        mode="days_of_cover" if cover else "quantity",
                        min_qty=None if cover else Decimal(4 + 2 * m),
                        max_qty=None if cover else Decimal(12 + 6 * m),
                        min_days=Decimal(10) if cover else None,
                        max_days=Decimal(30) if cover else None,
                        review_days=7,
                        consignment=consignment,
                        consignment_unit_price=Decimal(part.price) if consignment else None,
                        notes="demo",
                    ),
                )
                created += 1
    return created
