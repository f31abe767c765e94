"""Domain errors and the one table that maps them to HTTP responses (JSON, French message)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.assets import frontend_missing
from geo.report import ImportRejected, listed_report, thousands


class QualiparcError(Exception):
    """Base of the errors a user can act on; `code` is stable, `message` is French."""

    code = "erreur"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidParameter(QualiparcError):
    code = "parametre_invalide"


class NotFound(QualiparcError):
    code = "introuvable"


class NotAuthenticated(QualiparcError):
    code = "non_authentifie"


class Forbidden(QualiparcError):
    code = "interdit"


class Conflict(QualiparcError):
    code = "conflit"


class ImportFailed(QualiparcError):
    code = "import_refuse"

    @classmethod
    def of(cls, rejected: ImportRejected) -> ImportFailed:
        """The 422 of an all-or-nothing import refused, its errors listed by row and column."""
        count = len(rejected.errors)
        return cls(
            f"Import refusé, rien n'a été écrit : {thousands(count)} "
            f"erreur{'s' if count > 1 else ''}.",
            errors=listed_report(rejected.errors),
        )


class PayloadTooLarge(QualiparcError):
    code = "fichier_trop_volumineux"


class BodyTooLarge(PayloadTooLarge):
    code = "requete_trop_volumineuse"


class TooManyRequests(QualiparcError):
    code = "trop_de_tentatives"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailable(QualiparcError):
    code = "service_indisponible"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


STATUS_CODES: dict[type[QualiparcError], int] = {
    InvalidParameter: 422,
    NotFound: 404,
    NotAuthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    ImportFailed: 422,
    PayloadTooLarge: 413,
    TooManyRequests: 429,
    ServiceUnavailable: 503,
}

HTTP_MESSAGES = {
    400: ("corps_illisible", "Corps de la requête illisible : JSON ou formulaire mal formé."),
    404: ("introuvable", "Ressource introuvable."),
    405: ("methode_non_autorisee", "Méthode non autorisée pour cette adresse."),
    401: ("non_authentifie", "Authentification requise."),
    403: ("interdit", "Accès refusé."),
}


MESSAGE_PROBLEMS = 3
"""How many validation problems the message spells out; `details` lists them all."""


def error_body(code: str, message: str, **details: object) -> dict:
    return {"error": {"code": code, "message": message, **details}}


def _field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part not in ("query", "body", "path", "[key]"))


VALIDATION_MESSAGES = {
    "missing": "obligatoire",
    "int_type": "attendu un nombre entier",
    "int_parsing": "attendu un nombre entier",
    "int_parsing_size": "nombre entier trop grand",
    "int_from_float": "attendu un nombre entier, sans décimale",
    "float_type": "attendu un nombre",
    "float_parsing": "attendu un nombre",
    "finite_number": "attendu un nombre fini",
    "bool_type": "attendu true ou false",
    "bool_parsing": "attendu true ou false",
    "string_type": "attendu un texte",
    "string_unicode": "texte Unicode invalide (demi-code de substitution isolé)",
    "string_too_short": "au moins {min_length} caractère(s)",
    "string_too_long": "{max_length} caractères au plus",
    "string_pattern_mismatch": "format invalide",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "literal_error": "attendu {expected}",
    "enum": "attendu {expected}",
    "dict_type": "attendu un objet JSON",
    "model_type": "attendu un objet JSON",
    "model_attributes_type": "attendu un objet JSON",
    "list_type": "attendu une liste",
    "too_short": "au moins {min_length} élément(s)",
    "too_long": "{max_length} éléments au plus",
    "json_invalid": "JSON illisible",
    "json_type": "attendu du JSON",
    "extra_forbidden": "champ inconnu",
    "none_required": "doit être null",
    "url_parsing": "adresse invalide",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_from_datetime_inexact": "date attendue au format AAAA-MM-JJ, sans heure",
}
"""pydantic's error types in French; the field name comes before, the value is never echoed."""
PATTERN_HINTS: dict[str, str] = {}
"""What a pattern of the API asks, in French (filled by `app.api.inputs`)."""
FRENCH_ERROR = "texte_invalide"
"""The type of the errors our own validators raise, whose message is already French."""


def _expected(raw: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as « a, b ou c »."""
    return raw.replace("'", "").replace(" or ", " ou ")


def validation_reason(error: dict) -> str:
    """The French reason of one pydantic error (our own validators already speak French)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind not in VALIDATION_MESSAGES:
        return error["msg"] if kind == FRENCH_ERROR else "valeur invalide"
    reason = VALIDATION_MESSAGES[kind].format(
        **{key: _expected(value) if key == "expected" else value for key, value in ctx.items()}
    )
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_HINTS:
        reason += f" ({PATTERN_HINTS[ctx['pattern']]})"
    return reason


def error_response(exc: QualiparcError) -> JSONResponse:
    """The JSON answer of a domain error, with its status."""
    status = next((code for cls, code in STATUS_CODES.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        error_body(exc.code, exc.message, **exc.details),
        status_code=status,
        headers=getattr(exc, "headers", headers),
    )


def busy() -> ServiceUnavailable:
    """No free database connection in time: the server is busy, not broken."""
    return ServiceUnavailable("Serveur trop sollicité : réessayez dans un instant.")


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON `{"error": {"code", "message", …}}`; bad input is a 422."""

    @app.exception_handler(QualiparcError)
    async def _domain(_: Request, exc: QualiparcError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, _: PoolTimeout) -> JSONResponse:
        return await _domain(request, busy())

    @app.exception_handler(OperationalError)
    async def _database_unreachable(request: Request, _: OperationalError) -> JSONResponse:
        """The database went away (restart, network): try again in a moment."""
        return await _domain(
            request, ServiceUnavailable("Base de données injoignable : réessayez dans un instant.")
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"champ": _field_name(tuple(err["loc"])) or "corps", "motif": validation_reason(err)}
            for err in exc.errors()
        ]
        reasons = " ; ".join(f"{p['champ']} : {p['motif']}" for p in problems[:MESSAGE_PROBLEMS])
        more = len(problems) - MESSAGE_PROBLEMS
        tail = f" ; et {more} autre{'s' if more > 1 else ''}" if more > 0 else ""
        return JSONResponse(
            error_body(
                "parametre_invalide", f"Paramètre invalide : {reasons}{tail}.", details=problems
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("erreur_http", str(exc.detail)))
        if isinstance(exc.detail, str) and exc.status_code not in (400, 404, 405):
            message = exc.detail
        if exc.status_code == 404 and request.url.path.startswith("/static/"):
            message = frontend_missing(request.app.state.static_dir) or message
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        # An unreadable body is bad input: a 422, as every other in this API.
        status = 422 if exc.status_code == 400 else exc.status_code
        return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def allowed_methods(request: Request) -> str:
    """The methods of the routes at the request's path (Starlette names only the first route's
    in its 405); `/grades/import` is its own resource, not a `/grades/{residence_code}`."""
    matching = [
        route
        for route in iter_route_contexts(request.app.router.routes)
        if getattr(route, "path_regex", None) is not None
        and route.methods
        and route.path_regex.match(request.url.path)
    ]
    fewest = min((route.path_format.count("{") for route in matching), default=0)
    methods = {m for r in matching if r.path_format.count("{") == fewest for m in r.methods}
    return ", ".join(sorted(methods))
