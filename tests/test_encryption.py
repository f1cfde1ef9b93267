"""Personal data at rest (issue 11 item 1): encrypted in the file, the WAL and PostgreSQL's
columns; keys from the environment or the embedded default's key file; a plain-text database
from the last release encrypted by ``migrate``; ``rotate-keys`` resumable; ``audit verify``
passing after each."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import sqlite3
import stat
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import BadKey, DataKeys, new_key, parse_keys
from tests.conftest import PRIVACY, STAFF, Driver
from tests.fakes.keys import OLD_TEST_KEY, TEST_KEY
from tests.test_cli import run_cli

NAME, EMAIL = "Zoë Quintero-Hale", "zoe.quintero@example.org"
DETAILS = "Flat 2, 10 Mill Lane, Leeds LS6 2AB; all CCTV footage"
NOTE = "Called Quintero back about the footage"
SUMMARY = "Payroll of Marta Okonkwo sent to the wrong client"
SECRETS = (b"Quintero", b"quintero", b"Mill Lane", b"Okonkwo")
RELEASE_DB = Path(__file__).with_name("data") / "release-0006.db"

STORY = f"""\
/dsar new type=access name="{NAME}" email={EMAIL} via=email received=2026-11-20 details="{DETAILS}"
/dsar note DSAR-0001 "{NOTE}"
/dsar extend DSAR-0001 reason="Footage from 3 sites for Quintero"
/dsar show DSAR-0001
/breach new summary="{SUMMARY}" aware=2026-11-30T09:00 data="payroll" people="staff"
"""


def raw_bytes(db: Path) -> bytes:
    """Everything SQLite has on disk for ``db``: the file, its WAL and shared memory."""
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{db}{suffix}")
        if path.exists():
            found += path.read_bytes()
    return found


def env_without_keys(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    return env | {"PRIVACY_DESK_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}


def cli(*args: str, env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    done = run_cli(*args, stdin=stdin, env=env)
    return done.returncode, done.stdout, done.stderr


def test_the_database_file_and_its_wal_never_hold_a_name_or_email(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    done = run_cli("console", "--db", str(db), stdin=STORY)
    assert done.returncode == 0, done.stderr
    assert NAME in done.stdout  # the privacy team's console shows it, decrypted
    on_disk = raw_bytes(db)
    assert len(on_disk) > 10_000
    for secret in SECRETS:
        assert secret not in on_disk, secret
    assert EMAIL.encode() not in on_disk
    assert "Zoë".encode() not in on_disk
    assert run_cli("audit", "verify", "--db", str(db)).returncode == 0


def test_the_embedded_default_makes_its_key_file_once_and_says_so_once(tmp_path: Path) -> None:
    db = tmp_path / "privacy-desk.db"
    env = env_without_keys(db)
    code, out, err = cli("console", env=env, stdin=STORY)
    assert code == 0, err
    key_file = tmp_path / "privacy-desk.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert err.count("Made ") == 1 and "privacy-desk.key" in err and "Back it up" in err
    parse_keys(key_file.read_text())  # a real key
    code, out, err = cli("console", env=env, stdin="/dsar show DSAR-0001\n")
    assert code == 0 and "Made " not in err
    assert NAME in out
    for secret in SECRETS:
        assert secret not in raw_bytes(db)


def test_a_lost_key_file_is_refused_and_not_replaced(tmp_path: Path) -> None:
    db = tmp_path / "privacy-desk.db"
    env = env_without_keys(db)
    assert cli("console", env=env, stdin=STORY)[0] == 0
    key_file = tmp_path / "privacy-desk.key"
    key_file.rename(tmp_path / "elsewhere.key")
    code, _, err = cli("console", env=env, stdin="/dsar list\n")
    assert code == 2
    assert "privacy-desk.key is missing" in err and "restore it" in err
    assert not key_file.exists()  # no new key, which would write rows the old one cannot read


def test_the_wrong_key_is_refused_with_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    assert run_cli("console", "--db", str(db), stdin=STORY).returncode == 0
    env = env_without_keys(db) | {"PRIVACY_DESK_DATA_KEYS": new_key()}
    for args in (["console"], ["audit", "verify"], ["export", "--kind", "requests"]):
        code, out, err = cli(*args, env=env, stdin="/dsar list\n")
        assert code == 2, (args, err)
        assert "do not open this database" in err
        assert "Traceback" not in err and NAME not in out + err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not-a-key", "data key 1 is not a key"),
        (f"{TEST_KEY},short", "data key 2 is not a key"),
        (f"{TEST_KEY},{TEST_KEY}", "listed twice"),
        (  # Fernet signs with a key's first half: one shared is no second key at all
            f"{TEST_KEY},{base64.urlsafe_b64encode(b'privacy-desk tests, an older key').decode()}",
            "share their first half",
        ),
    ],
)
def test_a_bad_key_setting_is_one_line_without_the_key(
    tmp_path: Path, value: str, message: str
) -> None:
    env = env_without_keys(tmp_path / "d.db") | {"PRIVACY_DESK_DATA_KEYS": value}
    code, _, err = cli("console", env=env, stdin="/dsar list\n")
    assert code == 2 and message in err
    assert TEST_KEY not in err and len(err.strip().splitlines()) == 1
    with pytest.raises(BadKey):
        parse_keys(value)


def test_production_and_a_shared_database_refuse_to_start_without_keys(tmp_path: Path) -> None:
    env = env_without_keys(tmp_path / "d.db") | {
        "PRIVACY_DESK_ENV": "production",
        "PRIVACY_DESK_DPO_USERS": "slack:U1",
    }
    code, _, err = cli("migrate", env=env)
    assert code == 2 and "production needs PRIVACY_DESK_DATA_KEYS" in err
    shared = env_without_keys(tmp_path / "d.db") | {
        "PRIVACY_DESK_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    }
    code, _, err = cli("migrate", env=shared)
    assert code == 2 and "a shared database needs the same key on every replica" in err


def test_a_release_database_in_plain_text_is_encrypted_by_migrate(tmp_path: Path) -> None:
    """``tests/data/release-0006.db`` was made by the previous release (schema 0006, plain
    text): three tickets, a note, an extension, its outbox."""
    db = tmp_path / "privacy-desk.db"
    shutil.copy(RELEASE_DB, db)
    assert b"Quintero" in raw_bytes(db)  # what the last release left readable on disk
    env = env_without_keys(db)
    code, out, err = cli("migrate", env=env)
    assert code == 0, err
    assert (tmp_path / "privacy-desk.key").exists()
    for secret in (*SECRETS, b"Nkemelu", b"nkemelu"):
        assert secret not in raw_bytes(db), secret
    code, out, err = cli("audit", "verify", env=env)
    assert code == 0, out + err
    assert "3 tickets" in out
    story = "/dsar show DSAR-0001\n/dsar find quintero\n/breach show BREACH-0001\n"
    code, out, err = cli("console", env=env, stdin=story)
    assert code == 0, err
    assert "Zoë Quintero-Hale <zoe.quintero@example.org>" in out
    assert "1 request found" in out
    assert "Okonkwo" in out


def test_rotate_keys_re_encrypts_everything_resumably_and_audit_still_passes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "desk.db"
    old = env_without_keys(db) | {"PRIVACY_DESK_DATA_KEYS": OLD_TEST_KEY}
    assert cli("console", env=old, stdin=STORY)[0] == 0
    before = raw_bytes(db)
    both = env_without_keys(db) | {"PRIVACY_DESK_DATA_KEYS": f"{TEST_KEY},{OLD_TEST_KEY}"}
    code, out, err = cli("rotate-keys", "--batch", "2", env=both)
    assert code == 0, err
    assert int(out.split()[0]) > 0 and "re-encrypted under the newest key" in out
    assert "rows 100%" in err  # the progress bar reached the end
    again = cli("rotate-keys", env=both)
    assert again[0] == 0 and again[1].startswith("0 value(s) re-encrypted")  # nothing left to do
    new_only = env_without_keys(db) | {"PRIVACY_DESK_DATA_KEYS": TEST_KEY}
    code, out, err = cli("audit", "verify", env=new_only)
    assert code == 0, out + err
    code, out, err = cli("console", env=new_only, stdin="/dsar show DSAR-0001\n/dsar find zoe\n")
    assert code == 0 and NAME in out and "1 request found" in out
    assert raw_bytes(db) != before
    code, _, err = cli("audit", "verify", env=old)  # the old key alone opens nothing now
    assert code == 2 and "do not open this database" in err


async def test_postgresql_and_sqlite_columns_hold_tokens_not_values(
    driver: Driver, engine: AsyncEngine
) -> None:
    await driver.ok(STAFF, f'/dsar new access name="{NAME}" email={EMAIL} details="{DETAILS}"')
    await driver.ok(PRIVACY, f'/dsar note DSAR-0001 "{NOTE}"')
    await driver.ok(STAFF, f'/breach new aware=2025-11-24T08:00 summary="{SUMMARY}"')
    await driver.ok(STAFF, '/dsar new access name="Ann Other" email=ann@example.org')
    await driver.ok(
        PRIVACY,
        '/dsar close DSAR-0002 outcome=refused reason="repeat" basis=exemption '
        'exemption="Sch 2 para 16: third party Harold Bishop"',
    )
    async with engine.connect() as conn:
        # The digest salt is sealed too: in clear, it would let anyone holding the file test
        # guesses of a name against the audit digests beside it (the hostile review's finding).
        salts = list((await conn.execute(text("SELECT pii_salt FROM requests"))).scalars())
        salts += list((await conn.execute(text("SELECT pii_salt FROM breaches"))).scalars())
        exemption = (
            await conn.execute(text("SELECT refusal_exemption FROM requests WHERE id = 2"))
        ).scalar_one()
    assert len(salts) == 3 and all(s.startswith("gAAAAA") for s in salts)
    assert exemption.startswith("gAAAAA") and "Harold" not in exemption
    request_columns = "SELECT requester_name, requester_email, details FROM requests WHERE id = 1"
    async with engine.connect() as conn:
        raw = [
            *(await conn.execute(text(request_columns))).one(),
            *(await conn.execute(text("SELECT text FROM notes"))).scalars(),
            *(await conn.execute(text("SELECT summary FROM breaches"))).scalars(),
            *(await conn.execute(text("SELECT payload FROM outbox"))).scalars(),
        ]
        terms = list((await conn.execute(text("SELECT term FROM search_terms"))).scalars())
    assert len(raw) >= 6
    for value in raw:
        assert value.startswith("gAAAAA"), value[:20]  # a Fernet token
        for secret in ("Quintero", "quintero", "Mill Lane", "Called", "Okonkwo"):
            assert secret not in value
    assert terms and all(len(t) == 40 and "quintero" not in t for t in terms)
    keys = DataKeys((TEST_KEY,))
    assert keys.decrypt(raw[0]) == NAME


class _EditsWhileRotating(DataKeys):
    """Keys whose first ``rotate`` lets another replica correct DSAR-0001 and commit, between
    rotation's read of the row and its write (on PostgreSQL nothing stops that)."""

    edit: Callable[[], None] | None = None

    def rotate(self, token: str) -> str:
        edit, type(self).edit = type(self).edit, None
        if edit is not None:
            edit()
        return super().rotate(token)


async def test_rotation_never_undoes_an_edit_committed_while_it_runs(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite takes the write lock at BEGIN: no edit can land mid-batch")
    from handlers.desk import Desk
    from handlers.outbox import Sender
    from handlers.policy import Policy
    from storage import rotation
    from storage.db import create_engine, session_factory
    from tests.conftest import FakeClock, reset_postgres

    old = DataKeys((OLD_TEST_KEY,))
    clock = FakeClock(datetime(2025, 11, 24, 9, 30, tzinfo=UTC))
    policy = Policy(privacy_team=frozenset({PRIVACY}))

    def desk_on(keys: DataKeys) -> tuple[Desk, Any]:
        engine = create_engine(db_url, keys=keys)
        sessions = session_factory(engine)
        sender = Sender(sessions=sessions, clock=clock, notifiers={})
        return Desk(sessions=sessions, clock=clock, policy=policy, sender=sender), engine

    first, first_engine = desk_on(old)
    await reset_postgres(first_engine)
    await first.run_text(
        actor=first.actor(PRIVACY), text='/dsar new access name="Zoe Typo" email=typo@example.org'
    )
    await first_engine.dispose()

    def correct() -> None:  # another replica, already on (NEW, OLD), in a thread of its own
        async def run() -> None:
            desk, engine = desk_on(DataKeys((TEST_KEY, OLD_TEST_KEY)))
            line = '/dsar edit DSAR-0001 name="Zoe Corrected" email=corrected@example.org'
            outcome = await desk.run_text(actor=desk.actor(PRIVACY), text=line)
            assert outcome.reply.tone != "error", outcome.reply.render_text()
            await engine.dispose()

        worker = threading.Thread(target=lambda: asyncio.run(run()))
        worker.start()
        worker.join(30)

    _EditsWhileRotating.edit = correct
    rotating = create_engine(db_url, keys=_EditsWhileRotating((TEST_KEY, OLD_TEST_KEY)))
    try:
        await rotation.rotate(rotating)
        async with session_factory(rotating)() as session:
            from handlers import audit
            from storage import repositories as repo

            req = await repo.request_by_ref(session=session, ref="DSAR-0001")
            assert req is not None
            assert (req.requester_name, req.requester_email) == (
                "Zoe Corrected", "corrected@example.org",
            )  # fmt: skip
            assert [r.ref for r in await repo.find_requests(session=session, text="corrected",
                                                             limit=5)] == ["DSAR-0001"]  # fmt: skip
            assert (await audit.verify(session=session)).ok
    finally:
        await rotating.dispose()


def test_one_unreadable_value_is_a_refusal_not_the_end_of_the_console(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    assert run_cli("console", "--db", str(db), stdin=STORY).returncode == 0
    with sqlite3.connect(db) as conn:  # written behind the desk's back, in clear
        conn.execute("UPDATE requests SET requester_name = 'Mallory' WHERE ref = 'DSAR-0001'")
    done = run_cli("console", "--db", str(db), stdin="/dsar list\n/dsar help\n")
    assert "a stored value cannot be read with the data keys given" in done.stdout
    assert "/dsar new" in done.stdout.split("/dsar help", 1)[1]  # the next command still ran
    assert "Traceback" not in done.stdout + done.stderr
    verified = run_cli("audit", "verify", "--db", str(db))
    assert verified.returncode == 1
    assert "DSAR-0001 has been changed outside" in verified.stdout + verified.stderr


async def test_compacting_postgresql_rewrites_the_tables_that_hold_tokens(
    db_url: str, engine: AsyncEngine
) -> None:
    """After an upgrade or a rotation the old row versions must go from the table files:
    ``VACUUM FULL`` writes each table anew (a new file node), leaving no dead versions."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite is vacuumed as a file (see the raw-bytes tests)")
    from storage.migrate import compact

    query = text("SELECT pg_relation_filenode('requests'), pg_relation_filenode('outbox')")
    async with engine.connect() as conn:
        before = tuple((await conn.execute(query)).one())
    await engine.dispose()
    await asyncio.to_thread(compact, db_url)
    async with engine.connect() as conn:
        after = tuple((await conn.execute(query)).one())
    assert all(a != b for a, b in zip(after, before, strict=True))


async def test_retention_leaves_no_token_of_what_it_erased_in_the_file_or_wal(
    db_url: str, driver: Driver, sessions: Any, clock: Any, policy: Any
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("a file and its WAL are SQLite's")
    from handlers import jobs

    await driver.ok(STAFF, f'/dsar new access name="{NAME}" email={EMAIL}')
    await driver.ok(PRIVACY, "/dsar close DSAR-0001 outcome=withdrawn")
    db = Path(db_url.removeprefix("sqlite+aiosqlite:///"))
    with sqlite3.connect(db) as conn:
        [token] = conn.execute("SELECT requester_name FROM requests").fetchone()
    assert token.encode() in raw_bytes(db)
    clock.advance(days=7 * 366)
    assert await jobs.retention_job(sessions=sessions, clock=clock, policy=policy, years=6) == 1
    assert token.encode() not in raw_bytes(db)  # neither in the file nor in an old WAL frame


def test_a_database_named_like_its_key_file_is_refused_and_a_shared_key_file_warned(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_DESK_")}
    code, _, err = cli("console", "--db", str(tmp_path / "desk.key"), env=env, stdin="")
    assert code == 2 and "the name of its own key file" in err
    assert not (tmp_path / "desk.key").exists()
    db = tmp_path / "desk.db"
    assert cli("console", "--db", str(db), env=env, stdin="/dsar list\n")[0] == 0
    (tmp_path / "desk.key").chmod(0o644)
    code, _, err = cli("console", "--db", str(db), env=env, stdin="/dsar list\n")
    assert code == 0 and "can be read by other accounts: chmod 600 it" in err
