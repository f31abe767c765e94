"""The harmonisation day: its settings and timetable per campaign, the facilitator's focus per
room, and the outcome of each divergent residence frozen when the administrator signs the day off.

The signed outcome copies, for each divergent residence, its slot and its grades as they stood at
sign-off (no agreed grade: carried over to the follow-up date); it is read through the access gate
like any grade. Once signed, the day and its outcome cannot change (the database refuses it too).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.Column:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "meeting_day",
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey("campaign.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day_date", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), server_default="09:00", nullable=False),
        sa.Column("minutes_per_residence", sa.SmallInteger(), server_default="3", nullable=False),
        sa.Column("minutes_per_session", sa.SmallInteger(), server_default="5", nullable=False),
        sa.Column("rooms", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("breaks", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "signed_off_by",
            sa.Integer(),
            sa.ForeignKey("account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("signed_off_label", sa.Text(), nullable=True),
        sa.Column("follow_up_date", sa.Date(), nullable=True),
        _now(),
        sa.CheckConstraint("minutes_per_residence BETWEEN 1 AND 60", name="meeting_day_minutes"),
        sa.CheckConstraint("minutes_per_session BETWEEN 0 AND 60", name="meeting_day_changeover"),
        sa.CheckConstraint("rooms BETWEEN 1 AND 20", name="meeting_day_rooms"),
    )
    op.create_table(
        "meeting_slot",
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey("campaign.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "commune_insee",
            sa.String(5),
            sa.ForeignKey("commune.insee", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "bailleur_id",
            sa.Integer(),
            sa.ForeignKey("bailleur.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("room", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("fixed_start", sa.Time(), nullable=True),
        sa.CheckConstraint("room BETWEEN 1 AND 20", name="meeting_slot_room"),
    )
    op.create_table(
        "meeting_focus",
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey("campaign.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("room", sa.SmallInteger(), primary_key=True),
        sa.Column(
            "residence_id",
            sa.Integer(),
            sa.ForeignKey("residence.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("commune_insee", sa.String(5), nullable=True),
        sa.Column("bailleur_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("zoom", sa.Float(), nullable=True),
        sa.Column("slot_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seq", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column(
            "updated_by",
            sa.Integer(),
            sa.ForeignKey("account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _now(),
    )
    op.create_table(
        "meeting_day_outcome",
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey("campaign.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "residence_id",
            sa.Integer(),
            sa.ForeignKey("residence.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("slot_number", sa.Integer(), nullable=False),
        sa.Column("room", sa.SmallInteger(), nullable=False),
        sa.Column("slot_start", sa.Time(), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("commune_grade", sa.SmallInteger(), nullable=False),
        sa.Column("bailleur_grade", sa.SmallInteger(), nullable=False),
        sa.Column("agreed_grade", sa.SmallInteger(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        """
        CREATE FUNCTION meeting_day_signed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
                RETURN OLD;
            END IF;
            IF TG_TABLE_NAME = 'meeting_day' THEN
                IF OLD.signed_off_at IS NULL THEN
                    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                END IF;
            END IF;
            RAISE EXCEPTION 'le bilan de la journée d''harmonisation est signé : il ne change plus'
                USING ERRCODE = 'restrict_violation';
        END
        $$;
        CREATE TRIGGER meeting_day_signed BEFORE UPDATE OR DELETE ON meeting_day
            FOR EACH ROW EXECUTE FUNCTION meeting_day_signed();
        CREATE TRIGGER meeting_day_outcome_signed BEFORE UPDATE OR DELETE ON meeting_day_outcome
            FOR EACH ROW EXECUTE FUNCTION meeting_day_signed();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER meeting_day_outcome_signed ON meeting_day_outcome")
    op.execute("DROP TRIGGER meeting_day_signed ON meeting_day")
    op.execute("DROP FUNCTION meeting_day_signed()")
    op.drop_table("meeting_day_outcome")
    op.drop_table("meeting_focus")
    op.drop_table("meeting_slot")
    op.drop_table("meeting_day")
