"""A project-local PostgreSQL cluster, so that `make run` and `make test` need no system service.

PostgreSQL refuses to run as root: when we are root, the cluster belongs to the `postgres` system
user and every server command runs through `runuser`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "qualiparc"
SERVER_OPTIONS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "shared_buffers": "256MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "jit": "off",
    "fsync": "on",
}


class ClusterError(RuntimeError):
    """The local cluster could not be created or started."""


def postgres_bindir() -> Path:
    """The directory of the PostgreSQL 15 server binaries."""
    for candidate in (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/pgsql/bin")):
        if (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise ClusterError(
        "PostgreSQL 15 est introuvable. Installez-le : "
        "apt-get install -y postgresql-15 postgresql-15-postgis-3"
    )


def postgis_available() -> bool:
    """Whether the PostGIS extension files are installed for PostgreSQL 15."""
    return any(Path("/usr/share/postgresql/15/extension").glob("postgis.control"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else cmd


def _reachable_by_postgres(path: Path) -> bool:
    if not _is_root():
        return True
    probe = path if path.exists() else path.parent
    while not probe.exists():
        probe = probe.parent
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(probe)], capture_output=True
    )
    return result.returncode == 0


@dataclass
class LocalCluster:
    """A PostgreSQL cluster living in `directory`, listening on 127.0.0.1 only (trust auth)."""

    directory: Path
    fast: bool = False
    """Throwaway clusters (tests) trade durability for speed."""

    def __post_init__(self) -> None:
        self.directory = Path(self.directory).resolve()
        if not _reachable_by_postgres(self.directory):
            digest = hashlib.sha1(str(self.directory).encode()).hexdigest()[:10]
            self.directory = Path(tempfile.gettempdir()) / f"qualiparc-{digest}" / "pg"

    @property
    def datadir(self) -> Path:
        return self.directory / "data"

    @property
    def port_file(self) -> Path:
        return self.directory / "port"

    @property
    def port(self) -> int:
        return int(self.port_file.read_text().strip())

    def url(self, database: str = DB_NAME) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(_as_server_user(cmd), capture_output=True, text=True, **kwargs)

    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        result = self._run([str(postgres_bindir() / "pg_ctl"), "status", "-D", str(self.datadir)])
        return result.returncode == 0

    def init(self) -> None:
        """Create the data directory (`initdb`) owned by the server user."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(self.directory, "postgres", "postgres")
        result = self._run(
            [
                str(postgres_bindir() / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                *(["--no-sync"] if self.fast else []),
            ]
        )
        if result.returncode != 0:
            raise ClusterError(f"initdb a échoué :\n{result.stderr}")

    def start(self) -> None:
        """Start the server on a free port (the one used last time when it is still free)."""
        port = self.port if self.port_file.exists() else free_port()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            port = free_port()
        except OSError:
            pass
        self.port_file.write_text(f"{port}\n")
        options = dict(
            SERVER_OPTIONS, port=str(port), unix_socket_directories=f"'{self.directory}'"
        )
        if self.fast:
            options.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        opts = " ".join(f"-c {key}={value}" for key, value in options.items())
        result = self._run(
            [
                str(postgres_bindir() / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.datadir),
                "-l",
                str(self.directory / "server.log"),
                "-o",
                opts,
            ]
        )
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise ClusterError(f"Le serveur PostgreSQL n'a pas démarré :\n{result.stderr}\n{tail}")

    def stop(self) -> None:
        if self.running():
            self._run(
                [str(postgres_bindir() / "pg_ctl"), "stop", "-m", "fast", "-D", str(self.datadir)]
            )

    def create_database(self, name: str = DB_NAME, template: str | None = None) -> None:
        """Create `name` unless it exists."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                clause = f' TEMPLATE "{template}"' if template else ""
                conn.execute(f'CREATE DATABASE "{name}"{clause}')

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def ensure(self, database: str = DB_NAME) -> str:
        """Initialise and start the cluster when needed, create the database; return its URL."""
        if not postgis_available():
            raise ClusterError(
                "PostGIS n'est pas installé. Lancez : apt-get install -y postgresql-15-postgis-3"
            )
        if not self.initialised():
            self.init()
        if not self.running():
            self.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.create_database(database)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        return self.url(database)

    def destroy(self) -> None:
        """Stop the server and delete its files (throwaway clusters only)."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
