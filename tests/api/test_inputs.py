"""Every input has a typed limit, and bad input gets a French 4xx, never a 500: NUL bytes, lone
surrogates and invalid UTF-8, integers beyond PostgreSQL's, strings too long, loose types, empty
prints, unreadable bodies, long file names."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from app.api.inputs import FILENAME_MAX, upload_name, upload_suffix
from app.core.database import sqlalchemy_url
from app.core.errors import InvalidParameter
from tests.tokens import bearer

CU_ARRAS = "200033579"
ADMIN = "admin-saisies@arras.test"


@pytest.fixture(scope="module")
def admin(demo_url: str) -> dict[str, str]:
    """An administrator of the CU d'Arras on the shared demo (Bearer token)."""
    return bearer(demo_url, ADMIN, "admin", [CU_ARRAS])


@pytest.fixture(scope="module")
def campaign_id(demo_url: str) -> int:
    engine = create_engine(sqlalchemy_url(demo_url))
    with engine.connect() as conn:
        found = conn.execute(text("SELECT min(id) FROM campaign")).scalar_one()
    engine.dispose()
    return found


def refused(response, fragment: str = "") -> str:
    """The French message of a 422, checked to contain `fragment`."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in ("parametre_invalide", "corps_illisible")
    assert fragment in error["message"], error["message"]
    return error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/residences?bailleur=%00",
        "/api/residences?bailleur=a%00b",
        "/api/residences/AB%00CD",
        "/api/qpv?x=%00",
        "/quartiers?level=%00",
        "/api/residences?bailleur=%ED%A0%80",
        "/api/residences?bailleur=%FF",
        "/api/residences/%ED%A0%80",
    ],
)
def test_nul_bytes_and_invalid_utf8_in_paths_and_queries_are_422(demo_client, path):
    message = refused(demo_client.get(path), "Adresse invalide")
    assert "caractère nul" in message or "UTF-8" in message


def test_nul_bytes_and_lone_surrogates_in_json_are_422(demo_client, admin, campaign_id):
    url = f"/api/campaigns/{campaign_id}/harmonisations/DEMO-62041-0001"
    for rationale in ("motif\u0000caché", "motif\ud800isolé"):
        body = json.dumps({"value": 2, "rationale": rationale, "expected_version": 0})
        response = demo_client.put(
            url, content=body, headers={**admin, "Content-Type": "application/json"}
        )
        message = refused(response, "rationale")
        assert "caractère nul" in message or "substitution" in message
    login = demo_client.post("/api/auth/login", json={"email": "a\u0000@b.fr", "password": "x"})
    refused(login, "email")


def test_integers_stay_within_postgresql_integers(demo_client, admin):
    refused(demo_client.get("/api/residences?campaign=3000000000"), "campaign")
    refused(demo_client.get("/api/quartiers?campaign=-1"), "campaign")
    refused(demo_client.get("/api/campaigns/3000000000", headers=admin), "campaign_id")
    refused(demo_client.get("/campagnes/3000000000"), "campaign_id")
    huge = demo_client.get("/api/residences?campaign=" + "9" * 40)
    refused(huge, "campaign")
    refused(demo_client.get("/api/allocation-targets?year=1999", headers=admin), "year")


def test_a_megabyte_campaign_name_is_refused(demo_client, admin):
    body = {"epci": CU_ARRAS, "name": "x" * 1_000_000, "year": 2030}
    message = refused(demo_client.post("/api/campaigns", json=body, headers=admin), "name")
    assert "200 caractères au plus" in message
    assert len(message) < 200, "le message ne renvoie jamais la valeur reçue"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"epci": CU_ARRAS, "name": "Essai", "year": "2030"}, "year"),
        ({"epci": CU_ARRAS, "name": "Essai", "year": 2030.0}, "year"),
        ({"epci": CU_ARRAS, "name": "Essai", "year": True}, "year"),
        ({"epci": CU_ARRAS, "name": 2030, "year": 2030}, "name"),
        ({"epci": "2000-3357", "name": "Essai", "year": 2030}, "epci"),
        ({"epci": CU_ARRAS, "name": "", "year": 2030}, "name"),
        ({"epci": CU_ARRAS, "name": "Essai", "year": 3000}, "year"),
    ],
)
def test_campaign_bodies_are_strict(demo_client, admin, body, field):
    refused(demo_client.post("/api/campaigns", json=body, headers=admin), field)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"divergence_threshold": 2.0}, "divergence_threshold"),
        ({"divergence_threshold": "2"}, "divergence_threshold"),
        ({"divergence_threshold": 4}, "divergence_threshold"),
        ({"status": "ouverte"}, "status"),
        ({"published_level": "canton"}, "published_level"),
        ({"scale_labels": {"5": "Cinq"}}, "scale_labels"),
        ({"scale_labels": {"1": "x" * 81}}, "scale_labels"),
    ],
)
def test_campaign_patches_are_strict(demo_client, admin, campaign_id, body, field):
    response = demo_client.patch(f"/api/campaigns/{campaign_id}", json=body, headers=admin)
    refused(response, field)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"target_outside_qpv": "0.3"}, "target_outside_qpv"),
        ({"target_outside_qpv": True}, "target_outside_qpv"),
        ({"peuplement_labels": {"A": "x" * 500}}, "peuplement_labels"),
    ],
)
def test_policy_bodies_are_strict(demo_client, admin, body, field):
    refused(demo_client.put(f"/api/epci/{CU_ARRAS}/policy", json=body, headers=admin), field)


def test_login_bodies_are_strict_and_bounded(demo_client):
    refused(demo_client.post("/api/auth/login", json={"email": 1, "password": "x"}), "email")
    long = demo_client.post("/api/auth/login", json={"email": "a@b.fr", "password": "x" * 5000})
    refused(long, "password")


def test_validation_messages_are_french_and_name_the_field(demo_client, admin):
    cases = {
        "/api/residences?in_qpv=peut-etre": ("in_qpv", "attendu true ou false"),
        "/api/residences?campaign=abc": ("campaign", "attendu un nombre entier"),
        "/api/residences?epci=123": ("epci", "un SIREN a 9 chiffres"),
        "/api/residences?commune=ABCDE": ("commune", "code INSEE"),
        "/api/residences?bbox=1,2,3": ("bbox", "minLon,minLat,maxLon,maxLat"),
        "/api/residences?grade=5": ("grade", "notes 1 à 4"),
        "/api/residences?bailleur=" + "x" * 201: ("bailleur", "200 caractères au plus"),
        "/api/print/map.png?width=9000": ("width", "inférieur ou égal à 4000"),
        "/api/exports/quartiers.csv": ("level", "obligatoire"),
    }
    for path, (field, reason) in cases.items():
        response = demo_client.get(path, headers=admin)
        message = refused(response, field)
        assert reason in message, (path, message)
        assert all("Input should" not in p["motif"] for p in response.json()["error"]["details"])
    missing = demo_client.post("/api/campaigns", json={"epci": CU_ARRAS}, headers=admin)
    assert "name : obligatoire" in refused(missing)


def test_unreadable_bodies_are_422_in_french(demo_client, admin, campaign_id):
    url = f"/api/campaigns/{campaign_id}"
    headers = {**admin, "Content-Type": "application/json"}
    refused(demo_client.patch(url, content=b'{"status": ', headers=headers), "JSON illisible")
    garbled = demo_client.patch(url, content=b")\x13\xff\xfeI", headers=headers)
    assert garbled.status_code == 422 and "illisible" in garbled.json()["error"]["message"]


def test_a_405_names_every_method_of_the_address(demo_client):
    response = demo_client.delete("/api/campaigns/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"
    assert response.json()["error"]["code"] == "methode_non_autorisee"
    imports = demo_client.get("/api/campaigns/1/grades/import/x")
    assert imports.status_code == 404


def test_empty_prints_are_an_empty_image_or_a_french_404(demo_client):
    empty_view = demo_client.get("/api/print/map.png?bbox=0,0,1,1&width=400&height=300")
    assert empty_view.status_code == 200
    assert Image.open(io.BytesIO(empty_view.content)).size == (400, 300)
    for path in ("/api/print/map.png", "/api/exports/map.html"):
        nothing = demo_client.get(f"{path}?commune=59350")
        assert nothing.status_code == 404, nothing.text
        assert "Aucune résidence ne correspond" in nothing.json()["error"]["message"]
    offline = demo_client.get("/api/exports/map.html?bbox=0,0,1,1")
    assert offline.status_code == 200 and "0 résidence" in offline.text


def test_uploaded_file_names_are_bounded_and_never_a_path(demo_client, admin, campaign_id):
    assert upload_name("../../etc/notes.csv", "x.csv") == "notes.csv"
    assert upload_name("C:\\Users\\moi\\notes.xlsx", "x.csv") == "notes.xlsx"
    assert upload_name("..", "x.csv") == "x.csv"
    assert upload_name(None, "x.csv") == "x.csv"
    long = upload_name("é" * 300 + ".xlsx", "x.csv")
    assert long.endswith(".xlsx") and len(long.encode()) <= FILENAME_MAX
    with pytest.raises(InvalidParameter):
        upload_name("notes\x00.csv", "x.csv")
    assert upload_suffix("notes.CSV") == ".csv"
    assert upload_suffix("notes." + "x" * 300) == ""

    url = f"/api/campaigns/{campaign_id}/grades/import"
    sheet = b"code;note\nDEMO-62041-0001;2\n"
    for name in ("n" * 300 + ".csv", "../" * 100 + "notes.csv", "notes\x00.csv"):
        response = demo_client.post(
            url,
            files={"file": (name, sheet, "text/csv")},
            data={"side": "commune"},
            headers=admin,
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"]["message"]
