"""Static maps drawn by matplotlib from PostGIS: communes, QPV contours, residences by grade.

Layers are fetched already projected by PostGIS (`crs`: Lambert-93 on paper, Web Mercator for a
view of the web map). Figures are built with `matplotlib.figure.Figure`, never pyplot, so that
concurrent requests share no global state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.layers import ResidenceFilter, residence_rows_sql
from geo.grades import FRAGILE_GRADES, GradeScale, grade_class, legend_label

# Names, campaign and scale labels are user text: a `$` is a dollar, never mathtext (whose parser
# raises on some). Set once for the process: `rc_context` is not thread-safe.
matplotlib.rcParams["text.parse_math"] = False

LAMBERT_93 = 2154
WEB_MERCATOR = 3857

QPV_STROKE = "#5e2b97"
QPV_FILL = "#8e63c5"
"""The QPV colours of the web map (frontend/src/rendering/qpv.js)."""
COMMUNE_STROKE = "#9a9a9a"
COMMUNE_FILL = "#fbfaf6"
HIGHLIGHT_STROKE = "#111827"
FRAGILE_STROKE = "#1f2937"
MARKER_STROKE = "#ffffff"
HOLLOW_WIDTH = 1.2
"""Outline width (points) of a hollow marker (a hidden grade), wider so that it reads on paper."""

Extent = tuple[float, float, float, float]


def _frame(conn: Connection, sql: str, params: dict, crs: int) -> gpd.GeoDataFrame:
    """Rows of `sql` (with a WGS84 `geom` column) as a GeoDataFrame projected in `crs`."""
    wrapped = f"SELECT t.*, ST_AsBinary(ST_Transform(t.geom, {int(crs)})) AS wkb FROM ({sql}) AS t"
    result = conn.execute(text(wrapped), params)
    columns = [name for name in list(result.keys()) if name not in ("geom", "wkb")]
    rows = [dict(row) for row in result.mappings()]
    geometry = from_wkb([bytes(row.pop("wkb")) for row in rows])
    for row in rows:
        row.pop("geom")
    return gpd.GeoDataFrame(rows, columns=columns, geometry=geometry, crs=crs)


@dataclass
class MapLayers:
    """What a static map draws, projected in `crs`; `extent` is the view in that CRS."""

    crs: int
    extent: Extent
    communes: gpd.GeoDataFrame
    qpv: gpd.GeoDataFrame
    residences: gpd.GeoDataFrame
    highlight: gpd.GeoDataFrame | None = None


def project_bbox(conn: Connection, bbox: Extent, crs: int) -> Extent:
    """A WGS84 bbox as an extent in `crs`."""
    row = conn.execute(
        text(
            f"SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform("
            f"ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326), {int(crs)})::box2d AS b) AS s"
        ),
        dict(zip(("xmin", "ymin", "xmax", "ymax"), bbox, strict=True)),
    ).one()
    return tuple(row)  # type: ignore[return-value]


def fit_aspect(extent: Extent, aspect: float) -> Extent:
    """`extent` widened around its centre to the width/height ratio `aspect` of the drawing."""
    xmin, ymin, xmax, ymax = extent
    width, height = xmax - xmin, ymax - ymin
    if width < height * aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def load_layers(
    conn: Connection,
    flt: ResidenceFilter,
    extent: Extent,
    crs: int,
    *,
    highlight_sql: tuple[str, dict] | None = None,
) -> MapLayers:
    """The layers of `extent` (in `crs`): communes and QPV crossing it, the residences of `flt`."""
    envelope = dict(zip(("xmin", "ymin", "xmax", "ymax"), extent, strict=True))
    within = f"geom && ST_Transform(ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, {int(crs)}), 4326)"
    communes = _frame(
        conn,
        "SELECT insee AS code, name, ST_SimplifyPreserveTopology(geom, 0.0001) AS geom"
        f" FROM commune WHERE geom IS NOT NULL AND {within}",
        envelope,
        crs,
    )
    qpv = _frame(conn, f"SELECT code, name, source, geom FROM qpv WHERE {within}", envelope, crs)
    rows_sql, params = residence_rows_sql(flt)
    residences = _frame(
        conn,
        f"SELECT code, grade, grade_status, nb_logements, geom FROM ({rows_sql}) AS r",
        params,
        crs,
    )
    highlight = _frame(conn, highlight_sql[0], highlight_sql[1], crs) if highlight_sql else None
    return MapLayers(crs, extent, communes, qpv, residences, highlight)


def marker_size(nb_logements: int, fragile: bool, scale: float = 1.0) -> float:
    """Marker area in points² growing with the square root of the dwellings, as on the web map."""
    radius = min(6.0, 1.8 + 0.25 * math.sqrt(max(0, nb_logements or 0))) * scale
    if fragile:
        radius *= 1.35
    return (2 * radius) ** 2


def draw_layers(
    ax: Axes,
    layers: MapLayers,
    scale: GradeScale,
    *,
    emphasise_fragile: bool = True,
    marker_scale: float = 1.0,
) -> None:
    """Draw communes, QPV and residences (fragile ones last and outlined) on `ax`, fitted."""
    ax.set_facecolor("#eef2f5")
    if not layers.communes.empty:
        layers.communes.plot(ax=ax, facecolor=COMMUNE_FILL, edgecolor=COMMUNE_STROKE, linewidth=0.5)
    if layers.highlight is not None and not layers.highlight.empty:
        layers.highlight.plot(ax=ax, facecolor="none", edgecolor=HIGHLIGHT_STROKE, linewidth=1.8)
    qpv = layers.qpv
    for source, dashes in (("official", "-"), ("demo", "--")):
        contours = qpv[qpv["source"] == source] if not qpv.empty else qpv
        if contours.empty:
            continue
        contours.plot(ax=ax, facecolor=QPV_FILL, alpha=0.18, edgecolor="none")
        contours.boundary.plot(ax=ax, color=QPV_STROKE, linewidth=1.2, linestyle=dashes)
    residences = layers.residences
    if not residences.empty:
        entries = scale.legend_by_class()
        rank = {key: position for position, key in enumerate(entries)}
        classes = [
            grade_class(None if pd.isna(grade) else int(grade), status)
            for grade, status in zip(residences["grade"], residences["grade_status"], strict=True)
        ]
        order = sorted(range(len(classes)), key=lambda i: -rank[classes[i]])
        styles = [marker_style(entries[classes[i]], emphasise_fragile) for i in order]
        points = residences.geometry.iloc[order]
        dwellings = residences["nb_logements"].iloc[order]
        ax.scatter(
            points.x,
            points.y,
            s=[
                marker_size(n, style.fragile, marker_scale)
                for n, style in zip(dwellings, styles, strict=True)
            ],
            c=[style.fill for style in styles],
            edgecolors=[style.stroke for style in styles],
            linewidths=[style.width for style in styles],
            zorder=5,
        )
    xmin, ymin, xmax, ymax = layers.extent
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


@dataclass(frozen=True)
class MarkerStyle:
    """Fill and outline of a residence marker; `fragile` markers are drawn larger."""

    fill: str
    stroke: str
    width: float
    fragile: bool


def marker_style(entry: dict, emphasise_fragile: bool) -> MarkerStyle:
    """How a residence of the legend class `entry` is drawn: its colour, outlined in dark when
    fragile (if emphasised), and hollow (white, dark outline) when its grade is hidden."""
    if entry.get("outline"):
        return MarkerStyle(entry["colour"], entry["outline"], HOLLOW_WIDTH, False)
    fragile = emphasise_fragile and entry["grade"] in FRAGILE_GRADES
    return MarkerStyle(entry["colour"], FRAGILE_STROKE if fragile else MARKER_STROKE, 0.6, fragile)


def legend_handles(
    scale: GradeScale, qpv_sources: set[str], *, emphasise_fragile: bool = True
) -> list:
    """Legend entries: the grade classes (labels of the campaign), the hidden grades and the
    ungraded class, then the QPV contours."""
    handles: list = []
    for entry in scale.legend():
        style = marker_style(entry, emphasise_fragile)
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                markerfacecolor=style.fill,
                markeredgecolor=style.stroke,
                markeredgewidth=max(style.width, 1.0),
                label=legend_label(entry),
            )
        )
    labels = {"official": "QPV (périmètre officiel)", "demo": "QPV de démonstration (fictifs)"}
    for source in ("official", "demo"):
        if source in qpv_sources:
            handles.append(
                Patch(
                    facecolor=(0.557, 0.388, 0.773, 0.18),
                    edgecolor=QPV_STROKE,
                    linestyle="--" if source == "demo" else "-",
                    label=labels[source],
                )
            )
    return handles


def add_scale_bar(ax: Axes, metres_per_unit: float = 1.0) -> None:
    """A scale bar of a round length (1, 2 or 5 × 10ⁿ m) near the lower-left corner."""
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    target = (xmax - xmin) * metres_per_unit / 5
    power = 10 ** math.floor(math.log10(target))
    length = max(step * power for step in (1, 2, 5) if step * power <= target)
    x0 = xmin + (xmax - xmin) * 0.04
    y0 = ymin + (ymax - ymin) * 0.04
    ax.plot([x0, x0 + length / metres_per_unit], [y0, y0], color="#111827", linewidth=2.5, zorder=6)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0, y0 + (ymax - ymin) * 0.012, label, fontsize=7, zorder=6)
