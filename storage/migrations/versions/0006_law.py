"""the law, exactly (issue 9)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Facts the statute asks the desk to keep: why a late action was taken and the deadline that had
already passed; the fee's legal basis; a refusal's basis; when processing stopped for the
act-at-once rights; whether recipients were told (Art 19); the PECR regime of a breach; and
the release of the holiday data the stored deadlines were computed with.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_COLUMNS = (
    ("late_reason", sa.Text()),
    ("missed_due", sa.Date()),
    ("fee_basis", sa.String(length=16)),
    ("fee_reason", sa.Text()),
    ("refusal_basis", sa.String(length=16)),
    ("refusal_exemption", sa.Text()),
    ("processing_stopped_on", sa.Date()),
    ("recipients_told", sa.String(length=16)),
)


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        for name, kind in REQUEST_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("breaches") as batch:
        batch.add_column(sa.Column("pecr", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "desk_facts",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("desk_facts")
    with op.batch_alter_table("breaches") as batch:
        batch.drop_column("pecr")
    with op.batch_alter_table("requests") as batch:
        for name, _ in reversed(REQUEST_COLUMNS):
            batch.drop_column(name)
