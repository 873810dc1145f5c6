"""The OAuth2 server and the resource server's token checks: client credentials, the browser
authorization-code flow with PKCE, rotating refresh tokens, introspection, revocation, metadata,
and every way a bad token or client must be refused (RFC 6749 / 6750 error bodies)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from domain.identity import service as identity
from domain.principal import Principal
from domain.settings import Settings, get_settings
from tests.seed import TEST_PASSWORD

STOCK = '{ part(code: "BRK-0001-A") { code stock { location { code } onHand } } }'
MOVE = """mutation { moveStock(input: {partCode: "BRK-0001-A", fromLocationCode: "S-BJ03",
  toLocationCode: "S-BJ01", quantity: "1"}) { move { id } errors { code } } }"""
REDIRECT = "https://frontend.ims.test/callback"


async def new_client(sessions, scopes: str, **kwargs) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        client, secret = await identity.create_client(
            session, Principal.system("test"), identity.CreateClientCommand(name="test", scopes=scopes, **kwargs)
        )
    return client.client_id, secret


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def client_token(anon_client: httpx.AsyncClient, client_id: str, secret: str, **form: str) -> dict:
    response = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, headers=basic(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def graphql(anon_client: httpx.AsyncClient, token: str, query: str = STOCK) -> httpx.Response:
    return await anon_client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_token"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="ims"') and 'error="invalid_token"' in challenge


async def test_client_credentials_with_basic_and_post_auth(anon_client, sessions) -> None:
    client_id, secret = await new_client(sessions, "stock:read")
    assert secret
    issued = await client_token(anon_client, client_id, secret)
    assert issued["token_type"] == "Bearer" and issued["scope"] == "stock:read"
    assert 0 < issued["expires_in"] <= 3600 and "refresh_token" not in issued
    keys = KeySet.import_key_set((await anon_client.get("/oauth/jwks")).json())
    token = jwt.decode(issued["access_token"], keys, algorithms=["ES256"])
    header = token.header
    claims = token.claims
    assert header["alg"] == "ES256" and header["typ"] == "at+jwt" and header["kid"]
    settings = get_settings()
    assert claims["iss"] == settings.oauth_issuer and claims["aud"] == settings.oauth_audience
    assert claims["sub"] == client_id == claims["client_id"] and claims["exp"] - claims["iat"] <= 3600
    assert claims["jti"] and claims["scope"] == "stock:read"

    data = (await graphql(anon_client, issued["access_token"])).json()["data"]
    assert data["part"]["code"] == "BRK-0001-A" and data["part"]["stock"]

    posted = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert posted.status_code == 200 and posted.headers["cache-control"] == "no-store"


async def test_wrong_client_credentials_are_refused(anon_client, sessions) -> None:
    client_id, secret = await new_client(sessions, "stock:read")
    wrong = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret + "x")
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    posted = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"}
    )
    assert posted.status_code in (400, 401) and posted.json()["error"] == "invalid_client"
    unknown = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic("ims_unknown", "whatever")
    )
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    too_much = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": "admin"}, headers=basic(client_id, secret)
    )
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"
    as_json = await anon_client.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    assert (await anon_client.get("/oauth/token")).status_code == 405


async def test_bad_tokens_are_refused_with_rfc6750_errors(anon_client, sessions, tokens) -> None:
    client_id, _ = await new_client(sessions, "stock:read")
    good = await tokens.client(client_id, "stock:read")
    assert (await graphql(anon_client, good)).status_code == 200

    missing = await anon_client.post("/graphql", json={"query": STOCK})
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == 'Bearer realm="ims"'
    assert "error" not in missing.json()  # RFC 6750 §3.1: no error code without credentials
    other_scheme = await anon_client.post("/graphql", json={"query": STOCK}, headers={"Authorization": "Basic eDp5"})
    assert_invalid_token(other_scheme)

    expired = await tokens.client(client_id, "stock:read", ttl=-5)
    response = await graphql(anon_client, expired)
    assert_invalid_token(response)
    assert "expired" in response.json()["error_description"]
    assert_invalid_token(await graphql(anon_client, await tokens.client(client_id, "stock:read", audience="other")))
    assert_invalid_token(await graphql(anon_client, await tokens.client(client_id, "stock:read", issuer="https://x")))

    header, payload, signature = good.split(".")
    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    # alg: none, with and without a signature
    none_header = _b64({"alg": "none", "typ": "at+jwt", "kid": kid})
    assert_invalid_token(await graphql(anon_client, f"{none_header}.{payload}."))
    assert_invalid_token(await graphql(anon_client, f"{none_header}.{payload}.{signature}"))
    # Algorithm swap: HMAC keyed with the server's public key.
    jwks = (await anon_client.get("/oauth/jwks")).json()
    public_pem = ECKey.import_key(jwks["keys"][0]).as_pem(private=False)
    swapped_input = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}.{payload}"
    mac = hmac.new(public_pem, swapped_input.encode(), hashlib.sha256).digest()
    swapped = f"{swapped_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    assert_invalid_token(await graphql(anon_client, swapped))
    # A token signed by somebody else's key that claims our kid.
    forged = jwt.encode(
        {"alg": "ES256", "typ": "at+jwt", "kid": kid},
        claims,
        ECKey.generate_key("P-256", private=True),
        algorithms=["ES256"],
    )
    assert_invalid_token(await graphql(anon_client, forged))
    rsa = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": kid}, claims, RSAKey.generate_key(2048))
    assert_invalid_token(await graphql(anon_client, rsa))
    # Tampered claims under the original signature.
    raised = _b64({**claims, "scope": "stock:read stock:write admin"})
    assert_invalid_token(await graphql(anon_client, f"{header}.{raised}.{signature}"))
    # Not an access token (no at+jwt type).
    assert_invalid_token(await graphql(anon_client, f"{_b64({'alg': 'ES256', 'kid': kid})}.{payload}.{signature}"))
    for junk in ("", "abc", "a.b.c", "x" * 9000):
        response = await anon_client.post(
            "/graphql", json={"query": STOCK}, headers={"Authorization": f"Bearer {junk}"}
        )
        assert response.status_code == 401


async def test_missing_scope_is_403_insufficient_scope(anon_client, sessions) -> None:
    client_id, secret = await new_client(sessions, "stock:read")
    token = (await client_token(anon_client, client_id, secret))["access_token"]
    response = await graphql(anon_client, token, MOVE)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="stock:write"' in challenge
    assert response.json()["data"] is None
    # With the scope, the move and the part it names resolve (stock:write implies reading the catalog).
    writer_id, writer_secret = await new_client(sessions, "stock:write")
    writer = (await client_token(anon_client, writer_id, writer_secret))["access_token"]
    moved = (await graphql(anon_client, writer, MOVE.replace("move { id }", "move { id part { code } }"))).json()
    assert moved["data"]["moveStock"]["move"]["part"] == {"code": "BRK-0001-A"}, moved
    # Reading stock levels still needs stock:read: the field answers with nothing.
    assert (await graphql(anon_client, writer, STOCK)).json()["data"]["part"]["stock"] == []


async def test_revocation_and_introspection(anon_client, sessions) -> None:
    client_id, secret = await new_client(sessions, "stock:read")
    other_id, other_secret = await new_client(sessions, "stock:read")
    admin_id, admin_secret = await new_client(sessions, "admin")
    token = (await client_token(anon_client, client_id, secret))["access_token"]

    seen = await anon_client.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    body = seen.json()
    assert seen.status_code == 200 and body["active"] is True
    assert body["client_id"] == client_id and body["scope"] == "stock:read" and body["token_type"] == "Bearer"
    stranger = await anon_client.post("/oauth/introspect", data={"token": token}, headers=basic(other_id, other_secret))
    assert stranger.json() == {"active": False}
    by_admin = await anon_client.post("/oauth/introspect", data={"token": token}, headers=basic(admin_id, admin_secret))
    assert by_admin.json()["active"] is True
    nobody = await anon_client.post("/oauth/introspect", data={"token": token})
    assert nobody.status_code == 401 and nobody.json()["error"] == "invalid_client"
    garbage = await anon_client.post("/oauth/introspect", data={"token": "garbage"}, headers=basic(client_id, secret))
    assert garbage.json() == {"active": False}

    not_theirs = await anon_client.post("/oauth/revoke", data={"token": token}, headers=basic(other_id, other_secret))
    assert not_theirs.status_code == 400 and not_theirs.json()["error"] == "invalid_grant"
    assert (await graphql(anon_client, token)).status_code == 200
    revoked = await anon_client.post(
        "/oauth/revoke", data={"token": token, "token_type_hint": "access_token"}, headers=basic(client_id, secret)
    )
    assert revoked.status_code == 200
    assert_invalid_token(await graphql(anon_client, token))
    after = await anon_client.post("/oauth/introspect", data={"token": token}, headers=basic(client_id, secret))
    assert after.json() == {"active": False}
    # Unknown tokens are "revoked" without complaint (RFC 7009 §2.2).
    unknown = await anon_client.post("/oauth/revoke", data={"token": "nonsense"}, headers=basic(client_id, secret))
    assert unknown.status_code == 200


async def test_revoked_client_and_deactivated_user_lose_access_at_once(anon_client, sessions, tokens) -> None:
    client_id, secret = await new_client(sessions, "stock:read")
    token = (await client_token(anon_client, client_id, secret))["access_token"]
    user_token = await tokens.user("staff.bj01")
    assert (await graphql(anon_client, user_token)).status_code == 200
    system = Principal.system("test")
    async with sessions() as session, session.begin():
        await identity.revoke_client(session, system, client_id)
        await identity.set_user_active(session, system, "staff.bj01", False)
    assert_invalid_token(await graphql(anon_client, token))
    assert_invalid_token(await graphql(anon_client, user_token))
    again = await anon_client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert again.status_code == 401


async def test_metadata_and_jwks(anon_client) -> None:
    document = (await anon_client.get("/.well-known/oauth-authorization-server")).json()
    AuthorizationServerMetadata(document).validate()
    issuer = get_settings().oauth_issuer
    assert document["issuer"] == issuer and document["token_endpoint"] == f"{issuer}/oauth/token"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"client_credentials", "authorization_code", "refresh_token"} <= set(document["grant_types_supported"])
    jwks = (await anon_client.get("/oauth/jwks")).json()
    assert jwks["keys"] and all("d" not in key and key["kid"] and key["alg"] == "ES256" for key in jwks["keys"])


# ------------------------------------------------------------------------ authorization code


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def browser_login(
    anon_client: httpx.AsyncClient, next_url: str, username: str = "manager.bj01"
) -> httpx.Response:
    page = await anon_client.get("/oauth/login", params={"next": next_url})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return await anon_client.post(
        "/oauth/login", data={"username": username, "password": TEST_PASSWORD, "csrf": csrf, "next": next_url}
    )


async def authorize(anon_client: httpx.AsyncClient, client_id: str, challenge: str, **extra: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "stock:read stock:write",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return await anon_client.get("/oauth/authorize", params=params)


async def test_authorization_code_with_pkce_and_rotating_refresh_tokens(anon_client, sessions) -> None:
    client_id, secret = await new_client(sessions, "stock:read stock:write", redirect_uris=[REDIRECT], public=True)
    assert secret is None
    verifier, challenge = pkce()

    first = await authorize(anon_client, client_id, challenge)
    assert first.status_code == 303 and first.headers["location"].startswith("/oauth/login?next=")
    next_url = parse_qs(urlsplit(first.headers["location"]).query)["next"][0]
    logged_in = await browser_login(anon_client, next_url)
    assert logged_in.status_code == 303 and logged_in.headers["location"] == next_url
    assert "ims_session" in anon_client.cookies and "csrftoken" in anon_client.cookies

    back = await anon_client.get(next_url)
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    query = parse_qs(callback.query)
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == REDIRECT and query["state"] == ["xyz"]
    code = query["code"][0]

    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id}
    wrong = await anon_client.post("/oauth/token", data={**exchange, "code_verifier": pkce()[0]})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    issued = await anon_client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert issued.status_code == 200, issued.text
    tokens = issued.json()
    assert tokens["expires_in"] <= 900 and tokens["refresh_token"] and tokens["scope"] == "stock:read stock:write"
    anon_client.cookies.clear()
    me = await graphql(anon_client, tokens["access_token"], "{ me { name kind roles scopes } }")
    assert me.json()["data"]["me"] == {
        "name": "manager.bj01",
        "kind": "USER",
        "roles": ["STORE_MANAGER"],
        "scopes": ["stock:read", "stock:write"],
    }
    replayed_code = await anon_client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert replayed_code.status_code == 400 and replayed_code.json()["error"] == "invalid_grant"
    # A replayed code revokes what was issued from it (RFC 6749 §4.1.2).
    assert_invalid_token(await graphql(anon_client, tokens["access_token"]))


async def test_refresh_tokens_rotate_and_reuse_revokes_the_family(anon_client, sessions) -> None:
    client_id, _ = await new_client(sessions, "stock:read", redirect_uris=[REDIRECT], public=True)
    verifier, challenge = pkce()
    next_url = urlsplit((await authorize(anon_client, client_id, challenge, scope="stock:read")).headers["location"])
    await browser_login(anon_client, parse_qs(next_url.query)["next"][0], "staff.bj01")
    back = await authorize(anon_client, client_id, challenge, scope="stock:read")
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    first = (
        await anon_client.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": client_id,
                "code_verifier": verifier,
            },
        )
    ).json()
    refresh = {"grant_type": "refresh_token", "client_id": client_id}
    second = await anon_client.post("/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert (await graphql(anon_client, rotated["access_token"])).status_code == 200

    reused = await anon_client.post("/oauth/token", data={**refresh, "refresh_token": first["refresh_token"]})
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # The reuse revoked the whole family: the newest refresh token and the access tokens too.
    newest = await anon_client.post("/oauth/token", data={**refresh, "refresh_token": rotated["refresh_token"]})
    assert newest.status_code == 400 and newest.json()["error"] == "invalid_grant"
    assert_invalid_token(await graphql(anon_client, rotated["access_token"]))
    assert_invalid_token(await graphql(anon_client, first["access_token"]))


async def test_pkce_is_mandatory_and_s256_only(anon_client, sessions) -> None:
    client_id, _ = await new_client(sessions, "stock:read stock:write", redirect_uris=[REDIRECT], public=True)
    await browser_login(anon_client, "/graphql")
    _, challenge = pkce()
    for extra in ({"code_challenge": "", "code_challenge_method": ""}, {"code_challenge_method": "plain"}):
        refused = await authorize(anon_client, client_id, challenge, **extra)
        assert refused.status_code == 302
        assert parse_qs(urlsplit(refused.headers["location"]).query)["error"] == ["invalid_request"]
    not_registered = await authorize(anon_client, client_id, challenge, redirect_uri="https://evil.test/cb")
    assert not_registered.status_code == 400 and not_registered.json()["error"] == "invalid_request"
    unknown = await authorize(anon_client, "ims_nobody", challenge)
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"


async def test_login_page_refuses_bad_passwords_and_forged_posts(anon_client) -> None:
    page = await anon_client.get("/oauth/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert page.headers["x-frame-options"] == "DENY"
    wrong = await anon_client.post(
        "/oauth/login", data={"username": "hq.ops", "password": "wrong password!", "csrf": csrf, "next": "/graphql"}
    )
    assert wrong.status_code == 401 and "ims_session" not in anon_client.cookies
    forged = await anon_client.post(
        "/oauth/login", data={"username": "hq.ops", "password": TEST_PASSWORD, "csrf": "forged", "next": "/graphql"}
    )
    assert forged.status_code == 400 and "ims_session" not in anon_client.cookies
    csrf = re.search(r'name="csrf" value="([^"]+)"', forged.text).group(1)  # a fresh one after the refusal
    offsite = await anon_client.post(
        "/oauth/login",
        data={"username": "hq.ops", "password": TEST_PASSWORD, "csrf": csrf, "next": "//evil.test/x"},
    )
    assert offsite.status_code == 303 and offsite.headers["location"] == "/graphql"


async def test_graphiql_and_cookie_requests_for_logged_in_internal_users(anon_client, sessions, tokens) -> None:
    html = {"Accept": "text/html"}
    redirected = await anon_client.get("/graphql", headers=html)
    assert redirected.status_code == 303 and redirected.headers["location"].startswith("/oauth/login")
    await browser_login(anon_client, "/graphql", "hq.ops")
    ide = await anon_client.get("/graphql", headers=html)
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()

    query = {"query": "{ me { name } __schema { queryType { name } } }"}
    no_csrf = await anon_client.post("/graphql", json=query)
    assert no_csrf.status_code == 403 and no_csrf.json()["error"] == "csrf_failed"
    bad_csrf = await anon_client.post("/graphql", json=query, headers={"X-CSRFToken": "nope"})
    assert bad_csrf.status_code == 403
    ok = await anon_client.post("/graphql", json=query, headers={"X-CSRFToken": anon_client.cookies["csrftoken"]})
    assert ok.status_code == 200 and ok.json()["data"]["me"]["name"] == "hq.ops"

    logout = await anon_client.post("/oauth/logout", data={"csrf": anon_client.cookies["csrftoken"]})
    assert logout.status_code == 303
    assert (await anon_client.post("/graphql", json=query)).status_code == 401

    # Partners and supplier users get neither GraphiQL nor introspection.
    client_id, _ = await new_client(sessions, "stock:read")
    partner = {"Authorization": f"Bearer {await tokens.client(client_id, 'stock:read')}"}
    assert (await anon_client.get("/graphql", headers={**html, **partner})).status_code == 403
    introspect = await anon_client.post("/graphql", json={"query": "{ __schema { types { name } } }"}, headers=partner)
    assert introspect.status_code == 403 and introspect.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    supplier = {"Authorization": f"Bearer {await tokens.user('supplier.sup01')}"}
    assert (
        await anon_client.post("/graphql", json={"query": '{ __type(name: "Part") { name } }'}, headers=supplier)
    ).status_code == 403
    assert (await anon_client.post("/graphql", json={"query": "{ __typename }"}, headers=partner)).status_code == 200


@pytest.fixture
async def strict_app(db_url: str):  # type: ignore[no-untyped-def]
    from api.app import create_app

    settings = Settings(rate_limit_token_per_minute=3, rate_limit_login_per_minute=2)
    application = create_app(settings=settings, database_url=db_url)
    yield application
    await application.state.engine.dispose()


async def test_token_and_login_endpoints_are_rate_limited(strict_app, sessions) -> None:
    client_id, secret = await new_client(sessions, "stock:read")
    transport = httpx.ASGITransport(app=strict_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://ims.test") as c:
        codes = []
        for _ in range(4):
            response = await c.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, "wrong")
            )
            codes.append(response.status_code)
        assert codes == [401, 401, 401, 429]
        assert response.json()["error"] == "temporarily_unavailable" and int(response.headers["retry-after"]) >= 1
        # The right secret does not help within the window: the client id is limited too.
        blocked = await c.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
        )
        assert blocked.status_code == 429

        page = await c.get("/oauth/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        statuses = []
        for _ in range(3):
            response = await c.post(
                "/oauth/login", data={"username": "finance", "password": "bad password", "csrf": csrf, "next": "/"}
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 429]
