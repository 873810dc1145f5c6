"""Who may approve a transfer: source store manager or regional manager inside a region, HQ across
regions, the source manager in an emergency; never the requester, never a machine."""

from __future__ import annotations

import pytest

from domain.errors import DomainError, ErrorCode
from domain.principal import Principal, PrincipalKind, Role
from domain.transfers import policy
from domain.transfers.policy import Lane

BJ01, BJ02, SH01, WH = "HQ/R-N/S-BJ01", "HQ/R-N/S-BJ02", "HQ/R-E/S-SH01", "HQ/WH"


def user(name: str, role: Role, *paths: str) -> Principal:
    return Principal(PrincipalKind.USER, name, frozenset({role}), location_paths=paths or None)


def lane(source: str, destination: str, requested_by: str = "user:requester", emergency: bool = False) -> Lane:
    def region(path: str) -> str | None:
        parts = path.split("/")
        return "/".join(parts[:2]) if len(parts) == 3 else None

    return Lane(source, destination, region(source), region(destination), requested_by, emergency)


def test_within_a_region() -> None:
    bj02_to_bj01 = lane(BJ02, BJ01)
    assert policy.can_approve(user("m2", Role.STORE_MANAGER, BJ02), bj02_to_bj01)
    assert policy.can_approve(user("rn", Role.REGIONAL_MANAGER, "HQ/R-N"), bj02_to_bj01)
    assert policy.can_approve(user("hq", Role.HQ_OPERATIONS), bj02_to_bj01)
    # The destination's manager and store staff do not approve stock leaving another store.
    assert not policy.can_approve(user("m1", Role.STORE_MANAGER, BJ01), bj02_to_bj01)
    assert not policy.can_approve(user("s2", Role.STORE_STAFF, BJ02), bj02_to_bj01)
    assert not policy.can_approve(user("re", Role.REGIONAL_MANAGER, "HQ/R-E"), bj02_to_bj01)


def test_across_regions_needs_hq_except_emergencies_at_the_source() -> None:
    sh_to_bj = lane(SH01, BJ01)
    assert not policy.can_approve(user("msh", Role.STORE_MANAGER, SH01), sh_to_bj)
    assert not policy.can_approve(user("rn", Role.REGIONAL_MANAGER, "HQ/R-N"), sh_to_bj)
    assert policy.can_approve(user("hq", Role.HQ_OPERATIONS), sh_to_bj)
    assert policy.can_approve(user("msh", Role.STORE_MANAGER, SH01), lane(SH01, BJ01, emergency=True))
    # The central warehouse belongs to no region: HQ approves its transfers.
    assert not policy.can_approve(user("rn", Role.REGIONAL_MANAGER, "HQ/R-N"), lane(WH, BJ01))
    assert policy.can_approve(user("hq", Role.HQ_OPERATIONS), lane(WH, BJ01))


def test_nobody_approves_their_own_request_and_machines_never_approve() -> None:
    hq = user("hq", Role.HQ_OPERATIONS)
    with pytest.raises(DomainError) as err:
        policy.ensure_can_approve(hq, lane(BJ02, BJ01, requested_by=hq.actor))
    assert err.value.code == ErrorCode.FORBIDDEN and "own" in err.value.message
    policy.ensure_can_reject(hq, lane(BJ02, BJ01, requested_by=hq.actor))  # withdrawing is fine
    assert not policy.can_approve(Principal.system("nightly"), lane(BJ02, BJ01))
    client = Principal(PrincipalKind.CLIENT, "dms", scopes=frozenset({policy.WRITE_SCOPE}))
    assert not policy.can_approve(client, lane(BJ02, BJ01))


def test_per_grant_scopes_are_honoured() -> None:
    if "grants" not in Principal.__dataclass_fields__:
        pytest.skip("principals carry no per-grant scopes yet")
    both = Principal(
        PrincipalKind.USER,
        "wang",
        frozenset({Role.STORE_MANAGER, Role.STORE_STAFF}),
        location_paths=(BJ01, BJ02),
        grants=((Role.STORE_MANAGER, BJ01), (Role.STORE_STAFF, BJ02)),  # type: ignore[call-arg]
    )
    assert not policy.can_approve(both, lane(BJ02, BJ01))
    assert policy.can_approve(both, lane(BJ01, BJ02))


def test_requests_ship_receive_and_plans_follow_scope() -> None:
    staff1 = user("s1", Role.STORE_STAFF, BJ01)
    policy.ensure_can_request(staff1, BJ01)
    with pytest.raises(DomainError):
        policy.ensure_can_request(staff1, BJ02)
    with pytest.raises(DomainError):
        policy.ensure_can_ship(staff1, BJ02)
    policy.ensure_can_receive(staff1, BJ01)
    policy.ensure_can_plan(user("rn", Role.REGIONAL_MANAGER, "HQ/R-N"), "HQ/R-N")
    with pytest.raises(DomainError):
        policy.ensure_can_plan(user("rn", Role.REGIONAL_MANAGER, "HQ/R-N"), "HQ")
    with pytest.raises(DomainError):
        policy.ensure_can_plan(user("m1", Role.STORE_MANAGER, BJ01), "HQ/R-N")
