"""Grade history is append-only: the database refuses to update or delete its rows.

Deleting a campaign or a residence still removes its history (the cascade runs inside a trigger).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION grade_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'l''historique des notes (grade_event) ne se modifie pas'
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER grade_event_append_only BEFORE UPDATE OR DELETE ON grade_event"
        " FOR EACH ROW EXECUTE FUNCTION grade_event_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER grade_event_append_only ON grade_event")
    op.execute("DROP FUNCTION grade_event_append_only()")
