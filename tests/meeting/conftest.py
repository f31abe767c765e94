"""Fixtures of the meeting tests: a small hand-made campaign, a server of our own."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from app.auth.accounts import create_account, create_token
from app.core.database import sqlalchemy_url
from tests.meeting.support import (
    ARRAS,
    CU_ARRAS,
    PASSWORD,
    RESIDENCES,
    MeetingServer,
    SmallCampaign,
)
from tests.servers import running_app
from tests.territory import grade


@pytest.fixture
def small_campaign(engine: Engine) -> SmallCampaign:
    """A campaign of the CU d'Arras in harmonisation, with the residences of `RESIDENCES`."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO qpv (code, name, communes, source, geom) VALUES ('QN06201M',"
                " 'Quartier d''essai', '{62041}', 'demo', ST_Multi(ST_Buffer("
                "ST_SetSRID(ST_MakePoint(2.78, 50.29), 4326)::geography, 300)::geometry))"
            )
        )
        for landlord in ("Alpha Habitat", "Beta Logement"):
            conn.execute(text("INSERT INTO bailleur (name) VALUES (:n)"), {"n": landlord})
        campaign_id = conn.execute(
            text(
                "INSERT INTO campaign (epci_siren, name, year, status)"
                " VALUES (:epci, 'Arras 2026', 2026, 'harmonisation') RETURNING id"
            ),
            {"epci": CU_ARRAS},
        ).scalar_one()
        for number, (code, commune, landlord, dwellings, gc, gb, agreed) in enumerate(RESIDENCES):
            conn.execute(
                text(
                    "INSERT INTO residence (code, name, bailleur_id, commune_insee, epci_siren,"
                    " qpv_code, nb_logements, is_demo, geom)"
                    " SELECT :code, :name, b.id, :commune, :epci, :qpv, :dwellings, true,"
                    " ST_SetSRID(ST_MakePoint(2.78 + :dx, 50.29), 4326)"
                    " FROM bailleur b WHERE b.name = :landlord"
                ),
                {
                    "code": code,
                    "name": f"Résidence {code}",
                    "commune": commune,
                    "epci": CU_ARRAS,
                    "qpv": "QN06201M" if code == "R1" else None,
                    "dwellings": dwellings,
                    "dx": number * 0.001,
                    "landlord": landlord,
                },
            )
            grade(conn, campaign_id, code, gc, gb, agreed, "accord en séance")
        emails = {
            "admin": "admin@arras.test",
            "elu": "elu@arras.test",
            "commune": "mairie@arras.test",
            "other_admin": "admin@lille.test",
        }
        create_account(conn, emails["admin"], "admin", [CU_ARRAS], password=PASSWORD)
        create_account(conn, emails["elu"], "elu", [CU_ARRAS], password=PASSWORD)
        create_account(conn, emails["commune"], "commune", [ARRAS], password=PASSWORD)
        create_account(conn, emails["other_admin"], "admin", ["200093201"], password=PASSWORD)
    return SmallCampaign(campaign_id, engine, emails)


# --- A server of our own (two workers) on a copy of the demo -----------------------------------


@pytest.fixture(scope="session")
def meeting_server(demo_copy: Callable[[str], str]) -> Iterator[MeetingServer]:
    """`qualiparc serve --workers 2` on a copy of the demo, with an admin and an elected official
    of the CU d'Arras; tests may record harmonisations there."""
    url = demo_copy(f"qualiparc_meeting_{os.getpid()}")
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        create_account(conn, "animation@arras.test", "admin", [CU_ARRAS], password=PASSWORD)
        create_account(conn, "elu-reunion@arras.test", "elu", [CU_ARRAS], password=PASSWORD)
        admin_token = create_token(conn, "animation@arras.test")
        elu_token = create_token(conn, "elu-reunion@arras.test")
        campaign_id = conn.execute(
            text(
                "SELECT id FROM campaign WHERE epci_siren = :e AND status = 'harmonisation'"
                " ORDER BY year DESC LIMIT 1"
            ),
            {"e": CU_ARRAS},
        ).scalar_one()
    engine.dispose()
    with running_app(url, workers=2) as base:
        yield MeetingServer(
            base,
            url,
            campaign_id,
            "animation@arras.test",
            "elu-reunion@arras.test",
            admin_token,
            elu_token,
        )
