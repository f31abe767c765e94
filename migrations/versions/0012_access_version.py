"""The access version: one number that changes whenever who a credential signs in may change.

`access_version.version` is the id of the last transaction that changed an account (its role,
its password, disabled), its scopes, or ended a session or an API token (sign-out, revocation,
deletion), whoever wrote it. It is set like the data version (migration 0010): by deferred
constraint triggers, once per writing transaction, at its commit, to a transaction id, so that
two states never share a version.

Each worker keeps the credentials it has checked lately with the version read before their check
(`app/auth/checked.py`): a request whose own version read finds the same number is signed in
without a query of its own, and any change above makes the next request check again. The last
use a session or token notes once a minute (`last_seen_at`, `last_used_at`), and a new session or
token, change nobody's access: they do not bump it.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = (
    ("account", "account", "UPDATE OR DELETE", "true"),
    ("account_scope", "account_scope", "INSERT OR UPDATE OR DELETE", "true"),
    ("api_token", "api_token", "UPDATE OF account_id, token_hash, revoked_at OR DELETE", "true"),
    ("session", "session", "UPDATE OF account_id, token_hash, created_at OR DELETE", "true"),
    ("session_idle", "session", "UPDATE OF last_seen_at", "NEW.last_seen_at < OLD.last_seen_at"),
)
"""What changes someone's access: each trigger's name, table, events and condition. A row added to
`account`, `api_token` or `session` is nobody's yet; a session's last use moved back brings its
idle expiry nearer (moved forward, it is the once-a-minute note of its use)."""

TABLES = ("account", "account_scope", "api_token", "session")

FUNCTIONS = """
CREATE FUNCTION touch_access_version() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qualiparc.access_version_xact', true)
       IS DISTINCT FROM pg_current_xact_id()::text THEN
        UPDATE access_version SET version = pg_current_xact_id()::text::bigint;
        PERFORM set_config('qualiparc.access_version_xact', pg_current_xact_id()::text, true);
    END IF;
END $$;

CREATE FUNCTION bump_access_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM touch_access_version();
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE access_version (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            version bigint NOT NULL
        );
        INSERT INTO access_version (version) VALUES (pg_current_xact_id()::text::bigint);
        """
    )
    op.execute(FUNCTIONS)
    for name, table, events, condition in TRIGGERS:
        op.execute(
            f"""
            CREATE CONSTRAINT TRIGGER access_version_{name}
                AFTER {events} ON {table}
                DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION bump_access_version();
            """
        )
    for table in TABLES:
        op.execute(
            f"""
            CREATE TRIGGER access_version_{table}_truncate
                AFTER TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION bump_access_version();
            """
        )


def downgrade() -> None:
    for name, table, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER access_version_{name} ON {table}")
    for table in TABLES:
        op.execute(f"DROP TRIGGER access_version_{table}_truncate ON {table}")
    op.execute("DROP FUNCTION bump_access_version(); DROP FUNCTION touch_access_version();")
    op.execute("DROP TABLE access_version")
