"""An oversized grade sheet is refused with a French 413, whether or not its size was declared."""

from __future__ import annotations

import pytest

from app.core.settings import get_settings
from tests.campaigns.builders import Territory


@pytest.fixture
def one_megabyte_limit(monkeypatch):
    monkeypatch.setenv("QUALIPARC_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def sheet(size: int) -> bytes:
    line = b"code;note\nL1;3\n"
    return line + b"L1;3\n" * ((size - len(line)) // 5)


def upload(territory: Territory, campaign: int, body: bytes, **kwargs):
    return territory.call(
        "POST",
        f"/api/campaigns/{campaign}/grades/import",
        "lille",
        data={"side": "commune"},
        files={"file": ("notes.csv", body, "text/csv")},
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
