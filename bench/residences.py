"""Generate realistic residence files for the bench: points inside the real communes of the
shipped territory, landlords and sizes drawn like the demo's, written as a Lambert-93 CSV.

Cities hold most of the stock (residences per commune grow as population**CONCENTRATION, as in
the demo), each commune's residences gather around its centre, a few large landlords own most of
them and a long tail owns the rest, and sizes follow the demo's log-normal spread (4 to 450).
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from app.demo.generator import CONCENTRATION, LANDLORDS

GENERATED_LANDLORDS = 60
"""Landlords beyond the demo's twelve; shares fall off as 1/rank (a few large ESH and OPH)."""
HEADER = "code;nom;bailleur;siren;code_insee;nb_logements;x;y;adresse"

GENERATE_SQL = """
WITH communes AS (
    SELECT insee, name, geom, power(greatest(population, 50), %(concentration)s) AS weight
    FROM commune WHERE geom IS NOT NULL
),
shares AS (
    SELECT insee, name, geom,
           floor(%(count)s * weight / sum(weight) OVER ()
                 + random())::int AS n
    FROM communes
),
centred AS (
    SELECT insee, name, n,
           ST_Intersection(geom, ST_Buffer(ST_PointOnSurface(geom)::geography,
               greatest(400, sqrt(ST_Area(geom::geography)) / 3))::geometry) AS core
    FROM shares WHERE n > 0
),
points AS (
    SELECT insee, name, (ST_Dump(ST_GeneratePoints(core, n))).geom AS pt
    FROM centred WHERE NOT ST_IsEmpty(core)
),
drawn AS (
    SELECT row_number() OVER () AS i, insee, name, ST_Transform(pt, 2154) AS l93,
           width_bucket(random(), %(thresholds)s::float8[]) AS landlord, random() AS size
    FROM points
)
SELECT %(prefix)s || lpad(d.i::text, 7, '0'), 'Résidence ' || d.name || ' ' || d.i,
       (%(landlords)s::text[])[d.landlord], (%(sirens)s::text[])[d.landlord], d.insee,
       least(450, greatest(4, round(20 * exp(0.7 * sqrt(-2 * ln(greatest(d.size, 1e-9)))
           * cos(2 * pi() * random())))))::int,
       replace(round(ST_X(d.l93)::numeric, 2)::text, '.', ','),
       replace(round(ST_Y(d.l93)::numeric, 2)::text, '.', ','),
       (1 + d.i %% 179) || ' rue ' || d.name
FROM drawn d
"""


def landlords() -> tuple[list[str], list[str]]:
    """Names and SIREN of the bench's landlords, largest first: the demo's, then a long tail
    of fictitious ones (SIREN starting with 98, never a real company's)."""
    names = [landlord.name for landlord in LANDLORDS]
    sirens = [landlord.siren for landlord in LANDLORDS]
    for rank in range(1, GENERATED_LANDLORDS + 1):
        names.append(f"Bailleur social {rank} (banc)")
        sirens.append(f"98{rank:07d}")
    return names, sirens


def write_residences(url: str, count: int, path: Path, prefix: str = "BANC-") -> int:
    """Write about `count` generated residences of the database's communes to `path` (a
    Lambert-93 CSV, `;` and decimal commas, as landlords export it); return the rows written."""
    names, sirens = landlords()
    weights = [1 / rank for rank in range(1, len(names) + 1)]
    thresholds = [sum(weights[:rank]) / sum(weights) for rank in range(len(names))]
    params = {
        "thresholds": thresholds,
        "count": count,
        "concentration": CONCENTRATION,
        "landlords": names,
        "sirens": sirens,
        "prefix": prefix,
    }
    written = 0
    with psycopg.connect(url) as conn, path.open("w", encoding="utf-8") as out:
        conn.execute("SELECT setseed(0.42)")
        out.write(HEADER + "\n")
        copy_sql = f"COPY ({GENERATE_SQL}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
        with conn.cursor() as cursor:
            statement = psycopg.ClientCursor(conn).mogrify(copy_sql, params)
            with cursor.copy(statement) as copy:
                for block in copy:
                    data = bytes(block).decode()
                    written += data.count("\n")
                    out.write(data)
    return written
