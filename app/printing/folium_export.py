"""A static HTML map of a view, made with Folium, that opens offline (to send by e-mail).

Folium loads Leaflet, jQuery and Bootstrap from CDNs by default: here Leaflet's script and style
(with its images as data URIs) are inlined from our vendored copy, every other external script or
style sheet is removed, and there are no tiles: commune outlines are the base map.
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import folium
from branca.element import Element
from sqlalchemy.engine import Connection

from app.core.assets import frontend_missing
from app.core.errors import ServiceUnavailable
from app.layers import ResidenceFilter, feature_collection, residence_rows_sql
from app.printing.figures import count_of, french_date, source_line
from app.printing.png import view_bbox
from geo.grades import FRAGILE_GRADES, GradeScale, grade_class, legend_label

LEAFLET = Path("vendor") / "leaflet"
"""Leaflet as vendored by `node frontend/build.mjs` in the static files; the classic build
`leaflet.js` is inlined."""
RESIDENCE_CLASS = "qualiparc-residence"
"""CSS class of every residence marker (an SVG path): lets a reader or a test count them."""
QPV_STYLE = {"color": "#5e2b97", "fillColor": "#8e63c5", "weight": 2, "fillOpacity": 0.12}
COMMUNE_STYLE = {"color": "#9a9a9a", "weight": 0.8, "fillColor": "#fbfaf6", "fillOpacity": 1}
FRAGILE_STROKE = "#1f2937"
MARKER_STROKE = "#ffffff"
EXTERNAL_TAGS = re.compile(
    r"<script[^>]*\ssrc=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>"
    r"|<link[^>]*\shref=[\"'](?:https?:)?//[^\"']*[\"'][^>]*/?>",
    re.IGNORECASE,
)


def _inline_images(css: str, images: Path) -> str:
    """Leaflet's `url(images/x.png)` references as data URIs."""

    def data_uri(match: re.Match) -> str:
        payload = base64.b64encode((images / match.group(1)).read_bytes()).decode()
        return f"url(data:image/png;base64,{payload})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)


@lru_cache
def leaflet_assets(static_dir: Path) -> tuple[str, str]:
    """Leaflet's script and its style sheet with images inlined; a French 503 when the front
    end is not built."""
    problem = frontend_missing(static_dir)
    if problem:
        raise ServiceUnavailable(f"Carte hors ligne indisponible. {problem}")
    leaflet = static_dir / LEAFLET
    css = (leaflet / "leaflet.css").read_text(encoding="utf-8")
    return (leaflet / "leaflet.js").read_text(encoding="utf-8"), _inline_images(
        css, leaflet / "images"
    )


def strip_external(page: str) -> str:
    """Remove every <script src> and <link href> that points off this file."""
    return EXTERNAL_TAGS.sub("", page)


def _legend_entry(properties: dict, entries: dict[int | str, dict]) -> dict:
    return entries[grade_class(properties["grade"], properties["grade_status"])]


def escaped(collection: dict) -> dict:
    """`collection` with its text properties escaped as HTML: Folium's popups and tooltips put
    them into the page with `innerHTML`, where a name must stay a name."""
    for feature in collection["features"]:
        properties = feature["properties"]
        for key, value in properties.items():
            if isinstance(value, str):
                properties[key] = html.escape(value)
    return collection


def _popup_properties(properties: dict, entries: dict[int | str, dict]) -> dict:
    properties["note"] = legend_label(_legend_entry(properties, entries))
    properties["qpv"] = properties["qpv_name"] or "hors QPV"
    properties["commune"] = properties["commune_name"]
    if properties["iris_code"]:
        properties["commune"] += f" · IRIS {properties['iris_name']} ({properties['iris_code']})"
    return properties


def _marker_style(properties: dict, entries: dict[int | str, dict]) -> dict:
    """Fragile residences larger and outlined in dark; a hidden grade hollow (white, outlined)."""
    entry = _legend_entry(properties, entries)
    fragile = properties["grade"] in FRAGILE_GRADES
    if entry.get("outline"):
        return {"fillColor": entry["colour"], "radius": 5, "color": entry["outline"], "weight": 2}
    return {
        "fillColor": entry["colour"],
        "radius": 8 if fragile else 5,
        "color": FRAGILE_STROKE if fragile else MARKER_STROKE,
        "weight": 1,
    }


def _swatch_style(entry: dict) -> str:
    outline = f";border:2px solid {entry['outline']}" if entry.get("outline") else ""
    return f"background:{entry['colour']}{outline}"


def _legend_html(scale: GradeScale, title: str, subtitle: str, source: str) -> str:
    items = "".join(
        f'<li data-class="{html.escape(str(key))}"><span style="{_swatch_style(entry)}"></span>'
        f"{html.escape(legend_label(entry))}</li>"
        for key, entry in scale.legend_by_class().items()
    )
    return f"""
<style>
  .qp-box {{ position: absolute; z-index: 1000; background: rgba(255,255,255,.94);
    font: 14px/1.35 system-ui, sans-serif; color: #111827; padding: .5rem .75rem;
    border: 1px solid #9ca3af; border-radius: 4px; }}
  .qp-title {{ top: .5rem; left: 3.5rem; }}
  .qp-title h1 {{ font-size: 1.05rem; margin: 0 0 .15rem; }}
  .qp-legend {{ bottom: 1.5rem; right: .5rem; }}
  .qp-legend ul {{ list-style: none; margin: .25rem 0 0; padding: 0; }}
  .qp-legend span {{ display: inline-block; width: .8rem; height: .8rem; border-radius: 50%;
    margin-right: .4rem; vertical-align: -1px; border: 1px solid #1f2937; }}
  .qp-legend .qp-qpv {{ border-radius: 0; border: 2px solid #5e2b97;
    background: rgba(142, 99, 197, .2); }}
</style>
<div class="qp-box qp-title"><h1>{html.escape(title)}</h1>{html.escape(subtitle)}<br>
  <small>{html.escape(source)}</small></div>
<div class="qp-box qp-legend"><strong>Note de vivre-ensemble</strong><ul>{items}
  <li><span class="qp-qpv"></span>Quartier prioritaire (QPV)</li></ul></div>
"""


def render_html(conn: Connection, flt: ResidenceFilter, static_dir: Path) -> str:
    """The residences of `flt` (grades where the caller may see them), QPV and communes, with
    Leaflet read from the built front end in `static_dir`."""
    script, style = leaflet_assets(static_dir)
    scale = GradeScale.default()
    entries = scale.legend_by_class()
    rows_sql, params = residence_rows_sql(flt)
    residences = json.loads(feature_collection(conn, rows_sql, params))
    for feature in residences["features"]:
        _popup_properties(feature["properties"], entries)
    escaped(residences)
    xmin, ymin, xmax, ymax = flt.bbox or view_bbox(conn, flt)
    envelope = {"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax}
    within = "geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326)"
    communes = escaped(
        json.loads(
            feature_collection(
                conn,
                "SELECT insee AS code, name, ST_SimplifyPreserveTopology(geom, 0.0001) AS geom"
                f" FROM commune WHERE geom IS NOT NULL AND {within}",
                envelope,
            )
        )
    )
    qpv = escaped(
        json.loads(
            feature_collection(conn, f"SELECT code, name, geom FROM qpv WHERE {within}", envelope)
        )
    )

    fmap = folium.Map(location=None, tiles=None, control_scale=True, zoom_snap=0.25)
    fmap.default_js = []
    fmap.default_css = []
    root = fmap.get_root()
    root.header.add_child(Element(f"<style>{style}</style>"), name="leaflet_css")
    root.header.add_child(Element(f"<script>{script}</script>"), name="leaflet_js")
    if communes["features"]:
        folium.GeoJson(
            communes,
            name="Communes",
            style_function=lambda _: COMMUNE_STYLE,
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(fmap)
    if qpv["features"]:
        folium.GeoJson(
            qpv,
            name="Quartiers prioritaires (QPV)",
            style_function=lambda _: QPV_STYLE,
            tooltip=folium.GeoJsonTooltip(fields=["name", "code"], aliases=["QPV", "Code"]),
        ).add_to(fmap)
    if residences["features"]:
        folium.GeoJson(
            residences,
            name="Résidences",
            marker=folium.CircleMarker(
                radius=6,
                weight=1,
                color="#ffffff",
                fill=True,
                fill_opacity=0.9,
                class_name=RESIDENCE_CLASS,
            ),
            style_function=lambda feature: _marker_style(feature["properties"], entries),
            popup=folium.GeoJsonPopup(
                fields=["name", "code", "bailleur", "commune", "nb_logements", "note", "qpv"],
                aliases=["Résidence", "Code", "Bailleur", "Commune", "Logements", "Note", "QPV"],
            ),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[ymin, xmin], [ymax, xmax]])

    features = residences["features"]
    dwellings = sum(f["properties"]["nb_logements"] or 0 for f in features)
    title = f"qualiparc — {count_of(len(features), 'résidence', 'résidences')}"
    subtitle = (
        f"{count_of(dwellings, 'logement', 'logements')} · carte éditée le "
        f"{french_date(date.today())}"
    )
    root.html.add_child(Element(_legend_html(scale, title, subtitle, source_line(conn))))
    root.title = f"{title} · {subtitle}"
    return strip_external(root.render())
