"""records: personal data encrypted at rest, blind-index search, links between tickets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Every column ``storage.personal`` lists held plain text until now; this encrypts the existing
values with the newest data key (``storage.crypto``), builds the search digests of every
request (``search_terms``) and records a key check, so a start with the wrong key is refused
instead of writing rows nobody can read. ``ticket_links`` records duplicates and related
tickets; ``requests.duplicate_of`` the one a withdrawn duplicate repeats.

A database with rows needs the keys (``privacy-desk migrate`` passes them); an empty one does
not. Downgrading decrypts the values back to plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

import storage.models
from storage import blind_index
from storage.crypto import DataKeys

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
KEY_CHECK = "data_key_check"
KEY_CHECK_TEXT = "privacy-desk"


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("duplicate_of", sa.String(length=16), nullable=True))
        batch.alter_column("pii_salt", type_=sa.Text(), existing_type=sa.String(length=32))
    with op.batch_alter_table("breaches") as batch:
        batch.alter_column("pii_salt", type_=sa.Text(), existing_type=sa.String(length=32))
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("ticket_ref", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("term", "ticket_ref"),
    )
    op.create_index("ix_search_terms_ticket_ref", "search_terms", ["ticket_ref"])
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_ref", sa.String(length=16), nullable=False),
        sa.Column("other_ref", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_ref", "other_ref", name="uq_ticket_links_pair"),
    )
    op.create_index("ix_ticket_links_ticket_ref", "ticket_links", ["ticket_ref"])
    op.create_index("ix_ticket_links_other_ref", "ticket_links", ["other_ref"])

    keys: DataKeys | None = context.config.attributes.get("data_keys")
    connection = op.get_bind()
    if keys is None:
        if _has_personal_rows(connection):
            raise RuntimeError(
                "migration 0007 encrypts the requester details already stored and needs the "
                "data keys: run `privacy-desk migrate` with PRIVACY_DESK_DATA_KEYS set"
            )
        return
    _convert(connection, keys.encrypt)
    _index_requests(connection, keys)
    connection.execute(
        sa.text("INSERT INTO desk_facts (key, value) VALUES (:key, :value)"),
        {"key": KEY_CHECK, "value": keys.encrypt(KEY_CHECK_TEXT)},
    )
    context.config.attributes["encrypted"] = True


def downgrade() -> None:
    keys: DataKeys | None = context.config.attributes.get("data_keys")
    connection = op.get_bind()
    if keys is not None:
        _convert(connection, keys.decrypt)
    elif _has_personal_rows(connection):
        raise RuntimeError("decrypting the stored requester details needs the data keys")
    connection.execute(sa.text("DELETE FROM desk_facts WHERE key = :key"), {"key": KEY_CHECK})
    op.drop_table("ticket_links")
    op.drop_table("search_terms")
    with op.batch_alter_table("breaches") as batch:
        batch.alter_column("pii_salt", type_=sa.String(length=32), existing_type=sa.Text())
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("duplicate_of")
        batch.alter_column("pii_salt", type_=sa.String(length=32), existing_type=sa.Text())


# What this migration encrypts, as the schema stood at 0007: the personal columns of the day
# (``storage.personal``) and the sealed ones (the digest salt, the exemption relied on). Written
# out, not read from ``storage.personal``, so later additions to that list cannot change what
# an old migration does; later tables are encrypted from the start.
ENCRYPTED_AT_0007: dict[str, tuple[str, ...]] = {
    "requests": (
        "requester_name", "requester_email", "details", "extension_reason", "outcome_reason",
        "late_reason", "fee_reason", "pii_salt", "refusal_exemption",
    ),
    "breaches": (
        "summary", "data_categories", "subject_categories", "consequences", "measures",
        "not_reportable_reason", "delay_reason", "pii_salt",
    ),
    "notes": ("text",),
    "outbox": ("payload",),
}  # fmt: skip


def _tables() -> dict[str, tuple[str, ...]]:
    return ENCRYPTED_AT_0007


def _has_personal_rows(connection: sa.Connection) -> bool:
    for table, columns in _tables().items():
        present = " OR ".join(f"{c} IS NOT NULL" for c in columns)
        if connection.execute(sa.text(f"SELECT 1 FROM {table} WHERE {present} LIMIT 1")).first():
            return True
    return False


def _convert(connection: sa.Connection, change: Callable[[str], str]) -> None:
    """Apply ``change`` to every personal value, a batch of rows at a time."""
    for table, columns in _tables().items():
        listed = ", ".join(columns)
        assignments = ", ".join(f"{c} = :{c}" for c in columns)
        last = 0
        while True:
            rows = connection.execute(
                sa.text(f"SELECT id, {listed} FROM {table} WHERE id > :last ORDER BY id LIMIT :n"),
                {"last": last, "n": BATCH},
            ).all()
            if not rows:
                break
            updates = [
                {"id": row[0]}
                | {
                    c: None if v is None else change(v)
                    for c, v in zip(columns, row[1:], strict=True)
                }
                for row in rows
            ]
            connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), updates)
            last = rows[-1][0]


def _apply(change: Callable[[str], str], value: str | None) -> str | None:
    return None if value is None else change(value)


def _index_requests(connection: sa.Connection, keys: DataKeys) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT ref, requester_name, requester_email, details FROM requests "
            "WHERE erased_at IS NULL"
        )
    ).all()
    terms = [
        {"term": term, "ref": ref}
        for ref, name, email, details in rows
        for term in blind_index.terms_for(
            keys,
            blind_index.Identity(
                name=_plain(keys, name), email=_plain(keys, email), details=_plain(keys, details)
            ),
        )
    ]
    if terms:
        connection.execute(
            sa.text("INSERT INTO search_terms (term, ticket_ref) VALUES (:term, :ref)"), terms
        )


def _plain(keys: DataKeys, token: str | None) -> str | None:
    return None if token is None else keys.decrypt(token)
