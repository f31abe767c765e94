"""No default secret key: `serve` and the application refuse to start without one (in French),
except with the per-install key that `make run` writes, mode 600, in the local state folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.core.keys import SecretKeyError, secret_key
from app.main import create_app


@pytest.fixture
def no_key(settings_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No QUALIPARC_SECRET_KEY, and a key file path where nothing exists yet."""
    settings_env.delenv("QUALIPARC_SECRET_KEY", raising=False)
    key_file = tmp_path / "etat" / "secret_key"
    settings_env.setenv("QUALIPARC_SECRET_KEY_FILE", str(key_file))
    return key_file


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """`uvicorn.run` recorded instead of run, and no database started (`serve` exports the
    database URL: the variable is restored afterwards)."""
    import uvicorn

    calls: list[dict] = []
    url = "postgresql://postgres@127.0.0.1/x"
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr("app.core.database.resolve_database_url", lambda: url)
    monkeypatch.setenv("QUALIPARC_DATABASE_URL", url)
    return calls


def serve():
    return CliRunner().invoke(cli, ["serve"], catch_exceptions=False)


def test_serve_refuses_to_start_without_a_key(no_key: Path, served: list[dict]):
    result = serve()
    assert result.exit_code == 1 and not served
    assert "Aucune clé secrète" in result.output and "QUALIPARC_SECRET_KEY" in result.output


@pytest.mark.parametrize("weak", ["change-me-in-production", "court"])
def test_serve_refuses_a_published_or_short_key(
    no_key: Path, served: list[dict], settings_env: pytest.MonkeyPatch, weak: str
):
    settings_env.setenv("QUALIPARC_SECRET_KEY", weak)
    result = serve()
    assert result.exit_code == 1 and not served
    assert "trop courte ou publique" in result.output


def test_the_local_install_key_is_made_once_private_and_used(no_key: Path, served: list[dict]):
    made = CliRunner().invoke(cli, ["local-key"], catch_exceptions=False)
    assert made.exit_code == 0 and made.stdout.strip() == str(no_key)
    assert stat.S_IMODE(no_key.stat().st_mode) == 0o600
    key = no_key.read_text().strip()
    assert len(key) >= 48
    CliRunner().invoke(cli, ["local-key"], catch_exceptions=False)
    assert no_key.read_text().strip() == key
    assert secret_key() == key.encode()
    assert serve().exit_code == 0 and len(served) == 1


def test_a_key_file_readable_by_others_is_refused(no_key: Path, served: list[dict]):
    no_key.parent.mkdir(parents=True)
    no_key.write_text("x" * 64)
    no_key.chmod(0o644)
    result = serve()
    assert result.exit_code == 1 and "chmod 600" in result.output


def test_the_application_itself_refuses_to_start_without_a_key(no_key: Path):
    with pytest.raises(SecretKeyError), TestClient(create_app()):
        pass
