"""Response classes of the API, and what the OpenAPI says of the files it sends."""

from typing import Any

from fastapi.responses import Response

from app.exports.formats import GEOJSON_MEDIA_TYPE

GEOJSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "GeoJSON (RFC 7946), coordonnées WGS84",
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection", "Feature"]},
        "features": {"type": "array", "items": {"type": "object"}},
        "properties": {"type": "object"},
    },
}


class GeoJSONResponse(Response):
    """GeoJSON bytes as PostGIS built them (`application/geo+json`), sent without re-encoding."""

    media_type = GEOJSON_MEDIA_TYPE


def files(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route sending a file of one of `media_types` (a download, a print)."""
    content = {
        media_type: {
            "schema": GEOJSON_SCHEMA
            if media_type == GEOJSON_MEDIA_TYPE
            else {"type": "string", "format": "binary"}
        }
        for media_type in media_types
    }
    return {200: {"description": "Le fichier", "content": content}}
