"""Polygons stored by RFC 7946's right-hand rule: exterior rings counter-clockwise, holes
clockwise. GEOS (unions, GDAL reads) writes the opposite, so every GeoJSON layer broke the rule.

The database orients each polygon as it is written (a trigger on the QPV, IRIS, commune and EPCI
outlines, whatever writes them: importers, demo, unions of communes), and this migration orients
the rows already stored. PostGIS then writes conforming GeoJSON with no work per request.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("qpv", "iris", "commune", "epci")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION polygons_right_hand_rule() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.geom := ST_ForcePolygonCCW(NEW.geom);
            RETURN NEW;
        END
        $$;
        """
    )
    for table in TABLES:
        op.execute(
            f"""
            CREATE TRIGGER {table}_right_hand_rule BEFORE INSERT OR UPDATE OF geom ON {table}
                FOR EACH ROW EXECUTE FUNCTION polygons_right_hand_rule();
            UPDATE {table} SET geom = geom WHERE geom IS NOT NULL AND NOT ST_IsPolygonCCW(geom);
            """
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_right_hand_rule ON {table}")
    op.execute("DROP FUNCTION polygons_right_hand_rule()")
