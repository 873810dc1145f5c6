"""Runtime settings, read once from the environment (12-factor) so every process agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_PART_CODE_PATTERN = r"^[A-Z]{3}-\d{3,4}-[A-Z]$"
# Ceilings of access-token lifetimes (issue 3): a leaked token is useful for minutes, not days.
MAX_USER_TOKEN_TTL = 900
MAX_CLIENT_TOKEN_TTL = 3600


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".ims")
    part_code_pattern: str = DEFAULT_PART_CODE_PATTERN
    # Steady connections per process: at least the concurrent requests it serves, because connections
    # beyond the pool (overflow) are closed on return and re-opened on the next burst.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 4000
    graphql_max_cost: int = 50_000
    max_page_size: int = 200
    max_body_bytes: int = 1_000_000
    # GraphQL file uploads (multipart) may be larger than other requests: an import file.
    max_upload_bytes: int = 25_000_000
    # Signs short-lived links (report exports). Unset: a random secret kept in the database and
    # shared by every process (domain.identity.keys.server_secret).
    secret_key: str | None = None
    environment: str = "development"
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    # Identity: the OAuth2 issuer (a URL; metadata and token endpoints are built from it), the
    # audience every access token must name, lifetimes in seconds, and per-minute rate limits.
    oauth_issuer: str = "http://127.0.0.1:8000"
    oauth_audience: str = "ims-api"
    user_token_ttl: int = MAX_USER_TOKEN_TTL
    client_token_ttl: int = MAX_CLIENT_TOKEN_TTL
    refresh_token_ttl: int = 14 * 24 * 3600
    authorization_code_ttl: int = 120
    session_ttl: int = 8 * 3600
    rate_limit_token_per_minute: int = 60
    rate_limit_login_per_minute: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.user_token_ttl <= MAX_USER_TOKEN_TTL:
            raise ValueError(f"user token lifetime must be 1..{MAX_USER_TOKEN_TTL} seconds")
        if not 0 < self.client_token_ttl <= MAX_CLIENT_TOKEN_TTL:
            raise ValueError(f"client token lifetime must be 1..{MAX_CLIENT_TOKEN_TTL} seconds")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            data_dir=Path(os.environ.get("IMS_DATA_DIR", ".ims")),
            part_code_pattern=os.environ.get("IMS_PART_CODE_PATTERN", DEFAULT_PART_CODE_PATTERN),
            db_pool_size=_env_int("IMS_DB_POOL_SIZE", 20),
            db_max_overflow=_env_int("IMS_DB_MAX_OVERFLOW", 10),
            graphql_max_depth=_env_int("IMS_GRAPHQL_MAX_DEPTH", 12),
            graphql_max_aliases=_env_int("IMS_GRAPHQL_MAX_ALIASES", 30),
            graphql_max_tokens=_env_int("IMS_GRAPHQL_MAX_TOKENS", 4000),
            graphql_max_cost=_env_int("IMS_GRAPHQL_MAX_COST", 50_000),
            max_page_size=_env_int("IMS_MAX_PAGE_SIZE", 200),
            max_body_bytes=_env_int("IMS_MAX_BODY_BYTES", 1_000_000),
            max_upload_bytes=_env_int("IMS_MAX_UPLOAD_BYTES", 25_000_000),
            secret_key=os.environ.get("IMS_SECRET_KEY") or None,
            environment=os.environ.get("IMS_ENV", "development"),
            log_level=os.environ.get("IMS_LOG_LEVEL", "INFO"),
            oauth_issuer=os.environ.get("IMS_OAUTH_ISSUER", "http://127.0.0.1:8000").rstrip("/"),
            oauth_audience=os.environ.get("IMS_OAUTH_AUDIENCE", "ims-api"),
            user_token_ttl=min(_env_int("IMS_USER_TOKEN_TTL", MAX_USER_TOKEN_TTL), MAX_USER_TOKEN_TTL),
            client_token_ttl=min(_env_int("IMS_CLIENT_TOKEN_TTL", MAX_CLIENT_TOKEN_TTL), MAX_CLIENT_TOKEN_TTL),
            refresh_token_ttl=_env_int("IMS_REFRESH_TOKEN_TTL", 14 * 24 * 3600),
            authorization_code_ttl=_env_int("IMS_AUTHORIZATION_CODE_TTL", 120),
            session_ttl=_env_int("IMS_SESSION_TTL", 8 * 3600),
            rate_limit_token_per_minute=_env_int("IMS_RATE_LIMIT_TOKEN_PER_MINUTE", 60),
            rate_limit_login_per_minute=_env_int("IMS_RATE_LIMIT_LOGIN_PER_MINUTE", 10),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
