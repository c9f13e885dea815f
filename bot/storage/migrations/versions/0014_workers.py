"""several workers on one PostgreSQL (issue 17): the chat of a pending webhook event (its
events are handled oldest first), an index for "the chat's oldest pending outbox row", and the
shared flood-control buckets.

Revision ID: 0014
Revises: 0013
Create Date: 2027-02-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("inbound_event") as batch:
        batch.add_column(sa.Column("chat_id", sa.String(length=128), nullable=True))
    op.create_index(
        "ix_inbound_event_chat_pending",
        "inbound_event",
        ["channel", "chat_id", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_chat_pending",
        "outbox",
        ["channel", "recipient", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_table(
        "flood_bucket",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=128), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated", bot.storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "sender", name=op.f("pk_flood_bucket")),
    )


def downgrade() -> None:
    op.drop_table("flood_bucket")
    op.drop_index("ix_outbox_chat_pending", table_name="outbox")
    op.drop_index("ix_inbound_event_chat_pending", table_name="inbound_event")
    with op.batch_alter_table("inbound_event") as batch:
        batch.drop_column("chat_id")
