"""The data version: one number that changes whenever what the layers and tiles show changes.

`data_version.version` is the id of the last transaction that wrote a residence, a grade, a
harmonisation, a campaign (its phase, scale, publication), a QPV, an IRIS, a commune, an EPCI or
a landlord, whoever wrote it (the grade writer, an import, the demo, psql). Transaction ids are
unique in the whole PostgreSQL cluster, so two states of the data never share a version, even in
databases cloned from one template. The response cache (app/core/cache.py) keys its entries by
it: reading it is one query of one row.

The version is set by deferred constraint triggers, once per writing transaction, at its commit:
the row is locked only while a writer commits, after every lock of its own statements, so that
two writers never wait on each other through it (no deadlock), and a bulk import pays one flag
test per row. Allocations, vacancies and the meeting day show on no cached layer: they do not
bump it. `touch_data_version()` bumps it by hand (tests that write with the triggers disabled).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "residence",
    "bailleur",
    "commune",
    "epci",
    "qpv",
    "iris",
    "campaign",
    "grade",
    "harmonisation",
)
"""Every table read by a cached layer or tile (`campaign_residence` reads campaign, grade and
harmonisation)."""

FUNCTIONS = """
CREATE FUNCTION touch_data_version() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qualiparc.data_version_xact', true)
       IS DISTINCT FROM pg_current_xact_id()::text THEN
        UPDATE data_version SET version = pg_current_xact_id()::text::bigint;
        PERFORM set_config('qualiparc.data_version_xact', pg_current_xact_id()::text, true);
    END IF;
END $$;

CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qualiparc.data_version_xact', true)
       IS DISTINCT FROM pg_current_xact_id()::text THEN
        PERFORM touch_data_version();
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE data_version (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            version bigint NOT NULL
        );
        INSERT INTO data_version (version) VALUES (pg_current_xact_id()::text::bigint);
        """
    )
    op.execute(FUNCTIONS)
    for table in TABLES:
        op.execute(
            f"""
            CREATE CONSTRAINT TRIGGER data_version_{table}
                AFTER INSERT OR UPDATE OR DELETE ON {table}
                DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION bump_data_version();
            CREATE TRIGGER data_version_{table}_truncate
                AFTER TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
            """
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER data_version_{table} ON {table}")
        op.execute(f"DROP TRIGGER data_version_{table}_truncate ON {table}")
    op.execute("DROP FUNCTION bump_data_version(); DROP FUNCTION touch_data_version();")
    op.execute("DROP TABLE data_version")
