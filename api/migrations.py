"""Alembic from code: `ims migrate`, start-up migration and the readiness check share this."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["url"] = url
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused/x")).get_heads())


def upgrade(url: str) -> None:
    """Run pending migrations (`ims serve` does this once, before it starts any worker)."""
    command.upgrade(alembic_config(url), "heads")


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        exists = (await conn.execute(text("SELECT to_regclass('alembic_version')"))).scalar()
        if exists is None:
            return set()
        return set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
