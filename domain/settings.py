"""Runtime settings, read once from the environment (12-factor) so every process agrees."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_PART_CODE_PATTERN = r"^[A-Z]{3}-\d{3,4}-[A-Z]$"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".ims")
    part_code_pattern: str = DEFAULT_PART_CODE_PATTERN
    db_pool_size: int = 10
    db_max_overflow: int = 10
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 4000
    graphql_max_cost: int = 50_000
    max_page_size: int = 200
    max_body_bytes: int = 1_000_000
    environment: str = "development"
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            data_dir=Path(os.environ.get("IMS_DATA_DIR", ".ims")),
            part_code_pattern=os.environ.get("IMS_PART_CODE_PATTERN", DEFAULT_PART_CODE_PATTERN),
            db_pool_size=_env_int("IMS_DB_POOL_SIZE", 10),
            db_max_overflow=_env_int("IMS_DB_MAX_OVERFLOW", 10),
            graphql_max_depth=_env_int("IMS_GRAPHQL_MAX_DEPTH", 12),
            graphql_max_aliases=_env_int("IMS_GRAPHQL_MAX_ALIASES", 30),
            graphql_max_tokens=_env_int("IMS_GRAPHQL_MAX_TOKENS", 4000),
            graphql_max_cost=_env_int("IMS_GRAPHQL_MAX_COST", 50_000),
            max_page_size=_env_int("IMS_MAX_PAGE_SIZE", 200),
            max_body_bytes=_env_int("IMS_MAX_BODY_BYTES", 1_000_000),
            environment=os.environ.get("IMS_ENV", "development"),
            log_level=os.environ.get("IMS_LOG_LEVEL", "INFO"),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
