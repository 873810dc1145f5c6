"""HMAC signatures of webhook bodies, both directions.

`X-IMS-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>` with
`X-IMS-Timestamp: <unix seconds>`. The timestamp is inside the MAC: were only the body signed, a
captured request could be replayed forever with a fresh timestamp header. Requests older or newer
than the replay window are refused; duplicates within it are harmless because every inbound path
is idempotent on its external id."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-IMS-Signature"
TIMESTAMP_HEADER = "X-IMS-Timestamp"
REPLAY_WINDOW_SECONDS = 300


class SignatureError(Exception):
    """The request is not provably from the partner (missing, stale or wrong signature)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> None:
    """Raise SignatureError unless the headers carry a fresh, valid signature of `body`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ts = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not raw_ts or not signature:
        raise SignatureError(f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} headers are required")
    if not raw_ts.isdigit() or len(raw_ts) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds")
    current = now if now is not None else time.time()
    if abs(current - int(raw_ts)) > window:
        raise SignatureError(f"the request is outside the {window} s replay window")
    if not hmac.compare_digest(sign(secret, int(raw_ts), body), signature.strip()):
        raise SignatureError("the signature does not match the body")
