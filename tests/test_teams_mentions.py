"""``dsar assign REF @person`` on Teams: the @mention's Entra object id is the assignee; a name
typed as plain text, or a mention that carries no object id, is refused and changes nothing
(issue 13, item 5)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import database_state
from tests.teams_harness import DPO_AAD, PRIVACY_AAD, TeamsServer, teams_server

NEW = 'dsar new access name="Jane Doe" email=jane@example.com received=2025-11-03 via=letter'
ALICE_AAD = "6f1c1d9e-0b7a-4a61-9b0e-3c2f5a7d8e11"
ALICE = {"id": "29:1alice-teams-id", "name": "Alice Smith", "aadObjectId": ALICE_AAD}


async def assignee(teams: TeamsServer) -> str | None:
    async with teams.core.sessions() as session:
        row = (await session.execute(text("SELECT assignee FROM requests"))).one()
    return None if row[0] is None else str(row[0])


async def tickets_state(teams: TeamsServer) -> dict[str, list[tuple[object, ...]]]:
    """Every table but where to write to whom (each activity refreshes that, as it should)."""
    state = await database_state(teams.core.sessions)
    return {table: rows for table, rows in state.items() if table != "conversation_refs"}


async def test_an_at_mention_assigns_to_the_entra_object_id(
    engine: AsyncEngine, db_url: str
) -> None:
    async with teams_server(engine, db_url) as teams:
        assert await teams.say(NEW) == 202
        line = "dsar assign DSAR-0001 <at>Alice Smith</at>"
        assert await teams.say(line, user=PRIVACY_AAD, people=(ALICE,)) == 202
        assert await assignee(teams) == f"teams:{ALICE_AAD}"
        assert any("assigned" in t.lower() for t in teams.texts()), teams.texts()
        # An object id typed as it is: a GUID, or someone the settings name (the DPO here).
        assert await teams.say(f"dsar assign DSAR-0001 @{ALICE_AAD}", user=PRIVACY_AAD) == 202
        assert await assignee(teams) == f"teams:{ALICE_AAD}"
        assert await teams.say(f"dsar assign DSAR-0001 @{DPO_AAD}", user=PRIVACY_AAD) == 202
        assert await assignee(teams) == f"teams:{DPO_AAD}"


async def test_a_typed_name_or_a_mention_without_an_object_id_is_refused(
    engine: AsyncEngine, db_url: str
) -> None:
    async with teams_server(engine, db_url) as teams:
        assert await teams.say(NEW) == 202
        before = await tickets_state(teams)
        sent = len(teams.texts())
        assert await teams.say("dsar assign DSAR-0001 @alice", user=PRIVACY_AAD) == 202
        nameless = {"id": "29:1bob", "name": "Bob Jones"}
        line = "dsar assign DSAR-0001 <at>Bob Jones</at>"
        assert await teams.say(line, user=PRIVACY_AAD, people=(nameless,)) == 202
        said = " ".join(teams.texts()[sent:])
        assert "@alice is not a mention: type @ and pick the person" in said, said
        assert "Teams did not say who Bob Jones is" in said, said
        assert "/dsar assign REF @person" in said
        assert await tickets_state(teams) == before
