"""The élu's one-page A4 landscape PDF: the territory's map, its legend and key figures.

Fonts are embedded as TrueType (not Type 3) so that the text stays searchable and copyable.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date

import matplotlib
from matplotlib.figure import Figure
from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.printing.drawing import (
    LAMBERT_93,
    add_scale_bar,
    draw_layers,
    fit_aspect,
    legend_handles,
    load_layers,
    project_bbox,
)
from app.printing.figures import (
    KeyFigures,
    Territory,
    french_date,
    key_figures,
    source_line,
    territory_bbox,
)

A4_LANDSCAPE = (11.69, 8.27)
"""Inches."""
MAP_BOX = (0.025, 0.085, 0.57, 0.80)
"""Left, bottom, width, height of the map, as fractions of the page."""
TEXT_LEFT = 0.625
TEXT_WRAP = 64
"""Characters per line of the figures column."""
MARGIN = 0.04
"""Share of the territory's extent added around it."""


def _padded(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = bbox
    dx, dy = (xmax - xmin) * MARGIN or 0.005, (ymax - ymin) * MARGIN or 0.005
    return xmin - dx, ymin - dy, xmax + dx, ymax + dy


def _write_figures(fig: Figure, figures: KeyFigures) -> None:
    """The key figures column, section by section, with grade swatches."""
    y = 0.875
    for section in figures.sections:
        fig.text(TEXT_LEFT, y, section.title, fontsize=10.5, fontweight="bold", color="#1f2a44")
        y -= 0.03
        for line in section.lines:
            wrapped = textwrap.wrap(f"{line.label} : {line.value}", TEXT_WRAP)
            if line.colour:
                fig.text(TEXT_LEFT, y, "●", fontsize=10, color=line.colour, va="baseline")
            if line.outline:
                fig.text(TEXT_LEFT, y, "○", fontsize=10, color=line.outline, va="baseline")
            for part in wrapped:
                fig.text(TEXT_LEFT + 0.018, y, part, fontsize=8.5, color="#111827")
                y -= 0.024
        y -= 0.014


def render_pdf(conn: Connection, principal: Principal, territory: Territory) -> bytes:
    """One A4 landscape page: title, map of the territory, legend, key figures, date, source."""
    figures = key_figures(conn, principal, territory)
    flt = territory.map_filter(principal, figures.campaign)
    extent = project_bbox(conn, _padded(territory_bbox(conn, territory)), LAMBERT_93)
    aspect = (MAP_BOX[2] * A4_LANDSCAPE[0]) / (MAP_BOX[3] * A4_LANDSCAPE[1])
    layers = load_layers(
        conn, flt, fit_aspect(extent, aspect), LAMBERT_93, highlight_sql=territory.outline_sql()
    )
    fig = Figure(figsize=A4_LANDSCAPE)
    fig.text(
        0.025,
        0.95,
        f"Vivre-ensemble dans le parc social — {territory.name}",
        fontsize=17,
        fontweight="bold",
        color="#1f2a44",
    )
    subtitle = f"campagne {figures.campaign_label}"
    if territory.kind == "commune":
        subtitle = f"{territory.epci_name} · {subtitle}"
    fig.text(
        0.025,
        0.915,
        subtitle,
        fontsize=10,
        color="#374151",
    )
    ax = fig.add_axes(MAP_BOX)
    draw_layers(ax, layers, figures.scale)
    add_scale_bar(ax)
    sources = set(layers.qpv["source"]) if not layers.qpv.empty else set()
    ax.legend(
        handles=legend_handles(figures.scale, sources),
        loc="lower right",
        fontsize=7,
        title="Note de vivre-ensemble",
        title_fontsize=7.5,
        framealpha=0.92,
    )
    _write_figures(fig, figures)
    fig.text(
        0.025,
        0.035,
        f"Édité le {french_date(date.today())} · {source_line(conn)} · "
        f"Campagne : {figures.campaign_label}",
        fontsize=7.5,
        color="#374151",
    )
    fig.text(
        0.025,
        0.015,
        "Les notes qualifient des résidences, jamais des ménages : document de travail, "
        "à ne pas diffuser hors des partenaires de la CIL.",
        fontsize=7,
        color="#6b7280",
    )
    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(
            buffer,
            format="pdf",
            metadata={
                "Title": f"qualiparc — {territory.label}",
                "Author": "qualiparc",
                "Subject": "Qualification du parc social",
            },
        )
    return buffer.getvalue()
