"""Every kind of stock document at once, interleaved at random: purchase receipts (order → scan →
QC → putaway), workshop work orders (reserve → pick → issue → return), transfers (request →
approve → ship → receive, partial and short), cycle and full counts (count → review → approve
adjustments; a full count freezes its store meanwhile), cash counter sales and customer returns,
reservations consumed or released, plain moves (sales, returns and moves: some sent twice
concurrently with one key), adjustments and scrap. Several actors run their own sessions
concurrently; a seeded random sequence decides what each does and a random pause between steps
decides the interleaving.

Afterwards the ledger is checked three ways:
- `check_ledger` finds every invariant intact;
- an independent model — the balances before the run plus every move the services returned to a
  caller whose transaction committed — equals `stock_balance` for every (part, location, lot);
- the postings in the database are exactly the acknowledged ones: none lost, none unaccounted for.

Refusals (out of stock, a frozen location, a document another actor moved on) are the expected
answers to contention; only those codes are accepted, and anything that is not a DomainError fails.
Set IMS_MIXED_SEED (and IMS_MIXED_ACTORS, IMS_MIXED_SCENARIOS) to explore other interleavings; the
seed fixes what each actor does, the timing of the run decides the exact interleaving."""

from __future__ import annotations

import asyncio
import contextvars
import os
import random
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.counting import adjustments, entries, queries
from domain.counting import service as counting
from domain.counting.entries import RecordCountCommand
from domain.counting.models import CountKind, ReasonCode, TaskStatus
from domain.counting.queries import TaskFilter
from domain.errors import DomainError, ErrorCode
from domain.identity.policy import ALL_SCOPES
from domain.principal import Principal, PrincipalKind, Role
from domain.purchasing import orders, putaway, qc, receiving
from domain.purchasing.orders import OrderLineInput
from domain.sales import returns, selling
from domain.stock import ledger, reservations
from domain.stock.check import check_ledger
from domain.stock.service import MoveStockCommand, move_stock
from domain.transfers import receiving as transfer_receiving
from domain.transfers import service as transfers
from domain.transfers import shipping
from domain.workshop import issuing, picking
from domain.workshop import service as workshop

SEED = int(os.environ.get("IMS_MIXED_SEED", "20261125"))
ACTORS = int(os.environ.get("IMS_MIXED_ACTORS", "6"))
SCENARIOS_PER_ACTOR = int(os.environ.get("IMS_MIXED_SCENARIOS", "9"))
HQ = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}), scopes=ALL_SCOPES)
PLANNER = Principal(PrincipalKind.USER, "planner", frozenset({Role.HQ_OPERATIONS}), scopes=ALL_SCOPES)  # 4 eyes
STORES = ("S-BJ01", "S-BJ02", "S-BJ03", "S-TJ01")
PATHS = {"S-BJ01": "HQ/R-N/S-BJ01", "S-BJ02": "HQ/R-N/S-BJ02", "S-BJ03": "HQ/R-N/S-BJ03", "S-TJ01": "HQ/R-N/S-TJ01"}
SIMPLE_PARTS = ("BRK-0001-A", "FLT-0001-C")  # no lots: moves name no lot
BARCODES = {"BRK-0001-A": "6901234567892", "BRK-0002-A": "6901234567908", "FLT-0001-C": "6901234567922"}
PRICES = {"BRK-0001-A": "190", "BRK-0002-A": "250", "FLT-0001-C": "28"}
EVERY_ITEM_DUE = {"cadence_months": {"A": 1, "B": 1, "C": 1}, "window_days": 31}
# What contention legitimately produces. FORBIDDEN, NOT_FOUND, INVALID_INPUT… would be test bugs.
EXPECTED_REFUSALS = {
    ErrorCode.INSUFFICIENT_STOCK,
    ErrorCode.LOCATION_FROZEN,
    ErrorCode.INVALID_STATE,
    ErrorCode.CAPACITY_EXCEEDED,
    ErrorCode.CONFLICT,  # a full count where another one already froze the store
}

# The ledger postings made inside the current step's transaction (see `Run.step`).
_CAPTURED: contextvars.ContextVar[list[ledger.PostingResult] | None] = contextvars.ContextVar("captured", default=None)


def staff(store: str) -> Principal:
    return Principal(
        PrincipalKind.USER, f"staff-{store}", frozenset({Role.STORE_STAFF}), (PATHS[store],), scopes=ALL_SCOPES
    )


def manager(store: str) -> Principal:
    return Principal(
        PrincipalKind.USER, f"mgr-{store}", frozenset({Role.STORE_MANAGER}), (PATHS[store],), scopes=ALL_SCOPES
    )


@dataclass
class Run:
    sessions: async_sessionmaker[AsyncSession]
    ids: dict[str, int]
    moves: dict[int, ledger.PostedMove] = field(default_factory=dict)
    postings: set[int] = field(default_factory=set)
    completed: Counter[str] = field(default_factory=Counter)
    refused: Counter[tuple[str, str]] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    refusal_messages: dict[tuple[str, str], str] = field(default_factory=dict)

    async def step(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """One use case in its own transaction; its postings count once the commit succeeded."""
        token = _CAPTURED.set([])
        try:
            async with self.sessions() as session, session.begin():
                result = await fn(session, *args, **kwargs)
            for posted in _CAPTURED.get() or []:
                self.postings.add(posted.posting_id)
                for move in posted.moves:
                    self.moves[move.id] = move
            return result
        finally:
            _CAPTURED.reset(token)


async def pause(rng: random.Random) -> None:
    await asyncio.sleep(rng.random() * 0.02)


def key() -> str:
    return uuid.uuid4().hex


# --- scenarios: each a document flow of several transactions -------------------------------------


async def plain_move(run: Run, rng: random.Random) -> None:
    part = rng.choice(SIMPLE_PARTS)
    src, dst = rng.sample(STORES, 2)
    cmd = MoveStockCommand(part, src, dst, Decimal(rng.randint(1, 4)), reason="mixed", idempotency_key=key())
    if rng.random() < 0.4:  # a scanner that retries at once: one move, one replay
        first, second = await asyncio.gather(run.step(move_stock, HQ, cmd), run.step(move_stock, HQ, cmd))
        assert first.posting_id == second.posting_id and first.replayed != second.replayed
    else:
        await run.step(move_stock, HQ, cmd)


async def adjustment(run: Run, rng: random.Random) -> None:
    part, store = rng.choice(SIMPLE_PARTS), rng.choice(STORES)
    qty = Decimal(rng.randint(1, 3))
    if rng.random() < 0.5:
        cmd = MoveStockCommand(part, "V-ADJUSTMENT", store, qty, reason="found", unit_cost=Decimal(PRICES[part]))
    else:
        cmd = MoveStockCommand(part, store, "V-ADJUSTMENT", qty, reason="lost")
    await run.step(move_stock, HQ, cmd)


async def scrap(run: Run, rng: random.Random) -> None:
    part, store = rng.choice(SIMPLE_PARTS), rng.choice(STORES)
    await run.step(move_stock, HQ, MoveStockCommand(part, store, "V-SCRAP", Decimal(1), reason="damaged"))


async def _sell(run: Run, rng: random.Random) -> tuple[selling.SaleResult, Principal]:
    """A walk-in cash sale at a random store by its clerk: store → V-CUSTOMER at cost."""
    store = rng.choice(STORES)
    clerk = staff(store)
    parts = rng.sample(SIMPLE_PARTS, rng.randint(1, 2))
    lines = [selling.SaleLineInput(p, Decimal(rng.randint(1, 3))) for p in parts]
    cmd = selling.NewCounterSale(store, lines, "cash", key(), note="mixed")
    if rng.random() < 0.4:  # a till that retries at once: one sale, one replay
        first, second = await asyncio.gather(
            run.step(selling.create_counter_sale, clerk, cmd), run.step(selling.create_counter_sale, clerk, cmd)
        )
        assert first.sale.id == second.sale.id and first.replayed != second.replayed
        return first, clerk
    return await run.step(selling.create_counter_sale, clerk, cmd), clerk


async def counter_sale(run: Run, rng: random.Random) -> None:
    await _sell(run, rng)


async def customer_return(run: Run, rng: random.Random) -> None:
    """Sell, then take some of it back (V-CUSTOMER → the store at the original cost)."""
    sold, clerk = await _sell(run, rng)
    await pause(rng)
    line = rng.choice(sold.lines)
    back = [returns.ReturnLineInput(line.line_no, Decimal(rng.randint(1, int(line.quantity))))]
    cmd = returns.NewSaleReturn(sold.sale.number, back, "wrong part", key())
    if rng.random() < 0.4:  # sent twice at once with one key: one return, one replay
        first, second = await asyncio.gather(
            run.step(returns.return_counter_sale, clerk, cmd), run.step(returns.return_counter_sale, clerk, cmd)
        )
        assert first.sale_return.id == second.sale_return.id and first.replayed != second.replayed
    else:
        await run.step(returns.return_counter_sale, clerk, cmd)


async def _reserve(session: AsyncSession, part_id: int, location_id: int, qty: Decimal, ref: str) -> None:
    await reservations.reserve(
        session, HQ, part_id=part_id, location_id=location_id, quantity=qty, precision=0,
        doc_type="counter_hold", doc_ref=ref,
    )  # fmt: skip


async def _sell_reserved(
    session: AsyncSession, run: Run, part_id: int, location_id: int, qty: Decimal, ref: str
) -> None:
    taken = await reservations.consume(
        session, doc_type="counter_hold", doc_ref=ref, part_id=part_id, location_id=location_id, lot_no="", quantity=qty
    )
    line = ledger.MoveLine(part_id, location_id, run.ids["V-CUSTOMER"], qty, consume_reserved=taken)
    await ledger.post(session, HQ, ledger.Posting("counter_sale", [line], doc_ref=ref))
    await reservations.release(session, "counter_hold", ref)  # whatever was not taken


async def reservation(run: Run, rng: random.Random) -> None:
    part, store = rng.choice(SIMPLE_PARTS), rng.choice(STORES)
    part_id, location_id, ref = run.ids[part], run.ids[store], key()
    qty = Decimal(rng.randint(1, 5))
    await run.step(_reserve, part_id, location_id, qty, ref)
    await pause(rng)
    if rng.random() < 0.5:
        await run.step(_sell_reserved, run, part_id, location_id, qty, ref)
    else:
        await run.step(lambda s: reservations.release(s, "counter_hold", ref))


async def transfer(run: Run, rng: random.Random) -> None:
    src, dst = rng.sample([*STORES, "WH"], 2)
    parts = rng.sample(SIMPLE_PARTS, rng.randint(1, 2))
    lines = [transfers.PartQuantity(p, Decimal(rng.randint(1, 6))) for p in parts]
    requested = await run.step(
        transfers.request_transfer, PLANNER, transfers.RequestTransfer(src, dst, lines, idempotency_key=key())
    )
    order_id = requested.transfer.id
    await pause(rng)
    await run.step(transfers.approve_transfer, HQ, order_id)
    await pause(rng)
    if rng.random() < 0.5:  # part now, the rest later
        first = lines[0]
        part_now = [shipping.ShipItem(first.part_code, max(Decimal(1), first.quantity // 2))]
        await run.step(shipping.ship_transfer, HQ, shipping.ShipTransfer(order_id, part_now, idempotency_key=key()))
        await pause(rng)
        await run.step(transfer_receiving.receive_transfer, HQ, transfer_receiving.ReceiveTransfer(order_id))
        await pause(rng)
    rest = await run.step(
        shipping.ship_transfer, HQ, shipping.ShipTransfer(order_id, final=True, idempotency_key=key())
    )
    await pause(rng)
    short = None
    shipped: Counter[int] = Counter()
    for move in rest.moves:
        shipped[move.part_id] += move.quantity
    lost = [part_id for part_id, qty in shipped.items() if qty > 1]
    if lost and rng.random() < 0.3:  # one unit lost on the way: it stays on the transit account
        code = next(c for c, i in run.ids.items() if i == lost[0] and c in SIMPLE_PARTS)
        short = [transfers.PartQuantity(code, shipped[lost[0]] - 1)]
    await run.step(
        transfer_receiving.receive_transfer, HQ, transfer_receiving.ReceiveTransfer(order_id, items=short, note="mixed")
    )


async def work_order(run: Run, rng: random.Random) -> None:
    store = rng.choice(STORES)
    parts = rng.sample(["BRK-0001-A", "FLT-0001-C"] + (["BCL-0001-B", "BRK-0002-A"] if store == "S-BJ01" else []), 2)
    lines = [workshop.PartQuantity(p, Decimal(rng.randint(1, 3))) for p in parts]
    vehicle = workshop.Vehicle(vin="LSVAU2180N2183294", make="Volkswagen", model="Lavida", year=2022)
    created = await run.step(workshop.create_work_order, HQ, workshop.CreateWorkOrder(store, vehicle, "noise", lines))
    wo = created.work_order.id
    await pause(rng)
    await run.step(picking.reserve_work_order, HQ, wo, require_complete=True)
    await pause(rng)
    async with run.sessions() as session:
        tasks = await picking.pick_list(session, HQ, wo)
    part_codes = {v: k for k, v in run.ids.items()}
    for task in tasks:
        pick = picking.ConfirmPick(
            wo,
            part_codes[task.part_id],
            task.location_code,
            task.to_pick,
            lot_no=task.lot_no or None,
            idempotency_key=key(),
        )
        await run.step(picking.confirm_pick, HQ, pick)
        await pause(rng)
    await run.step(issuing.issue_work_order_parts, HQ, issuing.IssueParts(wo, idempotency_key=key()))
    await pause(rng)
    if rng.random() < 0.5:
        back = lines[0]
        await run.step(
            issuing.return_work_order_parts,
            HQ,
            issuing.ReturnParts(wo, back.part_code, Decimal(1), idempotency_key=key()),
        )
    await run.step(workshop.close_work_order, HQ, wo)


async def purchase_receipt(run: Run, rng: random.Random) -> None:
    site = rng.choice(["S-BJ02", "S-TJ01", "WH"])
    parts = rng.sample(["BRK-0001-A", "FLT-0001-C", "BRK-0002-A"], 2)
    wanted = {p: Decimal(rng.randint(2, 8)) for p in parts}
    due = date.today() + timedelta(days=7)
    lines = [OrderLineInput(p, q, site, Decimal(PRICES[p]), due) for p, q in wanted.items()]

    async def place(session: AsyncSession) -> int:
        view = await orders.create_purchase_order(session, HQ, "SUP-01", lines)
        await orders.submit_purchase_order(session, HQ, view.order.id)
        await orders.approve_purchase_order(session, HQ, view.order.id)
        await orders.send_purchase_order(session, HQ, view.order.id)
        return view.order.id

    await run.step(place)
    await pause(rng)
    session_id = (await run.step(receiving.start_receiving, HQ, site)).id
    receipts = []
    for part, qty in wanted.items():
        lot = f"L{rng.randint(2500, 2599)}" if part == "BRK-0002-A" else ""
        scan = receiving.ScanCommand(session_id, BARCODES[part], qty, key(), lot_no=lot)
        scanned = await run.step(receiving.scan_receipt, HQ, scan)
        assert scanned.hold is None, scanned.hold
        receipts += scanned.lines
        await pause(rng)
    for receipt in receipts:
        rejected = Decimal(1) if rng.random() < 0.3 else Decimal(0)
        reason = "damaged box" if rejected else None
        await run.step(
            qc.inspect_receipt, HQ, receipt.id, accepted=receipt.quantity - rejected, rejected=rejected, reason=reason
        )
        await pause(rng)
        async with run.sessions() as session:
            plan = await putaway.suggest_putaway(session, HQ, receipt.id)
        for suggestion in plan.suggestions:
            await run.step(
                putaway.confirm_putaway, HQ, receipt.id, suggestion.location.code, suggestion.quantity, key()
            )


async def _count(run: Run, rng: random.Random, kind: CountKind) -> None:
    """A cycle count (some items, nothing frozen) or a full count (the store frozen until it
    closes: other flows there are refused LOCATION_FROZEN meanwhile)."""
    store = rng.choice(STORES)
    counter, boss = staff(store), manager(store)
    settings = EVERY_ITEM_DUE if kind is CountKind.CYCLE else {}
    plan_id = (await run.step(counting.create_plan, boss, counting.CreatePlanCommand(kind, store, **settings))).id
    try:
        await pause(rng)
        found, _ = await run.step(queries.list_tasks, boss, TaskFilter(plan_id=plan_id), first=3 if settings else 50)
        part_codes = {v: k for k, v in run.ids.items()}
        async with run.sessions() as session:  # the store itself or its QC area, created by receipts
            where = dict((await session.execute(text("SELECT id, code FROM location"))).tuples().all())
        for task in found:
            started = await run.step(entries.start_task, counter, task.id)
            await pause(rng)  # others move stock meanwhile: the count allows for it
            shelf = max(Decimal(0), (started.snapshot_qty or Decimal(0)) + rng.choice([0, 0, -1, 1, -2]))
            for _ in range(4):  # recounts until the count is final
                cmd = RecordCountCommand(plan_id, where[task.location_id], part_codes[task.part_id], shelf, key())
                result = await run.step(entries.record_count, counter, cmd)
                if result.task.status == TaskStatus.COUNTED:
                    break
        variances = (await run.step(adjustments.variances_for_plans, boss, [plan_id])).get(plan_id, [])
        for variance in variances:
            await run.step(adjustments.review_variance, boss, variance.id, ReasonCode.UNKNOWN)
        await pause(rng)
        if variances:
            await run.step(adjustments.approve_adjustments, boss, plan_id)
    finally:  # refused or not, the plan closes: a full count must not freeze the store for good
        try:
            await run.step(counting.close_plan, boss, plan_id)
        except DomainError:
            pass


async def cycle_count(run: Run, rng: random.Random) -> None:
    await _count(run, rng, CountKind.CYCLE)


async def full_count(run: Run, rng: random.Random) -> None:
    await _count(run, rng, CountKind.FULL)


SCENARIOS: dict[str, Callable[[Run, random.Random], Awaitable[None]]] = {
    "move": plain_move,
    "adjustment": adjustment,
    "scrap": scrap,
    "reservation": reservation,
    "counter_sale": counter_sale,
    "customer_return": customer_return,
    "transfer": transfer,
    "work_order": work_order,
    "purchase_receipt": purchase_receipt,
    "cycle_count": cycle_count,
    "full_count": full_count,
}
# A full count freezes a whole store until it closes: rarer, or little else gets done there.
WEIGHTS = {name: 0.3 if name == "full_count" else 1.0 for name in SCENARIOS}


def plan_for(n: int, rng: random.Random) -> list[str]:
    """Every flow once per actor (full counts for two actors only), the rest drawn at random, all
    shuffled: each document type is attempted several times, so contention cannot starve one."""
    names = list(SCENARIOS)
    plan = [name for name in names if name != "full_count" or n < 2]
    plan += rng.choices(names, [WEIGHTS[name] for name in names], k=max(0, SCENARIOS_PER_ACTOR - len(plan)))
    rng.shuffle(plan)
    return plan


async def actor(run: Run, n: int, rng: random.Random) -> None:
    for name in plan_for(n, rng):
        try:
            await SCENARIOS[name](run, rng)
            run.completed[name] += 1
        except DomainError as error:
            run.refused[(name, str(error.code))] += 1
            run.refusal_messages.setdefault((name, str(error.code)), error.message)
        except Exception as error:  # collected: the test fails listing them all
            frames = [
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in traceback.extract_tb(error.__traceback__)
                if "site-packages" not in f.filename
            ]
            run.crashes.append(f"{name}: {type(error).__name__}: {str(error)[:2000]}\n  in {' > '.join(frames)}")
        await pause(rng)


# --- the test ----------------------------------------------------------------------------------

_BALANCES = text("SELECT part_id, location_id, lot_no, on_hand FROM stock_balance")


async def _balances(session: AsyncSession) -> dict[tuple[int, int, str], Decimal]:
    return {(r.part_id, r.location_id, r.lot_no): r.on_hand for r in await session.execute(_BALANCES)}


async def _top_up(sessions: async_sessionmaker[AsyncSession], ids: dict[str, int]) -> None:
    """Enough stock everywhere that most flows go through, little enough that they contend."""
    lines = [
        ledger.MoveLine(ids[part], ids["V-ADJUSTMENT"], ids[store], Decimal(qty), unit_cost=Decimal(PRICES[part]))
        for part, qty in (("BRK-0001-A", 12), ("FLT-0001-C", 12))
        for store in STORES
    ]
    async with sessions() as session, session.begin():
        await ledger.post(session, Principal.system("test"), ledger.Posting("opening_balance", lines))


async def test_random_mixed_workload_keeps_the_ledger_exact(sessions, monkeypatch) -> None:
    real_post = ledger.post

    async def recording_post(*args: Any, **kwargs: Any) -> ledger.PostingResult:
        result = await real_post(*args, **kwargs)
        captured = _CAPTURED.get()
        if captured is not None:
            captured.append(result)
        return result

    async with sessions() as session:
        ids = dict(
            (await session.execute(text("SELECT code, id FROM location UNION ALL SELECT code, id FROM part")))
            .tuples()
            .all()
        )
    await _top_up(sessions, ids)
    async with sessions() as session:
        before = await _balances(session)
        last_posting = (await session.execute(text("SELECT coalesce(max(id), 0) FROM stock_posting"))).scalar_one()
    monkeypatch.setattr(ledger, "post", recording_post)

    run = Run(sessions, ids)
    master = random.Random(SEED)
    await asyncio.wait_for(
        asyncio.gather(*(actor(run, n, random.Random(master.random())) for n in range(ACTORS))), timeout=120
    )
    summary = f"seed {SEED}: completed {dict(run.completed)}, refused {dict(run.refused)}"
    print("\n" + summary)
    assert run.crashes == [], "\n\n".join(run.crashes[:5])
    unexpected = {k: n for k, n in run.refused.items() if ErrorCode(k[1]) not in EXPECTED_REFUSALS}
    assert unexpected == {}, f"{summary}; {[run.refusal_messages[k] for k in unexpected]}"
    assert set(run.completed) == set(SCENARIOS), f"every document type must complete at least once; {summary}"

    async with sessions() as session:
        assert await check_ledger(session) == []
        after = await _balances(session)
        posted = set(
            (await session.execute(text("SELECT id FROM stock_posting WHERE id > :n"), {"n": last_posting})).scalars()
        )
        virtual = set((await session.execute(text("SELECT id FROM location WHERE kind = 'virtual'"))).scalars())

    model: defaultdict[tuple[int, int, str], Decimal] = defaultdict(Decimal, before)
    for move in run.moves.values():
        if move.from_location_id not in virtual:
            model[(move.part_id, move.from_location_id, move.lot_no)] -= move.quantity
        if move.to_location_id not in virtual:
            model[(move.part_id, move.to_location_id, move.lot_no)] += move.quantity
    keys = set(model) | set(after)
    mismatches = {
        k: (model.get(k, Decimal(0)), after.get(k, Decimal(0))) for k in keys if model.get(k, 0) != after.get(k, 0)
    }
    assert mismatches == {}, "model vs stock_balance"
    assert posted == run.postings, "postings in the database are exactly the acknowledged ones"
    assert len(run.moves) > 50, summary
