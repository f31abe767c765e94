"""`qualiparc user …` and `qualiparc token …`: accounts and personal API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from app.cli.french import SUBCOMMAND
from app.core.errors import QualiparcError

console = Console(stderr=True)
cli = typer.Typer(
    help="Comptes : création, mot de passe, désactivation, liste.",
    no_args_is_help=True,
    subcommand_metavar=SUBCOMMAND,
)
tokens = typer.Typer(
    help="Jetons d'API personnels (en-tête Authorization: Bearer …) : création, liste, révocation.",
    no_args_is_help=True,
    subcommand_metavar=SUBCOMMAND,
)

T = TypeVar("T")


def _in_transaction(action: Callable[..., T]) -> T:
    """Run `action(conn)` in one transaction; a user error is printed in French, exit 1."""
    from app.core.database import get_engine

    try:
        with get_engine().begin() as conn:
            return action(conn)
    except QualiparcError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None


@cli.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Adresse e-mail (identifiant de connexion).")],
    role: Annotated[str, typer.Option("--role", help="admin, commune, bailleur, elu ou reader.")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help="Périmètre, répétable : SIREN d'EPCI, code INSEE de commune, nom ou SIREN de "
            "bailleur ; « * » pour un administrateur de tous les EPCI (jamais implicite).",
        ),
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    password: Annotated[
        str | None, typer.Option("--password", help="Mot de passe (sinon il est généré).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Nom affiché.")] = None,
) -> None:
    """Crée un compte ; le mot de passe généré est affiché une seule fois."""
    from app.auth.accounts import create_account
    from app.auth.passwords import new_password

    chosen = password or new_password()
    _in_transaction(
        lambda conn: create_account(conn, email, role, scope, password=chosen, display_name=name)
    )
    console.print(f"[green]Compte {email.strip().lower()} créé[/green] (rôle {role}).")
    if not password:
        typer.echo(f"Mot de passe : {chosen}")


@cli.command("password")
def password(
    email: Annotated[str, typer.Argument(help="Adresse e-mail du compte.")],
    new: Annotated[
        str | None, typer.Option("--password", help="Nouveau mot de passe (sinon il est généré).")
    ] = None,
) -> None:
    """Change le mot de passe d'un compte ; ses sessions ouvertes prennent fin."""
    from app.auth.accounts import set_password
    from app.auth.passwords import new_password

    chosen = new or new_password()
    _in_transaction(lambda conn: set_password(conn, email, chosen))
    console.print(f"[green]Mot de passe de {email.strip().lower()} changé.[/green]")
    if not new:
        typer.echo(f"Mot de passe : {chosen}")


@cli.command("list")
def list_accounts() -> None:
    """Liste les comptes, leur rôle et leur périmètre."""
    from rich.table import Table
    from sqlalchemy import text

    rows = _in_transaction(
        lambda conn: conn.execute(
            text(
                "SELECT a.email, a.role, a.active,"
                " string_agg(s.kind || ' ' || s.code, ', ' ORDER BY s.kind, s.code) AS scope"
                " FROM account a LEFT JOIN account_scope s ON s.account_id = a.id"
                " GROUP BY a.id ORDER BY a.email"
            )
        ).all()
    )
    table = Table("e-mail", "rôle", "périmètre", "actif")
    for row in rows:
        table.add_row(row.email, row.role, row.scope or "", "oui" if row.active else "non")
    Console().print(table)


def _set_active(email: str, active: bool) -> None:
    from app.auth.accounts import account_id_of, set_active

    _in_transaction(lambda conn: set_active(conn, account_id_of(conn, email), active))


@cli.command("disable")
def disable(email: Annotated[str, typer.Argument(help="Adresse e-mail du compte.")]) -> None:
    """Désactive un compte : ses sessions prennent fin, ses jetons d'API sont révoqués."""
    _set_active(email, False)
    console.print(f"[green]Compte {email.strip().lower()} désactivé.[/green]")


@cli.command("enable")
def enable(email: Annotated[str, typer.Argument(help="Adresse e-mail du compte.")]) -> None:
    """Réactive un compte (il se reconnecte et demande de nouveaux jetons)."""
    _set_active(email, True)
    console.print(f"[green]Compte {email.strip().lower()} réactivé.[/green]")


@tokens.command("create")
def create_token(
    email: Annotated[str, typer.Argument(help="Adresse e-mail du compte.")],
) -> None:
    """Crée un jeton d'API et l'écrit seul sur la sortie standard (il n'est pas conservé)."""
    from app.auth.accounts import create_token as new_token

    typer.echo(_in_transaction(lambda conn: new_token(conn, email)))


@tokens.command("list")
def list_tokens(
    email: Annotated[str | None, typer.Argument(help="Adresse e-mail du compte.")] = None,
    all_accounts: Annotated[
        bool, typer.Option("--all", help="Les jetons de tous les comptes.")
    ] = False,
) -> None:
    """Liste les jetons d'un compte (ou de tous avec --all) : numéro, création, dernier usage."""
    from rich.table import Table

    from app.auth.accounts import list_tokens as tokens_of

    if (email is None) == (not all_accounts):
        console.print("[red]Donnez une adresse e-mail, ou --all pour tous les comptes.[/red]")
        raise typer.Exit(1)
    rows = _in_transaction(lambda conn: tokens_of(conn, email))
    table = Table("n°", "e-mail", "créé le", "dernier usage", "état")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["email"],
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            f"{row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "jamais",
            f"révoqué le {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "actif",
        )
    Console().print(table)


@tokens.command("revoke")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="Numéro du jeton (qualiparc token list).")],
) -> None:
    """Révoque un jeton d'API : il est refusé dès la requête suivante."""
    from app.auth.accounts import revoke_token as revoke

    _in_transaction(lambda conn: revoke(conn, token_id))
    console.print(f"[green]Jeton {token_id} révoqué.[/green]")
