"""identity: codes by digest, handovers, attempt limits, session epochs, file ownership

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00

Codes that grant a role (officer, trainer, household, treasurer, chair) move from plain columns
to `access_code`, where only their SHA-256 digest is kept; they are single use and expire. The
codes already issued are carried over: one whose role is already taken counts as used, the
others expire 14 days after this upgrade (they are the short six-character codes of before;
issue new ones with `sammachip code rotate`). The member join code stays on the group (it is
meant to be shared) and may now be revoked (NULL).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from bot.storage.models import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_GRACE = timedelta(days=14)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode("ascii", "ignore")).hexdigest()


def upgrade() -> None:
    op.create_table(
        "access_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["person.id"], name=op.f("fk_access_code_created_by_person")
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["person.id"], name=op.f("fk_access_code_used_by_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_code")),
        sa.UniqueConstraint("digest", name=op.f("uq_access_code_digest")),
    )
    with op.batch_alter_table("access_code", schema=None) as batch_op:
        batch_op.create_index("ix_access_code_target", ["kind", "target_id"], unique=False)

    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("from_person_id", sa.Integer(), nullable=True),
        sa.Column("to_person_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code_id"], ["access_code.id"], name=op.f("fk_handover_code_id_access_code")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["person.id"], name=op.f("fk_handover_decided_by_person")
        ),
        sa.ForeignKeyConstraint(
            ["from_person_id"], ["person.id"], name=op.f("fk_handover_from_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["to_person_id"], ["person.id"], name=op.f("fk_handover_to_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
    )
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.create_index("ix_handover_status", ["status", "expires_at"], unique=False)

    op.create_table(
        "throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("level", sa.Integer(), server_default="0", nullable=False),
        sa.Column("window_start", UtcDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle")),
        sa.UniqueConstraint("scope", "subject", name=op.f("uq_throttle_scope_subject")),
    )

    with op.batch_alter_table("chat_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked_at", UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_person_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("single_use", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("used_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cache_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("spec", sa.JSON(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_stored_file_owner_person_id"), ["owner_person_id"], unique=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_stored_file_cache_key"), ["cache_key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_stored_file_owner_person_id_person"),
            "person",
            ["owner_person_id"],
            ["id"],
        )

    _carry_codes_over()

    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("uq_officer_link_code"), type_="unique")
        batch_op.drop_column("link_code")
    with op.batch_alter_table("trainer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_trainer_link_code"), type_="unique")
        batch_op.drop_column("link_code")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_household_join_code"), type_="unique")
        batch_op.drop_column("join_code")
    with op.batch_alter_table("occupation_group", schema=None) as batch_op:
        batch_op.alter_column("join_code", existing_type=sa.String(length=16), nullable=True)
        batch_op.drop_constraint(batch_op.f("uq_occupation_group_treasurer_code"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_occupation_group_chair_code"), type_="unique")
        batch_op.drop_column("treasurer_code")
        batch_op.drop_column("chair_code")


def _carry_codes_over() -> None:
    """Codes already issued become `access_code` rows (digest only)."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    grace = now + LEGACY_GRACE
    rows: list[dict[str, object]] = []
    seen: set[str] = set()

    def add(code: str | None, kind: str, target: int, taken: bool) -> None:
        if not code:
            return
        digest = _digest(code)
        if digest in seen:
            return
        seen.add(digest)
        rows.append(
            {
                "digest": digest,
                "kind": kind,
                "target_id": target,
                "created_at": now,
                "expires_at": now if taken else grace,
                "used_at": now if taken else None,
            }
        )

    for target, code, person in bind.execute(
        sa.text("SELECT id, link_code, person_id FROM officer")
    ):
        add(code, "officer", target, person is not None)
    for target, code, person in bind.execute(
        sa.text("SELECT id, link_code, person_id FROM trainer")
    ):
        add(code, "trainer", target, person is not None)
    for target, code, person in bind.execute(
        sa.text("SELECT id, join_code, person_id FROM household")
    ):
        add(code, "household", target, person is not None)
    held = {
        (group, role)
        for group, role in bind.execute(
            sa.text("SELECT group_id, role FROM membership WHERE until IS NULL")
        )
    }
    for target, treasurer, chair in bind.execute(
        sa.text("SELECT id, treasurer_code, chair_code FROM occupation_group")
    ):
        add(treasurer, "treasurer", target, (target, "treasurer") in held)
        add(chair, "chair", target, (target, "chair") in held)
    if rows:
        table = sa.table(
            "access_code",
            sa.column("digest", sa.String),
            sa.column("kind", sa.String),
            sa.column("target_id", sa.Integer),
            sa.column("created_at", UtcDateTime(timezone=True)),
            sa.column("expires_at", UtcDateTime(timezone=True)),
            sa.column("used_at", UtcDateTime(timezone=True)),
        )
        op.bulk_insert(table, rows)
    bind.execute(
        sa.text("UPDATE chat_account SET linked_at = created_at WHERE person_id IS NOT NULL")
    )


def _random_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def downgrade() -> None:
    # The plain codes are gone (only digests were kept): fresh ones are issued.
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_code", sa.String(length=16), nullable=True))
    with op.batch_alter_table("trainer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_code", sa.String(length=16), nullable=True))
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_code", sa.String(length=16), nullable=True))
    with op.batch_alter_table("occupation_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("treasurer_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("chair_code", sa.String(length=16), nullable=True))
    bind = op.get_bind()
    for table, columns in (
        ("officer", ("link_code",)),
        ("trainer", ("link_code",)),
        ("household", ("join_code",)),
        ("occupation_group", ("treasurer_code", "chair_code")),
    ):
        for (row_id,) in list(bind.execute(sa.text(f"SELECT id FROM {table}"))):
            values = {column: _random_code() for column in columns}
            assignments = ", ".join(f"{column} = :{column}" for column in columns)
            bind.execute(
                sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                {**values, "id": row_id},
            )
    for (row_id,) in list(
        bind.execute(sa.text("SELECT id FROM occupation_group WHERE join_code IS NULL"))
    ):
        bind.execute(
            sa.text("UPDATE occupation_group SET join_code = :code WHERE id = :id"),
            {"code": _random_code(), "id": row_id},
        )
    with op.batch_alter_table("occupation_group", schema=None) as batch_op:
        batch_op.alter_column("join_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("treasurer_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("chair_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_occupation_group_treasurer_code"), ["treasurer_code"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_occupation_group_chair_code"), ["chair_code"]
        )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.alter_column("join_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_household_join_code"), ["join_code"])
    with op.batch_alter_table("trainer", schema=None) as batch_op:
        batch_op.alter_column("link_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_trainer_link_code"), ["link_code"])
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.alter_column("link_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_officer_link_code"), ["link_code"])
        batch_op.drop_column("session_epoch")

    with op.batch_alter_table("stored_file", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stored_file_owner_person_id_person"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_stored_file_cache_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_stored_file_owner_person_id"))
        batch_op.drop_column("spec")
        batch_op.drop_column("cache_key")
        batch_op.drop_column("used_at")
        batch_op.drop_column("single_use")
        batch_op.drop_column("owner_person_id")
    with op.batch_alter_table("chat_account", schema=None) as batch_op:
        batch_op.drop_column("linked_at")
    op.drop_table("throttle")
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_index("ix_handover_status")
    op.drop_table("handover")
    with op.batch_alter_table("access_code", schema=None) as batch_op:
        batch_op.drop_index("ix_access_code_target")
    op.drop_table("access_code")
