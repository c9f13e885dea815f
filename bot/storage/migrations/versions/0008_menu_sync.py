"""menu sync: people's menus (LINE rich menu, Telegram commands) to update (issue 16)

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "menu_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("next_attempt_at", bot.storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("applied", sa.String(length=128), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", bot.storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menu_sync")),
        sa.UniqueConstraint(
            "channel", "external_id", name=op.f("uq_menu_sync_channel_external_id")
        ),
    )
    op.create_index(
        "ix_menu_sync_pending", "menu_sync", ["pending", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_menu_sync_pending", table_name="menu_sync")
    op.drop_table("menu_sync")
