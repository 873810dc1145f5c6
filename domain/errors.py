"""Domain errors: a stable code that every transport maps (GraphQL UserError, portal message, CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    UNKNOWN_PART = "UNKNOWN_PART"
    UNKNOWN_LOCATION = "UNKNOWN_LOCATION"
    UNKNOWN_LOT = "UNKNOWN_LOT"
    UNKNOWN_SUPPLIER = "UNKNOWN_SUPPLIER"
    INVALID_LOCATION = "INVALID_LOCATION"
    LOCATION_FROZEN = "LOCATION_FROZEN"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    DUPLICATE = "DUPLICATE"
    INVALID_CODE = "INVALID_CODE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_STATE = "INVALID_STATE"
    CONFLICT = "CONFLICT"
    # Purchasing and receiving.
    UNKNOWN_BARCODE = "UNKNOWN_BARCODE"
    NOT_ON_ORDER = "NOT_ON_ORDER"
    WRONG_ITEM = "WRONG_ITEM"
    OVER_RECEIPT = "OVER_RECEIPT"
    SHORT_RECEIPT = "SHORT_RECEIPT"
    QUANTITY_OUT_OF_TOLERANCE = "QUANTITY_OUT_OF_TOLERANCE"
    PRICE_OUT_OF_TOLERANCE = "PRICE_OUT_OF_TOLERANCE"
    SHIP_NOTICE_MISSING = "SHIP_NOTICE_MISSING"
    CAPACITY_EXCEEDED = "CAPACITY_EXCEEDED"
    # Counter sales.
    DISCOUNT_LIMIT_EXCEEDED = "DISCOUNT_LIMIT_EXCEEDED"
    CREDIT_LIMIT_EXCEEDED = "CREDIT_LIMIT_EXCEEDED"
    RETURN_WINDOW_EXPIRED = "RETURN_WINDOW_EXPIRED"


class DomainError(Exception):
    """A business rule said no. Carries no HTTP status: transports decide how to show it."""

    def __init__(self, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = list(field) if field else []

    def __repr__(self) -> str:
        return f"DomainError({self.code}, {self.message!r}, field={self.field})"


class DomainErrors(DomainError):
    """Several validation failures at once, so a form can show them all."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.errors = list(errors)
