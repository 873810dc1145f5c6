"""Transfer orders on the seed: request → approve (reserves) → partial shipments through V-TRANSIT →
receipts with a discrepancy; refusals leave the ledger untouched."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role
from domain.stock.check import check_ledger
from domain.transfers import queries, receiving, service, shipping
from domain.transfers.receiving import ReceiveTransfer
from domain.transfers.service import PartQuantity, RequestTransfer
from domain.transfers.shipping import ShipItem, ShipTransfer

BJ01, BJ02 = "HQ/R-N/S-BJ01", "HQ/R-N/S-BJ02"
STAFF_BJ01 = Principal(PrincipalKind.USER, "zhao", frozenset({Role.STORE_STAFF}), location_paths=(BJ01,))
STAFF_BJ02 = Principal(PrincipalKind.USER, "qian", frozenset({Role.STORE_STAFF}), location_paths=(BJ02,))
MANAGER_BJ02 = Principal(PrincipalKind.USER, "sun", frozenset({Role.STORE_MANAGER}), location_paths=(BJ02,))


async def _stock(sessions, location: str, part: str = "BRK-0001-A") -> tuple[Decimal, Decimal]:
    async with sessions() as s:
        row = (
            await s.execute(
                text(
                    "SELECT coalesce(sum(on_hand), 0), coalesce(sum(reserved), 0) FROM stock_balance b "
                    "JOIN part p ON p.id = b.part_id JOIN location l ON l.id = b.location_id "
                    "WHERE p.code = :p AND l.code = :l"
                ),
                {"p": part, "l": location},
            )
        ).one()
    return row[0], row[1]


async def _in_transit(sessions) -> Decimal:
    async with sessions() as s:
        return (
            await s.execute(
                text(
                    "SELECT coalesce(sum(CASE WHEN l.code = 'V-TRANSIT' AND m.to_location_id = l.id THEN quantity "
                    "ELSE -quantity END), 0) FROM stock_move m JOIN location l "
                    "ON l.id IN (m.from_location_id, m.to_location_id) AND l.code = 'V-TRANSIT'"
                )
            )
        ).scalar_one()


async def _run(sessions, fn, principal, *args):
    async with sessions() as s, s.begin():
        return await fn(s, principal, *args)


async def test_request_approve_ship_in_parts_receive_with_discrepancy(sessions) -> None:
    requested = await _run(
        sessions,
        service.request_transfer,
        STAFF_BJ01,
        RequestTransfer("S-BJ02", "S-BJ01", [PartQuantity("BRK-0001-A", Decimal(10))], idempotency_key="req-1"),
    )
    again = await _run(
        sessions,
        service.request_transfer,
        STAFF_BJ01,
        RequestTransfer("S-BJ02", "S-BJ01", [PartQuantity("BRK-0001-A", Decimal(10))], idempotency_key="req-1"),
    )
    order_id = requested.transfer.id
    assert again.replayed and again.transfer.id == order_id and requested.transfer.status == "requested"

    with pytest.raises(DomainError) as err:
        await _run(sessions, service.approve_transfer, STAFF_BJ02, order_id)
    assert err.value.code == ErrorCode.FORBIDDEN
    approved = await _run(sessions, service.approve_transfer, MANAGER_BJ02, order_id)
    assert approved.status == "approved" and approved.approved_by == MANAGER_BJ02.actor
    assert await _stock(sessions, "S-BJ02") == (15, 10)

    # More than ordered: typed error and nothing moves.
    with pytest.raises(DomainError) as err:
        await _run(
            sessions, shipping.ship_transfer, STAFF_BJ02, ShipTransfer(order_id, [ShipItem("BRK-0001-A", Decimal(11))])
        )
    assert err.value.code == ErrorCode.INVALID_QUANTITY
    assert await _stock(sessions, "S-BJ02") == (15, 10)

    first = await _run(
        sessions,
        shipping.ship_transfer,
        STAFF_BJ02,
        ShipTransfer(order_id, [ShipItem("BRK-0001-A", Decimal(4))], idempotency_key="ship-1"),
    )
    assert first.transfer.status == "partially_shipped" and first.shipment.shipment_no == 1
    assert [(m.quantity, m.unit_cost) for m in first.moves] == [(Decimal(4), Decimal(180))]
    assert await _stock(sessions, "S-BJ02") == (11, 6)
    assert await _in_transit(sessions) == 4

    with pytest.raises(DomainError) as err:  # receiving happens at the destination
        await _run(sessions, receiving.receive_transfer, STAFF_BJ02, ReceiveTransfer(order_id))
    assert err.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as err:
        await _run(
            sessions, receiving.receive_transfer, STAFF_BJ01, ReceiveTransfer(order_id, to_location_code="V-SCRAP")
        )
    assert err.value.code == ErrorCode.INVALID_LOCATION
    got = await _run(
        sessions,
        receiving.receive_transfer,
        STAFF_BJ01,
        ReceiveTransfer(
            order_id, items=[PartQuantity("BRK-0001-A", Decimal(3))], note="one box crushed", idempotency_key="rcv-1"
        ),
    )
    assert got.shipment.status == "received" and got.transfer.status == "partially_shipped"
    assert await _stock(sessions, "S-BJ01") == (3, 0)
    replay = await _run(
        sessions, receiving.receive_transfer, STAFF_BJ01, ReceiveTransfer(order_id, idempotency_key="rcv-1")
    )
    assert replay.replayed and [m.id for m in replay.moves] == [m.id for m in got.moves]
    with pytest.raises(DomainError) as err:  # receiving the same shipment twice
        await _run(sessions, receiving.receive_transfer, STAFF_BJ01, ReceiveTransfer(order_id, shipment_no=1))
    assert err.value.code == ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as err:  # nothing left in transit
        await _run(sessions, receiving.receive_transfer, STAFF_BJ01, ReceiveTransfer(order_id))
    assert err.value.code == ErrorCode.INVALID_STATE

    rest = await _run(sessions, shipping.ship_transfer, STAFF_BJ02, ShipTransfer(order_id))
    assert rest.transfer.status == "partially_received" and rest.shipment.shipment_no == 2
    assert await _stock(sessions, "S-BJ02") == (5, 0)
    done = await _run(sessions, receiving.receive_transfer, STAFF_BJ01, ReceiveTransfer(order_id))
    assert done.transfer.status == "received"
    assert await _stock(sessions, "S-BJ01") == (9, 0)
    async with sessions() as s:
        (line,) = (await queries.lines_by_transfer_ids(s, [order_id]))[order_id]
        assert (line.shipped, line.received, line.discrepancy) == (10, 9, 1)
        assert await check_ledger(s) == []
    assert await _in_transit(sessions) == 1  # the crushed box stays on the transit account


async def test_refusals(sessions) -> None:
    with pytest.raises(DomainError) as err:
        await _run(
            sessions,
            service.request_transfer,
            STAFF_BJ01,
            RequestTransfer("S-BJ02", "V-WORKSHOP", [PartQuantity("BRK-0001-A", Decimal(1))]),
        )
    assert err.value.code == ErrorCode.INVALID_LOCATION
    with pytest.raises(DomainError) as err:  # not your store
        await _run(
            sessions,
            service.request_transfer,
            STAFF_BJ01,
            RequestTransfer("S-BJ01", "S-BJ02", [PartQuantity("BRK-0001-A", Decimal(1))]),
        )
    assert err.value.code == ErrorCode.UNKNOWN_LOCATION

    hq = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}))
    own = await _run(
        sessions,
        service.request_transfer,
        hq,
        RequestTransfer("WH-A-01-01", "S-BJ01", [PartQuantity("BRK-0001-A", Decimal(250))], emergency=True),
    )
    assert own.transfer.from_site_id != own.transfer.to_site_id
    with pytest.raises(DomainError) as err:
        await _run(sessions, service.approve_transfer, hq, own.transfer.id)
    assert err.value.code == ErrorCode.FORBIDDEN and "own" in err.value.message
    other_hq = Principal(PrincipalKind.USER, "hq2", frozenset({Role.HQ_OPERATIONS}))
    await _run(sessions, service.approve_transfer, other_hq, own.transfer.id)
    assert await _stock(sessions, "WH-A-01-01") == (200, 200)  # reserved what there is
    with pytest.raises(DomainError) as err:  # 250 asked, only 200 there
        await _run(sessions, shipping.ship_transfer, hq, ShipTransfer(own.transfer.id))
    assert err.value.code == ErrorCode.INSUFFICIENT_STOCK
    shipped = await _run(
        sessions,
        shipping.ship_transfer,
        hq,
        ShipTransfer(own.transfer.id, [ShipItem("BRK-0001-A", Decimal(200), "WH-A-01-01")], final=True),
    )
    assert shipped.transfer.status == "shipped" and shipped.transfer.shipping_closed
    assert await _stock(sessions, "WH-A-01-01") == (0, 0)

    cancelled = await _run(
        sessions,
        service.request_transfer,
        STAFF_BJ01,
        RequestTransfer("S-TJ01", "S-BJ01", [PartQuantity("BRK-0001-A", Decimal(5))]),
    )
    await _run(sessions, service.approve_transfer, other_hq, cancelled.transfer.id)
    assert await _stock(sessions, "S-TJ01") == (50, 5)
    await _run(sessions, service.cancel_transfer, STAFF_BJ01, cancelled.transfer.id)
    assert await _stock(sessions, "S-TJ01") == (50, 0)
    with pytest.raises(DomainError) as err:
        await _run(sessions, shipping.ship_transfer, hq, ShipTransfer(cancelled.transfer.id))
    assert err.value.code == ErrorCode.INVALID_STATE
    async with sessions() as s:
        assert await check_ledger(s) == []


async def test_two_receivers_at_once_receive_once(sessions) -> None:
    hq = Principal(PrincipalKind.USER, "hq", frozenset({Role.HQ_OPERATIONS}))
    requested = await _run(
        sessions,
        service.request_transfer,
        STAFF_BJ01,
        RequestTransfer("S-BJ03", "S-BJ01", [PartQuantity("BRK-0001-A", Decimal(6))]),
    )
    await _run(sessions, service.approve_transfer, hq, requested.transfer.id)
    await _run(sessions, shipping.ship_transfer, hq, ShipTransfer(requested.transfer.id))

    async def receive() -> str:
        try:
            await _run(sessions, receiving.receive_transfer, STAFF_BJ01, ReceiveTransfer(requested.transfer.id, 1))
            return "ok"
        except DomainError as error:
            return error.code

    results = await asyncio.gather(*(receive() for _ in range(6)))
    assert sorted(results) == [ErrorCode.INVALID_STATE] * 5 + ["ok"]
    assert await _stock(sessions, "S-BJ01") == (6, 0)
    async with sessions() as s:
        assert await check_ledger(s) == []
