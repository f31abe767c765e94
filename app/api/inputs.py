"""Typed limits on every input: lengths, integer ranges, code patterns, clean text.

Route signatures and JSON bodies read their types here, so that each limit is written once and
documented in the OpenAPI. Text must hold no NUL byte (PostgreSQL refuses them) and no lone
surrogate (not encodable in UTF-8); `InputGuard` refuses both in raw paths and query strings
before any route runs, `SafeText` in JSON bodies and form fields.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import FRENCH_ERROR, PATTERN_HINTS, InvalidParameter, error_body
from geo.codes import INSEE_PATTERN, SIREN_PATTERN
from geo.grades import MAX_GRADE, MIN_GRADE

INT4_MAX = 2**31 - 1
"""PostgreSQL `integer`: no identifier, version or count of ours goes beyond it."""
INT8_MAX = 2**63 - 1
"""PostgreSQL `bigint`: the ids of the grade history."""
NAME_MAX = 200
"""A campaign or meeting name."""
LABEL_MAX = 80
"""A label of the grade scale."""
TEXT_MAX = 2000
"""A comment or a rationale."""
CODE_MAX = 64
"""A residence code (as stored)."""
QUERY_TEXT_MAX = 200
"""A free text filter: a landlord's name, a territory code."""
BBOX_MAX = 100
EMAIL_MAX = 254
PASSWORD_MAX = 1024
"""Long enough for any passphrase, short enough that hashing it costs nothing."""
FILENAME_MAX = 255
"""Bytes of a file name on common file systems."""
YEAR_MIN, YEAR_MAX = 2000, 2100

_SURROGATE = re.compile("[\ud800-\udfff]")


def described(pattern: str, hint: str) -> str:
    """`pattern`, whose French `hint` the 422 messages give when a value does not match it."""
    PATTERN_HINTS[pattern] = hint
    return pattern


SIREN = described(SIREN_PATTERN, "un SIREN a 9 chiffres")
INSEE = described(INSEE_PATTERN, "un code INSEE a 5 caractères (ex. 59350, 2A004)")
_NUMBER = "-?[0-9]{1,3}(?:[.][0-9]{1,20})?(?:e[-+]?[0-9]{1,3})?"
"""A coordinate as JavaScript writes it (Leaflet's `toBBoxString`)."""
BBOX = described(
    f"^{_NUMBER}(?:,{_NUMBER}){{3}}$",
    "« minLon,minLat,maxLon,maxLat » (quatre nombres séparés par des virgules)",
)
_GRADE_TOKEN = f"(?:[{MIN_GRADE}-{MAX_GRADE}]|none|hidden)"
GRADE_FILTER = described(
    f"^(?:{_GRADE_TOKEN}(?:,{_GRADE_TOKEN})*)?$",
    f"notes {MIN_GRADE} à {MAX_GRADE}, « none » (non qualifiée) ou « hidden » (note non "
    "visible), séparées par des virgules",
)
CLOCK = described(
    "^(?:[01]?[0-9]|2[0-3])[:hH][0-5][0-9]$", "heure de début attendue comme « 09:00 » ou « 9h30 »"
)
DAY = described("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "date attendue comme « 2026-06-12 »")


def parse_clock(raw: str | None) -> time | None:
    """A time already of the `CLOCK` pattern (« 09:00 », « 9h30 »)."""
    if raw is None:
        return None
    hours, minutes = re.split("[:hH]", raw)
    return time(int(hours), int(minutes))


def _to_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PydanticCustomError(FRENCH_ERROR, "date inexistante") from None


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, in French (None: it can)."""
    if "\x00" in value:
        return "caractère nul (U+0000) interdit"
    if _SURROGATE.search(value):
        return "caractère Unicode invalide (demi-code de substitution isolé)"
    return None


def raw_problem(raw: bytes) -> str | None:
    """Why a raw, percent-encoded path or query string is unreadable, in French (None: it is
    readable)."""
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        return "caractère nul (U+0000) interdit"
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return "encodage invalide : l'adresse doit être en UTF-8"
    return None


def _clean_text(value: str) -> str:
    if problem := text_problem(value):
        raise PydanticCustomError(FRENCH_ERROR, problem)
    return value


SafeText = AfterValidator(_clean_text)
"""The validator of every text of a body or a form."""

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX), SafeText]
Label = Annotated[str, Field(max_length=LABEL_MAX), SafeText]
ShortText = Annotated[str, Field(max_length=NAME_MAX), SafeText]
LongText = Annotated[str, Field(max_length=TEXT_MAX), SafeText]
Email = Annotated[str, Field(min_length=1, max_length=EMAIL_MAX), SafeText]
Password = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX), SafeText]
Siren = Annotated[str, Field(pattern=SIREN, description="SIREN (9 chiffres)")]
Grade = Annotated[int, Field(ge=MIN_GRADE, le=MAX_GRADE, description="Note entière de 1 à 4")]
Version = Annotated[int, Field(ge=0, le=INT4_MAX)]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Clock = Annotated[
    str, Field(pattern=CLOCK, description="Heure, « 09:00 »"), AfterValidator(parse_clock)
]
Day = Annotated[
    str, Field(pattern=DAY, description="Date, « 2026-06-12 »"), AfterValidator(_to_day)
]
"""A date written AAAA-MM-JJ in a JSON body, refused in French when it does not exist."""


class StrictBody(BaseModel):
    """A JSON body read strictly: a grade is the integer 2, never `true`, `"2"` or `2.0`."""

    model_config = ConfigDict(strict=True)


CampaignId = Annotated[int, Path(ge=1, le=INT4_MAX, description="Identifiant de la campagne")]
ResidenceCode = Annotated[
    str, Path(min_length=1, max_length=CODE_MAX, description="Code de la résidence")
]
SirenPath = Annotated[str, Path(pattern=SIREN, description="SIREN de l'EPCI (9 chiffres)")]


def campaign_query(description: str) -> Any:
    """A `campaign=` query parameter: an identifier within PostgreSQL's integer range."""
    return Query(ge=1, le=INT4_MAX, description=description)


def siren_query(description: str = "SIREN de l'EPCI (9 chiffres)") -> Any:
    return Query(pattern=SIREN, description=description)


def insee_query(description: str = "Code INSEE de la commune (5 caractères)") -> Any:
    return Query(pattern=INSEE, description=description)


def text_query(description: str, max_length: int = QUERY_TEXT_MAX) -> Any:
    return Query(max_length=max_length, description=description)


def choice_query(description: str, choices: tuple[str, ...]) -> Any:
    """A query parameter among `choices`, documented as such; the service checks it and says,
    in French, which values it takes."""
    return Query(description=description, json_schema_extra={"enum": list(choices)})


def upload_name(filename: str | None, default: str) -> str:
    """The base name of an uploaded file, as the user named it, cut to `FILENAME_MAX` bytes
    (its extension kept); `default` when it has none. Never a path: only shown and recorded."""
    raw = filename or ""
    if problem := text_problem(raw):
        raise InvalidParameter(f"Nom de fichier invalide : {problem}.")
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip()
    if name in ("", ".", ".."):
        return default
    if len(name.encode()) <= FILENAME_MAX:
        return name
    suffix = PurePosixPath(name).suffix
    suffix = suffix if len(suffix.encode()) <= 16 else ""
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > FILENAME_MAX:
        stem = stem[:-1]
    return stem + suffix


def upload_suffix(name: str) -> str:
    """The extension of an uploaded file's name, lower-cased, if it is a plausible one (the
    readers choose their format by it); else ''."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


class InputGuard:
    """Refuse, with a French 422, a request whose raw path or query string holds a NUL byte or
    invalid UTF-8, whatever the route (ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
            for where, raw in (("chemin", raw_path), ("requête", scope.get("query_string", b""))):
                if problem := raw_problem(raw):
                    body = error_body(
                        "parametre_invalide", f"Adresse invalide ({where}) : {problem}."
                    )
                    await JSONResponse(body, status_code=422)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
