"""Access-token verification for the resource server (the GraphQL API) and the OAuth endpoints.

Authlib's RFC 9068 validator checks the signature and the claims (iss, aud, exp, iat, sub,
client_id, jti); before it runs, the header must name our one algorithm, a known key id and the
`at+jwt` type, so `alg: none`, an HMAC-with-the-public-key swap or an ID token never reach a
verifier."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from joserfc import jws
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from domain.identity.keys import ALG, TOKEN_TYPE, SigningKeys

REALM = "ims"


def token_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, unverified; raises InvalidTokenError when malformed."""
    if not token or len(token) > 8192 or token.count(".") != 2:
        raise InvalidTokenError("the access token is malformed", realm=REALM)
    try:
        return dict(jws.extract_compact(token.encode("ascii")).protected)
    except (JoseError, ValueError, UnicodeError) as error:
        raise InvalidTokenError("the access token is malformed", realm=REALM) from error


class AccessTokenValidator(JWTBearerTokenValidator):
    def __init__(self, keys: SigningKeys, issuer: str, audience: str) -> None:
        super().__init__(issuer=issuer, resource_server=audience, realm=REALM)
        self.keys = keys

    def get_jwks(self) -> KeySet:
        return self.keys.public

    def authenticate_token(self, token_string: str) -> JWTAccessTokenClaims:
        header = token_header(token_string)
        if header.get("alg") != ALG or header.get("typ") != TOKEN_TYPE or header.get("kid") not in self.keys.kids:
            raise InvalidTokenError("the access token was not issued by this server", realm=REALM)
        return super().authenticate_token(token_string)

    def verify(self, token_string: str) -> JWTAccessTokenClaims:
        """Signature and every claim, with a description a partner's developer can act on."""
        claims = self.authenticate_token(token_string)
        try:
            claims.validate()
        except ExpiredTokenError as error:
            raise InvalidTokenError("the access token has expired", realm=REALM) from error
        except JoseError as error:
            raise InvalidTokenError("the access token is not valid for this server", realm=REALM) from error
        return claims
