"""The summary of the harmonisation day as a spreadsheet: the slots, every decision, and what is
carried over; every text cell neutralised (never a formula)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from app.exports.formats import xlsx_cell
from app.meeting.agenda_xlsx import append_row, colour_grade, finish_sheet, sheet_table
from app.meeting.summary import LOCAL_TIME, Summary
from app.meeting.timetable import clock

SLOT_COLUMNS = (
    ("Séance", 9),
    ("Salle", 8),
    ("Début", 9),
    ("Durée (min)", 12),
    ("Code INSEE", 12),
    ("Commune", 28),
    ("Bailleur", 34),
    ("Résidences divergentes", 14),
    ("Harmonisées", 13),
    ("Reportées", 12),
)
DECISION_COLUMNS = (
    ("Séance", 9),
    ("Commune", 24),
    ("Bailleur", 30),
    ("Code résidence", 18),
    ("Résidence", 34),
    ("Logements", 11),
    ("Note commune", 10),
    ("Note bailleur", 10),
    ("Note retenue", 10),
    ("Motif", 40),
    ("Décidée par", 28),
    ("Le", 17),
    ("Avant la journée", 10),
)
CARRIED_COLUMNS = (
    ("Séance", 9),
    ("Commune", 24),
    ("Bailleur", 30),
    ("Code résidence", 18),
    ("Résidence", 34),
    ("Note commune", 10),
    ("Note bailleur", 10),
    ("Écart", 8),
    ("Reprise le", 12),
)


def summary_xlsx(summary: Summary) -> bytes:
    """Three sheets: « Séances », « Décisions » and « Reportées »."""
    campaign, day = summary.campaign, summary.day
    book = Workbook()
    slots = book.active
    slots.title = "Séances"
    header = sheet_table(
        slots, f"Bilan de la journée · {campaign.name} · {campaign.epci_name}", SLOT_COLUMNS
    )
    slots["A2"] = xlsx_cell(summary.signed_text)
    for slot in summary.slots:
        append_row(
            slots,
            [
                slot.number,
                slot.room,
                clock(slot.start) or "harmonisée",
                slot.minutes,
                slot.commune_insee,
                slot.commune_name,
                slot.bailleur,
                len(slot.outcomes),
                len(slot.decided),
                len(slot.carried_over),
            ],
        )
    finish_sheet(slots, header, len(SLOT_COLUMNS))

    decisions = book.create_sheet("Décisions")
    header = sheet_table(decisions, f"Décisions · {campaign.name}", DECISION_COLUMNS)
    decisions["A2"] = "Document de travail confidentiel : notes par résidence."
    for slot in summary.slots:
        for outcome in slot.decided:
            at = outcome.decided_at.astimezone(LOCAL_TIME) if outcome.decided_at else None
            append_row(
                decisions,
                [
                    slot.number,
                    slot.commune_name,
                    slot.bailleur,
                    outcome.code,
                    outcome.name,
                    outcome.nb_logements,
                    outcome.commune_grade,
                    outcome.bailleur_grade,
                    outcome.agreed_grade,
                    outcome.rationale,
                    outcome.decided_by,
                    f"{at:%d/%m/%Y %H:%M}" if at else None,
                    "oui" if summary.before_day(outcome) else "non",
                ],
            )
            for column in (7, 8, 9):
                colour_grade(decisions, decisions.max_row, column)
    finish_sheet(decisions, header, len(DECISION_COLUMNS))

    carried = book.create_sheet("Reportées")
    header = sheet_table(carried, f"Divergences reportées · {campaign.name}", CARRIED_COLUMNS)
    follow_up = f"{day.follow_up_date:%d/%m/%Y}" if day.follow_up_date else None
    carried["A2"] = (
        f"Reprise le {follow_up}." if follow_up else "Date de reprise à fixer à la signature."
    )
    for slot, outcome in summary.carried_over:
        append_row(
            carried,
            [
                slot.number,
                slot.commune_name,
                slot.bailleur,
                outcome.code,
                outcome.name,
                outcome.commune_grade,
                outcome.bailleur_grade,
                outcome.gap,
                follow_up,
            ],
        )
        for column in (6, 7):
            colour_grade(carried, carried.max_row, column)
    finish_sheet(carried, header, len(CARRIED_COLUMNS))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
