"""Response classes of the API."""

from fastapi.responses import Response

from app.exports.formats import GEOJSON_MEDIA_TYPE


class GeoJSONResponse(Response):
    """GeoJSON bytes as PostGIS built them (`application/geo+json`), sent without re-encoding."""

    media_type = GEOJSON_MEDIA_TYPE
