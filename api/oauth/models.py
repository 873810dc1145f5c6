"""What Authlib's server works on, built from what the async route and the domain provide: the
prepared request, and read-only views of clients, users, codes and tokens (Authlib's mixins).

Views are frozen snapshots, never ORM objects, because Authlib uses them in a worker thread."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, TokenMixin

from domain.identity.oauth_store import ClientRecord, CodeRecord, RefreshRecord, UserRecord
from domain.identity.principals import user_subject
from domain.identity.secrets import matches

SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_METHODS = [*SECRET_METHODS, "none"]


# ----------------------------------------------------------------------------------- requests


class _Payload(OAuth2Payload):
    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._data = {k: v for k, v in reversed(items)}  # the first value wins
        self._datalist: dict[str, list[str]] = {}
        for key, value in items:
            self._datalist.setdefault(key, []).append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:  # type: ignore[override]
        return self._datalist


class PreparedRequest(OAuth2Request):
    """An OAuth2 request whose parameters the async route has already read."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Any,
        form: Sequence[tuple[str, str]] = (),
        query: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._form = _Payload(form)
        self._query = _Payload(query)
        self.payload = self._form if method == "POST" else self._query

    @property
    def args(self) -> dict[str, str]:
        return self._query.data

    @property
    def form(self) -> dict[str, str]:
        return self._form.data


# ------------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Client(ClientMixin):
    record: ClientRecord

    @property
    def client_id(self) -> str:
        return self.record.client_id

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous default; otherwise the request must name its redirect URI.
        uris = self.record.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Everything the client has when it asks for nothing; None (invalid_scope) beyond that."""
        allowed = set(self.record.scopes)
        if not scope:
            return " ".join(sorted(allowed))
        requested = set(scope.split())
        return " ".join(sorted(requested)) if requested <= allowed else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(client_secret, self.record.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.record.public else method in SECRET_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.record.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.record.grant_types


@dataclass(frozen=True)
class User:
    record: UserRecord

    @property
    def id(self) -> int:
        return self.record.id

    def get_user_id(self) -> str:
        return user_subject(self.record.id)


@dataclass(frozen=True)
class Code:
    record: CodeRecord

    @property
    def code_challenge(self) -> str:
        return self.record.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.record.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.record.redirect_uri or None

    def get_scope(self) -> str:
        return self.record.scope


@dataclass(frozen=True)
class RefreshTokenView(TokenMixin):
    record: RefreshRecord

    def check_client(self, client: Client) -> bool:
        return self.record.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.record.expires_at.timestamp() - time.time()))

    def is_expired(self) -> bool:
        return self.record.expires_at.timestamp() <= time.time()

    def is_revoked(self) -> bool:
        return self.record.revoked

    def introspection(self) -> dict[str, Any]:
        return {
            "active": True,
            "token_type": "refresh_token",
            "client_id": self.record.client_id,
            "scope": self.record.scope,
            "sub": user_subject(self.record.user_id),
            "exp": int(self.record.expires_at.timestamp()),
        }


@dataclass(frozen=True)
class AccessTokenView(TokenMixin):
    claims: dict[str, Any]
    revoked: bool

    def check_client(self, client: Client) -> bool:
        return self.claims.get("client_id") == client.get_client_id()

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return max(0, int(self.claims["exp"]) - int(time.time()))

    def is_expired(self) -> bool:
        return int(self.claims["exp"]) <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked

    def introspection(self) -> dict[str, Any]:
        fields = ("client_id", "scope", "sub", "aud", "iss", "exp", "iat", "jti")
        return {"active": True, "token_type": "Bearer", **{k: self.claims[k] for k in fields if k in self.claims}}
