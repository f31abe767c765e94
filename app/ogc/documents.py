"""The JSON documents of OGC API – Features, shaped as the standard (and pygeoapi, tipg) write
them: landing page, conformance, collections, a collection, and the envelopes of features.

`links` take absolute URLs built by the routes; titles are in French.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from app.ogc.collections import Collection, Extent
from app.ogc.crs import CRS84_URI, STORAGE_CRS, SUPPORTED
from app.ogc.features import Page

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
TITLE = "qualiparc : OGC API – Features"
DESCRIPTION = (
    "Les couches de qualiparc pour les logiciels SIG (QGIS, GDAL…) : résidences HLM et leurs "
    "notes selon vos droits, QPV, communes, EPCI et agrégats par quartier. Coordonnées en WGS84 "
    "(CRS84) par défaut, ou en Lambert-93 (EPSG:2154) avec le paramètre crs."
)


def link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def self_links(json_href: str, html_href: str, html: bool, media_type: str = JSON) -> list[dict]:
    """`self` and `alternate` links of a document served as JSON (`media_type`) and HTML."""
    as_json = link(json_href, "alternate", media_type, "Ce document en JSON")
    as_html = link(html_href, "alternate", HTML, "Ce document en HTML")
    first, second = (as_html, as_json) if html else (as_json, as_html)
    return [{**first, "rel": "self", "title": "Ce document"}, second]


def landing(base: str, root: str, links: list[dict]) -> dict:
    """`base`: the API's URL (…/ogc); `root`: the site's (for the OpenAPI and its page)."""
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            *links,
            link(f"{root}/openapi.json", "service-desc", OPENAPI, "Définition de l'API (OpenAPI)"),
            link(f"{root}/docs", "service-doc", HTML, "Documentation de l'API"),
            link(f"{base}/conformance", "conformance", JSON, "Classes de conformité"),
            link(f"{base}/collections", "data", JSON, "Collections"),
        ],
    }


def conformance(links: list[dict]) -> dict:
    return {"links": links, "conformsTo": list(CONFORMANCE)}


def collection(base: str, item: Collection, extent: Extent | None, links: list[dict]) -> dict:
    """A collection's description; its extent, when it has features, in CRS84."""
    items = f"{base}/collections/{item.id}/items"
    document: dict = {
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "links": [
            *links,
            link(items, "items", GEOJSON, "Les éléments en GeoJSON"),
            link(f"{items}?f=html", "items", HTML, "Les éléments en HTML"),
        ],
        "itemType": "feature",
        "crs": [crs.uri for crs in SUPPORTED],
        "storageCrs": STORAGE_CRS.uri,
    }
    if extent is not None:
        document["extent"] = {"spatial": {"bbox": [list(extent)], "crs": CRS84_URI}}
    return document


def collections(
    base: str, catalogue: list[tuple[Collection, Extent | None]], links: list[dict]
) -> dict:
    return {
        "links": links,
        "collections": [
            collection(base, item, extent, collection_links(base, item))
            for item, extent in catalogue
        ],
        "crs": [crs.uri for crs in SUPPORTED],
    }


def collection_links(base: str, item: Collection) -> list[dict]:
    """The links of a collection listed in /collections: its own document, JSON and HTML."""
    href = f"{base}/collections/{item.id}"
    return [
        link(href, "self", JSON, item.title),
        link(f"{href}?f=html", "alternate", HTML, f"{item.title} (HTML)"),
    ]


def timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def feature_collection(page: Page, links: list[dict]) -> bytes:
    """A page of features as a GeoJSON FeatureCollection: the envelope written here, the
    features as PostGIS wrote them."""
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": page.returned,
        "timeStamp": timestamp(),
        "links": links,
    }
    envelope = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    return envelope[:-1] + b',"features":[' + page.features + b"]}"


def parsed(features: bytes) -> list[dict]:
    """Features as PostGIS wrote them (one, or several separated by commas), as Python values
    for the HTML pages."""
    return json.loads(b"[" + features + b"]")


def feature(body: bytes, links: list[dict]) -> bytes:
    """One feature as PostGIS wrote it, with its links."""
    tail = json.dumps(links, ensure_ascii=False, separators=(",", ":")).encode()
    return body[:-1] + b',"links":' + tail + b"}"
