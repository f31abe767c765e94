"""Side grades carry a version (a stale save is refused), and a closed campaign's grades and
harmonisations cannot change by any path: the database refuses it too.

Deleting a campaign or a residence still removes its grades (the cascade runs inside a trigger).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("grade", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.execute(
        """
        CREATE FUNCTION grade_of_closed_campaign() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            target record;
        BEGIN
            IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
                RETURN OLD;
            END IF;
            SELECT name, status INTO target FROM campaign
            WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.campaign_id ELSE NEW.campaign_id END);
            IF target.status = 'closed' THEN
                RAISE EXCEPTION 'la campagne « % » est clôturée : ses notes ne changent plus',
                    target.name USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END
        $$;
        CREATE TRIGGER grade_closed_campaign BEFORE INSERT OR UPDATE OR DELETE ON grade
            FOR EACH ROW EXECUTE FUNCTION grade_of_closed_campaign();
        CREATE TRIGGER harmonisation_closed_campaign
            BEFORE INSERT OR UPDATE OR DELETE ON harmonisation
            FOR EACH ROW EXECUTE FUNCTION grade_of_closed_campaign();
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER harmonisation_closed_campaign ON harmonisation;
        DROP TRIGGER grade_closed_campaign ON grade;
        DROP FUNCTION grade_of_closed_campaign();
        """
    )
    op.drop_column("grade", "version")
