"""The harmonisation day on a small hand-made campaign: the stored plan (rooms, breaks, moves),
the facilitator's focus read within each account's rights, the sign-off and its final summary."""

from __future__ import annotations

import asyncio
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.auth.accounts import create_account
from app.campaigns.service import load_campaign
from app.meeting.focus import View, set_focus
from app.meeting.stream import campaign_stream
from tests.meeting.support import ACHICOURT, PASSWORD, SmallCampaign, login
from tests.meeting.test_agenda import HOSTILE_NAME, HOSTILE_RATIONALE, _make_hostile
from tests.meeting.test_stream import _principal

ALPHA, BETA = "Alpha Habitat", "Beta Logement"
ARRAS = "62041"


def _signed_in(client, small_campaign: SmallCampaign, role: str) -> dict[str, str]:
    client.cookies.clear()
    return {"X-CSRF-Token": login(client, small_campaign.emails[role])}


def _slots(body: dict) -> list[tuple]:
    return [
        (s["number"], s["room"], s["commune_name"], s["bailleur"], s["start"], s["end"])
        for s in body["slots"]
    ]


def _pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(content)).pages)


def test_the_administrator_plans_the_day(client, small_campaign: SmallCampaign) -> None:
    url = f"/api/campaigns/{small_campaign.id}/day"
    headers = _signed_in(client, small_campaign, "admin")
    body = client.get(url).json()
    assert (body["version"], body["settings"]["rooms"], body["signed_off"]) == (0, 1, None)
    assert _slots(body) == [
        (1, 1, "Achicourt", ALPHA, "09:00", "09:08"),
        (2, 1, "Arras", ALPHA, "09:08", "09:19"),
        (3, 1, "Arras", BETA, "09:19", "09:27"),
    ]
    assert body["slots"][1]["count"] == 3 and body["slots"][1]["pending"] == 2
    assert [r["code"] for r in body["slots"][1]["residences"]] == ["R1", "R3", "R2"]

    plan = {
        "expected_version": 0,
        "day_date": "2026-06-12",
        "start": "8h30",
        "minutes_per_residence": 10,
        "rooms": 2,
        "breaks": [{"start": "08:45", "minutes": 15}],
        "slots": [
            {"commune": ARRAS, "bailleur": BETA, "room": 2, "fixed_start": "10:00"},
            {"commune": ACHICOURT, "bailleur": ALPHA, "room": 2},
        ],
    }
    planned = client.patch(url, json=plan, headers=headers)
    assert planned.status_code == 200, planned.text
    body = planned.json()
    assert (body["version"], body["day_date"], body["settings"]["start"]) == (
        1,
        "2026-06-12",
        "08:30",
    )
    # Room 2: Beta at its imposed 10:00, then Achicourt; Arras × Alpha placed by itself in room 1,
    # after the break it would run into (25 min from 08:30).
    assert _slots(body) == [
        (1, 1, "Arras", ALPHA, "09:00", "09:25"),
        (2, 2, "Arras", BETA, "10:00", "10:15"),
        (3, 2, "Achicourt", ALPHA, "10:15", "10:30"),
    ]
    assert body["slots"][1]["fixed_start"] == "10:00" and body["slots"][1]["placed"]

    stale = client.patch(url, json={"expected_version": 0, "rooms": 1}, headers=headers)
    assert stale.status_code == 409
    assert "version 1" in stale.json()["error"]["message"]

    pdf = _pdf_text(client.get(f"/api/campaigns/{small_campaign.id}/agenda.pdf").content)
    assert "Séance 2 · salle 2 · 10:00–10:15" in pdf
    assert "Pauses : 08:45 (15 min)" in pdf and "2 salles en parallèle" in pdf
    book = load_workbook(
        BytesIO(client.get(f"/api/campaigns/{small_campaign.id}/agenda.xlsx").content)
    )
    sessions = list(book["Séances"].iter_rows(min_row=4, values_only=True))
    assert [(s[0], s[1], s[5], s[6], s[-1]) for s in sessions] == [
        (1, "09:00", "Arras", ALPHA, 1),
        (2, "10:00", "Arras", BETA, 2),
        (3, "10:15", "Achicourt", ALPHA, 2),
    ]
    page = client.get(f"/reunion/{small_campaign.id}/ordre-du-jour")
    assert "Salle 2" in page.text and "heure imposée" in page.text

    with small_campaign.engine.connect() as conn:
        logged = conn.execute(
            text("SELECT actor_label, details FROM audit_log WHERE action = 'journee.plan'")
        ).all()
    assert [(actor, details["version"]) for actor, details in logged] == [("admin@arras.test", 1)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slots": [{"commune": ARRAS, "bailleur": "Inconnu", "room": 1}]}, "slots[0]"),
        ({"slots": [{"commune": ARRAS, "bailleur": BETA, "room": 2}]}, "slots[0] : salle 2"),
        (
            {
                "slots": [
                    {"commune": ARRAS, "bailleur": BETA, "room": 1},
                    {"commune": ARRAS, "bailleur": BETA, "room": 1},
                ]
            },
            "slots[1]",
        ),
        (
            {"breaks": [{"start": "10:00", "minutes": 30}, {"start": "10:15", "minutes": 5}]},
            "breaks",
        ),
        ({"day_date": "2026-02-30"}, "day_date : date inexistante"),
        ({"start": "25:00"}, "start"),
        ({"rooms": 0}, "rooms"),
        ({"breaks": [{"start": "10:00", "minutes": 1}]}, "breaks.0.minutes"),
    ],
)
def test_a_wrong_plan_is_a_french_422_that_writes_nothing(
    client, small_campaign: SmallCampaign, change: dict, field: str
) -> None:
    headers = _signed_in(client, small_campaign, "admin")
    url = f"/api/campaigns/{small_campaign.id}/day"
    refused = client.patch(url, json={"expected_version": 0, **change}, headers=headers)
    assert refused.status_code == 422, refused.text
    assert field in refused.json()["error"]["message"]
    assert client.get(url).json()["version"] == 0


def test_only_the_administrator_plans(client, small_campaign: SmallCampaign) -> None:
    url = f"/api/campaigns/{small_campaign.id}/day"
    for role in ("elu", "commune", "other_admin"):
        headers = _signed_in(client, small_campaign, role)
        assert client.patch(url, json={"expected_version": 0}, headers=headers).status_code == 403
    headers = _signed_in(client, small_campaign, "elu")
    assert client.get(url).status_code == 200  # the elected official reads the timetable


def test_the_focus_is_read_within_each_account_rights(
    client, small_campaign: SmallCampaign
) -> None:
    with small_campaign.engine.begin() as conn:
        create_account(conn, "elu@achicourt.test", "elu", [ACHICOURT], password=PASSWORD)
    url = f"/api/campaigns/{small_campaign.id}/day/focus"
    admin = _signed_in(client, small_campaign, "admin")
    assert client.get(url).json()["active"] is False
    view = {"lat": 50.29, "lon": 2.78, "zoom": 16}
    moved = client.put(url, json={"residence_code": "R1", "view": view}, headers=admin)
    assert moved.status_code == 200, moved.text
    first = moved.json()
    assert (first["residence_code"], first["commune_name"], first["bailleur"]) == (
        "R1",
        "Arras",
        ALPHA,
    )
    assert first["view"] == view and first["slot_opened_at"] and first["seq"] == 1
    assert client.get(f"/api/campaigns/{small_campaign.id}/day").json()["started_at"]

    same_slot = client.put(url, json={"residence_code": "R2"}, headers=admin).json()
    assert same_slot["slot_opened_at"] == first["slot_opened_at"]
    assert (same_slot["seq"], same_slot["view"]) == (2, None)
    next_slot = client.put(url, json={"residence_code": "R4"}, headers=admin).json()
    assert next_slot["slot_opened_at"] > first["slot_opened_at"]

    for change, status in (
        ({"residence_code": "R6"}, 422),  # agreed from the start: not on the agenda
        ({"residence_code": "R404"}, 404),
        ({"room": 2, "residence_code": "R1"}, 422),
        ({"view": {"lat": 95, "lon": 2, "zoom": 3}}, 422),
    ):
        assert client.put(url, json=change, headers=admin).status_code == status, change

    _signed_in(client, small_campaign, "elu")  # the CU's elected official: every residence
    assert client.get(url).json()["residence_code"] == "R4"
    elu = _signed_in(client, small_campaign, "elu")
    assert client.put(url, json={"residence_code": "R4"}, headers=elu).status_code == 403

    client.cookies.clear()
    login(client, "elu@achicourt.test")  # Achicourt only: R4 is in Arras
    hidden = client.get(url).json()
    assert hidden["active"] and hidden["hidden"]
    assert [hidden[k] for k in ("residence_code", "commune_name", "bailleur", "view")] == [None] * 4
    divergences = client.get(f"/api/campaigns/{small_campaign.id}/divergences").json()
    assert [r["code"] for r in divergences["residences"]] == ["R5"]
    day = client.get(f"/api/campaigns/{small_campaign.id}/day").json()
    assert _slots(day) == [(1, 1, "Achicourt", ALPHA, "09:00", "09:08")]


def test_the_stream_tells_each_screen_the_focus_it_may_read(small_campaign: SmallCampaign) -> None:
    engine = small_campaign.engine
    with engine.begin() as conn:
        create_account(conn, "elu2@achicourt.test", "elu", [ACHICOURT], password=PASSWORD)
    admin = _principal(engine, small_campaign.emails["admin"])
    elu = _principal(engine, "elu2@achicourt.test")
    with engine.connect() as conn:
        campaign = load_campaign(conn, admin, small_campaign.id)

    def move(code: str) -> None:
        with engine.begin() as conn:
            set_focus(conn, admin, campaign, 1, code, View(50.29, 2.78, 15))

    async def scenario() -> None:
        streams = [campaign_stream(p, campaign) for p in (admin, elu)]
        try:
            for stream in streams:
                assert "en direct" in await asyncio.wait_for(anext(stream), 5)
            await asyncio.to_thread(move, "R1")
            seen_by_admin, seen_by_elu = [(await _focus(s)) for s in streams]
            assert seen_by_admin["residence_code"] == "R1" and seen_by_admin["view"]["zoom"] == 15
            assert seen_by_elu["hidden"] and seen_by_elu["residence_code"] is None
            assert "R1" not in json.dumps(seen_by_elu) and seen_by_elu["view"] is None
            await asyncio.to_thread(move, "R5")
            assert (await _focus(streams[1]))["residence_code"] == "R5"
        finally:
            for stream in streams:
                await stream.aclose()

    asyncio.run(scenario())


async def _focus(stream) -> dict:
    while True:
        chunk = await asyncio.wait_for(anext(stream), 5)
        if chunk.startswith("data: "):
            data = json.loads(chunk[6:])
            if data["type"] == "focus":
                return data


def test_the_signed_summary_is_final(client, small_campaign: SmallCampaign) -> None:
    _make_hostile(small_campaign)  # R1 and R3 named by an attacker, R3's rationale too
    base = f"/api/campaigns/{small_campaign.id}"
    admin = _signed_in(client, small_campaign, "admin")
    client.put(f"{base}/day/focus", json={"residence_code": "R5"}, headers=admin)  # the day starts
    decided = client.put(
        f"{base}/harmonisations/R5",
        json={"value": 2, "rationale": "Accord : gardien présent", "expected_version": 0},
        headers=admin,
    )
    assert decided.status_code == 200, decided.text

    draft = _pdf_text(client.get(f"{base}/day/summary.pdf").content)
    assert "Projet : bilan non signé" in draft and "Accord : gardien présent" in draft
    sign = f"{base}/day/sign-off"
    missing = client.post(sign, json={"expected_version": 0}, headers=admin)
    assert missing.status_code == 422
    assert "follow_up_date : obligatoire, 3 résidences" in missing.json()["error"]["message"]
    client.patch(
        f"{base}/day", json={"expected_version": 0, "day_date": "2026-06-12"}, headers=admin
    )
    early = client.post(
        sign, json={"expected_version": 1, "follow_up_date": "2026-06-01"}, headers=admin
    )
    assert early.status_code == 422 and "après le 12/06/2026" in early.json()["error"]["message"]
    elu = _signed_in(client, small_campaign, "elu")
    assert client.post(sign, json={"expected_version": 1}, headers=elu).status_code == 403

    admin = _signed_in(client, small_campaign, "admin")
    signed = client.post(
        sign, json={"expected_version": 1, "follow_up_date": "2026-09-15"}, headers=admin
    )
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert (body["decided"], body["carried_over"], body["follow_up_date"]) == (2, 3, "2026-09-15")
    assert body["signed_off"]["by"] == "admin@arras.test"

    # Decided after the sign-off (at the follow-up meeting): the summary does not change.
    later = client.put(
        f"{base}/harmonisations/R2",
        json={"value": 3, "rationale": "plus tard", "expected_version": 0},
        headers=admin,
    )
    assert later.status_code == 200
    again = client.post(
        sign, json={"expected_version": 1, "follow_up_date": "2026-09-16"}, headers=admin
    )
    assert again.status_code == 409
    assert (
        client.patch(
            f"{base}/day", json={"expected_version": 1, "rooms": 2}, headers=admin
        ).status_code
        == 409
    )

    pdf = _pdf_text(client.get(f"{base}/day/summary.pdf").content)
    assert "Signé le" in pdf and "par admin@arras.test" in pdf
    assert "Divergences reportées au 15/09/2026 : 3" in pdf
    assert "Accord : gardien présent" in pdf and "plus tard" not in pdf
    assert "onerror=alert(1)" in pdf  # hostile names printed as written

    response = client.get(f"{base}/day/summary.xlsx")
    assert "bilan-arras-2026.xlsx" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Séances", "Décisions", "Reportées"]
    decisions = list(book["Décisions"].iter_rows(min_row=4, values_only=True))
    assert [(d[3], d[8], d[10], d[12]) for d in decisions] == [
        ("R5", 2, "admin@arras.test", "non"),
        ("R3", 3, None, "oui"),  # agreed before the day (no account recorded it)
    ]
    assert decisions[1][9] == "'" + HOSTILE_RATIONALE and decisions[1][4] == "'" + HOSTILE_NAME
    carried = list(book["Reportées"].iter_rows(min_row=4, values_only=True))
    assert [(c[3], c[8]) for c in carried] == [
        ("R1", "15/09/2026"),
        ("R2", "15/09/2026"),
        ("R4", "15/09/2026"),
    ]
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]

    page = client.get(f"/reunion/{small_campaign.id}/bilan")
    assert page.status_code == 200 and "Signé le" in page.text
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    assert 'id="sign-off"' not in page.text

    with small_campaign.engine.connect() as conn:
        actor, details = conn.execute(
            text("SELECT actor_label, details FROM audit_log WHERE action = 'journee.signature'")
        ).one()
        assert (actor, details["reportees"], details["reprise"]) == (
            "admin@arras.test",
            3,
            "2026-09-15",
        )
        with pytest.raises(DBAPIError, match="bilan de la journée"):
            conn.execute(text("UPDATE meeting_day_outcome SET agreed_grade = 4"))
        conn.rollback()
        with pytest.raises(DBAPIError, match="bilan de la journée"):
            conn.execute(text("UPDATE meeting_day SET follow_up_date = NULL"))

    client.cookies.clear()
    with small_campaign.engine.begin() as conn:
        create_account(conn, "elu3@achicourt.test", "elu", [ACHICOURT], password=PASSWORD)
    login(client, "elu3@achicourt.test")
    own = load_workbook(BytesIO(client.get(f"{base}/day/summary.xlsx").content))
    assert [d[3] for d in own["Décisions"].iter_rows(min_row=4, values_only=True)] == ["R5"]
    assert list(own["Reportées"].iter_rows(min_row=4, values_only=True)) == []
