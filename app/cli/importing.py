"""`qualiparc import …`: each import applies whole or writes nothing, exiting non-zero on error."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress

from app.core.audit import COMMAND_LINE, record
from app.core.progress import Progress
from geo.report import ImportRejected, report_lines, thousands, write_report

console = Console(stderr=True)
CONSOLE_LINES = 50
"""Report lines printed on a rejection; `--report` writes them all."""
cli = typer.Typer(help="Importe des fichiers (CSV, XLSX, GeoJSON, GeoPackage, Shapefile).")

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Fichier à importer.")]
CrsOpt = Annotated[
    str | None,
    typer.Option("--crs", help="Système de coordonnées : EPSG:2154 (Lambert-93) ou EPSG:4326."),
]
ReportOpt = Annotated[
    Path | None, typer.Option("--report", help="Écrit le rapport des lignes rejetées (CSV).")
]


@contextmanager
def progress_bar(label: str, steps: Sequence[str]) -> Iterator[Progress]:
    """A progress bar over the named `steps` of long work; the callback starts the next one."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=len(steps))
        started = False

        def start(step: str) -> None:
            nonlocal started
            if started:
                bar.advance(task)
            started = True
            bar.update(task, description=f"{label} : {step}")

        yield start
        bar.update(task, completed=len(steps))


def run_import(
    action: Callable,
    report: Path | None,
    label: str,
    steps: Sequence[str] = (),
    *,
    audit: tuple[str, Path | str] | None = None,
):
    """Run `action(conn)` — `action(conn, progress)` when it has `steps` — in one transaction,
    logged in the audit log as `audit` (action, file) with its summary; on rejection print and
    write the report, exit 1."""
    from app.core.database import get_engine

    def logged(conn, *args):
        result = action(conn, *args)
        if audit is not None:
            name, target = audit
            details = asdict(result) if is_dataclass(result) else {"nombre": result}
            record(
                conn,
                name,
                actor_id=None,
                actor_label=COMMAND_LINE,
                target=str(target),
                details=details,
            )
        return result

    try:
        if not steps:
            with console.status(f"{label}…"), get_engine().begin() as conn:
                return logged(conn)
        with progress_bar(label, steps) as progress, get_engine().begin() as conn:
            return logged(conn, progress)
    except ImportRejected as rejected:
        count = len(rejected.errors)
        console.print(
            f"[red]Import refusé, rien n'a été écrit[/red] : {thousands(count)} "
            f"erreur{'s' if count > 1 else ''}."
        )
        lines = report_lines(rejected.errors)
        for line in lines[:CONSOLE_LINES]:
            console.print(f"  • {line.describe()}", markup=False)
        rest = sum(line.count for line in lines[CONSOLE_LINES:])
        if rest:
            console.print(f"  … et {thousands(rest)} autres (voir le rapport).")
        if report:
            write_report(rejected.errors, report)
            console.print(f"Rapport écrit dans {report}")
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        console.print(f"[red]Import refusé, rien n'a été écrit[/red] : {exc}")
        raise typer.Exit(1) from None


@cli.command("residences")
def residences(
    file: FileArg,
    crs: CrsOpt = None,
    report: ReportOpt = None,
    column: Annotated[
        list[str],
        typer.Option("--column", help="Correspondance explicite champ=colonne, ex. code=ID_RES."),
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
) -> None:
    """Importe ou met à jour des résidences (clé : leur code)."""
    from app.importers.residences import STEPS, import_residences

    mapping = {}
    for item in column:
        key, _, value = item.partition("=")
        if not value:
            console.print(f"[red]--column « {item} » : attendu champ=colonne.[/red]")
            raise typer.Exit(2)
        mapping[key.strip()] = value.strip()
    summary = run_import(
        lambda conn, progress: import_residences(
            conn, file, crs=crs, columns=mapping or None, progress=progress
        ),
        report,
        "Import des résidences",
        STEPS,
        audit=("import.residences", file),
    )
    for warning in summary.warnings:
        console.print(f"[yellow]Attention[/yellow] : {warning}")
    console.print(
        f"[green]{summary.inserted} résidences ajoutées, {summary.updated} mises à jour[/green] "
        f"({summary.in_qpv} dans un QPV, {summary.grades} notes enregistrées)."
    )


@cli.command("qpv")
def qpv(file: FileArg, crs: CrsOpt = None, report: ReportOpt = None) -> None:
    """Importe les périmètres QPV officiels (fichier ANCT tel que publié)."""
    from app.importers.qpv import STEPS, import_qpv

    summary = run_import(
        lambda conn, progress: import_qpv(conn, file, crs=crs, progress=progress),
        report,
        "Import des QPV",
        STEPS,
        audit=("import.qpv", file),
    )
    for warning in summary.warnings:
        console.print(f"[yellow]Attention[/yellow] : {warning}")
    console.print(
        f"[green]{summary.imported} QPV importés[/green] (liste {summary.vintage or 'inconnue'}, "
        f"{summary.repaired} géométries réparées, {summary.demo_removed} QPV de démonstration "
        f"retirés) ; {summary.residences_in_qpv} résidences sont dans un QPV."
    )


@cli.command("communes")
def communes(file: FileArg, report: ReportOpt = None) -> None:
    """Importe ou met à jour des contours de communes."""
    from app.importers.territory import import_communes

    count = run_import(
        lambda conn: import_communes(conn, file),
        report,
        "Import des communes",
        audit=("import.communes", file),
    )
    console.print(f"[green]{count} communes importées ou mises à jour.[/green]")


@cli.command("iris")
def iris(file: FileArg, crs: CrsOpt = None, report: ReportOpt = None) -> None:
    """Importe des contours IRIS (INSEE CONTOURS-IRIS) et y place les résidences."""
    from app.importers.iris import import_iris

    summary = run_import(
        lambda conn: import_iris(conn, file, crs=crs),
        report,
        "Import des IRIS",
        audit=("import.iris", file),
    )
    console.print(
        f"[green]{summary.imported} IRIS importés[/green] ({summary.repaired} géométries "
        f"réparées) ; {summary.residences_in_iris} résidences placées dans un IRIS."
    )


@cli.command("territory")
def territory() -> None:
    """Charge le référentiel livré (communes et EPCI des Hauts-de-France)."""
    from app.core.settings import get_settings
    from app.importers.territory import load_reference_territory

    directory = get_settings().data_dir / "territory"
    summary = run_import(
        lambda conn: load_reference_territory(conn, directory),
        None,
        "Chargement du référentiel",
        audit=("import.territoire", directory),
    )
    console.print(
        f"[green]{summary.communes} communes, {summary.epci} EPCI[/green] "
        f"({summary.aliases} anciens codes de communes fusionnées rattachés)."
    )


@cli.command("attributions")
def attributions(
    file: FileArg,
    year: Annotated[
        int, typer.Option("--year", min=2000, max=2100, help="Année des attributions.")
    ],
    report: ReportOpt = None,
) -> None:
    """Importe les attributions d'une année par résidence (code, total, q1, priority, pru)."""
    from app.importers.allocations import import_allocations

    summary = run_import(
        lambda conn: import_allocations(conn, file, year),
        report,
        "Import des attributions",
        audit=("import.attributions", file),
    )
    console.print(
        f"[green]{summary.inserted} résidences ajoutées, {summary.updated} mises à jour[/green] "
        f"pour {summary.year} ({summary.total} attributions)."
    )


@cli.command("vacances")
def vacances(
    file: FileArg,
    bailleur: Annotated[
        str | None,
        typer.Option("--bailleur", help="Nom ou SIREN du bailleur : ses seules résidences."),
    ] = None,
    report: ReportOpt = None,
) -> None:
    """Importe une liste de logements vacants (code, logements vacants, date ; 0 : plus aucun)."""
    from app.importers.vacancies import import_vacancies

    summary = run_import(
        lambda conn: import_vacancies(conn, file, bailleur=bailleur),
        report,
        "Import des logements vacants",
        audit=("import.vacances", file),
    )
    console.print(
        f"[green]{summary.declared} résidences avec {summary.dwellings} logements vacants"
        f"[/green], {summary.cleared} sans plus aucun."
    )


@cli.command("grades")
def grades(
    file: FileArg,
    campaign: Annotated[
        str, typer.Option("--campaign", help="Campagne : identifiant ou nom (ex. « MEL 2026 »).")
    ],
    side: Annotated[str, typer.Option("--side", help="Côté des notes : commune ou bailleur.")],
    report: ReportOpt = None,
) -> None:
    """Importe le tableau de notes d'un côté (commune ou bailleur) pour une campagne."""
    from app.campaigns.service import find_campaign
    from app.core.errors import QualiparcError
    from app.importers.grades import import_grades

    def action(conn):
        try:
            target = find_campaign(conn, campaign)
        except QualiparcError as exc:
            raise ValueError(exc.message) from None
        return target, import_grades(conn, file, target, side)

    target, summary = run_import(action, report, "Import des notes")
    console.print(
        f"[green]Campagne « {target.name} », notes {side} : {summary.inserted} ajoutées, "
        f"{summary.updated} modifiées[/green], {summary.unchanged} inchangées ; "
        f"lignes sans note (ignorées) : {summary.blank}."
    )
