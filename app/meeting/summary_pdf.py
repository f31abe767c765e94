"""The summary of the harmonisation day as an A4 PDF: each slot's decisions, their rationales and
who took them, then what is carried over to the follow-up date; signed or marked as a draft."""

from __future__ import annotations

from fpdf.fonts import FontFace

from app.meeting.agenda_pdf import (
    BAND,
    FONT,
    INK,
    LIGHT,
    NEXT_LINE,
    PARAGRAPH,
    STRIPE,
    AgendaDocument,
    grade_style,
)
from app.meeting.summary import Summary, SummarySlot
from app.meeting.timetable import clock

DECISION_COLUMNS = (
    ("Code", 24),
    ("Résidence", 34),
    ("Com.", 11),
    ("Bail.", 11),
    ("Retenue", 15),
    ("Motif", 50),
    ("Décidée par", 35),
)
"""Heading and width (mm) of each column; 180 mm between the margins."""
CARRIED_COLUMNS = (
    ("Code", 28),
    ("Résidence", 52),
    ("Séance", 50),
    ("Commune", 18),
    ("Bailleur", 18),
    ("Écart", 14),
)
DRAFT = (255, 214, 102)
SIGNED = (220, 252, 231)


def _table(pdf: AgendaDocument, columns: tuple[tuple[str, int], ...]):
    pdf.set_font(FONT, size=8)
    pdf.set_fill_color(255, 255, 255)
    return pdf.table(
        col_widths=tuple(width for _, width in columns),
        width=sum(width for _, width in columns),
        align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=LIGHT, color=INK),
        line_height=4.5,
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=STRIPE,
        cell_fill_mode="ROWS",
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'s' if number > 1 else ''}"


def _pair(slot: SummarySlot) -> str:
    return f"{slot.commune_name} × {slot.bailleur}"


def _slot(pdf: AgendaDocument, summary: Summary, slot: SummarySlot, rooms: int) -> None:
    when = f"{clock(slot.start)} ({slot.minutes} min)" if slot.start else "déjà harmonisée"
    room = f" · salle {slot.room}" if rooms > 1 else ""
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_fill_color(*BAND)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "B", 10.5)
    pdf.multi_cell(
        0, 6.5, f"Séance {slot.number}{room} · {when} — {_pair(slot)}", fill=True, **PARAGRAPH
    )
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, size=9)
    counts = f"{_count(len(slot.decided), 'décidée')}, {_count(len(slot.carried_over), 'reportée')}"
    pdf.cell(0, 6, counts, **NEXT_LINE)
    with _table(pdf, DECISION_COLUMNS) as table:
        heading = table.row()
        for name, _ in DECISION_COLUMNS:
            heading.cell(name)
        for outcome in slot.outcomes:
            row = table.row()
            row.cell(outcome.code)
            row.cell(outcome.name)
            row.cell(str(outcome.commune_grade), style=grade_style(outcome.commune_grade))
            row.cell(str(outcome.bailleur_grade), style=grade_style(outcome.bailleur_grade))
            if outcome.carried_over:
                row.cell("reportée")
                row.cell("")
                row.cell("")
                continue
            row.cell(str(outcome.agreed_grade), style=grade_style(outcome.agreed_grade))
            row.cell(outcome.rationale or "—")
            before = " (avant la journée)" if summary.before_day(outcome) else ""
            row.cell(outcome.decided_text + before)


def _carried_over(pdf: AgendaDocument, summary: Summary) -> None:
    left = summary.carried_over
    follow_up = summary.day.follow_up_date
    pdf.ln(5)
    pdf.set_font(FONT, "B", 12)
    if not left:
        pdf.multi_cell(0, 7, "Aucune divergence reportée : tout a été harmonisé.", **PARAGRAPH)
        return
    when = f"au {follow_up:%d/%m/%Y}" if follow_up else "(date de reprise à fixer)"
    pdf.multi_cell(0, 7, f"Divergences reportées {when} : {len(left)}", **PARAGRAPH)
    with _table(pdf, CARRIED_COLUMNS) as table:
        heading = table.row()
        for name, _ in CARRIED_COLUMNS:
            heading.cell(name)
        for slot, outcome in left:
            row = table.row()
            row.cell(outcome.code)
            row.cell(outcome.name)
            row.cell(f"{slot.number} · {_pair(slot)}")
            row.cell(str(outcome.commune_grade), style=grade_style(outcome.commune_grade))
            row.cell(str(outcome.bailleur_grade), style=grade_style(outcome.bailleur_grade))
            row.cell(str(outcome.gap))


def summary_pdf(summary: Summary) -> bytes:
    campaign, day = summary.campaign, summary.day
    title = f"Bilan de la journée · {campaign.name}"
    pdf = AgendaDocument(title)
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(0, 9, "Bilan de la journée d'harmonisation", **PARAGRAPH)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, f"{campaign.name} · {campaign.epci_name}", **PARAGRAPH)
    pdf.set_font(FONT, "B", 10)
    pdf.set_fill_color(*(SIGNED if summary.final else DRAFT))
    pdf.multi_cell(0, 6, summary.signed_text, fill=True, **PARAGRAPH)
    pdf.set_font(FONT, size=10)
    left = len(summary.carried_over)
    lines = [
        *([f"Journée du {day.day_date:%d/%m/%Y}."] if day.day_date else []),
        f"{len(summary.outcomes)} résidences divergentes · {summary.decided} harmonisées · "
        f"{left} reportées"
        + (f" au {day.follow_up_date:%d/%m/%Y}" if day.follow_up_date and left else "")
        + ".",
        "Colonnes Com. et Bail. : la note de la commune et celle du bailleur ; Retenue : la note "
        "harmonisée, avec le motif et qui l'a enregistrée.",
    ]
    for line in lines:
        pdf.multi_cell(0, 5.5, line, **PARAGRAPH)
    if summary.is_demo:
        pdf.set_font(FONT, "B", 10)
        pdf.set_fill_color(*DRAFT)
        pdf.multi_cell(
            0,
            6,
            "Données de démonstration : résidences, bailleurs et notes fictifs.",
            fill=True,
            **PARAGRAPH,
        )
    if not summary.slots:
        pdf.ln(4)
        pdf.set_font(FONT, size=11)
        pdf.multi_cell(0, 6, "Aucune résidence divergente dans votre périmètre.", **PARAGRAPH)
    for slot in summary.slots:
        _slot(pdf, summary, slot, day.settings.rooms)
    if summary.slots:
        _carried_over(pdf, summary)
    return bytes(pdf.output())
