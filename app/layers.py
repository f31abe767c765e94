"""Map layers as GeoJSON text built by PostGIS (no per-feature Python loop)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import DEFAULT_CAMPAIGNS_SQL, Gate
from app.core.database import run_at_once, text_as_bytes
from geo.codes import is_siren
from geo.grades import DEFAULT_LABELS

COORD_DIGITS = 6
"""Six decimals of a degree is about 10 cm: enough for a residence."""

_DEFAULT_LABELS_JSON = json.dumps({str(k): v for k, v in DEFAULT_LABELS.items()})


HALVES_FROM = 5_000
"""Residences (the planner's count) from which a layer over the whole stock is built in two
halves at once (`residences_geojson`)."""

OUTLINE_DIGITS = 5
"""About a metre: enough for the outlines of communes and EPCI (already simplified at source)."""


_HEAD, _TAIL = b'{"type":"FeatureCollection","features":[', b"]}"


def _joined_features(digits: int) -> str:
    """SQL of the GeoJSON features of the rows `t`, comma-separated (NULL without rows)."""
    return f"string_agg(ST_AsGeoJSON(t.*, 'geom', {digits}), ',')"


def feature_collection(
    conn: Connection, sql: str, params: dict, *, digits: int = COORD_DIGITS
) -> bytes:
    """Run `sql` (rows with a `geom` column) and return a GeoJSON FeatureCollection as bytes,
    written whole by PostGIS."""
    wrapped = text(
        f"SELECT '{_HEAD.decode()}' || coalesce({_joined_features(digits)}, '')"
        f" || '{_TAIL.decode()}' FROM ({sql}) AS t"
    )
    return text_as_bytes(conn, wrapped, params) or b""


def _features(where: str, sql: str, params: dict) -> Callable[[Connection], bytes]:
    """The features of `sql`'s rows that pass `where` (on `t`), comma-separated, in its order."""
    wrapped = text(f"SELECT {_joined_features(COORD_DIGITS)} FROM ({sql}) AS t WHERE {where}")
    return lambda conn: text_as_bytes(conn, wrapped, params) or b""


@dataclass
class ResidenceFilter:
    """The filters of the residence layer; empty fields do not filter."""

    epci: str | None = None
    commune: str | None = None
    bailleur: str | None = None
    grades: list[int] = field(default_factory=list)
    statuses: frozenset[str] = frozenset()
    """`grade_status` values asked besides the grades: `none`, `hidden`."""
    in_qpv: bool | None = None
    bbox: tuple[float, float, float, float] | None = None
    campaign: int | None = None
    code: str | None = None
    gate: Gate = field(default_factory=lambda: Gate(None))
    """Whose grades are shown: by default none (an anonymous visitor's view)."""


def residence_rows_sql(flt: ResidenceFilter, *, for_tiles: bool = False) -> tuple[str, dict]:
    """SQL of residence rows with their agreed grade and `grade_status` as the gate lets the
    caller see them, in the campaign asked or each EPCI's default one; the params go with it.
    `for_tiles`: only what a tile draws (code, dwellings, grade, status and the Web Mercator
    position `merc_x`, `merc_y`), unordered, without the joins that only name things; the agreed
    grade comes from the campaign's grades joined to the residences, through the rule's SQL
    function `agreed_grade` (migration 0013) that the `campaign_residence` view calls too: joined
    by hash where a zoom-8 tile holds 100,000 residences, or by index where a tile holds a few
    hundred, as the planner estimates, instead of 100,000 lookups of the view."""
    agreed = (
        "agreed_grade(gc.value, gb.value, h.value, camp.divergence_threshold)"
        if for_tiles
        else "cr.agreed_grade"
    )
    grade, status, params = flt.gate.grade_status(agreed, ca="camp")
    params["default_labels"] = _DEFAULT_LABELS_JSON
    where = ["true"]
    if flt.campaign is not None:
        camp_sql = (
            "SELECT id, epci_siren, status, scale_labels, divergence_threshold"
            " FROM campaign WHERE id = :campaign"
        )
        params["campaign"] = flt.campaign
    else:
        camp_sql = DEFAULT_CAMPAIGNS_SQL
    if flt.epci:
        where.append("r.epci_siren = :epci")
        params["epci"] = flt.epci
    if flt.commune:
        where.append("r.commune_insee = :commune")
        params["commune"] = flt.commune
    if flt.bailleur:
        if flt.bailleur.isdigit() and not is_siren(flt.bailleur):
            where.append("b.id = :bailleur_id")
            params["bailleur_id"] = int(flt.bailleur)
        else:
            where.append("(b.name = :bailleur OR b.siren = :bailleur)")
            params["bailleur"] = flt.bailleur
    if flt.code:
        where.append("r.code = :code")
        params["code"] = flt.code
    if flt.in_qpv is not None:
        where.append("r.qpv_code IS NOT NULL" if flt.in_qpv else "r.qpv_code IS NULL")
    if flt.bbox:
        where.append("r.geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326)")
        params.update(zip(("xmin", "ymin", "xmax", "ymax"), flt.bbox, strict=True))
    if flt.grades or flt.statuses:
        clauses = []
        if flt.grades:
            clauses.append(f"{grade} = ANY(:grades)")
            params["grades"] = list(flt.grades)
        if flt.statuses:
            clauses.append(f"{status} = ANY(:statuses)")
            params["statuses"] = sorted(flt.statuses)
        where.append("(" + " OR ".join(clauses) + ")")
    if for_tiles:
        sql = f"""
            SELECT r.code, r.nb_logements, {grade} AS grade, {status} AS grade_status,
                   r.merc_x, r.merc_y
            FROM residence r
            JOIN bailleur b ON b.id = r.bailleur_id
            LEFT JOIN ({camp_sql}) camp ON camp.epci_siren = r.epci_siren
            LEFT JOIN grade gc
                   ON gc.campaign_id = camp.id AND gc.residence_id = r.id AND gc.side = 'commune'
            LEFT JOIN grade gb
                   ON gb.campaign_id = camp.id AND gb.residence_id = r.id AND gb.side = 'bailleur'
            LEFT JOIN harmonisation h ON h.campaign_id = camp.id AND h.residence_id = r.id
            WHERE {" AND ".join(where)}
        """
        return sql, params
    sql = f"""
        SELECT r.code, r.name, b.name AS bailleur, b.id AS bailleur_id, r.address,
               r.commune_insee, c.name AS commune_name, r.epci_siren, r.nb_logements,
               {grade} AS grade, {status} AS grade_status,
               COALESCE(camp.scale_labels ->> {grade}::text,
                        CAST(:default_labels AS jsonb) ->> {grade}::text) AS grade_label,
               r.qpv_code, q.name AS qpv_name,
               round(r.distance_qpv_m::numeric, 0) AS distance_qpv_m,
               r.near_qpv_300m, r.iris_code, i.name AS iris_name, r.is_demo, r.geom
        FROM residence r
        JOIN bailleur b ON b.id = r.bailleur_id
        JOIN commune c ON c.insee = r.commune_insee
        LEFT JOIN qpv q ON q.code = r.qpv_code
        LEFT JOIN iris i ON i.code = r.iris_code
        LEFT JOIN ({camp_sql}) camp ON camp.epci_siren = r.epci_siren
        LEFT JOIN campaign_residence cr
               ON cr.campaign_id = camp.id AND cr.residence_id = r.id
        WHERE {" AND ".join(where)}
        ORDER BY r.code
    """
    return sql, params


MIDDLE_CODE = text(
    """
    SELECT bounds[array_length(bounds, 1) / 2 + 1]
    FROM (SELECT histogram_bounds::text::text[] AS bounds FROM pg_stats
          WHERE schemaname = current_schema() AND tablename = 'residence'
            AND attname = 'code') AS s,
         pg_class c
    WHERE c.oid = 'residence'::regclass AND c.reltuples >= :least
    """
)
"""The middle residence code of the planner's statistics, when it counts `:least` residences."""


def residences_geojson(conn: Connection, flt: ResidenceFilter) -> bytes:
    """The residence layer. A large one (`HALVES_FROM`), unless narrowed to a place or a
    landlord, is built as two halves split at the middle code, on two connections at once
    (`run_at_once`): PostgreSQL writes the features' JSON on one core per query, and this
    halves the wait of the first answer after each change of the data (bench/README.md). The
    halves, in code order, make the same bytes as one query."""
    sql, params = residence_rows_sql(flt)
    narrowed = flt.epci or flt.commune or flt.bailleur or flt.code or flt.bbox
    middle = None if narrowed else conn.execute(MIDDLE_CODE, {"least": HALVES_FROM}).scalar()
    if middle is None:
        return feature_collection(conn, sql, params)
    halves = {**params, "middle_code": middle}
    low, high = run_at_once(
        conn,
        _features("t.code < :middle_code", sql, halves),
        _features("t.code >= :middle_code", sql, halves),
    )
    return b"".join([_HEAD, low, b"," if low and high else b"", high, _TAIL])


def residence_feature(conn: Connection, flt: ResidenceFilter) -> bytes | None:
    """One residence (`flt.code`) as a GeoJSON Feature, or None when the code is unknown."""
    sql, params = residence_rows_sql(flt)
    wrapped = text(f"SELECT ST_AsGeoJSON(t.*, 'geom', {COORD_DIGITS}) FROM ({sql}) AS t")
    feature = conn.execute(wrapped, params).scalar_one_or_none()
    return feature.encode() if feature else None


QPV_SQL = """
    SELECT q.code, q.name, q.communes, q.source, q.vintage, q.geom
    FROM qpv q ORDER BY q.code
"""
"""QPV perimeters, official or demonstration (`source`)."""
COMMUNES_SQL = """
    SELECT c.insee AS code, c.name, c.epci_siren, c.geom
    FROM commune c
    WHERE c.geom IS NOT NULL AND (CAST(:epci AS text) IS NULL OR c.epci_siren = :epci)
    ORDER BY c.insee
"""
"""Commune outlines, of one EPCI (`:epci`) or all (NULL)."""
EPCI_SQL = """
    SELECT e.siren AS code, e.name, e.kind, e.geom
    FROM epci e WHERE e.geom IS NOT NULL ORDER BY e.siren
"""
"""EPCI outlines (unions of their communes)."""


def qpv_geojson(conn: Connection) -> bytes:
    """QPV perimeters, official or demonstration (`source`)."""
    return feature_collection(conn, QPV_SQL, {})


def communes_geojson(conn: Connection, epci: str | None = None) -> bytes:
    """Commune outlines, the offline base layer. The shipped polygons are simplified already:
    simplifying again on every request cost more than it saved (see bench/)."""
    return feature_collection(conn, COMMUNES_SQL, {"epci": epci}, digits=OUTLINE_DIGITS)


def epci_geojson(conn: Connection) -> bytes:
    """EPCI outlines (unions of their communes)."""
    return feature_collection(conn, EPCI_SQL, {}, digits=OUTLINE_DIGITS)
