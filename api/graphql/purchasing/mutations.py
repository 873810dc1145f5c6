"""Purchasing mutations: thin — decode ids, call one domain service in one transaction, map."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.purchasing.types import (
    ApprovePurchaseOrderInput,
    ApprovePurchaseOrderPayload,
    CancelPurchaseOrderInput,
    CancelPurchaseOrderPayload,
    ClosePurchaseOrderInput,
    ClosePurchaseOrderPayload,
    CloseReceivingSessionInput,
    CloseReceivingSessionPayload,
    ConfirmPutawayInput,
    ConfirmPutawayPayload,
    CreatePurchaseOrderInput,
    CreatePurchaseOrderPayload,
    CreateShipNoticeInput,
    CreateShipNoticePayload,
    InspectReceiptInput,
    InspectReceiptPayload,
    MatchResult,
    PurchaseOrder,
    PurchaseOrderPayloadBase,
    PutawaySuggestion,
    ReceiptLine,
    ReceiptScan,
    ReceivingSession,
    ResolveMatchExceptionInput,
    ResolveMatchExceptionPayload,
    ResolveReceivingHoldInput,
    ResolveReceivingHoldPayload,
    ReturnToVendor,
    ScanReceiptInput,
    ScanReceiptPayload,
    SendPurchaseOrderInput,
    SendPurchaseOrderPayload,
    ShipNotice,
    StartReceivingInput,
    StartReceivingPayload,
    SubmitPurchaseOrderInput,
    SubmitPurchaseOrderPayload,
    SuggestPutawayInput,
    SuggestPutawayPayload,
)
from api.graphql.relay import pk_or_none
from api.graphql.stock.types import StockMove
from domain.errors import DomainError, ErrorCode
from domain.principal import Principal
from domain.purchasing import matching, orders, putaway, qc, receiving, ship_notices
from domain.purchasing.orders import OrderView
from domain.quantities import tidy


def _pk(value: str, type_name: str, field: str) -> int:
    pk = pk_or_none(value, type_name)
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no {type_name} with this id", [field])
    return pk


OrderStep = Callable[[AsyncSession, Principal, int], Awaitable[OrderView]]


P = TypeVar("P", bound=PurchaseOrderPayloadBase)


async def _order_step(info: Info[Context, None], payload: type[P], gid: str, step: OrderStep) -> P:
    try:
        pk = _pk(gid, "PurchaseOrder", "purchaseOrderId")
        async with info.context.write() as session:
            view = await step(session, info.context.principal, pk)
    except DomainError as error:
        return payload(purchase_order=None, errors=user_errors(error))
    return payload(purchase_order=PurchaseOrder.from_model(view.order), errors=[])


@strawberry.type
class PurchasingMutations:
    @strawberry.mutation(description="Create a draft purchase order.")
    async def create_purchase_order(
        self, info: Info[Context, None], input: CreatePurchaseOrderInput
    ) -> CreatePurchaseOrderPayload:
        lines = [
            orders.OrderLineInput(
                part_code=x.part_code,
                quantity=x.quantity,
                destination_code=x.destination_code,
                unit_price=x.unit_price,
                requested_date=x.requested_date,
            )
            for x in input.lines
        ]
        try:
            async with info.context.write() as session:
                view = await orders.create_purchase_order(
                    session, info.context.principal, input.supplier_code, lines, input.notes
                )
        except DomainError as error:
            return CreatePurchaseOrderPayload(purchase_order=None, errors=user_errors(error))
        return CreatePurchaseOrderPayload(purchase_order=PurchaseOrder.from_model(view.order), errors=[])

    @strawberry.mutation(description="Submit a draft for approval; the amount decides whose approval it needs.")
    async def submit_purchase_order(
        self, info: Info[Context, None], input: SubmitPurchaseOrderInput
    ) -> SubmitPurchaseOrderPayload:
        return await _order_step(
            info, SubmitPurchaseOrderPayload, input.purchase_order_id, orders.submit_purchase_order
        )

    @strawberry.mutation(description="Approve a submitted order (or return it to draft).")
    async def approve_purchase_order(
        self, info: Info[Context, None], input: ApprovePurchaseOrderInput
    ) -> ApprovePurchaseOrderPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> OrderView:
            return await orders.approve_purchase_order(
                session, principal, pk, approve=input.approve, comment=input.comment
            )

        return await _order_step(info, ApprovePurchaseOrderPayload, input.purchase_order_id, step)

    @strawberry.mutation(description="Send an approved order to the supplier (emits purchase_order.sent).")
    async def send_purchase_order(
        self, info: Info[Context, None], input: SendPurchaseOrderInput
    ) -> SendPurchaseOrderPayload:
        return await _order_step(info, SendPurchaseOrderPayload, input.purchase_order_id, orders.send_purchase_order)

    @strawberry.mutation(description="Cancel an order nothing was received against.")
    async def cancel_purchase_order(
        self, info: Info[Context, None], input: CancelPurchaseOrderInput
    ) -> CancelPurchaseOrderPayload:
        async def step(session: AsyncSession, principal: Principal, pk: int) -> OrderView:
            return await orders.cancel_purchase_order(session, principal, pk, input.reason)

        return await _order_step(info, CancelPurchaseOrderPayload, input.purchase_order_id, step)

    @strawberry.mutation(description="Close an order: no more goods; received lines go to the three-way match.")
    async def close_purchase_order(
        self, info: Info[Context, None], input: ClosePurchaseOrderInput
    ) -> ClosePurchaseOrderPayload:
        return await _order_step(info, ClosePurchaseOrderPayload, input.purchase_order_id, orders.close_purchase_order)

    @strawberry.mutation(description="Record a ship notice or delivery note against sent orders.")
    async def create_ship_notice(
        self, info: Info[Context, None], input: CreateShipNoticeInput
    ) -> CreateShipNoticePayload:
        cmd = ship_notices.ShipNoticeInput(
            number=input.number,
            lines=[
                ship_notices.ShipNoticeLineInput(
                    purchase_order_number=x.purchase_order_number,
                    line_no=x.line_no,
                    quantity=x.quantity,
                    lot_no=x.lot_no or "",
                    expiry_date=x.expiry_date,
                    unit_price=x.unit_price,
                )
                for x in input.lines
            ],
            carrier=input.carrier,
            tracking_number=input.tracking_number,
            shipped_on=input.shipped_on,
            expected_arrival=input.expected_arrival,
        )
        try:
            async with info.context.write() as session:
                view = await ship_notices.create_ship_notice(session, info.context.principal, cmd)
        except DomainError as error:
            return CreateShipNoticePayload(ship_notice=None, errors=user_errors(error))
        return CreateShipNoticePayload(ship_notice=ShipNotice.from_model(view.notice), errors=[])

    @strawberry.mutation(description="Open a receiving session at a store or warehouse.")
    async def start_receiving(self, info: Info[Context, None], input: StartReceivingInput) -> StartReceivingPayload:
        try:
            async with info.context.write() as session:
                rs = await receiving.start_receiving(
                    session, info.context.principal, input.location_code, input.ship_notice
                )
        except DomainError as error:
            return StartReceivingPayload(receiving_session=None, errors=user_errors(error))
        return StartReceivingPayload(receiving_session=ReceivingSession.from_model(rs), errors=[])

    @strawberry.mutation(description="One scan at the dock: posted into QC, or held with a typed reason.")
    async def scan_receipt(self, info: Info[Context, None], input: ScanReceiptInput) -> ScanReceiptPayload:
        try:
            cmd = receiving.ScanCommand(
                session_id=_pk(input.receiving_session_id, "ReceivingSession", "receivingSessionId"),
                barcode=input.barcode,
                quantity=input.quantity,
                idempotency_key=input.idempotency_key,
                lot_no=input.lot_no or "",
                expiry_date=input.expiry_date,
            )
            async with info.context.write() as session:
                result = await receiving.scan_receipt(session, info.context.principal, cmd)
        except DomainError as error:
            return ScanReceiptPayload(scan=None, receipts=[], replayed=False, errors=user_errors(error))
        hold = result.hold
        return ScanReceiptPayload(
            scan=ReceiptScan.from_model(result.scan),
            receipts=[ReceiptLine.from_model(r) for r in result.lines],
            replayed=result.replayed,
            errors=user_errors(hold) if hold else [],
        )

    @strawberry.mutation(description="Decide a held scan: post, discard, or (short receipts) backorder / close short.")
    async def resolve_receiving_hold(
        self, info: Info[Context, None], input: ResolveReceivingHoldInput
    ) -> ResolveReceivingHoldPayload:
        try:
            scan_id = _pk(input.scan_id, "ReceiptScan", "scanId")
            line_id = (
                _pk(input.purchase_order_line_id, "PurchaseOrderLine", "purchaseOrderLineId")
                if input.purchase_order_line_id
                else None
            )
            async with info.context.write() as session:
                result = await receiving.resolve_receiving_hold(
                    session, info.context.principal, scan_id, input.decision, po_line_id=line_id, note=input.note
                )
        except DomainError as error:
            return ResolveReceivingHoldPayload(scan=None, receipts=[], errors=user_errors(error))
        return ResolveReceivingHoldPayload(
            scan=ReceiptScan.from_model(result.scan),
            receipts=[ReceiptLine.from_model(r) for r in result.lines],
            errors=[],
        )

    @strawberry.mutation(description="Close a receiving session; short ship-notice lines become held scans.")
    async def close_receiving_session(
        self, info: Info[Context, None], input: CloseReceivingSessionInput
    ) -> CloseReceivingSessionPayload:
        try:
            pk = _pk(input.receiving_session_id, "ReceivingSession", "receivingSessionId")
            async with info.context.write() as session:
                rs, holds = await receiving.close_receiving_session(session, info.context.principal, pk)
        except DomainError as error:
            return CloseReceivingSessionPayload(receiving_session=None, short_receipts=[], errors=user_errors(error))
        return CloseReceivingSessionPayload(
            receiving_session=ReceivingSession.from_model(rs),
            short_receipts=[ReceiptScan.from_model(s) for s in holds],
            errors=[],
        )

    @strawberry.mutation(description="QC: accept all or part of a receipt line, reject the rest with a reason.")
    async def inspect_receipt(self, info: Info[Context, None], input: InspectReceiptInput) -> InspectReceiptPayload:
        try:
            pk = _pk(input.receipt_line_id, "ReceiptLine", "receiptLineId")
            async with info.context.write() as session:
                result = await qc.inspect_receipt(
                    session,
                    info.context.principal,
                    pk,
                    accepted=input.accepted_quantity,
                    rejected=input.rejected_quantity,
                    reason=input.reason,
                    idempotency_key=input.idempotency_key,
                )
        except DomainError as error:
            return InspectReceiptPayload(
                receipt_line=None, return_to_vendor=None, replayed=False, errors=user_errors(error)
            )
        rtv = result.return_to_vendor
        return InspectReceiptPayload(
            receipt_line=ReceiptLine.from_model(result.receipt),
            return_to_vendor=ReturnToVendor.from_model(rtv) if rtv else None,
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Suggest bins for accepted goods waiting in QC (changes nothing).")
    async def suggest_putaway(self, info: Info[Context, None], input: SuggestPutawayInput) -> SuggestPutawayPayload:
        try:
            pk = _pk(input.receipt_line_id, "ReceiptLine", "receiptLineId")
            async with info.context.read() as session:
                plan = await putaway.suggest_putaway(session, info.context.principal, pk, input.quantity)
        except DomainError as error:
            return SuggestPutawayPayload(suggestions=[], unplaced_quantity=Decimal(0), errors=user_errors(error))
        return SuggestPutawayPayload(
            suggestions=[PutawaySuggestion.from_domain(s) for s in plan.suggestions],
            unplaced_quantity=tidy(plan.unplaced),
            errors=[],
        )

    @strawberry.mutation(description="Confirm a putaway by the scanned bin: stock moves QC → bin.")
    async def confirm_putaway(self, info: Info[Context, None], input: ConfirmPutawayInput) -> ConfirmPutawayPayload:
        try:
            pk = _pk(input.receipt_line_id, "ReceiptLine", "receiptLineId")
            async with info.context.write() as session:
                result = await putaway.confirm_putaway(
                    session, info.context.principal, pk, input.location_code, input.quantity, input.idempotency_key
                )
        except DomainError as error:
            return ConfirmPutawayPayload(receipt_line=None, move=None, replayed=False, errors=user_errors(error))
        return ConfirmPutawayPayload(
            receipt_line=ReceiptLine.from_model(result.receipt),
            move=StockMove.from_domain(result.move),
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Release a match exception for invoicing, or dispute it (by role).")
    async def resolve_match_exception(
        self, info: Info[Context, None], input: ResolveMatchExceptionInput
    ) -> ResolveMatchExceptionPayload:
        try:
            pk = _pk(input.match_id, "MatchResult", "matchId")
            async with info.context.write() as session:
                found = await matching.resolve_match_exception(
                    session, info.context.principal, pk, release=input.release, note=input.note
                )
        except DomainError as error:
            return ResolveMatchExceptionPayload(match=None, errors=user_errors(error))
        return ResolveMatchExceptionPayload(match=MatchResult.from_model(found), errors=[])
