"""slack-sdk's async installation and OAuth state stores, on our tables
(``storage.slack_installs``), so installations live in our database with tokens encrypted.

Uninstalling the app or revoking its tokens does not delete the rows: the tokens are erased
and the row stays, as the record of who installed the app where and when. With no token left,
nothing is sent to that workspace and nothing from it is authorised.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from storage.slack_installs import TOKEN_COLUMNS, bots_table, installations_table, states_table

log = logging.getLogger(__name__)


class InstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack-sdk's async store on our tables; revocation erases tokens instead of rows."""

    def __init__(self, *, client_id: str, engine: AsyncEngine) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=log)
        self.metadata = SQLModel.metadata
        self.installations, self.bots = installations_table, bots_table

    async def create_tables(self) -> None:
        raise RuntimeError("the Slack tables are created by migration 0010 (privacy-desk migrate)")

    async def installed(self, *, allowed: frozenset[str]) -> list[tuple[str | None, str | None]]:
        """``(enterprise id, team id)`` of every installation whose bot still has a token, in a
        workspace (team id) or org (enterprise id) that ``allowed`` names (any, when it is
        empty), newest first; an org-wide install has no team id."""
        c = self.bots.c
        query = sa.select(c.enterprise_id, c.team_id).where(
            c.client_id == self.client_id, c.bot_token.is_not(None)
        )
        if allowed:
            query = query.where(sa.or_(c.team_id.in_(allowed), c.enterprise_id.in_(allowed)))
        query = query.order_by(sa.desc(c.installed_at), sa.desc(c.id))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return list(dict.fromkeys((row.enterprise_id, row.team_id) for row in rows))

    async def _erase(
        self,
        table: sa.Table,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        where = [
            table.c.client_id == self.client_id,
            table.c.enterprise_id == enterprise_id,
            table.c.team_id == team_id,
        ]
        if user_id is not None:
            where.append(table.c.user_id == user_id)
        blank = {name: None for name in TOKEN_COLUMNS if name in table.c}
        async with self.engine.begin() as conn:
            await conn.execute(table.update().where(sa.and_(*where)).values(**blank))

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        log.info("Slack bot token revoked for a workspace; its installation record is kept")
        await self._erase(self.bots, enterprise_id=enterprise_id, team_id=team_id)
        await self._erase(self.installations, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._erase(
            self.installations, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        log.info("privacy-desk uninstalled from a workspace; its installation record is kept")
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class StateStore(AsyncSQLAlchemyOAuthStateStore):
    """slack-sdk's OAuth state store (one-time ``state`` values, ten minutes) on our table."""

    def __init__(self, *, engine: AsyncEngine, expiration_seconds: int = 600) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=log)
        self.metadata = SQLModel.metadata
        self.oauth_states = states_table

    async def create_tables(self) -> None:
        raise RuntimeError("the Slack tables are created by migration 0010 (privacy-desk migrate)")
