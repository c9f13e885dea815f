"""dashboard secrets in their own table (issue 15): signing keys, used sign-in nonces and ended
sessions were `inbound_event` rows under the channel names "dashboard-key", "dashboard" and
"dashboard-out"; they move, so the webhook inbox holds only webhook deliveries.

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-25 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# kind in dashboard_secret <-> channel in inbound_event
MOVED = (("key", "dashboard-key"), ("nonce", "dashboard"), ("revoked", "dashboard-out"))


def upgrade() -> None:
    op.create_table(
        "dashboard_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", bot.storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_secret")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_dashboard_secret_kind_value")),
    )
    for kind, channel in MOVED:
        # In id order, so the oldest key stays the one that signs.
        op.execute(
            sa.text(
                "INSERT INTO dashboard_secret (kind, value, created_at) "
                "SELECT :kind, external_id, received_at FROM inbound_event "
                "WHERE channel = :channel ORDER BY id"
            ).bindparams(kind=kind, channel=channel)
        )
        op.execute(
            sa.text("DELETE FROM inbound_event WHERE channel = :channel").bindparams(
                channel=channel
            )
        )


def downgrade() -> None:
    for kind, channel in MOVED:
        op.execute(
            sa.text(
                "INSERT INTO inbound_event (channel, external_id, received_at, status, attempts) "
                "SELECT :channel, value, created_at, 'done', 0 FROM dashboard_secret "
                "WHERE kind = :kind ORDER BY id"
            ).bindparams(kind=kind, channel=channel)
        )
    op.drop_table("dashboard_secret")
