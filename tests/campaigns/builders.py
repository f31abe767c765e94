"""A hand-made territory in the MEL (Lille, Roubaix) plus one residence in the CU d'Arras, one
account per role with its API token, and helpers to drive campaigns through the API."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text

MEL = "200093201"
CU_ARRAS = "200033579"
LILLE, ROUBAIX, ARRAS = "59350", "59512", "62041"
LANDLORD_A, LANDLORD_B = "Bailleur A (test)", "Bailleur B (test)"

RESIDENCES_CSV = f"""code;nom;bailleur;siren;commune_insee;nb_logements;lon;lat
L1;Résidence des Tilleuls;{LANDLORD_A};900000101;{LILLE};100;3.0550;50.6308
L2;Résidence du Beffroi;{LANDLORD_B};900000102;{LILLE};50;3.0560;50.6310
L3;Résidence Vauban;{LANDLORD_A};900000101;{LILLE};30;3.0540;50.6305
R1;Résidence de l'Épeule;{LANDLORD_A};900000101;{ROUBAIX};80;3.1843;50.6888
R2;Résidence du Pile;{LANDLORD_B};900000102;{ROUBAIX};40;3.1850;50.6890
A1;Résidence des Arts;{LANDLORD_A};900000101;{ARRAS};20;2.7663;50.2896
"""
"""Dwellings: Lille 180, Roubaix 120 (MEL 300); in the MEL landlord A has 210, landlord B 90."""

ACCOUNTS = {
    "admin": ("admin", [MEL]),
    "admin_arras": ("admin", [CU_ARRAS]),
    "lille": ("commune", [LILLE]),
    "roubaix": ("commune", [ROUBAIX]),
    "bailleur_a": ("bailleur", [LANDLORD_A]),
    "bailleur_b": ("bailleur", ["900000102"]),
    "elu": ("elu", [LILLE]),
    "reader": ("reader", [MEL]),
}
STEPS = ("preparation", "grading", "harmonisation", "closed")


@dataclass
class Territory:
    """The test client, the database and a Bearer header per account name."""

    client: TestClient
    engine: Engine
    headers: dict[str, dict[str, str]]

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()

    def call(self, method: str, path: str, who: str | None = None, **kwargs) -> Response:
        headers = self.headers[who] if who else {}
        return self.client.request(method, path, headers=headers, **kwargs)

    def new_campaign(self, status: str = "grading", name: str = "MEL 2026", year: int = 2026):
        """A campaign of the MEL created through the API and walked to `status`; its id."""
        response = self.call(
            "POST", "/api/campaigns", "admin", json={"epci": MEL, "name": name, "year": year}
        )
        assert response.status_code == 201, response.text
        campaign_id = response.json()["id"]
        for step in STEPS[1 : STEPS.index(status) + 1]:
            self.move(campaign_id, step)
        return campaign_id

    def move(self, campaign_id: int, status: str) -> None:
        moved = self.call(
            "PATCH", f"/api/campaigns/{campaign_id}", "admin", json={"status": status}
        )
        assert moved.status_code == 200, moved.text

    def grade(self, who: str, campaign_id: int, code: str, side: str, value, comment=None):
        return self.call(
            "PUT",
            f"/api/campaigns/{campaign_id}/grades/{code}",
            who,
            json={"side": side, "value": value, "comment": comment},
        )

    def harmonise(
        self,
        who: str,
        campaign_id: int,
        code: str,
        value,
        expected_version: int,
        rationale: str = "décidé en séance",
    ):
        return self.call(
            "PUT",
            f"/api/campaigns/{campaign_id}/harmonisations/{code}",
            who,
            json={"value": value, "expected_version": expected_version, "rationale": rationale},
        )
