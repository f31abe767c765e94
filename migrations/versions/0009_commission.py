"""The allocation commission: vacancies declared per residence, allocation decisions recorded per
residence, and the yearly counts that add the decisions to the imported allocations.

`allocation_count` is the one place where a decision becomes an allocation: the counts imported
for a residence and year, plus the decisions of that year recorded after that import (a later
import of the year counts the commission's decisions already, so it replaces them). The trigger
keeps `allocation.imported_at` at the moment of each import.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALLOCATION_COUNT_VIEW = """
CREATE VIEW allocation_count AS
WITH dated AS (
    SELECT d.*, CAST(extract(year FROM d.decided_on) AS integer) AS year
    FROM allocation_decision d
),
decided AS (
    SELECT d.residence_id, d.year, count(*) AS total,
           count(*) FILTER (WHERE d.category = 'q1') AS q1,
           count(*) FILTER (WHERE d.priority) AS priority,
           count(*) FILTER (WHERE d.category = 'pru') AS pru
    FROM dated d
    LEFT JOIN allocation a ON a.residence_id = d.residence_id AND a.year = d.year
    WHERE a.imported_at IS NULL OR d.recorded_at > a.imported_at
    GROUP BY d.residence_id, d.year
)
SELECT COALESCE(a.residence_id, d.residence_id) AS residence_id,
       COALESCE(a.year, d.year) AS year,
       COALESCE(a.total, 0) + COALESCE(d.total, 0)::int AS total,
       COALESCE(a.q1, 0) + COALESCE(d.q1, 0)::int AS q1,
       COALESCE(a.priority, 0) + COALESCE(d.priority, 0)::int AS priority,
       COALESCE(a.pru, 0) + COALESCE(d.pru, 0)::int AS pru
FROM allocation a
FULL JOIN decided d ON d.residence_id = a.residence_id AND d.year = a.year
"""


def upgrade() -> None:
    op.add_column(
        "allocation",
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.execute(
        """
        CREATE FUNCTION allocation_imported_at() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.imported_at := clock_timestamp();
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER allocation_imported_at BEFORE INSERT OR UPDATE ON allocation
            FOR EACH ROW EXECUTE FUNCTION allocation_imported_at();
        """
    )
    op.create_table(
        "vacancy",
        sa.Column(
            "residence_id",
            sa.Integer(),
            sa.ForeignKey("residence.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("dwellings", sa.Integer(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column(
            "updated_by",
            sa.Integer(),
            sa.ForeignKey("account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("dwellings > 0", name="vacancy_dwellings"),
    )
    op.create_table(
        "allocation_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "residence_id",
            sa.Integer(),
            sa.ForeignKey("residence.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("priority", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "recorded_by",
            sa.Integer(),
            sa.ForeignKey("account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("recorded_by_label", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint("category IN ('q1', 'pru', 'other')", name="decision_category"),
    )
    op.create_index(
        "allocation_decision_residence", "allocation_decision", ["residence_id", "decided_on"]
    )
    op.execute(ALLOCATION_COUNT_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW allocation_count")
    op.drop_index("allocation_decision_residence", table_name="allocation_decision")
    op.drop_table("allocation_decision")
    op.drop_table("vacancy")
    op.execute("DROP TRIGGER allocation_imported_at ON allocation")
    op.execute("DROP FUNCTION allocation_imported_at()")
    op.drop_column("allocation", "imported_at")
