"""The agenda of the harmonisation day as a spreadsheet: the sessions, and one row per residence."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.campaigns.service import Campaign
from app.exports.formats import xlsx_cell
from app.meeting.agenda import Agenda
from app.meeting.timetable import breaks_text
from geo.grades import COLOURS

SESSION_COLUMNS = (
    ("Séance", 9),
    ("Début", 9),
    ("Fin", 9),
    ("Durée (min)", 12),
    ("Code INSEE", 12),
    ("Commune", 28),
    ("Bailleur", 34),
    ("Résidences divergentes", 14),
    ("À harmoniser", 13),
    ("Logements", 12),
    ("Salle", 8),
)
RESIDENCE_COLUMNS = (
    ("Séance", 9),
    ("Début de séance", 11),
    ("Commune", 24),
    ("Bailleur", 30),
    ("Code résidence", 18),
    ("Résidence", 34),
    ("Adresse", 34),
    ("Logements", 11),
    ("QPV", 30),
    ("Note commune", 10),
    ("Note bailleur", 10),
    ("Écart", 8),
    ("Note harmonisée", 12),
    ("Motif", 40),
    ("Salle", 8),
)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="1F2A44")
HEADER_FONT = Font(bold=True, color="FFFFFF")
GRADE_FILLS = {grade: PatternFill("solid", fgColor=colour[1:]) for grade, colour in COLOURS.items()}
LIGHT_GRADES = (2, 3)
"""Grades whose fill takes dark text; the others take white text."""


def sheet_table(sheet: Worksheet, title: str, columns: tuple[tuple[str, int], ...]) -> int:
    """A title line and a styled header; returns the header's row number."""
    sheet["A1"] = xlsx_cell(title)
    sheet["A1"].font = Font(bold=True, size=14)
    header_row = 3
    for index, (name, width) in enumerate(columns, 1):
        cell = sheet.cell(header_row, index, name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    return header_row


def finish_sheet(sheet: Worksheet, header_row: int, columns: int) -> None:
    sheet.auto_filter.ref = (
        f"A{header_row}:{get_column_letter(columns)}{max(sheet.max_row, header_row)}"
    )


def colour_grade(sheet: Worksheet, row: int, column: int) -> None:
    cell = sheet.cell(row, column)
    if cell.value in GRADE_FILLS:
        cell.fill = GRADE_FILLS[cell.value]
        cell.font = Font(bold=True, color="111827" if cell.value in LIGHT_GRADES else "FFFFFF")
        cell.alignment = Alignment(horizontal="center")


def append_row(sheet: Worksheet, row: list) -> None:
    """A row of names, addresses and rationales, each text neutralised (never a formula)."""
    sheet.append([xlsx_cell(value) for value in row])


def agenda_xlsx(agenda: Agenda, campaign: Campaign) -> bytes:
    """Two sheets: « Séances » (one row per pair) and « Résidences » (the full queue)."""
    book = Workbook()
    sessions = book.active
    sessions.title = "Séances"
    header = sheet_table(
        sessions, f"Ordre du jour · {campaign.name} · {campaign.epci_name}", SESSION_COLUMNS
    )
    settings = agenda.settings
    pauses = f" · pauses : {breaks_text(settings)}" if settings.breaks else ""
    sessions["A2"] = (
        f"Début {settings.start:%H:%M}, fin prévue {agenda.end:%H:%M} · "
        f"{settings.minutes_per_session} min par séance + {settings.minutes_per_residence} min "
        f"par résidence à harmoniser · {settings.rooms} salle{'s' if settings.rooms > 1 else ''}"
        f"{pauses}"
    )
    for session in agenda.sessions:
        append_row(
            sessions,
            [
                session.number,
                f"{session.start:%H:%M}" if session.start else "harmonisée",
                f"{session.end:%H:%M}" if session.end else None,
                session.duration_min,
                session.commune_insee,
                session.commune_name,
                session.bailleur,
                len(session.residences),
                session.pending,
                session.dwellings,
                session.room,
            ],
        )
    finish_sheet(sessions, header, len(SESSION_COLUMNS))

    residences = book.create_sheet("Résidences")
    header = sheet_table(residences, f"Résidences divergentes · {campaign.name}", RESIDENCE_COLUMNS)
    residences["A2"] = "Document de travail confidentiel : notes par résidence."
    for session in agenda.sessions:
        for residence in session.residences:
            append_row(
                residences,
                [
                    session.number,
                    f"{session.start:%H:%M}" if session.start else None,
                    residence.commune_name,
                    residence.bailleur,
                    residence.code,
                    residence.name,
                    residence.address,
                    residence.nb_logements,
                    f"{residence.qpv_name} ({residence.qpv_code})" if residence.qpv_code else None,
                    residence.commune_grade,
                    residence.bailleur_grade,
                    residence.gap,
                    residence.harmonised_grade,
                    residence.rationale,
                    session.room,
                ],
            )
            for column in (10, 11, 13):
                colour_grade(residences, residences.max_row, column)
    finish_sheet(residences, header, len(RESIDENCE_COLUMNS))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
