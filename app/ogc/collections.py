"""The collections of the OGC API, and where each reads its rows.

Rows come from the services the map and the analysis page use, so that the access gate and the
statistical secret apply unchanged: residences from `app.layers.residence_rows_sql` (grades as
the gate shows them to the caller), quartier aggregates from
`app.analysis.aggregates.quartier_features_sql` (figures computed and hidden there), outlines
from the territory layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate
from app.analysis.aggregates import LEVELS, check_campaign, quartier_features_sql
from app.campaigns.service import get_campaign
from app.layers import (
    COMMUNES_SQL,
    COORD_DIGITS,
    EPCI_SQL,
    OUTLINE_DIGITS,
    QPV_SQL,
    ResidenceFilter,
    residence_rows_sql,
)

Rows = Callable[[Connection, Gate, int | None], tuple[str, dict]]
"""SQL of a collection's rows (a WGS84 `geom` column and the properties) for a caller and a
campaign (None: each EPCI's default one), with its params; the rows are ordered, and the pages
of items follow that order."""


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    rows: Rows
    table: str
    """The table whose extent is the collection's: the stock or the outlines, never a grade."""
    digits: int = OUTLINE_DIGITS
    """Decimals of a degree written."""
    id_sql: str = "t.code"
    """The feature id, SQL over the row `t`."""
    by_campaign: bool = False
    """Whether the rows depend on a campaign (the `campaign` parameter)."""


def _residences(conn: Connection, gate: Gate, campaign: int | None) -> tuple[str, dict]:
    if campaign is not None:
        get_campaign(conn, campaign)
    return residence_rows_sql(ResidenceFilter(gate=gate, campaign=campaign))


def _territory(sql: str, params: dict) -> Rows:
    return lambda conn, gate, campaign: (sql, dict(params))


def _quartiers(level: str) -> Rows:
    def rows(conn: Connection, gate: Gate, campaign: int | None) -> tuple[str, dict]:
        if campaign is not None:
            check_campaign(conn, campaign, level, gate)
        return quartier_features_sql(conn, level, campaign, gate=gate)

    return rows


QUARTIER_UNITS = {"qpv": "QPV", "iris": "IRIS", "commune": "commune", "epci": "EPCI"}
QUARTIER_TABLES = {"qpv": "qpv", "iris": "iris", "commune": "commune", "epci": "epci"}

COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "residences",
            "Résidences HLM",
            "Les résidences du parc social, avec leur note partagée de vivre-ensemble (1 à 4) "
            "là où votre compte peut la lire : sans compte, aucune note ; sinon celles de votre "
            "territoire, comme sur la carte. Paramètre campaign : la campagne (par défaut, la "
            "dernière de chaque EPCI hors notation).",
            _residences,
            "residence",
            digits=COORD_DIGITS,
            by_campaign=True,
        ),
        Collection(
            "qpv",
            "Quartiers prioritaires de la politique de la ville (QPV)",
            "Périmètres des QPV : officiels (fichier de l'ANCT importé) ou de démonstration.",
            _territory(QPV_SQL, {}),
            "qpv",
            digits=COORD_DIGITS,
        ),
        Collection(
            "communes",
            "Communes",
            "Contours des communes (référentiel livré, simplifié).",
            _territory(COMMUNES_SQL, {"epci": None}),
            "commune",
        ),
        Collection(
            "epci",
            "EPCI",
            "Contours des intercommunalités (union de leurs communes).",
            _territory(EPCI_SQL, {}),
            "epci",
        ),
        *(
            Collection(
                f"quartiers-{level}",
                f"Agrégats par {QUARTIER_UNITS[level]}",
                f"Chiffres de chaque {QUARTIER_UNITS[level]} pour la campagne affichée de chaque "
                "EPCI (ou le paramètre campaign) : résidences, logements, note moyenne, "
                "répartition des notes, part fragile, besoin de rééquilibrage. Sans droits sur "
                "toutes ses résidences, une unité de moins de 11 résidences notées ne montre "
                "aucun chiffre tiré des notes (secret statistique) ; sans compte, seuls les "
                "agrégats publiés apparaissent. L'identifiant est « campagne-code ».",
                _quartiers(level),
                QUARTIER_TABLES[level],
                id_sql="t.campaign_id || '-' || t.code",
                by_campaign=True,
            )
            for level in LEVELS
        ),
    )
}

Extent = tuple[float, float, float, float]


def extents(conn: Connection) -> dict[str, Extent | None]:
    """Each collection's bbox in CRS84 (None: empty)."""
    tables = sorted({c.table for c in COLLECTIONS.values()})
    parts = " UNION ALL ".join(
        f"SELECT '{table}' AS name, ST_Extent(geom) AS box FROM {table}" for table in tables
    )
    sql = f"SELECT name, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box) FROM ({parts}) e"
    boxes = {
        name: None if x0 is None else (x0, y0, x1, y1)
        for name, x0, y0, x1, y1 in conn.execute(text(sql))
    }
    return {c.id: boxes[c.table] for c in COLLECTIONS.values()}
