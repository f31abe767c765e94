"""The command line speaks French: usage errors, help and pydantic's validation (issue #9:
« Invalid value for 'file' »)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.settings import PROJECT_ROOT

ENGLISH = (
    "Usage",
    "Try ",
    "Error",
    "Invalid value",
    "Missing",
    "No such",
    "does not exist",
    "Input should",
    "unexpected",
    "requires",
    "Show this message",
    "Commands",
    "[required]",
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, " ".join(result.output.replace("│", " ").split())


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (
            ("import", "iris", "/absent/iris.geojson"),
            "Valeur invalide pour 'file' : fichier '/absent/iris.geojson' introuvable.",
        ),
        (("import", "iris", "/"), "Valeur invalide pour 'file' : fichier '/' : c'est un dossier."),
        (("import", "residences"), "Argument manquant : 'file'."),
        (("import", "grades", "/"), "Valeur invalide pour 'file'"),
        (("user", "add", "a@b.fr"), "Option manquante : '--role'."),
        (("import", "residences", "x.csv", "--nope"), "Option inconnue : --nope"),
        (
            ("import", "residences", "x.csv", "--colum", "a=b"),
            "Option inconnue : --colum (options proches : --column)",
        ),
        (("import", "residences", "x.csv", "--crs"), "L'option --crs attend une valeur."),
        (("import", "inconnu"), "Commande inconnue : « inconnu »."),
        (("token", "revoke", "dix"), "Valeur invalide pour 'token_id' : attendu un nombre entier"),
        (("serve", "--port", "x"), "Valeur invalide pour '--port' : attendu un nombre entier"),
    ],
)
def test_usage_errors_are_french(args, french):
    code, output = run(*args)
    assert code == 2
    assert french in output
    assert "Erreur" in output
    assert not [word for word in ENGLISH if word in output], output


def test_usage_line_and_hint_are_french(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("code\n")
    code, output = run("import", "attributions", str(path), "--year", "1999", "extra")
    assert code == 2
    assert output.startswith("Utilisation : root import attributions [OPTIONS]")
    assert "Aide : root import attributions --help" in output
    code, output = run("import", "attributions", str(path), "--year", "1999")
    assert "Valeur invalide pour '--year' : doit être supérieur ou égal à 2000" in output


@pytest.mark.parametrize("args", [(), ("import", "--help"), ("import", "iris", "--help")])
def test_help_is_french(args):
    _, output = run(*args)
    assert "Utilisation :" in output
    assert "Affiche cette aide et quitte." in output or "COMMANDE" in output
    assert not [word for word in ENGLISH if word in output], output


def test_an_unreadable_setting_is_a_french_line_not_a_traceback():
    """Issue #9: « Input should be a valid boolean » came from a QUALIPARC_… variable."""
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "QUALIPARC_SECURE_COOKIES": "oui",
        "QUALIPARC_DB_POOL_SIZE": "dix",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "database-url"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert " ".join(done.stderr.split()) == (
        "Réglage invalide : QUALIPARC_DB_POOL_SIZE : attendu un nombre entier ; "
        "QUALIPARC_SECURE_COOKIES : attendu true ou false."
    )
