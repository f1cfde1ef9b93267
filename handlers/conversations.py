"""Where the bot may write later: stored conversation references (Teams proactive messages).

Kept in the database, never in a module-level dict, so every replica can deliver and a
restart forgets nothing. The reference itself is the platform's opaque JSON, stored without
the display names it carries (a person's name is not needed to write to them).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.db import transaction


async def remember(
    *,
    sessions: async_sessionmaker[AsyncSession],
    platform: str,
    key: str,
    tenant: str | None,
    reference: str,
    now: datetime,
) -> None:
    reference = without_names(reference)
    async with transaction(sessions) as session:
        existing = await repo.conversation_ref(session=session, platform=platform, key=key)
        if existing is not None and existing.reference == reference and existing.tenant == tenant:
            return
        await repo.save_conversation_ref(
            session=session, platform=platform, key=key, tenant=tenant, reference=reference, at=now
        )


def without_names(reference: str) -> str:
    """``reference`` with the ``name`` of its user and bot accounts removed."""
    try:
        data: Any = json.loads(reference)
    except ValueError:
        return reference
    if isinstance(data, dict):
        for account in ("user", "agent", "bot"):
            if isinstance(data.get(account), dict):
                data[account].pop("name", None)
    return json.dumps(data, separators=(",", ":"))


async def lookup(
    *, sessions: async_sessionmaker[AsyncSession], platform: str, key: str
) -> str | None:
    async with transaction(sessions) as session:
        found = await repo.conversation_ref(session=session, platform=platform, key=key)
        return found.reference if found is not None else None
