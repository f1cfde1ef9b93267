"""The systems register (issue 17): the organisation's systems and departments that may hold
personal data, each with the person who searches it.

Stored in the database and changed only by the privacy team; every change is an event in the
audit chain under ``REGISTER`` (names of systems and platform ids only, no personal data). The
first use seeds it from ``SYSTEMS_FILE`` (``Policy.default_systems``), once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import audit, replies
from handlers import command_types_searches as sc
from handlers.context import Context, Refusal
from handlers.ports import ChatUser, Outcome, Reply, Tone
from storage import repositories as repo
from storage.enums import RegisterChange
from storage.models_searches import System
from storage.repositories import search_tasks as tasks_repo

SEEDED = "systems_seeded"  # a desk fact: the register was seeded from the file once
SEED_ACTOR = "system:systems-file"


async def register(ctx: Context, session: AsyncSession) -> list[System]:
    """The register, seeded from the systems file the first time it is used."""
    if await repo.desk_fact(session=session, key=SEEDED) is None:
        await repo.set_desk_fact(session=session, key=SEEDED, value=ctx.now.isoformat())
        present = {s.name.casefold() for s in await tasks_repo.systems(session=session)}
        for seed in ctx.policy.default_systems:
            if seed.name.casefold() in present:
                continue
            row = System(
                name=seed.name, owner=str(seed.owner), added_by=SEED_ACTOR, added_at=ctx.now
            )
            await repo.add(session=session, row=row)
            await audit.record_register(
                session=session,
                actor=SEED_ACTOR,
                action="system_added",
                at=ctx.now,
                facts={"system": seed.name, "owner": str(seed.owner)},
            )
    return await tasks_repo.systems(session=session)


def system_line(system: System) -> str:
    return f"{system.name}  owner {replies.person(system.owner)}"


async def list_systems(ctx: Context, session: AsyncSession, _cmd: sc.ListSystems) -> Outcome:
    systems = await register(ctx, session)
    if not systems:
        text = 'No systems registered yet: /dsar system add name="…" owner=@person'
        return Outcome(reply=Reply(text=text, tone=Tone.INFO, personal=False))
    return Outcome(
        reply=Reply(
            text=f"{len(systems)} system(s) in the register",
            lines=tuple(system_line(s) for s in systems),
            personal=False,
        )
    )


async def change_system(ctx: Context, session: AsyncSession, cmd: sc.ChangeSystem) -> Outcome:
    ctx.require_privacy_team("change the systems register")
    await register(ctx, session)
    existing = await tasks_repo.system_named(session=session, name=cmd.name)
    owner = None if cmd.owner is None else str(ChatUser(ctx.actor.user.platform, cmd.owner))
    if cmd.change is RegisterChange.ADD:
        if existing is not None:
            raise Refusal(f"{existing.name} is already in the register", field="name")
        assert owner is not None
        system = System(name=cmd.name, owner=owner, added_by=ctx.who, added_at=ctx.now)
        await repo.add(session=session, row=system)
        done, action = f"{system.name} added, owner {replies.person(owner)}", "system_added"
    elif existing is None:
        raise Refusal(f"there is no system {cmd.name!r} in the register (/dsar systems)")
    elif cmd.change is RegisterChange.REMOVE:
        system = existing
        await session.delete(existing)
        await session.flush()
        done, action = f"{system.name} removed from the register", "system_removed"
    else:
        assert owner is not None
        system, system.owner = existing, owner
        session.add(system)
        done, action = f"{system.name}: owner is now {replies.person(owner)}", "system_owner"
    await audit.record_register(
        session=session,
        actor=ctx.who,
        action=action,
        at=ctx.now,
        facts={"system": system.name, "owner": owner},
    )
    return Outcome(reply=Reply(text=done, personal=False), changed=True)
