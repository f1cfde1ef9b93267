"""What encryption at rest costs: ``/dsar new``, ``/dsar list all`` and ``/dsar find`` with
10,000 tickets, and loading every request (export, audit), on SQLite.

The baseline is the same code in the same run with the cipher taken out: a ``DataKeys`` whose
encrypt and decrypt return the text unchanged (``NullKeys``), so the difference between the two
columns is Fernet itself, not the queries around it. Each half seeds its own database (the seed
is timed too: it is 10,000 encryptions of three fields).

    .venv/bin/python -m bench.encryption [--tickets 10000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlmodel import col

from bench._common import FixedClock, Stats, ms, positive_int, table
from bench.keys import BENCH_KEYS
from handlers.deadlines import request_deadlines
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import ChatUser
from storage import repositories as repo
from storage.blind_index import Identity, terms_for
from storage.crypto import DataKeys
from storage.db import create_engine, session_factory, transaction
from storage.enums import RequestState, RequestType, Via
from storage.migrate import upgrade
from storage.models import Counter, Request, RequestBase, SearchTerm

DPO = ChatUser("console", "dpo")
TODAY = date(2026, 12, 2)
WORDS = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies")


class NullKeys(DataKeys):
    """The baseline: every call of the real keys, minus the cipher."""

    def encrypt(self, value: str) -> str:
        return value

    def decrypt(self, token: str) -> str:
        return token


def seed_rows(n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(1, n + 1):
        received = TODAY - timedelta(days=i % 40)
        dates = request_deadlines(received=received, calendar="GB-ENG")
        base = RequestBase(
            ref=f"DSAR-{i:04d}",
            type=RequestType.ACCESS.value,
            state=RequestState.IN_PROGRESS.value,
            via=Via.EMAIL.value,
            received=received,
            calendar="GB-ENG",
            created_by=str(DPO),
            created_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
            clock_start=dates.clock_start,
            base_due=dates.due,
            extension_notice_by=dates.extension_notice_by,
            extended_due=dates.extended_due,
            due=dates.due,
        ).model_dump()
        base |= {
            "requester_name": f"Person{i} {WORDS[i % len(WORDS)]}",
            "requester_email": f"person{i}@example.org",
            "details": f"Every record about me since 20{i % 25:02d}, account {i}",
            "pii_salt": f"{i:032x}",
        }
        rows.append(base)
    return rows


async def half(keys: DataKeys, tickets: int, repeat: int) -> dict[str, Stats]:
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'desk.db'}"
        await asyncio.to_thread(upgrade, url, keys=keys)
        engine = create_engine(url, keys=keys)
        sessions = session_factory(engine)
        start = time.perf_counter()
        rows = seed_rows(tickets)
        terms = [
            {"term": term, "ticket_ref": row["ref"]}
            for row in rows
            for term in terms_for(
                keys,
                Identity(
                    name=str(row["requester_name"]),
                    email=str(row["requester_email"]),
                    details=str(row["details"]),
                ),
            )
        ]
        async with transaction(sessions) as session:
            await session.execute(insert(Request), rows)
            await session.execute(insert(SearchTerm), terms)
            await session.execute(
                update(Counter).where(col(Counter.name) == "DSAR").values(value=tickets)
            )
        seeded = time.perf_counter() - start
        clock = FixedClock(datetime(2026, 12, 2, 10, tzinfo=UTC))
        policy = Policy(privacy_team=frozenset({DPO}), dpo=frozenset({DPO}))
        desk = Desk(
            sessions=sessions,
            clock=clock,
            policy=policy,
            sender=Sender(sessions=sessions, clock=clock, notifiers={}),
            deliver_now=False,
        )
        actor = desk.actor(DPO)

        async def timed(line: str, n: int) -> Stats:
            samples = []
            for i in range(n):
                began = time.perf_counter()
                outcome = await desk.run_text(actor=actor, text=line.format(i=i))
                samples.append(time.perf_counter() - began)
                assert outcome.reply.tone != "error", outcome.reply.render_text()
            return Stats(tuple(samples))

        new = 'new access name="Zoë Quintero {i}" email=zq{i}@example.org details="all CCTV"'
        stats = {
            "/dsar new": await timed("/dsar " + new, repeat),
            "/dsar list all (200 rows, names)": await timed("/dsar list all", repeat),
            "/dsar find smith": await timed("/dsar find smith", repeat),
            "/dsar find <email>": await timed("/dsar find person77@example.org", repeat),
        }
        samples = []
        for _ in range(max(3, repeat // 10)):
            began = time.perf_counter()
            async with transaction(sessions) as session:
                loaded = await repo.all_requests(session=session)
            samples.append(time.perf_counter() - began)
        stats[f"load all {len(loaded)} requests"] = Stats(tuple(samples))
        stats[f"seed {tickets} requests (once)"] = Stats((seeded,))
        await engine.dispose()
        return stats


async def main_async(args: argparse.Namespace) -> None:
    baseline = await half(NullKeys(BENCH_KEYS.keys), args.tickets, args.repeat)
    encrypted = await half(BENCH_KEYS, args.tickets, args.repeat)
    rows = []
    for (name, plain), enc in zip(baseline.items(), encrypted.values(), strict=True):
        extra = enc.median - plain.median
        rows.append([name, ms(plain.median), ms(enc.median), ms(extra), ms(enc.p90)])
    print(f"SQLite, {args.tickets} tickets, {args.repeat} runs each (medians, ms)")
    print(table(["operation", "no cipher", "Fernet", "cost", "Fernet p90"], rows))
    print(
        "\n(search digests are made in both columns: the baseline removes only the cipher. "
        "The find timings are with the index, whatever the ticket count.)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=positive_int, default=10_000)
    parser.add_argument("--repeat", type=positive_int, default=30)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
