"""Slack installations (one per workspace or Enterprise Grid org) and OAuth states: the
tables of slack-sdk's SQLAlchemy stores, on our ``SQLModel.metadata``.

They are slack-sdk's tables (``build_installations_table``, ``build_bots_table``,
``build_oauth_states_table`` in slack-sdk 3.48), written out here so that Alembic (migration
0010) and ``tests/test_migrations.py`` see them like every other table, and so that importing
the models (the console does) never imports slack-sdk; ``tests/test_slack_oauth.py`` checks
they still match slack-sdk's. One change: every token column is ``Encrypted`` with the
engine's data keys, so a database dump holds no usable Slack token. Tokens are secrets, not
personal data; they are never logged. The stores themselves are in ``storage.slack_store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from storage.crypto import Encrypted

INSTALLATIONS, BOTS, STATES = "slack_installations", "slack_bots", "slack_oauth_states"
TOKEN_COLUMNS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",  # a webhook URL is a credential: whoever has it can post
)


def _bot_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("bot_token", Encrypted()),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", Encrypted()),
        sa.Column("bot_token_expires_at", sa.DateTime),
    ]


def _head() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
    ]


def _installed_at() -> sa.Column[object]:
    return sa.Column("installed_at", sa.DateTime, nullable=False, default=sa.func.now())


installations_table = sa.Table(
    INSTALLATIONS,
    SQLModel.metadata,
    *_head(),
    sa.Column("enterprise_url", sa.String(200)),
    sa.Column("team_id", sa.String(32)),
    sa.Column("team_name", sa.String(200)),
    *_bot_columns(),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("user_token", Encrypted()),
    sa.Column("user_scopes", sa.String(1000)),
    sa.Column("user_refresh_token", Encrypted()),
    sa.Column("user_token_expires_at", sa.DateTime),
    sa.Column("incoming_webhook_url", Encrypted()),
    sa.Column("incoming_webhook_channel", sa.String(200)),
    sa.Column("incoming_webhook_channel_id", sa.String(200)),
    sa.Column("incoming_webhook_configuration_url", sa.String(200)),
    sa.Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
    sa.Column("token_type", sa.String(32)),
    _installed_at(),
    sa.Index(
        f"{INSTALLATIONS}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"
    ),
)
bots_table = sa.Table(
    BOTS,
    SQLModel.metadata,
    *_head(),
    sa.Column("team_id", sa.String(32)),
    sa.Column("team_name", sa.String(200)),
    *_bot_columns(),
    sa.Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
    _installed_at(),
    sa.Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
states_table = sa.Table(
    STATES,
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(200), nullable=False),
    sa.Column("expire_at", sa.DateTime, nullable=False),
)
# The encrypted columns of each table (``privacy-desk rotate-keys`` re-encrypts them too).
SECRET_COLUMNS: dict[str, tuple[str, ...]] = {
    table.name: tuple(name for name in TOKEN_COLUMNS if name in table.c)
    for table in (installations_table, bots_table)
}
