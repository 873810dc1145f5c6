"""GraphQL types of reconciliation statements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from api.graphql.catalog.types import Supplier
from api.graphql.context import Context
from api.graphql.errors import UserError
from api.graphql.related import related_supplier
from api.graphql.relay import Connection, Node, connection, int_cursor, page_size, to_global_id
from api.graphql.statements.loaders import comments_by_statement_id
from api.statements import download_url
from domain.quantities import tidy
from domain.vmi.statements import models as m
from domain.vmi.statements.queries import lines_of
from domain.vmi.statements.render import StatementFormat

StatementStatus = m.StatementStatus
StatementKind = m.StatementKind
StatementSection = m.StatementSection
StatementFileFormat = StatementFormat
strawberry.enum(StatementStatus, name="StatementStatus")
strawberry.enum(StatementKind, name="StatementKind", description="MONTHLY: the account of record; RANGE: on demand.")
strawberry.enum(StatementSection, name="StatementSection")
strawberry.enum(StatementFileFormat, name="StatementFileFormat")

LINES_PAGE_CAP = 500


@strawberry.type(description="One entry of a statement's thread (supplier and finance), or a status change note.")
class StatementComment:
    created_at: datetime
    author: str
    author_side: str = strawberry.field(description="supplier or internal")
    action: str | None = strawberry.field(description="The transition it came with (confirm, dispute, ...).")
    body: str

    @classmethod
    def from_model(cls, c: m.StatementComment) -> StatementComment:
        return cls(created_at=c.created_at, author=c.author, author_side=c.author_side, action=c.action, body=c.body)


@strawberry.type(description="One statement line, traceable to its stock move, posting and document.")
class StatementLine:
    line_no: int
    section: StatementSection
    occurred_at: datetime
    stock_move_id: strawberry.ID | None = strawberry.field(description="Global id of the ledger move (StockMove).")
    posting_id: str | None
    doc_type: str
    doc_ref: str | None
    purchase_order_number: str | None
    purchase_order_line_no: int | None
    part_code: str | None
    part_name_zh: str | None
    part_name_en: str | None
    location_code: str | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal = strawberry.field(description="Effect on the closing amount: returns and credits are negative.")
    note: str | None
    source_id: str | None = strawberry.field(description="Receipt line, return line, match or credit note id.")

    @classmethod
    def from_model(cls, x: m.StatementLine) -> StatementLine:
        return cls(
            line_no=x.line_no,
            section=m.StatementSection(x.section),
            occurred_at=x.occurred_at,
            stock_move_id=to_global_id("StockMove", x.move_id) if x.move_id is not None else None,
            posting_id=str(x.posting_id) if x.posting_id is not None else None,
            doc_type=x.doc_type,
            doc_ref=x.doc_ref,
            purchase_order_number=x.po_number,
            purchase_order_line_no=x.po_line_no,
            part_code=x.part_code,
            part_name_zh=x.part_name_zh,
            part_name_en=x.part_name_en,
            location_code=x.location_code,
            quantity=tidy(x.quantity),
            unit_price=tidy(x.unit_price),
            amount=x.amount,
            note=x.note,
            source_id=str(x.source_id) if x.source_id is not None else None,
        )


@strawberry.type(description="A supplier's reconciliation statement for a month or a date range.")
class Statement(Node):
    number: str
    kind: StatementKind
    status: StatementStatus
    period_start: date
    period_end: date
    currency: str
    opening_balance: Decimal = strawberry.field(description="Previous monthly statement's closing − settled.")
    receipts_amount: Decimal
    returns_amount: Decimal = strawberry.field(description="Subtracted from the closing amount.")
    price_differences_amount: Decimal
    consignment_amount: Decimal
    credits_amount: Decimal = strawberry.field(description="Subtracted from the closing amount.")
    closing_amount: Decimal
    settled_amount: Decimal | None
    settlement_reference: str | None
    line_count: int
    revision: int
    generated_by: str
    generated_at: datetime
    issued_at: datetime | None
    confirmed_at: datetime | None
    disputed_at: datetime | None
    settled_at: datetime | None
    pk: strawberry.Private[int]
    supplier_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, st: m.Statement) -> Statement:
        return cls(
            id=to_global_id("Statement", st.id),
            number=st.number,
            kind=m.StatementKind(st.kind),
            status=m.StatementStatus(st.status),
            period_start=st.period_start,
            period_end=st.period_end,
            currency=st.currency,
            opening_balance=st.opening_balance,
            receipts_amount=st.receipts_amount,
            returns_amount=st.returns_amount,
            price_differences_amount=st.price_differences_amount,
            consignment_amount=st.consignment_amount,
            credits_amount=st.credits_amount,
            closing_amount=st.closing_amount,
            settled_amount=st.settled_amount,
            settlement_reference=st.settlement_reference,
            line_count=st.line_count,
            revision=st.revision,
            generated_by=st.generated_by,
            generated_at=st.generated_at,
            issued_at=st.issued_at,
            confirmed_at=st.confirmed_at,
            disputed_at=st.disputed_at,
            settled_at=st.settled_at,
            pk=st.id,
            supplier_id=st.supplier_id,
        )

    @strawberry.field
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await related_supplier(info, self.supplier_id)

    @strawberry.field(description="The thread between the supplier and finance, oldest first.")
    async def comments(self, info: Info[Context, None]) -> list[StatementComment]:
        found = await comments_by_statement_id(info.context).load(self.pk)
        return [StatementComment.from_model(c) for c in found]

    @strawberry.field(description="Lines in statement order (section, then time).")
    async def lines(
        self,
        info: Info[Context, None],
        section: StatementSection | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StatementLine]:
        size = page_size(first, LINES_PAGE_CAP, default=100)
        after_line_no = int_cursor(after)
        async with info.context.read() as session:
            rows, has_next = await lines_of(
                session,
                self.pk,
                section=section.value if section else None,
                first=size,
                after_line_no=after_line_no,
            )
        return connection([StatementLine.from_model(x) for x in rows], [str(x.line_no) for x in rows], has_next, after)

    @strawberry.field(
        description="A signed download link (about 5 minutes, this statement and format only); no token needed."
    )
    async def download_url(self, info: Info[Context, None], format: StatementFileFormat) -> str:
        return await download_url(info.context.settings, info.context.sessions, self.pk, StatementFormat(format))


@strawberry.input
class GenerateStatementInput:
    supplier_code: str
    month: date | None = strawberry.field(default=None, description="Any day of the month (a monthly statement).")
    period_start: date | None = strawberry.field(default=None, description="With periodEnd: any range instead.")
    period_end: date | None = None


@strawberry.input
class IssueStatementInput:
    statement_id: strawberry.ID
    comment: str | None = None


@strawberry.input
class ConfirmStatementInput:
    statement_id: strawberry.ID
    comment: str | None = None


@strawberry.input
class DisputeStatementInput:
    statement_id: strawberry.ID
    comment: str = strawberry.field(description="What is wrong (required).")


@strawberry.input
class CommentStatementInput:
    statement_id: strawberry.ID
    comment: str
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key adds nothing.")


@strawberry.input
class ReissueStatementInput:
    statement_id: strawberry.ID
    comment: str | None = None


@strawberry.input
class SettleStatementInput:
    statement_id: strawberry.ID
    amount: Decimal | None = strawberry.field(default=None, description="Default: the closing amount.")
    reference: str | None = strawberry.field(default=None, description="Payment reference.")
    comment: str | None = None


@strawberry.input
class AddStatementCreditInput:
    statement_id: strawberry.ID
    amount: Decimal
    reason: str
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key adds nothing.")


@strawberry.type
class StatementPayloadBase:
    statement: Statement | None
    errors: list[UserError]


@strawberry.type
class GenerateStatementPayload(StatementPayloadBase):
    pass


@strawberry.type
class IssueStatementPayload(StatementPayloadBase):
    pass


@strawberry.type
class ConfirmStatementPayload(StatementPayloadBase):
    pass


@strawberry.type
class DisputeStatementPayload(StatementPayloadBase):
    pass


@strawberry.type
class ReissueStatementPayload(StatementPayloadBase):
    pass


@strawberry.type
class SettleStatementPayload(StatementPayloadBase):
    pass


@strawberry.type
class AddStatementCreditPayload(StatementPayloadBase):
    pass


@strawberry.type
class CommentStatementPayload(StatementPayloadBase):
    comment: StatementComment | None
