"""Errors as the API shows them: domain errors become typed `UserError`s in mutation payloads;
client mistakes in queries become plain GraphQL errors; anything else is masked and logged."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, DomainErrors
from domain.errors import ErrorCode as DomainErrorCode

log = logging.getLogger("ims.graphql")

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode", description="Stable machine-readable error codes.")


@strawberry.type(description="A business rule refused the input; `field` is the path of the offending input.")
class UserError:
    code: ErrorCode
    message: str
    field: list[str]


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


class PublicError(Exception):
    """A client mistake in a query (bad cursor, page too large): shown as is, never masked."""


def should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, PublicError | GraphQLError):
        return False
    if isinstance(original, DomainError):
        return False
    return True
