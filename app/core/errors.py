"""Domain errors and the one table that maps them to HTTP responses (JSON, French message)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException


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


class PayloadTooLarge(QualiparcError):
    code = "fichier_trop_volumineux"


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
    404: ("introuvable", "Ressource introuvable."),
    405: ("methode_non_autorisee", "Méthode non autorisée pour cette adresse."),
    401: ("non_authentifie", "Authentification requise."),
    403: ("interdit", "Accès refusé."),
}


def error_body(code: str, message: str, **details: object) -> dict:
    return {"error": {"code": code, "message": message, **details}}


def _field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part not in ("query", "body", "path"))


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON `{"error": {"code", "message", …}}`; bad input is a 422."""

    @app.exception_handler(QualiparcError)
    async def _domain(_: Request, exc: QualiparcError) -> JSONResponse:
        status = next((code for cls, code in STATUS_CODES.items() if isinstance(exc, cls)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, **exc.details),
            status_code=status,
            headers=getattr(exc, "headers", headers),
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, _: PoolTimeout) -> JSONResponse:
        """No free database connection in time: the server is busy, not broken."""
        return await _domain(
            request, ServiceUnavailable("Serveur trop sollicité : réessayez dans un instant.")
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"champ": _field_name(tuple(err["loc"])), "motif": err["msg"]} for err in exc.errors()
        ]
        names = ", ".join(p["champ"] or "requête" for p in problems)
        return JSONResponse(
            error_body("parametre_invalide", f"Paramètre invalide : {names}.", details=problems),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("erreur_http", str(exc.detail)))
        if isinstance(exc.detail, str) and exc.status_code not in (404, 405):
            message = exc.detail
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=exc.headers
        )
