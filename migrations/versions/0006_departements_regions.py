"""Départements and régions of the national reference (`qualiparc import territory`).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=3), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
    )
    op.create_table(
        "departement",
        sa.Column("code", sa.String(length=3), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=3), sa.ForeignKey("region.code"), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("departement")
    op.drop_table("region")
