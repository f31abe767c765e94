"""docs/nouveau-territoire.md, run: from an empty database, the documented commands set up
Toulouse Métropole from files shaped like the official ones, then a first campaign runs there
(created through the API, accounts from the command line, grades through the writer,
harmonised, closed)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from app.auth.principal import load_principal
from app.campaigns.service import get_campaign
from app.campaigns.writer import GradeEntry, write_grades
from app.cli import cli
from app.core.database import get_engine
from app.core.settings import PROJECT_ROOT, get_settings
from app.main import create_app
from tests.importers.test_reference import write_residences
from tests.territory_files import (
    BLAGNAC,
    COLOMIERS,
    COMMUNES,
    LILLE,
    MURET,
    TOULOUSE,
    TOULOUSE_METROPOLE,
    write_admin_express,
    write_qpv_2024,
)

DOC = PROJECT_ROOT / "docs" / "nouveau-territoire.md"
SECTION = "## Les commandes, dans l'ordre"


def documented_commands() -> list[list[str]]:
    """The `qualiparc …` lines of the first shell block of the doc's command section."""
    section = DOC.read_text(encoding="utf-8").split(SECTION, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, f"pas de bloc ```sh dans « {SECTION} »"
    lines = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    assert all(line.startswith("qualiparc ") for line in lines), lines
    return [shlex.split(line)[1:] for line in lines]


@pytest.fixture
def blank_database(cluster, monkeypatch):
    """A database just created: no table, no extension, as an operator gets it."""
    name = f"qualiparc_blank_{os.getpid()}"
    cluster.create_database(name)
    monkeypatch.setenv("QUALIPARC_DATABASE_URL", cluster.url(name))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield get_engine()
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()
    cluster.drop_database(name)


RESIDENCES = [
    ("TLS-1", TOULOUSE, 0.2, 0.2),  # in the Toulouse QPV
    ("TLS-2", TOULOUSE, 0.7, 0.7),
    ("TLS-3", TOULOUSE, 0.8, 0.3),
    ("COL-1", COLOMIERS, 0.75, 0.75),  # in the Colomiers QPV
    ("BLA-1", BLAGNAC, 0.5, 0.5),
]


def official_files(tmp_path: Path) -> dict[str, Path]:
    """The doc's file names → files of the same shape, built here."""
    residences = write_residences(
        tmp_path / "residences.csv", [(c, k) for c, k, _, _ in RESIDENCES]
    )
    return {
        "ADMIN-EXPRESS-COG-CARTO.gpkg": write_admin_express(tmp_path / "ign", "4.0-gpkg"),
        "QPV-2024-ANCT.gpkg": write_qpv_2024(tmp_path / "qpv.gpkg"),
        "residences.csv": _moved(residences),
        "rejets.csv": tmp_path / "rejets.csv",
    }


def _moved(path: Path) -> Path:
    """Each residence at its own place within its commune's square (`RESIDENCES`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, (code, commune, dx, dy) in enumerate(RESIDENCES, start=1):
        point = COMMUNES[commune].point(dx, dy)
        cells = lines[i].split(",")
        assert cells[0] == code
        cells[-2:] = [f"{point.x:.6f}", f"{point.y:.6f}"]
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_documented_path_sets_up_toulouse_metropole_and_runs_a_campaign(
    blank_database, reference_dir, tmp_path
):
    files = official_files(tmp_path)
    runner = CliRunner()
    outputs: dict[str, str] = {}
    for args in documented_commands():
        args = [str(files.get(arg, arg)) for arg in args]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, f"qualiparc {' '.join(args)}\n{result.output}"
        outputs[" ".join(args[:2])] = " ".join(result.output.split())

    ran = set(outputs)
    assert {"migrate", "import territory", "import qpv", "import residences", "user add"} <= ran
    assert "millésime 2026 : EPCI 243100518 Toulouse Métropole" in outputs["import territory"]
    assert "5 communes, 1 EPCI, 1 département, 1 région" in outputs["import territory"]
    assert "2 QPV hors du territoire chargé, ignorés" in outputs["import qpv"]
    assert "5 résidences ajoutées" in outputs["import residences"]
    token = outputs["token create"].split()[-1]
    admin = {"Authorization": f"Bearer {token}"}

    engine = blank_database
    with engine.connect() as conn:
        placed = dict(conn.execute(text("SELECT code, qpv_code FROM residence")).all())
        epci = set(conn.execute(text("SELECT DISTINCT epci_siren FROM residence")).scalars())
        loaded = set(conn.execute(text("SELECT insee FROM commune")).scalars())
        accounts = dict(conn.execute(text("SELECT email, id FROM account")).all())
    assert epci == {TOULOUSE_METROPOLE}
    assert placed == {
        "TLS-1": "QN03101M",
        "TLS-2": None,
        "TLS-3": None,
        "COL-1": "QN03102N",
        "BLA-1": None,
    }
    assert LILLE not in loaded and MURET not in loaded

    with TestClient(create_app()) as client:
        created = client.post(
            "/api/campaigns",
            json={"epci": TOULOUSE_METROPOLE, "name": "Toulouse 2026", "year": 2026},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]
        phase = client.patch(
            f"/api/campaigns/{campaign_id}", json={"status": "grading"}, headers=admin
        )
        assert phase.status_code == 200, phase.text

        with engine.begin() as conn:
            campaign = get_campaign(conn, campaign_id)
            commune = load_principal(conn, accounts["logement@mairie-toulouse.fr"])
            landlord = load_principal(conn, accounts["qualification@promologis.fr"])
            write_grades(
                conn,
                commune,
                campaign,
                "commune",
                [GradeEntry("TLS-1", 1), GradeEntry("TLS-2", 3), GradeEntry("TLS-3", 4)],
            )
            write_grades(
                conn,
                landlord,
                campaign,
                "bailleur",
                [GradeEntry("TLS-1", 3), GradeEntry("TLS-2", 3), GradeEntry("COL-1", 2)],
            )

        phase = client.patch(
            f"/api/campaigns/{campaign_id}", json={"status": "harmonisation"}, headers=admin
        )
        assert phase.status_code == 200, phase.text
        decided = client.put(
            f"/api/campaigns/{campaign_id}/harmonisations/TLS-1",
            json={"value": 2, "rationale": "accord en réunion", "expected_version": 0},
            headers=admin,
        )
        assert decided.status_code == 200, decided.text
        closed = client.patch(
            f"/api/campaigns/{campaign_id}", json={"status": "closed"}, headers=admin
        )
        assert closed.status_code == 200, closed.text
        stats = client.get(f"/api/campaigns/{campaign_id}/stats", headers=admin).json()
        late = client.put(
            f"/api/campaigns/{campaign_id}/harmonisations/TLS-1",
            json={"value": 4, "expected_version": 1},
            headers=admin,
        )

    assert stats["status"] == "closed"
    assert late.status_code == 409
    with engine.connect() as conn:
        agreed = dict(
            conn.execute(
                text(
                    "SELECT r.code, cr.agreed_grade FROM campaign_residence cr"
                    " JOIN residence r ON r.id = cr.residence_id WHERE cr.campaign_id = :c"
                ),
                {"c": campaign_id},
            ).all()
        )
    assert agreed == {"TLS-1": 2, "TLS-2": 3, "TLS-3": None, "COL-1": None, "BLA-1": None}
