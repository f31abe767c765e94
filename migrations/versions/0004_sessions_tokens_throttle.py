"""Server-side sessions, revocable API tokens, sign-in throttling, and the administrator of every
EPCI made explicit (scope `epci *`).

An administrator without EPCI scope used to administer every EPCI implicitly; such accounts are
given the explicit marker here, so that nothing changes for them and `qualiparc user list` shows it.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("revoked_at", sa.DateTime(timezone=True)))
    op.create_table(
        "session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("address", sa.Text()),
    )
    op.create_index("ix_session_account_id", "session", ["account_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "window_start",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("lockouts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.execute(
        """
        INSERT INTO account_scope (account_id, kind, code)
        SELECT a.id, 'epci', '*' FROM account a
        WHERE a.role = 'admin'
          AND NOT EXISTS (
              SELECT 1 FROM account_scope s WHERE s.account_id = a.id AND s.kind = 'epci'
          )
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM account_scope WHERE kind = 'epci' AND code = '*'")
    op.drop_table("login_throttle")
    op.drop_index("ix_session_account_id", table_name="session")
    op.drop_table("session")
    op.drop_column("api_token", "revoked_at")
