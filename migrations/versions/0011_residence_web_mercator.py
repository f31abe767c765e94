"""Each residence's Web Mercator position (EPSG:3857), kept by PostgreSQL beside its point.

`merc_x` and `merc_y` are generated columns: PostgreSQL computes them from `geom` on every
insert and update, so no writer can forget them. The vector tiles (`app/tiles.py`) place a
residence in its tile and its cell by these two numbers instead of reprojecting every point of
every tile on each request; `ANALYZE` gives the planner their statistics.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE residence
            ADD COLUMN merc_x double precision
                GENERATED ALWAYS AS (ST_X(ST_Transform(geom, 3857))) STORED,
            ADD COLUMN merc_y double precision
                GENERATED ALWAYS AS (ST_Y(ST_Transform(geom, 3857))) STORED
        """
    )
    op.execute("ANALYZE residence")


def downgrade() -> None:
    op.execute("ALTER TABLE residence DROP COLUMN merc_x, DROP COLUMN merc_y")
