"""/readyz fails when the database cannot be written, not only when it cannot be read; database
failures are named in one line ("database is read-only", "cannot reach PostgreSQL at …")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.web import base_app
from storage.db import create_engine, session_factory
from tests.fakes.keys import TEST_KEYS
from tests.fakes.loopback import serve
from tests.test_cli import run_cli


async def read_only(engine: AsyncEngine, db_url: str) -> tuple[AsyncEngine, str]:
    """An engine on the same database that may read but not write, and the cause expected:
    a read-only SQLite file; on PostgreSQL a role granted SELECT only."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        ro = create_engine(
            f"sqlite+aiosqlite:///file:{url.database}?mode=ro&uri=true", keys=TEST_KEYS
        )
        return ro, "database is read-only"
    async with engine.begin() as conn:
        await conn.execute(text("DROP ROLE IF EXISTS desk_reader"))  # left by an earlier run
        await conn.execute(text("CREATE ROLE desk_reader LOGIN"))
        await conn.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO desk_reader"))
    ro_url = url.set(username="desk_reader", password=None)
    return create_engine(ro_url.render_as_string(hide_password=False), keys=TEST_KEYS), (
        "the database user may not write"
    )


async def readyz(engine: AsyncEngine) -> tuple[int, dict[str, Any]]:
    runner, port = await serve(base_app(session_factory(engine)))
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/readyz") as response,
        ):
            return response.status, await response.json()
    finally:
        await runner.cleanup()


async def test_readyz_fails_on_a_read_only_database(engine: AsyncEngine, db_url: str) -> None:
    assert (await readyz(engine))[0] == 200
    frozen, cause = await read_only(engine, db_url)
    try:
        status, body = await readyz(frozen)
    finally:
        await frozen.dispose()
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(
                    text("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM desk_reader")
                )
                await conn.execute(text("DROP ROLE desk_reader"))
    assert status == 503
    assert body["database"] == cause


def test_an_unreachable_postgresql_is_named_in_one_line(tmp_path: Path) -> None:
    import os

    env_url = "postgresql+asyncpg://desk@127.0.0.1:1/privacy_desk"
    os.environ["PRIVACY_DESK_DATABASE_URL"] = env_url
    try:
        result = run_cli("export", "--kind", "requests", cwd=tmp_path)
    finally:
        del os.environ["PRIVACY_DESK_DATABASE_URL"]
    assert result.returncode == 1
    assert result.stderr == "privacy-desk: cannot reach PostgreSQL at 127.0.0.1:1\n"
