"""Password logins with a lockout after repeated failures, counted in PostgreSQL so every worker
and host agrees (the per-IP rate limit in `ratelimit` slows one address; this stops a slow guess
at one account from many addresses).

The counter is keyed by the typed username, existing or not, so the answer never tells whether an
account exists. A success resets it; failures older than the lock period are forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, delete, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base
from domain.identity.models import User
from domain.identity.service import authenticate_password

LOCK_THRESHOLD = 5
LOCK_SECONDS = 15 * 60


class LoginLockout(Base):
    __tablename__ = "login_lockout"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # wrong username or password (or a deactivated user)
    LOCKED = "locked"  # too many failures: refused without checking the password
    WRONG_KIND = "wrong_kind"  # right password, but this kind of user does not sign in here


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    # Failures so far in the current run (0 after a success); `locked_until` once locked.
    failures: int = 0
    locked_until: datetime | None = None


_FAIL = text(
    """
    INSERT INTO login_lockout AS l (username, failures, last_failure_at, locked_until)
    VALUES (:name, 1, :now, NULL)
    ON CONFLICT (username) DO UPDATE
       SET failures = CASE WHEN l.last_failure_at < :now - make_interval(secs => :period)
                           THEN 1 ELSE l.failures + 1 END,
           last_failure_at = :now
    RETURNING failures
    """
)
_LOCK = text("UPDATE login_lockout SET locked_until = :until, failures = 0 WHERE username = :name")
_LOCKED_UNTIL = text("SELECT locked_until FROM login_lockout WHERE username = :name AND locked_until > :now")


def _name(username: str) -> str:
    return username.strip().lower()[:64]


async def locked_until(session: AsyncSession, username: str, now: datetime | None = None) -> datetime | None:
    now = now or datetime.now(UTC)
    return (await session.execute(_LOCKED_UNTIL, {"name": _name(username), "now": now})).scalar_one_or_none()


async def record_failure(
    session: AsyncSession,
    username: str,
    *,
    threshold: int = LOCK_THRESHOLD,
    lock_seconds: int = LOCK_SECONDS,
    now: datetime | None = None,
) -> tuple[int, datetime | None]:
    """Count one failure; returns (failures, locked_until) — the lock starts at the threshold."""
    now = now or datetime.now(UTC)
    name = _name(username)
    failures = (await session.execute(_FAIL, {"name": name, "now": now, "period": lock_seconds})).scalar_one()
    if failures >= threshold:
        until = now + timedelta(seconds=lock_seconds)
        await session.execute(_LOCK, {"name": name, "until": until})
        return failures, until
    return failures, None


async def reset_failures(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginLockout).where(LoginLockout.username == _name(username)))


async def password_login(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    kind: str,
    threshold: int = LOCK_THRESHOLD,
    lock_seconds: int = LOCK_SECONDS,
) -> LoginResult:
    """Sign in a user of `kind` ('internal' or 'supplier'). Commit the transaction whatever the
    outcome: the failure counter must stick. A locked account is refused before the password is
    checked, so guessing on during the lock learns nothing."""
    until = await locked_until(session, username)
    if until is not None:
        return LoginResult(LoginOutcome.LOCKED, locked_until=until)
    user = await authenticate_password(session, username, password)
    if user is None:
        failures, until = await record_failure(session, username, threshold=threshold, lock_seconds=lock_seconds)
        outcome = LoginOutcome.LOCKED if until is not None else LoginOutcome.INVALID
        return LoginResult(outcome, failures=failures, locked_until=until)
    await reset_failures(session, username)
    if user.kind != kind:
        return LoginResult(LoginOutcome.WRONG_KIND, user=user)
    return LoginResult(LoginOutcome.OK, user=user)
