"""Password hashing (argon2id) and digests of random secrets, with constant-time comparisons."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified when the user does not exist, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("ims-timing-equaliser")

MIN_PASSWORD = 10
MAX_PASSWORD = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """argon2 verification (itself constant-time); slow on purpose — call it off the event loop."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy random secret (client secret, code, refresh token)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(secret: str, expected_digest: str | None) -> bool:
    if not expected_digest:
        return False
    return hmac.compare_digest(digest(secret), expected_digest)
