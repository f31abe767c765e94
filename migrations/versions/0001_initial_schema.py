"""Initial schema: territory, residences, accounts, campaigns, grades, allocations.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:15:06.458157
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The agreed grade and divergence of `geo.grades.agreed_grade` / `is_divergent`, in SQL for the
# layers and statistics; tests/app/test_grade_rule.py checks that both give the same answers.
CAMPAIGN_RESIDENCE_VIEW = """
CREATE VIEW campaign_residence AS
SELECT ca.id AS campaign_id,
       r.id AS residence_id,
       gc.value AS commune_grade,
       gb.value AS bailleur_grade,
       h.value AS harmonised_grade,
       h.version AS harmonisation_version,
       COALESCE(
           h.value,
           CASE WHEN abs(gc.value - gb.value) < ca.divergence_threshold
                THEN LEAST(gc.value, gb.value) END
       ) AS agreed_grade,
       COALESCE(abs(gc.value - gb.value) >= ca.divergence_threshold, false) AS divergent
FROM campaign ca
JOIN residence r ON r.epci_siren = ca.epci_siren
LEFT JOIN grade gc ON gc.campaign_id = ca.id AND gc.residence_id = r.id AND gc.side = 'commune'
LEFT JOIN grade gb ON gb.campaign_id = ca.id AND gb.residence_id = r.id AND gb.side = 'bailleur'
LEFT JOIN harmonisation h ON h.campaign_id = ca.id AND h.residence_id = r.id
"""


def upgrade() -> None:

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'commune', 'bailleur', 'elu', 'reader')", name="account_role"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "bailleur",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("siren"),
    )
    op.create_table(
        "epci",
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("siren"),
    )
    op.create_table(
        "iris",
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_iris_commune_insee"), "iris", ["commune_insee"], unique=False)
    op.create_table(
        "qpv",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "communes", postgresql.ARRAY(sa.String(length=5)), server_default="{}", nullable=False
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("vintage", sa.String(length=8), nullable=True),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("source IN ('official', 'demo')", name="qpv_source"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "account_scope",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('epci', 'commune', 'bailleur')", name="account_scope_kind"),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "kind", "code"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epci_siren", sa.String(length=9), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="preparation", nullable=False),
        sa.Column("scale_labels", sa.JSON(), server_default="{}", nullable=False),
        sa.Column("divergence_threshold", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("published_level", sa.String(length=16), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('preparation', 'grading', 'harmonisation', 'closed')",
            name="campaign_status",
        ),
        sa.CheckConstraint("divergence_threshold BETWEEN 1 AND 3", name="campaign_threshold"),
        sa.ForeignKeyConstraint(
            ["epci_siren"],
            ["epci.siren"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("epci_siren", "name", name="campaign_epci_name"),
    )
    op.create_index(op.f("ix_campaign_epci_siren"), "campaign", ["epci_siren"], unique=False)
    op.create_table(
        "commune",
        sa.Column("insee", sa.String(length=5), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("departement", sa.String(length=3), nullable=True),
        sa.Column("epci_siren", sa.String(length=9), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["epci_siren"],
            ["epci.siren"],
        ),
        sa.PrimaryKeyConstraint("insee"),
    )
    op.create_index(op.f("ix_commune_epci_siren"), "commune", ["epci_siren"], unique=False)
    op.create_table(
        "epci_policy",
        sa.Column("epci_siren", sa.String(length=9), nullable=False),
        sa.Column(
            "target_outside_qpv",
            sa.Numeric(precision=4, scale=3),
            server_default="0.25",
            nullable=False,
        ),
        sa.Column(
            "target_inside_qpv",
            sa.Numeric(precision=4, scale=3),
            server_default="0.5",
            nullable=False,
        ),
        sa.Column("peuplement_labels", sa.JSON(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["epci_siren"],
            ["epci.siren"],
        ),
        sa.PrimaryKeyConstraint("epci_siren"),
    )
    op.create_table(
        "commune_alias",
        sa.Column("old_code", sa.String(length=5), nullable=False),
        sa.Column("old_name", sa.Text(), nullable=True),
        sa.Column("insee", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["insee"], ["commune.insee"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("old_code"),
    )
    op.create_table(
        "residence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("bailleur_id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.Column("epci_siren", sa.String(length=9), nullable=True),
        sa.Column("qpv_code", sa.String(length=16), nullable=True),
        sa.Column("iris_code", sa.String(length=9), nullable=True),
        sa.Column("nb_logements", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("distance_qpv_m", sa.Float(), nullable=True),
        sa.Column("near_qpv_300m", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("nb_logements >= 0", name="residence_nb_logements"),
        sa.ForeignKeyConstraint(
            ["bailleur_id"],
            ["bailleur.id"],
        ),
        sa.ForeignKeyConstraint(
            ["commune_insee"],
            ["commune.insee"],
        ),
        sa.ForeignKeyConstraint(
            ["epci_siren"],
            ["epci.siren"],
        ),
        sa.ForeignKeyConstraint(["iris_code"], ["iris.code"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["qpv_code"], ["qpv.code"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_residence_bailleur_id"), "residence", ["bailleur_id"], unique=False)
    op.create_index(
        op.f("ix_residence_commune_insee"), "residence", ["commune_insee"], unique=False
    )
    op.create_index(op.f("ix_residence_epci_siren"), "residence", ["epci_siren"], unique=False)
    op.create_index(op.f("ix_residence_iris_code"), "residence", ["iris_code"], unique=False)
    op.create_index(op.f("ix_residence_qpv_code"), "residence", ["qpv_code"], unique=False)
    op.create_table(
        "allocation",
        sa.Column("residence_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("q1", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("pru", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "total >= 0 AND q1 >= 0 AND priority >= 0 AND pru >= 0 AND q1 <= total "
            "AND priority <= total AND pru <= total",
            name="allocation_counts",
        ),
        sa.ForeignKeyConstraint(["residence_id"], ["residence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("residence_id", "year"),
    )
    op.create_table(
        "grade",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("residence_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("side IN ('commune', 'bailleur')", name="grade_side"),
        sa.CheckConstraint("value BETWEEN 1 AND 4", name="grade_value"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["residence_id"], ["residence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("campaign_id", "residence_id", "side"),
    )
    op.create_index("grade_residence", "grade", ["residence_id"], unique=False)
    op.create_table(
        "grade_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("residence_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", sa.SmallInteger(), nullable=True),
        sa.Column("after", sa.SmallInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), server_default="applied", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.Text(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["residence_id"], ["residence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("grade_event_residence", "grade_event", ["residence_id", "at"], unique=False)
    op.create_table(
        "harmonisation",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("residence_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("meeting", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column(
            "decided_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("value BETWEEN 1 AND 4", name="harmonisation_value"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["residence_id"], ["residence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id", "residence_id"),
    )

    op.execute(CAMPAIGN_RESIDENCE_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS campaign_residence")

    op.drop_table("harmonisation")
    op.drop_index("grade_event_residence", table_name="grade_event")
    op.drop_table("grade_event")
    op.drop_index("grade_residence", table_name="grade")
    op.drop_table("grade")
    op.drop_table("allocation")
    op.drop_index(op.f("ix_residence_qpv_code"), table_name="residence")
    op.drop_index(op.f("ix_residence_iris_code"), table_name="residence")
    op.drop_index(op.f("ix_residence_epci_siren"), table_name="residence")
    op.drop_index(op.f("ix_residence_commune_insee"), table_name="residence")
    op.drop_index(op.f("ix_residence_bailleur_id"), table_name="residence")
    op.drop_table("residence")
    op.drop_table("commune_alias")
    op.drop_table("epci_policy")
    op.drop_index(op.f("ix_commune_epci_siren"), table_name="commune")
    op.drop_table("commune")
    op.drop_index(op.f("ix_campaign_epci_siren"), table_name="campaign")
    op.drop_table("campaign")
    op.drop_table("api_token")
    op.drop_table("account_scope")
    op.drop_table("qpv")
    op.drop_index(op.f("ix_iris_commune_insee"), table_name="iris")
    op.drop_table("iris")
    op.drop_table("epci")
    op.drop_table("bailleur")
    op.drop_table("account")
