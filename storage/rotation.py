"""``privacy-desk rotate-keys``: every stored token re-encrypted under the newest data key.

Run it after putting a new key first in ``PRIVACY_DESK_DATA_KEYS`` (the old one still listed
after it, so both read) and restarting the desk; once it has finished, the old key can go.

It works a batch of rows at a time, each batch its own transaction, so the desk keeps running
and an interrupted run loses nothing: a token already under the newest key is left as it is,
so running it again carries on where it stopped. The values themselves never change, so the
audit chain's digests (computed over them, not over tokens) stay valid. The search digests
are rebuilt under the newest key last, and then the key check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage import crypto, keycheck, personal
from storage import repositories as repo
from storage.db import session_factory, transaction
from storage.models import Request

BATCH = 500

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass
class RotationReport:
    rows: int = 0  # rows looked at
    rotated: int = 0  # values re-encrypted
    already: int = 0  # values already under the newest key
    indexed: int = 0  # requests whose search digests were rebuilt
    tables: dict[str, int] = field(default_factory=dict)


async def rotate(
    engine: AsyncEngine, *, batch: int = BATCH, progress: Progress | None = None
) -> RotationReport:
    keys = crypto.keys_of(engine)
    sessions = session_factory(engine)
    report = RotationReport()
    tables = personal.encrypted_tables()
    async with transaction(sessions) as session:
        total = 0
        for table in tables:
            total += (await session.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
        total += (await session.execute(text("SELECT COUNT(*) FROM requests"))).scalar_one()
    done = 0
    for table, columns in tables.items():
        listed = ", ".join(columns)
        last = 0
        while True:
            async with transaction(sessions) as session:
                query = f"SELECT id, {listed} FROM {table} WHERE id > :last ORDER BY id LIMIT :n"
                rows = (await session.execute(text(query), {"last": last, "n": batch})).all()
                if not rows:
                    break
                updates = []
                for row in rows:
                    changed: dict[str, tuple[str, str]] = {}
                    for name, token in zip(columns, row[1:], strict=True):
                        if token is None:
                            continue
                        if keys.under_newest(token):
                            report.already += 1
                        else:
                            changed[name] = (token, _rotated(keys, token, table, row[0]))
                    if changed:
                        report.rotated += len(changed)
                        updates.append((row[0], changed))
                for row_id, changed in updates:
                    for name, (old, new) in changed.items():
                        # Only if it still holds the token read: a value the desk wrote since
                        # is already under the newest key, and must not be put back.
                        await session.execute(
                            text(
                                f"UPDATE {table} SET {name} = :new WHERE id = :id AND {name} = :old"
                            ),
                            {"id": row_id, "new": new, "old": old},
                        )
                last = rows[-1][0]
                report.rows += len(rows)
                report.tables[table] = report.tables.get(table, 0) + len(rows)
                done += len(rows)
            if progress is not None:
                progress(done, total)
    last = 0
    while True:
        async with transaction(sessions) as session:
            rows_query = (  # locked, so an edit cannot slip between reading and reindexing
                select(Request)
                .where(col(Request.id) > last)
                .order_by(col(Request.id))
                .with_for_update()
            )
            found = list((await session.execute(rows_query.limit(batch))).scalars())
            if not found:
                break
            for req in found:
                await repo.index_request(session=session, req=req)
            report.indexed += len(found)
            last = found[-1].id or last
            done += len(found)
        if progress is not None:
            progress(done, total)
    await keycheck.renew(engine)
    return report


def _rotated(keys: crypto.DataKeys, token: str, table: str, row_id: int) -> str:
    try:
        return keys.rotate(token)
    except InvalidToken as exc:
        raise InvalidToken(
            f"{table} row {row_id} holds a value none of the data keys can read: it was written "
            "behind the desk's back or with a key no longer listed (run `privacy-desk audit "
            "verify`)"
        ) from exc
