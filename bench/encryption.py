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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from bench._common import FixedClock, Stats, ms, positive_int, table
from bench.keys import BENCH_KEYS
from handlers.deadlines import request_deadlines
from handlers.desk import Desk
from handlers.outbox import Sender
from handlers.policy import Policy
from handlers.ports import Actor, ChatUser
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


@dataclass
class Setup:
    desk: Desk
    actor: Actor
    sessions: async_sessionmaker[AsyncSession]
    engine: AsyncEngine
    seeded: float


async def setup(keys: DataKeys, tickets: int, folder: Path) -> Setup:
    url = f"sqlite+aiosqlite:///{folder / 'desk.db'}"
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
    return Setup(desk, desk.actor(DPO), sessions, engine, seeded)


async def run_line(env: Setup, line: str) -> float:
    began = time.perf_counter()
    outcome = await env.desk.run_text(actor=env.actor, text=line)
    took = time.perf_counter() - began
    assert outcome.reply.tone != "error", outcome.reply.render_text()
    return took


async def load_all(env: Setup) -> float:
    began = time.perf_counter()
    async with transaction(env.sessions) as session:
        await repo.all_requests(session=session)
    return time.perf_counter() - began


async def main_async(args: argparse.Namespace) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as a,
        tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as b,
    ):
        plain = await setup(NullKeys(BENCH_KEYS.keys), args.tickets, Path(a))
        sealed = await setup(BENCH_KEYS, args.tickets, Path(b))
        new = '/dsar new access name="Zoë Quintero {i}" email=zq{i}@example.org details="CCTV"'
        lines = {
            "/dsar new": new,
            "/dsar list all (200 rows, names)": "/dsar list all",
            "/dsar find smith (1,250 match, 20 shown)": "/dsar find smith",
            "/dsar find <email>": "/dsar find person77@example.org",
        }
        samples: dict[str, tuple[list[float], list[float]]] = {}
        for name, line in lines.items():  # the two take turns, so drift hits both alike
            pair: tuple[list[float], list[float]] = ([], [])
            for i in range(args.repeat):
                pair[0].append(await run_line(plain, line.format(i=i)))
                pair[1].append(await run_line(sealed, line.format(i=i)))
            samples[name] = pair
        loads: tuple[list[float], list[float]] = ([], [])
        for _ in range(max(3, args.repeat // 5)):
            loads[0].append(await load_all(plain))
            loads[1].append(await load_all(sealed))
        samples[f"load all {args.tickets + args.repeat} requests"] = loads
        await plain.engine.dispose()
        await sealed.engine.dispose()
    rows = []
    for name, (without, with_) in samples.items():
        p, e = Stats(tuple(without)), Stats(tuple(with_))
        rows.append([name, ms(p.median), ms(e.median), ms(e.median - p.median), ms(e.p90)])
    print(f"SQLite, {args.tickets} tickets, {args.repeat} runs each, interleaved (medians, ms)")
    print(table(["operation", "no cipher", "Fernet", "cost", "Fernet p90"], rows))
    print(
        "\n(both columns make the search digests: the baseline removes only the cipher; "
        "find reads the index, so its cost does not grow with the ticket count.)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=positive_int, default=10_000)
    parser.add_argument("--repeat", type=positive_int, default=30)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
