"""One list of personal fields (storage.personal), and what derives from it: every free-text
column is classified, reasons are personal in views, exports and retention, and delivered
messages lose their content after OUTBOX_KEEP_DAYS."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Text, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from handlers import audit, jobs
from handlers.policy import Policy
from storage import personal
from tests.conftest import DPO, PRIVACY, STAFF, Driver, FakeClock
from tests.teams_harness import CHANNEL, PRIVACY_AAD, teams_server
from tests.test_cli import run_cli

REASON = "waiting for Jane Doe's HR file"


def test_every_free_text_column_is_personal_or_proven_not() -> None:
    unclassified = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Text)
        and not personal.is_personal(table.name, column.name)
        and (table.name, column.name) not in personal.NOT_PERSONAL
    ]
    assert unclassified == []
    for field in personal.ALL:  # and the list names real columns
        assert field.column in SQLModel.metadata.tables[field.table].columns, field


async def test_reasons_are_shown_only_to_the_privacy_team(driver: Driver) -> None:
    await driver.ok(STAFF, '/dsar new access name="Ada" email=ada@example.com')
    await driver.ok(DPO, f'/dsar extend DSAR-0001 reason="{REASON}"')
    await driver.ok(DPO, f'/dsar close DSAR-0001 outcome=withdrawn reason="{REASON}"')
    staff = (await driver.ok(STAFF, "/dsar show DSAR-0001")).reply.render_text()
    assert "Jane" not in staff and "withdrawn" in staff
    team = (await driver.ok(PRIVACY, "/dsar show DSAR-0001")).reply.render_text()
    assert team.count(REASON) == 2
    await driver.ok(STAFF, '/breach new aware="2025-11-24T08:00+00:00" summary="lost laptop"')
    await driver.ok(DPO, "/breach assess BREACH-0001 risk=none")
    await driver.ok(DPO, f'/breach not-reportable BREACH-0001 reason="{REASON}"')
    staff = (await driver.ok(STAFF, "/breach show BREACH-0001")).reply.render_text()
    assert "Jane" not in staff and "not reportable" in staff
    assert REASON in (await driver.ok(DPO, "/breach show BREACH-0001")).reply.render_text()


AWARE = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M+00:00")
SCRIPT = f"""\
/dsar new access name="Ada" email=ada@example.com
/dsar extend DSAR-0001 reason="{REASON}"
/breach new aware="{AWARE}" summary="laptop left on a train"
/breach assess BREACH-0001 risk=none
/breach not-reportable BREACH-0001 reason="{REASON}"
"""


def test_default_exports_leave_out_every_reason_and_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    assert run_cli("console", "--db", str(db), stdin=SCRIPT, cwd=tmp_path).returncode == 0
    assert db.stat().st_mode & 0o777 == 0o600
    for kind in ("requests", "breaches"):
        plain = run_cli("export", "--kind", kind, "--db", str(db))
        assert plain.returncode == 0 and "Jane" not in plain.stdout, plain.stdout
        out = tmp_path / f"{kind}.csv"
        out.write_text("")
        out.chmod(0o644)  # even a file that was readable by others before
        full = run_cli("export", "--kind", kind, "--include-personal", "--output", str(out),
                       "--db", str(db))  # fmt: skip
        assert full.returncode == 0, full.stderr
        assert out.stat().st_mode & 0o777 == 0o600
        [row] = list(csv.DictReader(io.StringIO(out.read_text())))
        assert REASON in row.values()


async def test_retention_erases_reasons_too(
    driver: Driver, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, policy: Policy
) -> None:
    await driver.ok(STAFF, '/dsar new access name="Ada" email=ada@example.com')
    await driver.ok(DPO, f'/dsar extend DSAR-0001 reason="{REASON}"')
    await driver.ok(DPO, f'/dsar close DSAR-0001 outcome=withdrawn reason="{REASON}"')
    clock.advance(days=7 * 366)
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 1
    async with sessions() as session:
        row = (
            await session.execute(
                text("SELECT extension_reason, outcome_reason FROM requests WHERE ref='DSAR-0001'")
            )
        ).one()
        assert tuple(row) == (None, None)
        assert (await audit.verify(session=session)).ok


async def test_delivered_messages_lose_their_content_after_the_keep_window(
    engine: AsyncEngine, db_url: str
) -> None:
    clock = FakeClock(datetime(2025, 11, 24, 9, 30, tzinfo=UTC))
    async with teams_server(engine, db_url, clock=clock) as teams:
        assert await teams.say("dsar help", user=PRIVACY_AAD) == 202  # the personal chat
        line = 'dsar new access name="Ada Lovelace" email=ada@example.com'
        assert await teams.say(line, user=PRIVACY_AAD) == 202
        # asked in a channel: the answer, with the requester's details, goes by DM (outbox)
        assert await teams.say("dsar show DSAR-0001", user=PRIVACY_AAD, channel=CHANNEL,
                               mention=True) == 202  # fmt: skip
        await teams.deliver()
        assert "Ada Lovelace" in str(await payloads(engine))
        sessions, policy = teams.core.sessions, teams.core.desk.policy

        async def retention() -> None:
            await jobs.retention_job(
                sessions=sessions, clock=clock, policy=policy, years=6, outbox_keep_days=7
            )

        clock.advance(days=6)
        await retention()
        assert "Ada Lovelace" in str(await payloads(engine))  # inside the window: kept
        clock.advance(days=1, minutes=1)
        await retention()
        assert "Ada Lovelace" not in str(await payloads(engine))
        async with engine.connect() as conn:
            inbound = (await conn.execute(text("SELECT count(*) FROM inbound"))).scalar_one()
            states = (await conn.execute(text("SELECT state FROM outbox"))).scalars().all()
        assert inbound == 0 and states and set(states) == {"sent"}


async def payloads(engine: AsyncEngine) -> list[str]:
    """The messages' content in the clear (the column decrypts as it loads)."""
    from sqlmodel import col, select

    from storage.models import OutboxMessage

    async with engine.connect() as conn:
        return list((await conn.execute(select(col(OutboxMessage.payload)))).scalars())


def test_keep_window_is_a_day_count() -> None:
    assert timedelta(days=7) == timedelta(days=personal_keep_default())


def personal_keep_default() -> int:
    from bot.config import Settings

    return Settings(_env_file=None).outbox_keep_days


async def test_error_replies_name_the_field_not_the_value(driver: Driver) -> None:
    for line in (
        "/dsar new Jane Doe email=jane.doe@example.com",
        "/dsar new access name=Jane Doe email=jane.doe@example.com",
        '/dsar new access name="Jane Doe" email="Jane Doe"',
        '/dsar new access name="Jane Doe" email=jane.doe@example',
        "/dsar show Jane",
        "/dsar Jane Doe",
        "/dsar assign DSAR-0001 Jane",
        "/dsar list Jane",
    ):
        said = (await driver.say(STAFF, line)).reply.render_text()
        lowered = said.lower()
        assert "jane" not in lowered and "doe" not in lowered, said


def test_every_personal_and_sealed_column_is_encrypted_at_rest() -> None:
    from sqlmodel import SQLModel

    from storage import models, models_searches  # noqa: F401  (the tables)
    from storage.crypto import Encrypted

    tables = SQLModel.metadata.tables
    for table, columns in personal.encrypted_tables().items():
        for column in columns:
            assert isinstance(tables[table].c[column].type, Encrypted), f"{table}.{column}"
