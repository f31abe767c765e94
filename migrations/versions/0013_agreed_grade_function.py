"""The agreed-grade rule as one SQL function, read by `campaign_residence` and the tiles.

`agreed_grade(commune, bailleur, harmonised, threshold)` is the rule of `geo.grades.agreed_grade`
(the harmonised grade, else the lower of two grades closer than the campaign's divergence
threshold). `campaign_residence` now calls it instead of spelling it out, so that the cells of
the low-zoom tiles (`app/layers.py`) can apply it to grades they joined by hash, instead of
looking the view up residence by residence: 100,000 lookups for the zoom-8 tile over Lille. A
SQL function this simple is inlined by the planner: the view's plans do not change.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = """
CREATE OR REPLACE VIEW campaign_residence AS
SELECT ca.id AS campaign_id,
       r.id AS residence_id,
       gc.value AS commune_grade,
       gb.value AS bailleur_grade,
       h.value AS harmonised_grade,
       h.version AS harmonisation_version,
       {agreed} AS agreed_grade,
       COALESCE(abs(gc.value - gb.value) >= ca.divergence_threshold, false) AS divergent
FROM campaign ca
JOIN residence r ON r.epci_siren = ca.epci_siren
LEFT JOIN grade gc ON gc.campaign_id = ca.id AND gc.residence_id = r.id AND gc.side = 'commune'
LEFT JOIN grade gb ON gb.campaign_id = ca.id AND gb.residence_id = r.id AND gb.side = 'bailleur'
LEFT JOIN harmonisation h ON h.campaign_id = ca.id AND h.residence_id = r.id
"""

RULE = """COALESCE(
           {h},
           CASE WHEN abs({c} - {b}) < {t} THEN LEAST({c}, {b}) END
       )"""
"""The rule as written in the view of migration 0001, over the four named values."""


def upgrade() -> None:
    body = RULE.format(c="commune", b="bailleur", h="harmonised", t="threshold")
    op.execute(
        f"""
        CREATE FUNCTION agreed_grade(
            commune smallint, bailleur smallint, harmonised smallint, threshold smallint
        ) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT {body} $$
        """
    )
    op.execute(
        VIEW.format(agreed="agreed_grade(gc.value, gb.value, h.value, ca.divergence_threshold)")
    )


def downgrade() -> None:
    rule = RULE.format(c="gc.value", b="gb.value", h="h.value", t="ca.divergence_threshold")
    op.execute(VIEW.format(agreed=rule))
    op.execute("DROP FUNCTION agreed_grade(smallint, smallint, smallint, smallint)")
