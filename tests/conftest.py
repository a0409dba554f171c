"""Shared fixtures: real databases (SQLite and PostgreSQL, migrated by alembic), the sandbox
fakes, and a container wired to them. Nothing of our own is mocked."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from app.adapters.db.tables import Base

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("LEDGERPORT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LEDGERPORT_TEST_REDIS", "redis://127.0.0.1:6379/15")


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


def _pg(statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"ledgerport_test_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    command.upgrade(alembic_config(url), "head")
    yield url
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every test that takes this runs twice: on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


async def truncate_all(engine: object) -> None:
    async with engine.begin() as connection:  # type: ignore[attr-defined]
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(text(f"DELETE FROM {table.name}"))
