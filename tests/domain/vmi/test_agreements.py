"""VMI agreements: a buyer of the site sets them up; every input is validated; consignment creates
the supplier-owned zone under the site."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.errors import DomainError, DomainErrors, ErrorCode
from domain.org.models import Location
from domain.vmi import agreements, proposals
from domain.vmi.agreements import AgreementChanges
from domain.vmi.models import LevelMode, VmiProposal
from tests.domain.vmi.helpers import (
    BJ01_MANAGER,
    BJ01_STAFF,
    HQ,
    make_agreement,
    supplier_ids,
    supplier_user,
)


async def _error(coro) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        await coro
    return caught.value


async def test_quantity_agreement_is_created_by_a_buyer_of_the_site(sessions) -> None:
    agreement = await make_agreement(sessions, principal=BJ01_MANAGER)
    assert agreement.mode == LevelMode.QUANTITY
    assert (agreement.min_qty, agreement.max_qty) == (Decimal(20), Decimal(60))
    assert agreement.active and not agreement.consignment and agreement.consignment_location_id is None
    assert agreement.created_by == "user:mgr-bj01"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"min_qty": "70", "max_qty": "60"}, ErrorCode.INVALID_QUANTITY, "minQuantity"),
        ({"min_qty": "0", "max_qty": "60"}, ErrorCode.INVALID_QUANTITY, "minQuantity"),
        ({"min_qty": "1.5", "max_qty": "60"}, ErrorCode.INVALID_QUANTITY, "minQuantity"),
        ({"min_qty": None, "max_qty": "60"}, ErrorCode.INVALID_INPUT, "minQuantity"),
        ({"mode": "days_of_cover", "min_days": "10", "max_days": "5"}, ErrorCode.INVALID_QUANTITY, "minDaysOfCover"),
        ({"mode": "weekly"}, ErrorCode.INVALID_INPUT, "mode"),
        ({"part": "BCL-0001-B", "supplier": "SUP-02"}, ErrorCode.INVALID_INPUT, "partCode"),
        ({"site": "WH-A"}, ErrorCode.INVALID_LOCATION, "locationCode"),
        ({"site": "R-N"}, ErrorCode.INVALID_LOCATION, "locationCode"),
        ({"site": "V-WORKSHOP"}, ErrorCode.INVALID_LOCATION, "locationCode"),
        ({"site": "NOPE"}, ErrorCode.UNKNOWN_LOCATION, "locationCode"),
        ({"part": "NOPE"}, ErrorCode.UNKNOWN_PART, "partCode"),
        ({"supplier": "NOPE"}, ErrorCode.UNKNOWN_SUPPLIER, "supplierCode"),
        ({"consignment": True}, ErrorCode.INVALID_INPUT, "consignmentUnitPrice"),
        ({"consignment": True, "price": "-1"}, ErrorCode.INVALID_INPUT, "consignmentUnitPrice"),
        ({"price": "10"}, ErrorCode.INVALID_INPUT, "consignmentUnitPrice"),
    ],
)
async def test_invalid_agreements_are_refused_with_the_field(sessions, kwargs, code, field) -> None:  # type: ignore[no-untyped-def]
    await supplier_ids(sessions)
    error = await _error(make_agreement(sessions, **kwargs))
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    assert any(e.code == code and e.field[:1] == [field] for e in errors), errors
    async with sessions() as s:
        assert (await s.execute(select(VmiProposal))).first() is None


async def test_both_modes_at_once_are_ambiguous(sessions) -> None:
    error = await _error(make_agreement(sessions, min_days="5", max_days="10"))
    assert isinstance(error, DomainErrors)
    assert {e.field[0] for e in error.errors} == {"minDaysOfCover", "maxDaysOfCover"}


async def test_one_agreement_per_supplier_part_site(sessions) -> None:
    await make_agreement(sessions)
    error = await _error(make_agreement(sessions, min_qty="5", max_qty="10"))
    assert error.code == ErrorCode.DUPLICATE
    # Another supplier that lists the part may have its own agreement for the same part and site.
    await supplier_ids(sessions)
    other = await make_agreement(sessions, supplier="SUP-02")
    assert other.id


async def test_only_buyers_in_scope_set_up_agreements(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    assert (await _error(make_agreement(sessions, principal=supplier_user(a, "a")))).code == ErrorCode.FORBIDDEN
    assert (await _error(make_agreement(sessions, principal=BJ01_STAFF))).code == ErrorCode.FORBIDDEN
    # Outside the manager's store the site does not even exist for them.
    error = await _error(make_agreement(sessions, site="S-BJ02", principal=BJ01_MANAGER))
    assert error.code == ErrorCode.UNKNOWN_LOCATION


async def test_consignment_agreement_gets_a_supplier_owned_zone(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    agreement = await make_agreement(sessions, consignment=True, price="150.5")
    other = await make_agreement(sessions, part="FLT-0001-C", consignment=True, price="20")
    async with sessions() as s:
        zone = await s.get(Location, agreement.consignment_location_id)
        site = (await s.execute(select(Location).where(Location.code == "S-BJ01"))).scalar_one()
    assert zone is not None and zone.code == "S-BJ01-CSG-SUP-01"
    assert zone.kind == "zone" and zone.owner_supplier_id == a and zone.site_id == site.id
    assert zone.parent_id == site.id and zone.path == "HQ/R-N/S-BJ01/S-BJ01-CSG-SUP-01"
    assert agreement.consignment_unit_price == Decimal("150.5")
    assert other.consignment_location_id == zone.id  # one zone per supplier and site


async def test_update_switches_mode_and_deactivation_cancels_open_proposals(sessions) -> None:
    a, _ = await supplier_ids(sessions)
    agreement = await make_agreement(sessions)
    async with sessions() as s, s.begin():
        drafted = await proposals.draft_proposal(s, supplier_user(a, "a"), agreement.id)
    with pytest.raises(DomainErrors):
        async with sessions() as s, s.begin():
            await agreements.update_agreement(s, HQ, agreement.id, AgreementChanges(mode="days_of_cover"))
    async with sessions() as s, s.begin():
        changed = await agreements.update_agreement(
            s, HQ, agreement.id, AgreementChanges(mode="days_of_cover", min_days=Decimal(7), max_days=Decimal(21))
        )
    assert changed.mode == LevelMode.DAYS_OF_COVER and changed.min_qty is None and changed.max_days == 21
    with pytest.raises(DomainError) as caught:
        async with sessions() as s, s.begin():
            await agreements.update_agreement(s, supplier_user(a, "a"), agreement.id, AgreementChanges(active=False))
    assert caught.value.code == ErrorCode.FORBIDDEN
    async with sessions() as s, s.begin():
        done = await agreements.update_agreement(s, HQ, agreement.id, AgreementChanges(active=False))
    assert not done.active
    async with sessions() as s:
        proposal = await s.get(VmiProposal, drafted.view.proposal.id)
    assert proposal is not None and proposal.status == "cancelled"


async def test_suppliers_see_only_their_agreements(sessions) -> None:
    a, b = await supplier_ids(sessions)
    mine = await make_agreement(sessions)
    theirs = await make_agreement(sessions, supplier="SUP-02", part="FLT-0001-C")
    async with sessions() as s:
        seen_a, _ = await agreements.list_agreements(s, supplier_user(a, "a"))
        seen_b, _ = await agreements.list_agreements(s, supplier_user(b, "b"))
        assert await agreements.get_agreement(s, supplier_user(b, "b"), mine.id) is None
        seen_hq, _ = await agreements.list_agreements(s, HQ)
        seen_bj02 = await agreements.list_agreements(s, BJ01_MANAGER, location_code="S-BJ02")
    assert [x.id for x in seen_a] == [mine.id]
    assert [x.id for x in seen_b] == [theirs.id]
    assert {x.id for x in seen_hq} == {mine.id, theirs.id}
    assert seen_bj02 == ([], False)
