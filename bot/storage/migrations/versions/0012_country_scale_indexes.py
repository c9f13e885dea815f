"""indexes for the country-scale hot paths (issue 17): records by group or household and day,
and by day alone for the sweep's "this month" reads

The dashboard, the workbooks and the province roll-up read a district's groups' records of a
window of months; the sweep reads the whole country's records of this month and last. With
only the single-column indexes, PostgreSQL read every row of a group (a year of sales) or
scanned the table (bench/country_bench.py prints the plans).

Revision ID: 0012
Revises: 0011
Create Date: 2027-02-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index name, table, columns): the same as the `Index` objects in bot/storage/models.py.
INDEXES = (
    ("ix_sale_group_day", "sale", ["group_id", "on_date"]),
    ("ix_sale_household_day", "sale", ["household_id", "on_date"]),
    ("ix_sale_day", "sale", ["on_date"]),
    ("ix_meeting_group_day", "meeting", ["group_id", "on_date"]),
    ("ix_meeting_day", "meeting", ["on_date"]),
    ("ix_visit_group_day", "visit", ["group_id", "on_date"]),
    ("ix_visit_household_day", "visit", ["household_id", "on_date"]),
    ("ix_visit_day", "visit", ["on_date"]),
    ("ix_work_log_group_day", "work_log", ["group_id", "on_date"]),
    ("ix_monthly_figures_month", "monthly_figures", ["month"]),
    ("ix_account_entry_household_day", "account_entry", ["household_id", "on_date"]),
    ("ix_account_entry_day", "account_entry", ["on_date"]),
    ("ix_activity_day", "activity", ["on_date"]),
    ("ix_training_attendance_household", "training_attendance", ["household_id"]),
    ("ix_membership_group_role", "membership", ["group_id", "role"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
