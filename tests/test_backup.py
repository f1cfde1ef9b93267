"""``privacy-desk backup`` / ``restore`` through the command line, on a database the desk is
writing to while the backup runs; the restore ends with ``audit verify``."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import DPO, Driver
from tests.test_cli import run_cli

PRIVACY_DESK = str(Path(sys.executable).with_name("privacy-desk"))


def requests_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM requests").fetchone()[0])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_backup_while_the_desk_writes_then_restore_and_verify(
    db_url: str, driver: Driver, tmp_path: Path
) -> None:
    live = Path(make_url(db_url).database or "")
    written = 0
    stop, progress = asyncio.Event(), asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            await driver.ok(
                DPO, f'/dsar new access name="Person {written}" email=p{written}@example.com'
            )
            written += 1
            progress.set()

    async def until(count: int) -> None:
        while written < count:
            progress.clear()
            await progress.wait()

    writer = asyncio.create_task(keep_writing())
    await until(5)
    before = written
    backup = tmp_path / "backup.db"
    process = await asyncio.create_subprocess_exec(
        PRIVACY_DESK, "backup", str(backup), "--db", str(live),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    during = written
    await until(during + 3)  # the desk goes on writing after the copy
    stop.set()
    await writer
    assert process.returncode == 0, err.decode()
    assert "integrity ok" in out.decode()
    assert "the data key is not in the backup" in err.decode()
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert f"{backup.name}-wal" not in os.listdir(tmp_path)  # one file to keep
    assert before <= requests_in(backup) <= during < written

    restored = tmp_path / "restored" / "desk.db"
    restored.parent.mkdir()
    result = run_cli("restore", str(backup), "--db", str(restored), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    copied = requests_in(backup)
    match = re.search(r"audit chain intact: (\d+) events, (\d+) tickets", result.stdout)
    assert match is not None, result.stdout
    assert int(match.group(2)) == copied == requests_in(restored)
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600

    again = run_cli("restore", str(backup), "--db", str(restored), cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    forced = run_cli("restore", str(backup), "--db", str(restored), "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "audit chain intact" in forced.stdout
    assert run_cli("audit", "verify", "--db", str(live), cwd=tmp_path).returncode == 0


def test_restore_without_the_key_and_postgresql_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVACY_DESK_DATABASE_URL", "postgresql+asyncpg://desk@db/privacy")
    pg = run_cli("backup", str(tmp_path / "b.db"), cwd=tmp_path)
    assert pg.returncode == 2 and "pg_dump" in pg.stderr
    monkeypatch.delenv("PRIVACY_DESK_DATABASE_URL")
    monkeypatch.delenv("PRIVACY_DESK_DATA_KEYS")
    db = tmp_path / "desk.db"
    assert run_cli("console", "--db", str(db), stdin="/dsar list\n", cwd=tmp_path).returncode == 0
    assert run_cli("backup", str(tmp_path / "b.db"), "--db", str(db), cwd=tmp_path).returncode == 0
    elsewhere = tmp_path / "other.db"
    keyless = run_cli("restore", str(tmp_path / "b.db"), "--db", str(elsewhere), cwd=tmp_path)
    assert keyless.returncode == 2 and "the key is not in the backup" in keyless.stderr
    assert not elsewhere.exists()
    (tmp_path / "other.key").write_bytes((tmp_path / "desk.key").read_bytes())
    keyed = run_cli("restore", str(tmp_path / "b.db"), "--db", str(elsewhere), cwd=tmp_path)
    assert keyed.returncode == 0 and "audit chain intact" in keyed.stdout
