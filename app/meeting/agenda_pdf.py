"""The agenda of the harmonisation day as an A4 PDF to print or send to the partners."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from app.campaigns.service import Campaign
from app.meeting.agenda import Agenda, Session
from app.meeting.timetable import breaks_text
from geo.grades import COLOURS

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
"""DejaVu Sans ships with matplotlib: full French (and Unicode) text, no system font needed."""
FONT = "DejaVu"
INK = (17, 24, 39)
BAND = (31, 42, 68)
LIGHT = (229, 231, 235)
STRIPE = (246, 247, 249)
COLUMNS = (
    ("Code", 32),
    ("Résidence", 38),
    ("Logts", 12),
    ("QPV", 28),
    ("Commune", 21),
    ("Bailleur", 20),
    ("Écart", 12),
    ("Retenue", 17),
)
"""Heading and width (mm) of each column; 180 mm between the margins."""
NEXT_LINE = {"new_x": "LMARGIN", "new_y": "NEXT"}
PARAGRAPH = {**NEXT_LINE, "align": "L"}
"""Multi-line text is justified by default in fpdf2: French reads better ragged right."""


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def grade_style(grade: int | None) -> FontFace | None:
    if grade is None:
        return None
    colour = COLOURS[grade]
    text_colour = (255, 255, 255) if grade in (1, 4) else INK
    return FontFace(emphasis="BOLD", color=text_colour, fill_color=_rgb(colour))


class AgendaDocument(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_lang("fr")
        self.set_creator("qualiparc")
        self.running_title = title

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(80, 80, 80)
        self.cell(
            0,
            5,
            f"{self.running_title} · document de travail confidentiel (notes par résidence)",
            align="L",
        )
        self.set_x(-40)
        self.cell(25, 5, f"page {self.page_no()}/{{nb}}", align="R")


def _session_heading(pdf: AgendaDocument, session: Session, rooms: int) -> None:
    if session.start is None:
        when = "déjà harmonisée"
    else:
        when = f"{session.start:%H:%M}–{session.end:%H:%M} ({session.duration_min} min)"
    room = f" · salle {session.room}" if rooms > 1 else ""
    left = f"Séance {session.number}{room} · {when}"
    pair = f"{session.commune_name} × {session.bailleur}"
    count = len(session.residences)
    detail = (
        f"{count} résidence{'s' if count > 1 else ''} divergente{'s' if count > 1 else ''}, "
        f"{session.dwellings} logements, {session.pending} à harmoniser"
    )
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_fill_color(*BAND)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, f"{left} — {pair}", fill=True, **NEXT_LINE)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 6, detail, **NEXT_LINE)


def _session_table(pdf: AgendaDocument, session: Session) -> None:
    pdf.set_font(FONT, size=8.5)
    pdf.set_fill_color(255, 255, 255)
    headings = FontFace(emphasis="BOLD", fill_color=LIGHT, color=INK)
    with pdf.table(
        col_widths=tuple(width for _, width in COLUMNS),
        width=sum(width for _, width in COLUMNS),
        align="LEFT",
        headings_style=headings,
        line_height=5,
        text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "CENTER", "CENTER", "CENTER", "CENTER"),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=STRIPE,
        cell_fill_mode="ROWS",
    ) as table:
        heading = table.row()
        for name, _ in COLUMNS:
            heading.cell(name)
        for residence in session.residences:
            row = table.row()
            row.cell(residence.code)
            row.cell(residence.name)
            row.cell(str(residence.nb_logements))
            row.cell(residence.qpv_name or ("bande 300 m" if residence.near_qpv_300m else "—"))
            row.cell(str(residence.commune_grade), style=grade_style(residence.commune_grade))
            row.cell(str(residence.bailleur_grade), style=grade_style(residence.bailleur_grade))
            row.cell(str(residence.gap))
            harmonised = residence.harmonised_grade
            row.cell(str(harmonised) if harmonised else "……", style=grade_style(harmonised))


def agenda_pdf(agenda: Agenda, campaign: Campaign, *, today: date | None = None) -> bytes:
    """The agenda: a summary of the day, then one block per commune × landlord session."""
    title = f"Ordre du jour · {campaign.name}"
    pdf = AgendaDocument(title)
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(0, 9, "Journée d'harmonisation des notes de vivre-ensemble", **PARAGRAPH)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, f"{campaign.name} · {campaign.epci_name}", **PARAGRAPH)
    pdf.set_font(FONT, size=10)
    settings = agenda.settings
    rooms = f" · {settings.rooms} salles en parallèle" if settings.rooms > 1 else ""
    lines = [
        f"Début {settings.start:%H:%M} · fin prévue {agenda.end:%H:%M} "
        f"({agenda.duration_min // 60} h {agenda.duration_min % 60:02d}){rooms}",
        f"{agenda.scheduled} séances commune × bailleur · {agenda.pending} résidences à "
        f"harmoniser sur {agenda.residences} divergentes",
        f"Durée prévue : {settings.minutes_per_session} min par séance et "
        f"{settings.minutes_per_residence} min par résidence à harmoniser",
        *([f"Pauses : {breaks_text(settings)}"] if settings.breaks else []),
        "Dans chaque séance : l'écart le plus grand d'abord, puis les plus grandes résidences. "
        "Colonnes Commune et Bailleur : la note de chaque côté ; Retenue : la note harmonisée.",
        f"Édité le {(today or date.today()):%d/%m/%Y}.",
    ]
    for line in lines:
        pdf.multi_cell(0, 5.5, line, **PARAGRAPH)
    if any(r.is_demo for s in agenda.sessions for r in s.residences):
        pdf.set_font(FONT, "B", 10)
        pdf.set_fill_color(255, 214, 102)
        pdf.multi_cell(
            0,
            6,
            "Données de démonstration : résidences, bailleurs et notes fictifs.",
            fill=True,
            **PARAGRAPH,
        )
    if not agenda.sessions:
        pdf.ln(4)
        pdf.set_font(FONT, size=11)
        pdf.multi_cell(
            0, 6, "Aucune résidence divergente : il n'y a rien à harmoniser.", **PARAGRAPH
        )
    for session in agenda.sessions:
        _session_heading(pdf, session, settings.rooms)
        _session_table(pdf, session)
    return bytes(pdf.output())
