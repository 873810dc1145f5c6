"""Ledger invariants, verified against the whole database (`ims check`, tests, benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str


_CHECKS: dict[str, str] = {
    # balance == Σ moves in − Σ moves out, for every physical (part, location, lot).
    "balance_equals_moves": """
        WITH flows AS (
            SELECT part_id, to_location_id AS location_id, lot_no, quantity AS q FROM stock_move
            UNION ALL
            SELECT part_id, from_location_id, lot_no, -quantity FROM stock_move
        ), sums AS (
            SELECT f.part_id, f.location_id, f.lot_no, sum(f.q) AS q
              FROM flows f JOIN location l ON l.id = f.location_id AND l.kind <> 'virtual'
             GROUP BY 1, 2, 3
        )
        SELECT coalesce(s.part_id, b.part_id) AS part_id, coalesce(s.location_id, b.location_id) AS location_id,
               coalesce(s.lot_no, b.lot_no) AS lot_no, coalesce(s.q, 0) AS ledger, coalesce(b.on_hand, 0) AS balance
          FROM sums s FULL JOIN stock_balance b
            ON b.part_id = s.part_id AND b.location_id = s.location_id AND b.lot_no = s.lot_no
         WHERE coalesce(s.q, 0) <> coalesce(b.on_hand, 0)
         LIMIT 50
    """,
    "no_negative_stock": """
        SELECT part_id, location_id, lot_no, on_hand, reserved FROM stock_balance
         WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand LIMIT 50
    """,
    "balances_only_at_physical_locations": """
        SELECT b.part_id, b.location_id, l.kind FROM stock_balance b JOIN location l ON l.id = b.location_id
         WHERE l.kind NOT IN ('store', 'warehouse', 'zone', 'bin') LIMIT 50
    """,
    "moves_are_balanced": """
        SELECT id, quantity, from_location_id, to_location_id FROM stock_move
         WHERE quantity <= 0 OR from_location_id = to_location_id LIMIT 50
    """,
    "moves_touch_physical_stock": """
        SELECT m.id FROM stock_move m
          JOIN location a ON a.id = m.from_location_id JOIN location b ON b.id = m.to_location_id
         WHERE a.kind = 'virtual' AND b.kind = 'virtual' LIMIT 50
    """,
    "reserved_equals_open_reservations": """
        WITH open AS (
            SELECT part_id, location_id, lot_no, sum(quantity - consumed) AS q
              FROM reservation WHERE status = 'active' GROUP BY 1, 2, 3
        )
        SELECT coalesce(o.part_id, b.part_id) AS part_id, coalesce(o.location_id, b.location_id) AS location_id,
               coalesce(o.q, 0) AS reservations, coalesce(b.reserved, 0) AS reserved
          FROM open o FULL JOIN stock_balance b
            ON b.part_id = o.part_id AND b.location_id = o.location_id AND b.lot_no = o.lot_no
         WHERE coalesce(o.q, 0) <> coalesce(b.reserved, 0)
         LIMIT 50
    """,
    "one_posting_per_idempotency_key": """
        SELECT idempotency_key, count(*) FROM stock_posting WHERE idempotency_key IS NOT NULL
         GROUP BY 1 HAVING count(*) > 1 LIMIT 50
    """,
    "postings_have_moves": """
        SELECT p.id FROM stock_posting p WHERE NOT EXISTS (SELECT 1 FROM stock_move m WHERE m.posting_id = p.id)
         LIMIT 50
    """,
}


async def check_ledger(session: AsyncSession) -> list[Violation]:
    """Every invariant of the double-entry ledger; an empty list means the books balance."""
    violations: list[Violation] = []
    for rule, sql in _CHECKS.items():
        for row in await session.execute(text(sql)):
            violations.append(Violation(rule, ", ".join(f"{k}={v}" for k, v in row._mapping.items())))
    return violations


RULES = tuple(_CHECKS)
