"""Who may load, export and clean master data. Imports and merges change what every store sees,
so they are for administrators and head-office operations only; exports follow read permissions."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.identity.policy import Permission, can
from domain.principal import Principal


def can_maintain(principal: Principal) -> bool:
    """Administrators and HQ operations (the roles holding MASTERDATA_MANAGE), and the system."""
    return can(principal, Permission.MASTERDATA_MANAGE)


def ensure_can_maintain(principal: Principal) -> None:
    """Imports, merges and retirements."""
    if not can_maintain(principal):
        raise DomainError(ErrorCode.FORBIDDEN, "only administrators and HQ operations may change master data in bulk")


# What reading each export needs; users need user management, stock needs stock reading.
_EXPORT_PERMISSION = {
    "locations": Permission.LOCATION_READ,
    "users": Permission.USERS_MANAGE,
    "stock": Permission.STOCK_READ,
    "opening_stock": Permission.STOCK_READ,
    "demand_history": Permission.STOCK_READ,
}


def ensure_can_export(principal: Principal, kind: str) -> None:
    """Company-wide files are for internal principals only (a supplier sees its own data in the portal)."""
    permission = _EXPORT_PERMISSION.get(kind, Permission.CATALOG_READ)
    if not principal.is_internal or not can(principal, permission):
        raise DomainError(ErrorCode.FORBIDDEN, f"you may not export {kind.replace('_', ' ')}")
