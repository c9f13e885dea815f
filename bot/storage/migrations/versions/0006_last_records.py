"""last records of an account's latest message (undo right after, issue 13)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_records", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "last_record_at", bot.storage.models.UtcDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_account", schema=None) as batch_op:
        batch_op.drop_column("last_record_at")
        batch_op.drop_column("last_records")
