"""OGC API – Features under /ogc (Part 1 Core, Part 2 CRS), for QGIS, GDAL and other GIS clients.

Every resource answers JSON (GeoJSON for features) or French HTML: `f=json|html`, otherwise the
`Accept` header (a browser gets HTML). The rows come from `app.ogc`, which reads them through the
services of the map and of the analysis page: the access gate and the statistical secret apply
unchanged, and an account signs in with its API token (`Authorization: Bearer`, or the token as
the password of HTTP Basic authentication, which QGIS 3.22 sends).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app.access.policy import ANYONE_AGGREGATES, ANYONE_NOTHING
from app.api.caching import cached_response
from app.api.deps import CallerGate, DbConnection
from app.api.inputs import CODE_MAX, INT4_MAX, campaign_query, described
from app.api.responses import GEOJSON_SCHEMA
from app.core.cache import VARY
from app.core.errors import InvalidParameter, NotFound, QualiparcError
from app.core.templates import TEMPLATES
from app.ogc import documents
from app.ogc.collections import COLLECTIONS, Collection, extents
from app.ogc.crs import BBOX_PATTERN, SUPPORTED, Box, OgcCrs, parse_bbox, parse_crs
from app.ogc.documents import GEOJSON, HTML, JSON, link
from app.ogc.features import DEFAULT_LIMIT, MAX_LIMIT, Page, feature, page
from geo.grades import HIDDEN_LABEL, UNGRADED_LABEL
from geo.report import thousands


class OgcRoute(APIRoute):
    """A route of the OGC API: an invalid query parameter is a 400, as the standard requires
    (/req/core/query-param-invalid), with the API's French JSON error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            handlers = request.app.exception_handlers
            try:
                return await handler(request)
            except RequestValidationError as error:
                response = await handlers[RequestValidationError](request, error)
            except InvalidParameter as error:
                response = await handlers[QualiparcError](request, error)
            response.status_code = 400
            return response

        return answer


router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], route_class=OgcRoute)


def _content(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a resource served in `media_types`."""
    schemas = {GEOJSON: GEOJSON_SCHEMA, JSON: {"type": "object"}, HTML: {"type": "string"}}
    content = {media_type: {"schema": schemas[media_type]} for media_type in media_types}
    return {200: {"description": "Le document, selon f ou l'en-tête Accept", "content": content}}


# --- Parameters -----------------------------------------------------------------------------

Format = Annotated[
    Literal["json", "geojson", "html"] | None,
    Query(description="Format : json (ou geojson) ou html ; à défaut, selon l'en-tête Accept"),
]
CRS_URIS = [crs.uri for crs in SUPPORTED]
OGC_BBOX = described(
    BBOX_PATTERN,
    "« minX,minY,maxX,maxY » (quatre nombres séparés par des virgules, ou six avec les hauteurs)",
)


def _wants_html(request: Request, f: Format = None) -> bool:
    """HTML when `f=html`, or when the `Accept` header ranks text/html above JSON."""
    if f is not None:
        return f == "html"
    quality = {"html": 0.0, "json": 0.0}
    for part in request.headers.get("accept", "").split(","):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        kind = {"text/html": "html", JSON: "json", GEOJSON: "json"}.get(media)
        if kind is None:
            continue
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            quality[kind] = max(quality[kind], float(q))
        except ValueError:
            continue
    return quality["html"] > quality["json"]


WantsHtml = Annotated[bool, Depends(_wants_html)]


def _collection(
    collection_id: Annotated[
        str,
        Path(
            max_length=40,
            description="Identifiant de la collection",
            json_schema_extra={"enum": list(COLLECTIONS)},
        ),
    ],
) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFound(f"Collection « {collection_id} » inconnue : {', '.join(COLLECTIONS)}.")
    return found


CollectionPath = Annotated[Collection, Depends(_collection)]


@dataclass(frozen=True)
class FeatureQuery:
    crs: OgcCrs
    campaign: int | None


@dataclass(frozen=True)
class ItemsQuery(FeatureQuery):
    box: Box | None
    limit: int
    offset: int


def _feature_query(
    crs: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Système de coordonnées des géométries (défaut : CRS84, WGS84 "
            "longitude-latitude ; EPSG:2154 pour le Lambert-93)",
            json_schema_extra={"enum": CRS_URIS},
        ),
    ] = None,
    campaign: Annotated[
        int | None,
        campaign_query(
            "Campagne des notes et agrégats (défaut : la dernière de chaque EPCI hors notation)"
        ),
    ] = None,
) -> FeatureQuery:
    return FeatureQuery(parse_crs(crs, "crs"), campaign)


def _items_query(
    base: Annotated[FeatureQuery, Depends(_feature_query)],
    bbox: Annotated[
        str | None,
        Query(
            pattern=OGC_BBOX,
            max_length=200,
            description="Emprise « minX,minY,maxX,maxY » dans le système bbox-crs : les "
            "éléments qui la touchent",
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs",
            max_length=100,
            description="Système de coordonnées de bbox (défaut : CRS84)",
            json_schema_extra={"enum": CRS_URIS},
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=INT4_MAX,
            description=f"Nombre d'éléments par page (au plus {thousands(MAX_LIMIT)} ; "
            "au-delà, ce maximum et un lien vers la suite)",
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=INT4_MAX, description="Éléments sautés (pagination)")
    ] = 0,
) -> ItemsQuery:
    box = parse_bbox(bbox, parse_crs(bbox_crs, "bbox-crs"))
    return ItemsQuery(base.crs, base.campaign, box, min(limit, MAX_LIMIT), offset)


# --- Links and answers ----------------------------------------------------------------------


def _base(request: Request) -> str:
    """The URL of the API (…/ogc)."""
    return str(request.base_url).rstrip("/") + router.prefix


def _url(request: Request, **params: object) -> str:
    return str(request.url.include_query_params(**params))


def _self_links(request: Request, html: bool, media_type: str = JSON) -> list[dict]:
    return documents.self_links(_url(request, f="json"), _url(request, f="html"), html, media_type)


def _page(
    request: Request, template: str, title: str, links: list[dict], **context: object
) -> Response:
    context = {
        "title": title,
        "api": _base(request),
        "links": links,
        "french": french,
        "thousands": thousands,
        "parsed": documents.parsed,
        **context,
    }
    return TEMPLATES.TemplateResponse(request, f"ogc/{template}", context)


def _document(request: Request, html: bool, template: str, title: str, document: dict) -> Response:
    """A JSON document, or its HTML page."""
    if html:
        return _page(request, template, title, document["links"], document=document)
    return JSONResponse(document)


def _features(
    request: Request,
    html: bool,
    query: FeatureQuery,
    geojson: bytes,
    template: str,
    title: str,
    links: list[dict],
    **context: object,
) -> Response:
    """Features as `geojson`, or their HTML page; in the CRS asked, which `Content-Crs` names."""
    headers = {"Content-Crs": query.crs.header()}
    if not html:
        return Response(geojson, media_type=GEOJSON, headers=headers)
    response = _page(
        request, template, title, links, query=query, labels=PROPERTY_LABELS, **context
    )
    response.headers.update(headers)
    return response


# --- Routes ---------------------------------------------------------------------------------


@router.get(
    "",
    summary="Page d'accueil de l'API OGC – Features",
    response_class=Response,
    responses=_content(JSON, HTML),
    dependencies=[ANYONE_NOTHING],
)
def landing_page(request: Request, html: WantsHtml) -> Response:
    root = str(request.base_url).rstrip("/")
    document = documents.landing(_base(request), root, _self_links(request, html))
    return _document(request, html, "landing.html", documents.TITLE, document)


@router.get(
    "/conformance",
    summary="Classes de conformité (OGC API – Features)",
    response_class=Response,
    responses=_content(JSON, HTML),
    dependencies=[ANYONE_NOTHING],
)
def conformance(request: Request, html: WantsHtml) -> Response:
    document = documents.conformance(_self_links(request, html))
    return _document(request, html, "conformance.html", "Classes de conformité", document)


@router.get(
    "/collections",
    summary="Collections (OGC API – Features)",
    response_class=Response,
    responses=_content(JSON, HTML),
    dependencies=[ANYONE_NOTHING],
)
def list_collections(request: Request, conn: DbConnection, html: WantsHtml) -> Response:
    boxes = extents(conn)
    catalogue = [(item, boxes[item.id]) for item in COLLECTIONS.values()]
    document = documents.collections(_base(request), catalogue, _self_links(request, html))
    return _document(request, html, "collections.html", "Collections", document)


@router.get(
    "/collections/{collection_id}",
    summary="Une collection (OGC API – Features)",
    response_class=Response,
    responses=_content(JSON, HTML),
    dependencies=[ANYONE_NOTHING],
)
def describe_collection(
    request: Request, conn: DbConnection, collection: CollectionPath, html: WantsHtml
) -> Response:
    extent = extents(conn)[collection.id]
    document = documents.collection(_base(request), collection, extent, _self_links(request, html))
    return _document(request, html, "collection.html", collection.title, document)


@router.get(
    "/collections/{collection_id}/items",
    summary="Les éléments d'une collection (GeoJSON ou HTML), par pages",
    response_class=Response,
    responses=_content(GEOJSON, HTML),
    dependencies=[ANYONE_AGGREGATES],
)
def list_items(
    request: Request,
    conn: DbConnection,
    gate: CallerGate,
    collection: CollectionPath,
    query: Annotated[ItemsQuery, Depends(_items_query)],
    html: WantsHtml,
) -> Response:
    """GeoJSON pages come from the response cache (app/core/cache.py), like the map's layers."""

    def read() -> tuple[Page, list[dict]]:
        found = page(
            conn,
            collection,
            gate,
            campaign=query.campaign,
            crs=query.crs,
            box=query.box,
            limit=query.limit,
            offset=query.offset,
        )
        home = f"{_base(request)}/collections/{collection.id}"
        links = [
            *_self_links(request, html, GEOJSON),
            *_paging_links(request, query, found, html),
            link(home, "collection", JSON, collection.title),
        ]
        return found, links

    if not html:
        return cached_response(
            request,
            conn,
            lambda: documents.feature_collection(*read()),
            media_type=GEOJSON,
            principal=gate.principal,
            per_caller=True,
            grades=True,
            extra_headers={"Content-Crs": query.crs.header(), "Vary": f"{VARY}, Accept"},
        )
    found, links = read()
    return _features(
        request,
        html,
        query,
        documents.feature_collection(found, links),
        "items.html",
        collection.title,
        links,
        collection=collection,
        page=found,
    )


def _paging_links(request: Request, query: ItemsQuery, found: Page, html: bool) -> list[dict]:
    media_type, f = (HTML, "html") if html else (GEOJSON, "json")
    links = []
    if query.offset + query.limit < found.matched:
        href = _url(request, offset=query.offset + query.limit, limit=query.limit, f=f)
        links.append(link(href, "next", media_type, "Page suivante"))
    if query.offset > 0:
        href = _url(request, offset=max(query.offset - query.limit, 0), limit=query.limit, f=f)
        links.append(link(href, "prev", media_type, "Page précédente"))
    return links


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Un élément d'une collection (GeoJSON ou HTML)",
    response_class=Response,
    responses=_content(GEOJSON, HTML),
    dependencies=[ANYONE_AGGREGATES],
)
def get_item(
    request: Request,
    conn: DbConnection,
    gate: CallerGate,
    collection: CollectionPath,
    feature_id: Annotated[
        str, Path(min_length=1, max_length=CODE_MAX, description="Identifiant de l'élément")
    ],
    query: Annotated[FeatureQuery, Depends(_feature_query)],
    html: WantsHtml,
) -> Response:
    body = feature(
        conn, collection, gate, campaign=query.campaign, crs=query.crs, feature_id=feature_id
    )
    if body is None:
        raise NotFound(f"Élément « {feature_id} » introuvable dans la collection {collection.id}.")
    links = [
        *_self_links(request, html, GEOJSON),
        link(f"{_base(request)}/collections/{collection.id}", "collection", JSON, collection.title),
    ]
    return _features(
        request,
        html,
        query,
        documents.feature(body, links),
        "item.html",
        f"{collection.title} : {feature_id}",
        links,
        collection=collection,
        body=body,
    )


# --- HTML -----------------------------------------------------------------------------------

PROPERTY_LABELS = {
    "code": "Code",
    "name": "Nom",
    "bailleur": "Bailleur",
    "bailleur_id": "N° du bailleur",
    "address": "Adresse",
    "commune_insee": "Code INSEE",
    "commune_name": "Commune",
    "communes": "Communes",
    "epci_siren": "SIREN de l'EPCI",
    "nb_logements": "Logements",
    "grade": "Note",
    "grade_status": "État de la note",
    "grade_label": "Libellé de la note",
    "qpv_code": "Code QPV",
    "qpv_name": "QPV",
    "distance_qpv_m": "Distance au QPV (m)",
    "near_qpv_300m": "À moins de 300 m d'un QPV",
    "iris_code": "Code IRIS",
    "iris_name": "IRIS",
    "is_demo": "Démonstration",
    "source": "Source",
    "vintage": "Millésime",
    "kind": "Nature",
    "level": "Niveau",
    "campaign_id": "Campagne",
    "nb_residences": "Résidences",
    "nb_residences_graded": "Résidences notées",
    "nb_logements_graded": "Logements notés",
    "basis": "Chiffres comptés en",
    "mean_grade": "Note moyenne",
    "grade_distribution": "Logements par note",
    "fragile_share": "Part fragile",
    "unqualified_share": "Part non qualifiée",
    "qpv_share": "Part en QPV",
    "epci_fragile_share": "Part fragile de l'EPCI",
    "rebalancing_need": "Besoin de rééquilibrage",
    "rebalancing_label": "Besoin (libellé)",
    "rebalancing_reasons": "Motifs",
    "secret": "Secret statistique",
}
"""French column headers of the HTML tables; a property not named here shows its own name."""


VALUE_LABELS = {
    "grade_status": {"visible": "Note visible", "hidden": HIDDEN_LABEL, "none": UNGRADED_LABEL}
}
"""Codes shown by their French label in the HTML pages (the JSON keeps the codes)."""


def french(value: object, name: str = "") -> str:
    """The value of property `name` as French readers write it."""
    if isinstance(value, str) and value in VALUE_LABELS.get(name, {}):
        return VALUE_LABELS[name][value]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return thousands(value)
    if isinstance(value, float):
        return f"{value:.6g}".replace(".", ",")
    if isinstance(value, dict):
        return " ; ".join(f"{key} : {french(item)}" for key, item in value.items())
    if isinstance(value, list):
        return " ; ".join(french(item) for item in value)
    return str(value)


TEMPLATES.env.filters["thousands"] = thousands
