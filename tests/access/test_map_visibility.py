"""Who sees residence grades on the map layer: never anonymous, never a campaign still blind."""

from __future__ import annotations

from sqlalchemy import text

from app.auth.accounts import create_account, create_token

MEL = "200093201"


def setup_territory(engine) -> dict[str, str]:
    """Two residences in Lille and Roubaix, a closed 2025 campaign and a 2026 one in grading."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bailleur (id, name) VALUES (1, 'Logis Nord')"))
        conn.execute(
            text(
                "INSERT INTO residence (id, code, name, bailleur_id, commune_insee, epci_siren,"
                " nb_logements, geom) VALUES"
                " (1, 'LIL', 'A', 1, '59350', :mel, 10, ST_Point(3.06, 50.63, 4326)),"
                " (2, 'RBX', 'B', 1, '59512', :mel, 10, ST_Point(3.17, 50.69, 4326))"
            ),
            {"mel": MEL},
        )
        conn.execute(
            text(
                "INSERT INTO campaign (id, epci_siren, name, year, status) VALUES"
                " (1, :mel, 'MEL 2025', 2025, 'grading'), (2, :mel, 'MEL 2026', 2026, 'grading')"
            ),
            {"mel": MEL},
        )
        conn.execute(
            text(
                "INSERT INTO grade (campaign_id, residence_id, side, value) VALUES"
                " (1, 1, 'commune', 2), (1, 1, 'bailleur', 2), (1, 2, 'commune', 3),"
                " (1, 2, 'bailleur', 3), (2, 1, 'commune', 4), (2, 1, 'bailleur', 4)"
            )
        )
        conn.execute(text("UPDATE campaign SET status = 'closed' WHERE id = 1"))
        create_account(conn, "admin@mel.test", "admin", [MEL])
        create_account(conn, "lille@mel.test", "commune", ["59350"])
        return {email: create_token(conn, email) for email in ("admin@mel.test", "lille@mel.test")}


def grades(client, token: str | None, query: str = "") -> dict[str, int | None]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(f"/api/residences{query}", headers=headers)
    assert response.status_code == 200, response.text
    return {f["properties"]["code"]: f["properties"]["grade"] for f in response.json()["features"]}


def test_grade_visibility(client, engine):
    tokens = setup_territory(engine)
    admin, lille = tokens["admin@mel.test"], tokens["lille@mel.test"]
    assert grades(client, None) == {"LIL": None, "RBX": None}
    # by default the map shows the last campaign out of blind grading: 2025
    assert grades(client, admin) == {"LIL": 2, "RBX": 3}
    # a commune account sees its own commune only
    assert grades(client, lille) == {"LIL": 2, "RBX": None}
    # the campaign being graded: its administrator only
    assert grades(client, admin, "?campaign=2") == {"LIL": 4, "RBX": None}
    assert grades(client, lille, "?campaign=2") == {"LIL": None, "RBX": None}
    missing = client.get(
        "/api/residences?campaign=99", headers={"Authorization": f"Bearer {admin}"}
    )
    assert missing.status_code == 404
