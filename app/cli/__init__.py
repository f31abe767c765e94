"""The `qualiparc` command line (typer): migrations, imports, demo, server."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from app.cli import french, importing, users
from app.cli.importing import progress_bar
from geo.report import thousands

french.install()
console = Console(stderr=True)
cli = typer.Typer(
    help="qualiparc : qualification du parc social sur une carte.",
    no_args_is_help=True,
    add_completion=False,
    subcommand_metavar=french.SUBCOMMAND,
)
cli.add_typer(importing.cli, name="import")
cli.add_typer(users.cli, name="user")
cli.add_typer(users.tokens, name="token")


@cli.command()
def migrate() -> None:
    """Applique les migrations de la base (Alembic, jusqu'à la dernière version)."""
    from app.core.migrate import upgrade

    upgrade()
    console.print("[green]Base à jour.[/green]")


@cli.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Ne rien faire si la base contient déjà des données.")
    ] = False,
    seed: Annotated[
        int, typer.Option(help="Graine du générateur (données reproductibles).")
    ] = 2026,
) -> None:
    """Charge le territoire de démonstration (données fictives) dans une base vide."""
    from app.core.database import get_engine
    from app.demo.accounts import create_demo_accounts
    from app.demo.loader import STEPS, DatabaseNotEmpty, has_residences, load_demo

    engine = get_engine()
    with engine.connect() as conn:
        if if_empty and has_residences(conn):
            console.print("Base déjà peuplée : démonstration non rechargée.")
            return
    try:
        with progress_bar("Démonstration", STEPS) as progress, engine.begin() as conn:
            summary = load_demo(conn, progress=progress)
            accounts = create_demo_accounts(conn)
    except DatabaseNotEmpty as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    t = summary.territory
    console.print(
        f"[green]Démonstration chargée[/green] : {thousands(t.communes)} communes, "
        f"{thousands(t.epci)} EPCI ({thousands(t.merged_polygons)} polygones de communes "
        f"fusionnées rattachés), {thousands(summary.residences)} résidences fictives, "
        f"{thousands(summary.qpv)} QPV de démonstration, {thousands(summary.campaigns)} "
        f"campagnes, {thousands(summary.grades)} notes, {thousands(summary.harmonised)} "
        f"harmonisations, {thousands(summary.vacancies)} résidences avec des logements vacants."
    )
    rows = [("e-mail", "rôle", "périmètre", "mot de passe")] + [
        (a.email, a.role, a.scope, a.password or "(compte existant, inchangé)") for a in accounts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    typer.echo("Comptes de démonstration :")
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        typer.echo("  ".join([*cells, row[3]]))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute.")] = 8000,
    workers: Annotated[int, typer.Option(help="Nombre de processus.")] = 1,
) -> None:
    """Sert l'application web (carte et API). Exige une clé secrète (QUALIPARC_SECRET_KEY, ou
    celle de l'installation locale créée par `make run`)."""
    import uvicorn

    from app.core.database import resolve_database_url
    from app.core.keys import SecretKeyError, secret_key
    from app.core.settings import get_settings

    listened = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    os.environ.setdefault("QUALIPARC_WARM_URL", f"http://{listened}:{port}")
    get_settings.cache_clear()
    try:
        secret_key()
    except SecretKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    os.environ["QUALIPARC_DATABASE_URL"] = resolve_database_url()
    console.print(f"qualiparc sert sur [bold]http://{host}:{port}/[/bold]")
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=3,
        # Longer than clients' idle keep-alive (httpx and browsers: 5 s and more), so that the
        # server never closes a connection just as a client reuses it (no answer, no retry).
        timeout_keep_alive=75,
    )


@cli.command("local-key")
def local_key() -> None:
    """Crée la clé secrète de cette installation locale si elle manque (.qualiparc/secret_key,
    lisible par vous seul) ; `make run` l'appelle. En production : QUALIPARC_SECRET_KEY."""
    from app.core.keys import ensure_local_key

    typer.echo(ensure_local_key())


@cli.command("database-url")
def database_url() -> None:
    """Affiche l'URL de la base utilisée (démarre le cluster local si besoin)."""
    from app.core.database import resolve_database_url

    typer.echo(resolve_database_url())


def main() -> None:
    """The `qualiparc` command; an unreadable QUALIPARC_… setting is a French line, exit 1."""
    from app.core.settings import SettingsError

    try:
        cli(prog_name="qualiparc")
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise SystemExit(1) from None
