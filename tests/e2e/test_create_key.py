"""`python -m app.cli create-key --ops` gives a fresh install its first operator key."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.adapters.db.tables import ApiKey
from app.adapters.queue.inprocess import InProcessQueue
from app.api.main import create_app
from app.bootstrap import bootstrap
from app.services.shops import install_shop
from tests.harness import SHOP, make_settings

pytestmark = pytest.mark.e2e


async def create_key(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGERPORT_", "QBO_"))}
    env.pop("REDIS_URL", None)
    env.update(DATABASE_URL=database_url, LEDGERPORT_KEY_FILE=str(tmp_path / "token.key"))
    command = [sys.executable, "-m", "app.cli", "create-key", *args]
    pipe = asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(
        *command, cwd=tmp_path, env=env, stdout=pipe, stderr=pipe
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_create_key_migrates_a_fresh_database_and_prints_an_ops_key(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    code, out, err = await create_key(tmp_path, url, "--ops", "--label", "night-shift")
    assert code == 0, err
    [key] = out.split()  # the key alone on stdout, for scripts

    container = bootstrap(make_settings(url), InProcessQueue())
    api = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(container)), base_url="http://api.test"
    )
    try:
        async with container.sessions() as session:
            [row] = (await session.scalars(select(ApiKey))).all()
        await install_shop(container.uow(), SHOP, "Northwind Outfitters")
        path = f"/v1/shops/{SHOP}/audit-log"
        accepted = await api.get(path, headers={"Authorization": f"Bearer {key}"})
        refused = await api.get(path, headers={"Authorization": f"Bearer {key}x"})
    finally:
        await api.aclose()
        await container.aclose()
    assert (row.shop_id, row.label, row.prefix) == (None, "night-shift", key[:8])
    assert accepted.status_code == 200 and refused.status_code == 401


async def test_create_key_asks_which_kind_of_key(tmp_path: Path) -> None:
    code, _, err = await create_key(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert code == 2 and "--ops" in err
