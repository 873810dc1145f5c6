"""VMI agreements: a buyer states, per supplier × part × site, the levels the supplier keeps the
site between — quantities, or days of cover — how often the supplier reviews, and whether the stock
is on consignment (owned by the supplier until consumed, in its own zone of the site)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Part, Supplier, SupplierPart
from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import SITE_KINDS, Location
from domain.principal import Principal
from domain.purchasing.common import clean_text
from domain.quantities import validate_money, validate_quantity
from domain.vmi.consignment import ensure_consignment_location
from domain.vmi.models import OPEN_PROPOSAL_STATUSES, LevelMode, ProposalStatus, VmiAgreement, VmiProposal
from domain.vmi.policy import can_read, ensure_buyer_at, scope_clause, sees

MAX_DAYS = Decimal(3650)


@dataclass(frozen=True)
class AgreementInput:
    supplier_code: str
    part_code: str
    location_code: str
    mode: str
    min_qty: Decimal | None = None
    max_qty: Decimal | None = None
    min_days: Decimal | None = None
    max_days: Decimal | None = None
    review_days: int = 7
    consignment: bool = False
    consignment_unit_price: Decimal | None = None
    notes: str | None = None


@dataclass(frozen=True)
class AgreementChanges:
    """What to change; None keeps the current value. Switching the mode needs the new mode's levels."""

    mode: str | None = None
    min_qty: Decimal | None = None
    max_qty: Decimal | None = None
    min_days: Decimal | None = None
    max_days: Decimal | None = None
    review_days: int | None = None
    consignment: bool | None = None
    consignment_unit_price: Decimal | None = None
    active: bool | None = None
    notes: str | None = None


@dataclass(frozen=True)
class _Levels:
    mode: str
    min_qty: Decimal | None
    max_qty: Decimal | None
    min_days: Decimal | None
    max_days: Decimal | None


def _mode(value: str) -> LevelMode:
    try:
        return LevelMode(str(value).strip().lower())
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, "mode is quantity or days_of_cover", ["mode"]) from None


def _check_levels(
    mode: LevelMode,
    precision: int,
    min_qty: Decimal | None,
    max_qty: Decimal | None,
    min_days: Decimal | None,
    max_days: Decimal | None,
) -> _Levels:
    """One mode per agreement: its two levels are required and positive, min ≤ max; the other
    mode's levels must be absent (a form that sends both is ambiguous)."""
    errors: list[DomainError] = []
    if mode is LevelMode.QUANTITY:
        low_name, high_name, low, high = "minQuantity", "maxQuantity", min_qty, max_qty
        others = (("minDaysOfCover", min_days), ("maxDaysOfCover", max_days))
    else:
        low_name, high_name, low, high = "minDaysOfCover", "maxDaysOfCover", min_days, max_days
        others = (("minQuantity", min_qty), ("maxQuantity", max_qty))
    for name, value in others:
        if value is not None:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, f"{name} does not apply in {mode.value} mode", [name]))
    checked: list[Decimal | None] = []
    for name, value in ((low_name, low), (high_name, high)):
        if value is None:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, f"{name} is required in {mode.value} mode", [name]))
            checked.append(None)
            continue
        try:
            number = validate_quantity(value, precision if mode is LevelMode.QUANTITY else 2, name)
            if mode is LevelMode.DAYS_OF_COVER and number > MAX_DAYS:
                raise DomainError(ErrorCode.INVALID_QUANTITY, f"{name} must not exceed {MAX_DAYS} days", [name])
            checked.append(number)
        except DomainError as error:
            errors.append(error)
            checked.append(None)
    lo, hi = checked
    if lo is not None and hi is not None and lo > hi:
        errors.append(DomainError(ErrorCode.INVALID_QUANTITY, f"{low_name} must not exceed {high_name}", [low_name]))
    if errors:
        raise DomainErrors(errors)
    if mode is LevelMode.QUANTITY:
        return _Levels(mode.value, lo, hi, None, None)
    return _Levels(mode.value, None, None, lo, hi)


def _review_days(value: int) -> int:
    if not isinstance(value, int) or not 1 <= value <= 365:
        raise DomainError(ErrorCode.INVALID_INPUT, "the review cadence is 1 to 365 days", ["reviewCadenceDays"])
    return value


def _price(consignment: bool, price: Decimal | None) -> Decimal | None:
    if not consignment:
        if price is not None:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "a consignment price needs a consignment agreement", ["consignmentUnitPrice"]
            )
        return None
    if price is None:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "a consignment agreement needs a consignment unit price", ["consignmentUnitPrice"]
        )
    return validate_money(price, "consignmentUnitPrice")


async def _offered(session: AsyncSession, supplier_id: int, part: Part) -> bool:
    """The supplier offers the part: a supplier-part listing, or it is the part's primary or backup
    supplier (the same rule that decides which parts a supplier sees)."""
    if supplier_id in (part.primary_supplier_id, part.backup_supplier_id):
        return True
    found = await session.execute(
        select(SupplierPart.part_id).where(SupplierPart.supplier_id == supplier_id, SupplierPart.part_id == part.id)
    )
    return found.first() is not None


async def create_agreement(session: AsyncSession, principal: Principal, cmd: AgreementInput) -> VmiAgreement:
    """A buyer of the site sets up an agreement; one per supplier × part × site (edit that one)."""
    site_code = (cmd.location_code or "").strip().upper()
    site = (await session.execute(select(Location).where(Location.code == site_code))).scalar_one_or_none()
    if site is None or not principal.sees_path(site.path):
        raise DomainError(ErrorCode.UNKNOWN_LOCATION, f"no location with code {site_code}", ["locationCode"])
    ensure_buyer_at(principal, site.path)
    if site.kind not in SITE_KINDS or not site.active or site.owner_supplier_id is not None:
        raise DomainError(
            ErrorCode.INVALID_LOCATION, f"{site.code} is not an active store or warehouse", ["locationCode"]
        )
    supplier_code = (cmd.supplier_code or "").strip().upper()
    supplier = (await session.execute(select(Supplier).where(Supplier.code == supplier_code))).scalar_one_or_none()
    if supplier is None or not supplier.active:
        raise DomainError(ErrorCode.UNKNOWN_SUPPLIER, f"no active supplier with code {supplier_code}", ["supplierCode"])
    part_code = (cmd.part_code or "").strip().upper()
    part = (await session.execute(select(Part).where(Part.code == part_code))).scalar_one_or_none()
    if part is None or not part.active:
        raise DomainError(ErrorCode.UNKNOWN_PART, f"no active part with code {part_code}", ["partCode"])
    if not await _offered(session, supplier.id, part):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"{supplier.code} does not offer {part.code} (no supplier-part listing)",
            ["partCode"],
        )
    levels = _check_levels(_mode(cmd.mode), part.uom_precision, cmd.min_qty, cmd.max_qty, cmd.min_days, cmd.max_days)
    review = _review_days(cmd.review_days)
    price = _price(cmd.consignment, cmd.consignment_unit_price)
    notes = clean_text(cmd.notes, "notes", 2000)
    zone = await ensure_consignment_location(session, site, supplier) if cmd.consignment else None
    inserted = await session.execute(
        pg_insert(VmiAgreement)
        .values(
            supplier_id=supplier.id,
            part_id=part.id,
            location_id=site.id,
            mode=levels.mode,
            min_qty=levels.min_qty,
            max_qty=levels.max_qty,
            min_days=levels.min_days,
            max_days=levels.max_days,
            review_days=review,
            consignment=cmd.consignment,
            consignment_unit_price=price,
            consignment_location_id=zone.id if zone else None,
            active=True,
            notes=notes,
            created_by=principal.actor,
            updated_by=principal.actor,
        )
        .on_conflict_do_nothing(constraint="uq_vmi_agreement_supplier_part_location")
        .returning(VmiAgreement.id)
    )
    pk = inserted.scalar_one_or_none()
    if pk is None:
        raise DomainError(
            ErrorCode.DUPLICATE,
            f"{supplier.code} already has an agreement for {part.code} at {site.code}; change that one",
            ["partCode"],
        )
    created = await session.get(VmiAgreement, pk)
    assert created is not None
    return created


async def lock_agreements(session: AsyncSession, ids: Sequence[int]) -> dict[int, VmiAgreement]:
    """Agreements locked in id order (the VMI lock order), fresh from the database."""
    stmt = (
        select(VmiAgreement)
        .where(VmiAgreement.id.in_(sorted(set(ids))))
        .order_by(VmiAgreement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {a.id: a for a in (await session.execute(stmt)).scalars()}


async def _site(session: AsyncSession, agreement: VmiAgreement) -> Location:
    site = await session.get(Location, agreement.location_id)
    assert site is not None
    return site


async def update_agreement(
    session: AsyncSession, principal: Principal, agreement_id: int, changes: AgreementChanges
) -> VmiAgreement:
    """Change levels, cadence, consignment or the active flag. Deactivating cancels the agreement's
    open proposals (nothing can be ordered under an inactive agreement)."""
    agreement = (await lock_agreements(session, [agreement_id])).get(agreement_id)
    site = await _site(session, agreement) if agreement else None
    if agreement is None or site is None or not sees(principal, agreement.supplier_id, site.path):
        raise DomainError(ErrorCode.NOT_FOUND, "no VMI agreement with this id", ["agreementId"])
    ensure_buyer_at(principal, site.path)
    part = await session.get(Part, agreement.part_id)
    assert part is not None
    mode = _mode(changes.mode) if changes.mode is not None else LevelMode(agreement.mode)
    switching = mode.value != agreement.mode
    if mode is LevelMode.QUANTITY:
        lo = changes.min_qty if changes.min_qty is not None or switching else agreement.min_qty
        hi = changes.max_qty if changes.max_qty is not None or switching else agreement.max_qty
        levels = _check_levels(mode, part.uom_precision, lo, hi, changes.min_days, changes.max_days)
    else:
        lo = changes.min_days if changes.min_days is not None or switching else agreement.min_days
        hi = changes.max_days if changes.max_days is not None or switching else agreement.max_days
        levels = _check_levels(mode, part.uom_precision, changes.min_qty, changes.max_qty, lo, hi)
    consignment = agreement.consignment if changes.consignment is None else changes.consignment
    if changes.consignment_unit_price is not None or changes.consignment is not None:
        price = _price(
            consignment,
            changes.consignment_unit_price
            if changes.consignment_unit_price is not None
            else (agreement.consignment_unit_price if consignment else None),
        )
    else:
        price = agreement.consignment_unit_price
    if consignment and agreement.consignment_location_id is None:
        supplier = await session.get(Supplier, agreement.supplier_id)
        assert supplier is not None
        agreement.consignment_location_id = (await ensure_consignment_location(session, site, supplier)).id
    agreement.mode = levels.mode
    agreement.min_qty, agreement.max_qty = levels.min_qty, levels.max_qty
    agreement.min_days, agreement.max_days = levels.min_days, levels.max_days
    if changes.review_days is not None:
        agreement.review_days = _review_days(changes.review_days)
    # Turning consignment off keeps the zone linked: stock still in it stays the supplier's.
    agreement.consignment = consignment
    agreement.consignment_unit_price = price
    if changes.notes is not None:
        agreement.notes = clean_text(changes.notes, "notes", 2000)
    if changes.active is not None:
        if changes.active and not agreement.active:
            supplier = await session.get(Supplier, agreement.supplier_id)
            if not part.active or supplier is None or not supplier.active:
                raise DomainError(ErrorCode.INVALID_STATE, "the part or supplier is inactive", ["active"])
        if not changes.active and agreement.active:
            await session.execute(
                update(VmiProposal)
                .where(
                    VmiProposal.agreement_id == agreement.id,
                    VmiProposal.status.in_([s.value for s in OPEN_PROPOSAL_STATUSES]),
                )
                .values(
                    status=ProposalStatus.CANCELLED.value,
                    decision_comment="agreement deactivated / 协议已停用",
                    decided_by=principal.actor,
                )
            )
        agreement.active = changes.active
    agreement.updated_by = principal.actor
    await session.flush()
    await session.refresh(agreement)
    return agreement


async def get_agreement(session: AsyncSession, principal: Principal, agreement_id: int) -> VmiAgreement | None:
    if not can_read(principal):
        return None
    stmt = select(VmiAgreement).where(
        VmiAgreement.id == agreement_id, scope_clause(principal, VmiAgreement.supplier_id, VmiAgreement.location_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_agreements(
    session: AsyncSession,
    principal: Principal,
    *,
    supplier_code: str | None = None,
    location_code: str | None = None,
    part_code: str | None = None,
    active: bool | None = True,
    consignment: bool | None = None,
    first: int = 50,
    after_id: int | None = None,
) -> tuple[list[VmiAgreement], bool]:
    """Agreements the principal may see, in id order (keyset pagination on the id)."""
    if not can_read(principal):
        return [], False
    stmt = select(VmiAgreement).where(scope_clause(principal, VmiAgreement.supplier_id, VmiAgreement.location_id))
    if supplier_code:
        stmt = stmt.where(
            VmiAgreement.supplier_id.in_(select(Supplier.id).where(Supplier.code == supplier_code.strip().upper()))
        )
    if location_code:
        code = location_code.strip().upper()
        stmt = stmt.where(VmiAgreement.location_id.in_(select(Location.id).where(Location.code == code)))
    if part_code:
        stmt = stmt.where(VmiAgreement.part_id.in_(select(Part.id).where(Part.code == part_code.strip().upper())))
    if active is not None:
        stmt = stmt.where(VmiAgreement.active.is_(active))
    if consignment is not None:
        stmt = stmt.where(VmiAgreement.consignment.is_(consignment))
    if after_id is not None:
        stmt = stmt.where(VmiAgreement.id > after_id)
    rows = list((await session.execute(stmt.order_by(VmiAgreement.id).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first


async def agreements_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, VmiAgreement]:
    """Trusted batch read (DataLoaders of objects the principal already reached)."""
    rows = await session.execute(select(VmiAgreement).where(VmiAgreement.id.in_(sorted(set(ids)))))
    return {a.id: a for a in rows.scalars()}
