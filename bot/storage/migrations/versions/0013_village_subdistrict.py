"""villages under their sub-district (issue 17): `area.district_id`

A village's parent becomes its sub-district (ตำบล) when the import names one; until now every
village hung directly under its district, because every district-scoped query reads "villages
whose parent is the district". Those queries now read `area.district_id`, the district a
village or sub-district lies in, whatever its parent: one indexed column, so finding a
district's villages stays one index range at country scale (75,000 villages) instead of a
join through the sub-districts. Existing villages and sub-districts get their parent district
here; the repository keeps it for new ones.

Revision ID: 0013
Revises: 0012
Create Date: 2027-02-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_area_district_id_area"), "area", ["district_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_area_district_id"), ["district_id"], unique=False)
    # Villages and sub-districts filed under a district: that district.
    op.execute(
        sa.text(
            "UPDATE area SET district_id = parent_id "
            "WHERE kind IN ('village', 'subdistrict') AND parent_id IN "
            "(SELECT id FROM area AS d WHERE d.kind = 'district')"
        )
    )
    # Villages already under a sub-district (none before this revision, but be exact).
    op.execute(
        sa.text(
            "UPDATE area SET district_id = "
            "(SELECT s.parent_id FROM area AS s WHERE s.id = area.parent_id) "
            "WHERE kind = 'village' AND district_id IS NULL AND parent_id IN "
            "(SELECT id FROM area AS s WHERE s.kind = 'subdistrict')"
        )
    )


def downgrade() -> None:
    # Villages go back under their district (the schema before had no other link).
    op.execute(
        sa.text(
            "UPDATE area SET parent_id = district_id "
            "WHERE kind = 'village' AND district_id IS NOT NULL"
        )
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_district_id"))
        batch_op.drop_constraint(batch_op.f("fk_area_district_id_area"), type_="foreignkey")
        batch_op.drop_column("district_id")
