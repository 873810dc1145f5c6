"""Relay plumbing: the Node interface, opaque global IDs and cursor connections."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

import strawberry

from api.graphql.errors import PublicError
from domain.errors import DomainError, ErrorCode

T = TypeVar("T")


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node:
    id: strawberry.ID


def to_global_id(type_name: str, key: int | str) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("="))


def from_global_id(global_id: str) -> tuple[str, str] | None:
    """Decode a global ID; None for anything malformed (callers answer "not found")."""
    if not global_id or len(global_id) > 200:
        return None
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, key = decoded.partition(":")
    if not sep or not type_name or not key:
        return None
    return type_name, key


def int_key(raw: str) -> int | None:
    """An ASCII-digits key of at most 18 digits as an int, else None: it always fits a BIGINT column."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def pk_or_none(global_id: str, type_name: str) -> int | None:
    """The primary key inside a global ID of the given type; None when malformed or of another type."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return int_key(decoded[1])


def pk_of(global_id: str, type_name: str, field: str) -> int:
    """The primary key inside a global ID of the given type, or NOT_FOUND (a mutation's typed error)."""
    pk = pk_or_none(global_id, type_name)
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"not a {type_name} id", [field])
    return pk


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(f"c:{value}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise PublicError("the `after` cursor is not valid") from None
    if not decoded.startswith("c:"):
        raise PublicError("the `after` cursor is not valid")
    return decoded[2:]


def int_cursor(after: str | None) -> int | None:
    """An id/offset `after` cursor as an int (None: first page); a public error when it is not one."""
    raw = decode_cursor(after)
    if raw is None:
        return None
    key = int_key(raw)
    if key is None:
        raise PublicError("the `after` cursor is not valid")
    return key


def page_size(first: int | None, cap: int, default: int = 20) -> int:
    if first is None:
        return min(default, cap)
    if first < 1 or first > cap:
        raise PublicError(f"`first` must be between 1 and {cap}")
    return first


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int | None = None


def connection(
    nodes: list[T], keys: list[str], has_next: bool, after: str | None, total: int | None = None
) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(key), node=node) for node, key in zip(nodes, keys, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
