"""`qualiparc import …`: each import applies whole or writes nothing, exiting non-zero on error;
with `--partiel`, the valid rows are written and the others reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress

from app.cli.french import SUBCOMMAND
from app.core.audit import COMMAND_LINE, record
from app.core.progress import Progress
from geo.fields import ALLOCATION_FIELDS, IRIS_FIELDS, RESIDENCE_FIELDS, Fields, column_help
from geo.report import ImportRejected, RowError, report_lines, thousands, write_report

console = Console(stderr=True)
CONSOLE_LINES = 50
"""Report lines printed on a rejection; `--report` writes them all."""
cli = typer.Typer(
    help="Importe des fichiers (CSV, XLSX, GeoJSON, GeoPackage, Shapefile).",
    subcommand_metavar=SUBCOMMAND,
)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Fichier à importer.")]
CrsOpt = Annotated[
    str | None,
    typer.Option("--crs", help="Système de coordonnées : EPSG:2154 (Lambert-93) ou EPSG:4326."),
]
ReportOpt = Annotated[
    Path | None, typer.Option("--report", help="Écrit le rapport des lignes rejetées (CSV).")
]
PartialOpt = Annotated[
    bool,
    typer.Option(
        "--partiel",
        help="Écrit les lignes valides et signale les autres (rapport CSV, --report ou "
        "FICHIER-rejets.csv à côté du fichier). Sans cette option, l'import s'applique en entier "
        "ou n'écrit rien.",
    ),
]


def column_option(fields: Fields, example: str) -> object:
    """The `--column champ=colonne` option of an import reading `fields`."""
    return typer.Option("--column", help=column_help(fields, example))


def column_mapping(items: list[str]) -> dict[str, str] | None:
    """`--column` values (champ=colonne) as a mapping; exit 2 on a value without « = »."""
    mapping = {}
    for item in items:
        key, _, value = item.partition("=")
        if not key.strip() or not value.strip():
            console.print(f"[red]--column « {escape(item)} » : attendu champ=colonne.[/red]")
            raise typer.Exit(2)
        mapping[key.strip()] = value.strip()
    return mapping or None


def rejected_report(file: Path, report: Path | None) -> Path:
    """Where a partial import writes its report: `--report`, else FILE-rejets.csv beside FILE."""
    return report or file.with_name(f"{file.stem}-rejets.csv")


def print_report(errors: list[RowError]) -> None:
    """The first `CONSOLE_LINES` lines of a report, identical errors counted on one line."""
    lines = report_lines(errors)
    for line in lines[:CONSOLE_LINES]:
        console.print(f"  • {line.describe()}", markup=False)
    rest = sum(line.count for line in lines[CONSOLE_LINES:])
    if rest:
        console.print(f"  … et {thousands(rest)} autres (voir le rapport).")


def _save_report(errors: list[RowError], path: Path) -> None:
    try:
        write_report(errors, path)
    except OSError:
        raise ValueError(
            f"rapport impossible à écrire dans « {path} » (dossier absent ou protégé en "
            "écriture) : choisissez un autre fichier avec --report"
        ) from None


def _audit_details(result: object) -> dict:
    """The summary of an import for the audit log; rows left out are counted, not listed."""
    if not is_dataclass(result):
        return {"nombre": result}
    details = asdict(result)
    if "rejected" in details:
        details["rejected"] = len(details["rejected"])
    return details


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
    partial_report: Path | None = None,
):
    """Run `action(conn)` — `action(conn, progress)` when it has `steps` — in one transaction,
    logged in the audit log as `audit` (action, file) with its summary; on rejection print and
    write the report, exit 1. The rows a partial import left out (the summary's `rejected`) are
    printed and written to `partial_report` within the transaction: no report, no import."""
    from app.core.database import get_engine

    def logged(conn, *args):
        result = action(conn, *args)
        rejected = getattr(result, "rejected", None)
        if rejected and partial_report is not None:
            _save_report(rejected, partial_report)
        if audit is not None:
            name, target = audit
            record(
                conn,
                name,
                actor_id=None,
                actor_label=COMMAND_LINE,
                target=str(target),
                details=_audit_details(result),
            )
        return result

    try:
        if not steps:
            with console.status(f"{label}…"), get_engine().begin() as conn:
                result = logged(conn)
        else:
            with progress_bar(label, steps) as progress, get_engine().begin() as conn:
                result = logged(conn, progress)
    except ImportRejected as rejected:
        count = len(rejected.errors)
        console.print(
            f"[red]Import refusé, rien n'a été écrit[/red] : {thousands(count)} "
            f"erreur{'s' if count > 1 else ''}."
        )
        print_report(rejected.errors)
        if report:
            write_report(rejected.errors, report)
            console.print(f"Rapport écrit dans {report}")
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        console.print(f"[red]Import refusé, rien n'a été écrit[/red] : {exc}")
        raise typer.Exit(1) from None
    rejected_rows = getattr(result, "rejected", None)
    if rejected_rows:
        lines = len({error.line for error in rejected_rows})
        console.print(
            f"[yellow]Import partiel[/yellow] : {thousands(lines)} ligne{'s' if lines > 1 else ''}"
            f" rejetée{'s' if lines > 1 else ''}, non écrite{'s' if lines > 1 else ''} "
            f"(rapport : {partial_report}) :"
        )
        print_report(rejected_rows)
    return result


@cli.command("residences")
def residences(
    file: FileArg,
    crs: CrsOpt = None,
    report: ReportOpt = None,
    column: Annotated[list[str], column_option(RESIDENCE_FIELDS, "code=ID_RES")] = [],  # noqa: B006 - typer reads the default, never mutates it
    partial: PartialOpt = False,
) -> None:
    """Importe ou met à jour des résidences (clé : leur code)."""
    from app.importers.residences import STEPS, import_residences

    mapping = column_mapping(column)
    summary = run_import(
        lambda conn, progress: import_residences(
            conn, file, crs=crs, columns=mapping, partial=partial, progress=progress
        ),
        report,
        "Import des résidences",
        STEPS,
        audit=("import.residences", file),
        partial_report=rejected_report(file, report),
    )
    for warning in summary.warnings:
        console.print(f"[yellow]Attention[/yellow] : {warning}")
    console.print(
        f"[green]{thousands(summary.inserted)} résidences ajoutées, "
        f"{thousands(summary.updated)} mises à jour[/green] "
        f"({thousands(summary.in_qpv)} dans un QPV, {thousands(summary.grades)} notes "
        "enregistrées)."
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


LayerOpt = Annotated[
    str | None,
    typer.Option("--layer", help="Couche des communes d'un GeoPackage (par défaut : commune)."),
]


def print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        console.print(f"[yellow]Attention[/yellow] : {escape(warning)}", highlight=False)


@cli.command("communes")
def communes(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="Contours : couche COMMUNE d'ADMIN EXPRESS (Shapefile, GeoPackage ou dossier "
            "de la livraison), ou tout fichier de polygones avec un code INSEE.",
        ),
    ],
    layer: LayerOpt = None,
    crs: CrsOpt = None,
    report: ReportOpt = None,
) -> None:
    """Importe ou met à jour des contours de communes (nom, population et EPCI du fichier
    gardés)."""
    from app.importers.territory import import_communes

    summary = run_import(
        lambda conn: import_communes(conn, file, layer=layer, crs=crs),
        report,
        "Import des communes",
        audit=("import.communes", file),
    )
    print_warnings(summary.warnings)
    console.print(
        f"[green]{thousands(summary.inserted)} communes ajoutées, "
        f"{thousands(summary.updated)} mises à jour[/green] ({summary.file} ; "
        f"{summary.repaired} géométries réparées, {summary.merged_polygons} contours d'anciennes "
        "communes réunis à la commune actuelle)."
    )


@cli.command("epci")
def epci(file: FileArg, crs: CrsOpt = None, report: ReportOpt = None) -> None:
    """Importe un référentiel local d'EPCI : siren, nom, nature, communes membres (CSV, XLSX,
    JSON), ou la couche EPCI d'ADMIN EXPRESS (contours)."""
    from app.importers.epci import import_epci

    summary = run_import(
        lambda conn: import_epci(conn, file, crs=crs),
        report,
        "Import des EPCI",
        audit=("import.epci", file),
    )
    print_warnings(summary.warnings)
    console.print(
        f"[green]{summary.inserted} EPCI ajoutés, {summary.updated} mis à jour[/green] "
        f"({thousands(summary.members)} communes membres, {thousands(summary.moved)} "
        "changements d'EPCI)."
    )


@cli.command("iris")
def iris(
    file: FileArg,
    crs: CrsOpt = None,
    report: ReportOpt = None,
    column: Annotated[list[str], column_option(IRIS_FIELDS, "name=LIBELLE")] = [],  # noqa: B006 - typer reads the default, never mutates it
    partial: PartialOpt = False,
) -> None:
    """Importe des contours IRIS (INSEE CONTOURS-IRIS ou tout fichier avec un code et un nom
    d'IRIS) et y place les résidences."""
    from app.importers.iris import import_iris

    mapping = column_mapping(column)
    summary = run_import(
        lambda conn: import_iris(conn, file, crs=crs, columns=mapping, partial=partial),
        report,
        "Import des IRIS",
        audit=("import.iris", file),
        partial_report=rejected_report(file, report),
    )
    console.print(
        f"[green]{thousands(summary.imported)} IRIS importés[/green] "
        f"({thousands(summary.repaired)} géométries réparées) ; "
        f"{thousands(summary.residences_in_iris)} résidences placées dans un IRIS."
    )


@cli.command("territory")
def territory(
    epci: Annotated[
        list[str], typer.Option("--epci", help="SIREN d'un EPCI à charger (répétable).")
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    departement: Annotated[
        list[str],
        typer.Option("--departement", help="Département : code ou nom, ex. 31 (répétable)."),
    ] = [],  # noqa: B006
    region: Annotated[
        list[str],
        typer.Option("--region", help="Région : code ou nom, ex. 76 ou Occitanie (répétable)."),
    ] = [],  # noqa: B006
    contours: Annotated[
        Path | None,
        typer.Option(
            "--contours",
            exists=True,
            help="Contours des communes : IGN ADMIN EXPRESS (GeoPackage, COMMUNE.shp ou dossier "
            "de la livraison), lu pour la seule zone choisie.",
        ),
    ] = None,
    crs: CrsOpt = None,
    report: ReportOpt = None,
) -> None:
    """Charge le référentiel national (communes, EPCI, départements, régions) pour les EPCI,
    départements ou régions choisis ; sans option, le référentiel livré des Hauts-de-France."""
    if not (epci or departement or region):
        if contours is not None:
            console.print("[red]--contours demande --epci, --departement ou --region.[/red]")
            raise typer.Exit(2)
        _shipped_territory()
        return
    from app.importers.reference import STEPS, import_reference_territory

    summary = run_import(
        lambda conn, progress: import_reference_territory(
            conn,
            epci=epci,
            departements=departement,
            regions=region,
            contours=contours,
            crs=crs,
            progress=progress,
        ),
        report,
        "Chargement du référentiel",
        STEPS,
        audit=("import.territoire", ", ".join([*epci, *departement, *region])),
    )
    console.print(f"Référentiel {summary.reference} : {summary.area}.", highlight=False)
    print_warnings(summary.warnings)
    drawn = (
        f"contours de {thousands(summary.with_polygon)} communes lus dans {summary.contours}"
        if summary.contours
        else "sans contours"
    )
    counts = ", ".join(
        f"{thousands(count)} {word}{'s' if count > 1 and word != 'EPCI' else ''}"
        for count, word in (
            (summary.communes, "commune"),
            (summary.epci, "EPCI"),
            (summary.departements, "département"),
            (summary.regions, "région"),
        )
    )
    console.print(
        f"[green]{counts}[/green] ; {thousands(summary.aliases)} anciens codes de communes "
        f"rattachés ; {drawn}.",
        highlight=False,
    )


def _shipped_territory() -> None:
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
    column: Annotated[list[str], column_option(ALLOCATION_FIELDS, "q1=NB_Q1")] = [],  # noqa: B006 - typer reads the default, never mutates it
    partial: PartialOpt = False,
) -> None:
    """Importe les attributions d'une année par résidence (code, total, q1, priority, pru)."""
    from app.importers.allocations import import_allocations

    mapping = column_mapping(column)
    summary = run_import(
        lambda conn: import_allocations(conn, file, year, columns=mapping, partial=partial),
        report,
        "Import des attributions",
        audit=("import.attributions", file),
        partial_report=rejected_report(file, report),
    )
    console.print(
        f"[green]{thousands(summary.inserted)} résidences ajoutées, "
        f"{thousands(summary.updated)} mises à jour[/green] "
        f"pour {summary.year} ({thousands(summary.total)} attributions)."
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
    partial: PartialOpt = False,
) -> None:
    """Importe le tableau de notes d'un côté (commune ou bailleur) pour une campagne."""
    from app.campaigns.service import Campaign, find_campaign
    from app.core.errors import QualiparcError
    from app.importers.grades import import_grades

    found: list[Campaign] = []

    def action(conn):
        try:
            found.append(find_campaign(conn, campaign))
        except QualiparcError as exc:
            raise ValueError(exc.message) from None
        return import_grades(conn, file, found[0], side, partial=partial)

    summary = run_import(
        action, report, "Import des notes", partial_report=rejected_report(file, report)
    )
    console.print(
        f"[green]Campagne « {found[0].name} », notes {side} : {thousands(summary.inserted)} "
        f"ajoutées, {thousands(summary.updated)} modifiées[/green], "
        f"{thousands(summary.unchanged)} inchangées ; lignes sans note (ignorées) : "
        f"{thousands(summary.blank)}."
    )
