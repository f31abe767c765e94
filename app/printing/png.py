"""A PNG of a view of the web map (bbox and filters), drawn by the server in Web Mercator."""

from __future__ import annotations

import io
from datetime import date

from matplotlib.figure import Figure
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.errors import InvalidParameter, NotFound
from app.layers import ResidenceFilter, residence_rows_sql
from app.printing.drawing import (
    WEB_MERCATOR,
    draw_layers,
    fit_aspect,
    legend_handles,
    load_layers,
    project_bbox,
)
from app.printing.figures import count_of, french_date, source_line
from geo.grades import GradeScale

DPI = 100
MIN_SIDE, MAX_SIDE = 200, 4000
"""Pixels: enough for a slide, bounded so that one request cannot exhaust the server."""


def view_bbox(conn: Connection, flt: ResidenceFilter) -> tuple[float, float, float, float]:
    """The extent of the residences of `flt`, slightly padded; NotFound when there is none (an
    empty print would draw the whole region, for nothing)."""
    sql, params = residence_rows_sql(flt)
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            f" FROM (SELECT ST_Extent(geom) AS e FROM ({sql}) AS t) AS s"
        ),
        params,
    ).one()
    if row[0] is None:
        raise NotFound(
            "Aucune résidence ne correspond à ces filtres : rien à imprimer. Élargissez les "
            "filtres, ou donnez une emprise (bbox) pour imprimer une carte sans résidence."
        )
    xmin, ymin, xmax, ymax = row
    pad_x, pad_y = max((xmax - xmin) * 0.05, 0.005), max((ymax - ymin) * 0.05, 0.005)
    return xmin - pad_x, ymin - pad_y, xmax + pad_x, ymax + pad_y


def check_size(width: int, height: int) -> None:
    for name, value in (("width", width), ("height", height)):
        if not MIN_SIDE <= value <= MAX_SIDE:
            raise InvalidParameter(
                f"{name} = {value} px hors des bornes : entre {MIN_SIDE} et {MAX_SIDE} pixels."
            )


def render_png(
    conn: Connection,
    flt: ResidenceFilter,
    *,
    width: int = 1600,
    height: int = 1000,
    emphasise_fragile: bool = False,
) -> bytes:
    """The residences of `flt` in its bbox (default: their extent), QPV, communes, legend;
    `emphasise_fragile` draws grades 1–2 larger and outlined, as the élu view does."""
    check_size(width, height)
    extent = project_bbox(conn, flt.bbox or view_bbox(conn, flt), WEB_MERCATOR)
    layers = load_layers(conn, flt, fit_aspect(extent, width / height), WEB_MERCATOR)
    scale = GradeScale.default()
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    draw_layers(ax, layers, scale, emphasise_fragile=emphasise_fragile, marker_scale=1.1)
    ax.axis("off")
    sources = set(layers.qpv["source"]) if not layers.qpv.empty else set()
    ax.legend(
        handles=legend_handles(scale, sources, emphasise_fragile=emphasise_fragile),
        loc="lower right",
        fontsize=9,
        title="Note de vivre-ensemble",
        framealpha=0.92,
    )
    shown = layers.residences
    summary = (
        f"{count_of(len(shown), 'résidence', 'résidences')} · "
        f"{count_of(int(shown['nb_logements'].sum()), 'logement', 'logements')}"
    )
    fig.text(
        0.01,
        0.985,
        f"qualiparc — {summary} · {french_date(date.today())}",
        fontsize=12,
        fontweight="bold",
        va="top",
        bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none"},
    )
    fig.text(
        0.01,
        0.012,
        source_line(conn),
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
