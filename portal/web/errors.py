"""Exceptions a view raises to answer with an error page in the layout."""

from __future__ import annotations


class PageError(Exception):
    status = 400

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message


class BadRequest(PageError):
    status = 400


class Forbidden(PageError):
    status = 403


class NotFound(PageError):
    """Also for objects the principal may not see: their existence is not revealed."""

    status = 404
