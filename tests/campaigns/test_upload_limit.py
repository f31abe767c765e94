"""Oversized or hostile grade sheets: a French 413 whether or not the size was declared, and a
French 422 in seconds for sheets too long, XML bombs and files of repeated errors."""

from __future__ import annotations

import time

import pytest

from app.core.settings import get_settings
from tests.campaigns.builders import Territory
from tests.spreadsheets import BILLION_LAUGHS, XXE, hostile_strings, million_rows


@pytest.fixture
def one_megabyte_limit(monkeypatch):
    monkeypatch.setenv("QUALIPARC_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def sheet(size: int) -> bytes:
    line = b"code;note\nL1;3\n"
    return line + b"L1;3\n" * ((size - len(line)) // 5)


def upload(territory: Territory, campaign: int, body: bytes, name: str = "notes.csv", **kwargs):
    return territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "commune"},
        files={"file": (name, body, "application/octet-stream")},
        **kwargs,
    )


def test_declared_oversized_upload_is_refused_before_reading(territory, one_megabyte_limit):
    campaign = territory.new_campaign()
    counts = territory.count("grade")
    response = upload(territory, campaign, sheet(2 * 1024 * 1024))
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "fichier_trop_volumineux"
    assert "1 Mo au plus" in error["message"]
    assert territory.count("grade") == counts


def test_upload_without_declared_size_is_cut_at_the_limit(territory, one_megabyte_limit):
    campaign = territory.new_campaign()
    request = territory.client.build_request(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        headers=territory.headers["lille"],
        data={"side": "commune"},
        files={"file": ("notes.csv", sheet(2 * 1024 * 1024), "text/csv")},
    )
    del request.headers["content-length"]
    response = territory.client.send(request)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "fichier_trop_volumineux"


def refusal(response) -> dict:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "import_refuse"
    return error


def test_million_row_xlsx_is_refused_in_seconds(territory):
    campaign = territory.new_campaign()
    start = time.perf_counter()
    response = upload(territory, campaign, million_rows(), name="notes.xlsx")
    assert time.perf_counter() - start < 10
    [problem] = refusal(response)["errors"]
    assert problem["message"].startswith("fichier trop long : 200\u202f000 lignes au plus")


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_xml_bombs_get_a_french_4xx(territory, hostile):
    campaign = territory.new_campaign()
    response = upload(territory, campaign, hostile_strings(hostile), name="notes.xlsx")
    [problem] = refusal(response)["errors"]
    assert "déclare des entités XML" in problem["message"]


def test_many_identical_bad_rows_give_a_short_report_quickly(territory):
    campaign = territory.new_campaign()
    rows = 150_000
    sheet = "code;note\n" + "".join(f"R{n};5\n" for n in range(rows))
    start = time.perf_counter()
    response = upload(territory, campaign, sheet.encode())
    assert time.perf_counter() - start < 20
    error = refusal(response)
    assert error["message"] == "Import refusé, rien n'a été écrit : 150\u202f000 erreurs."
    assert error["errors"] == [
        {
            "line": 2,
            "column": "note",
            "value": "5",
            "message": "150\u202f000 lignes : note 5 hors de l'échelle 1 à 4 "
            "(lignes 2, 3, 4, 5, 6, …)",
            "count": rows,
            "lines": [2, 3, 4, 5, 6],
        }
    ]


def test_a_sheet_too_long_to_read_is_refused(territory, monkeypatch):
    monkeypatch.setenv("QUALIPARC_MAX_PARSE_SECONDS", "0")
    get_settings.cache_clear()
    campaign = territory.new_campaign()
    response = upload(territory, campaign, sheet(64 * 1024))
    get_settings.cache_clear()
    [problem] = refusal(response)["errors"]
    assert problem["message"].startswith("fichier trop long à lire : sa lecture a dépassé 0 s")
