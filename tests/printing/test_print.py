"""Server-side printing: the élu's one-page PDF, a PNG of a map view, the élu page's figures."""

from __future__ import annotations

import io
import re

import numpy as np
from matplotlib.image import imread
from pypdf import PdfReader

from app.auth.principal import Principal
from app.auth.roles import ALL_EPCI, Role
from app.printing.drawing import legend_handles
from app.printing.figures import key_figures, resolve_territory
from app.printing.pdf import render_pdf
from geo.grades import (
    COLOURS,
    HIDDEN_COLOUR,
    HIDDEN_LABEL,
    HIDDEN_OUTLINE,
    UNGRADED_COLOUR,
    UNGRADED_LABEL,
    GradeScale,
)
from tests.exports.builders import ARRAS, SAINT_LAURENT

A4_LANDSCAPE_PT = (841.68, 595.44)
MEL = "200093201"
"""The Métropole européenne de Lille: another EPCI than the corner's."""


def pdf_text(body: bytes) -> tuple[int, str, tuple[float, float]]:
    reader = PdfReader(io.BytesIO(body))
    page = reader.pages[0]
    text = re.sub(r"\s+", " ", page.extract_text().replace("\u00a0", " "))
    return len(reader.pages), text, (float(page.mediabox.width), float(page.mediabox.height))


def test_pdf_is_one_a4_landscape_page_with_the_commune_and_its_figures(client, corner):
    response = client.get("/elu/print.pdf", headers=corner.headers["elu_arras"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="fiche-{ARRAS}-qualiparc-' in response.headers["content-disposition"]
    pages, text, size = pdf_text(response.content)
    assert pages == 1
    assert size == A4_LANDSCAPE_PT
    for expected in (
        "Vivre-ensemble dans le parc social — Arras",
        "campagne Arras test 2026 (harmonisation)",
        "Résidences : 3",
        "Logements : 185",
        "1 · Vivre-ensemble très fragile : 1 résidence · 40 logements",
        "3 · Vivre-ensemble à conforter : 1 résidence · 120 logements",
        "Note non visible : 0 résidence · 0 logement",
        "Non qualifiée : 0 résidence · 0 logement",
        "Résidences fragiles (notes 1 et 2) : 2, soit 35,1 % des logements qualifiés",
        "Notes divergentes : 1",
        "dont harmonisées : 1",
        "Évolution depuis « Arras test 2025 »",
        "En amélioration : 1 résidence",
        "En dégradation : 1 résidence",
        "Attributions 2025",
        "22,2 % pour 25 % visés — 1 attribution manquante",
        "En QPV, hors 1er quartile : aucune attribution",
        "Source : qualiparc — notes des communes et bailleurs",
    ):
        assert expected in text, expected
    assert "Saint-Laurent" not in text


def test_pdf_of_the_epci_counts_every_commune(client, corner):
    response = client.get("/elu/print.pdf", headers=corner.headers["elu_cua"])
    _, text, _ = pdf_text(response.content)
    assert "Vivre-ensemble dans le parc social — CU d'Arras" in text
    assert "Résidences : 4" in text
    assert "Non qualifiée : 1 résidence · 15 logements" in text
    assert "Note non visible : 0 résidence · 0 logement" in text


def test_figures_and_pdf_count_grades_hidden_from_the_caller_apart(corner):
    """An administrator of another EPCI reads no grade of Arras: its three agreed grades are
    counted under « Note non visible », never under « Non qualifiée »."""
    operator = Principal(
        id=0,
        email="operateur@test.example",
        role=Role.ADMIN,
        scopes={"epci": frozenset({ALL_EPCI})},
    )
    elsewhere = Principal(
        id=0, email="admin.mel@test.example", role=Role.ADMIN, scopes={"epci": frozenset({MEL})}
    )
    with corner.engine.connect() as conn:
        territory = resolve_territory(conn, operator, ARRAS)
        figures = key_figures(conn, elsewhere, territory)
        body = render_pdf(conn, elsewhere, territory)
    assert figures.by_class == {
        1: (0, 0),
        2: (0, 0),
        3: (0, 0),
        4: (0, 0),
        "hidden": (3, 185),
        "none": (0, 0),
    }
    _, text, _ = pdf_text(body)
    assert "Note non visible : 3 résidences · 185 logements" in text
    assert "Non qualifiée : 0 résidence · 0 logement" in text


def test_print_legends_carry_the_hidden_class():
    """PNG and PDF legends: the four grades, then the hollow « Note non visible », then the
    grey « Non qualifiée », in the colours of geo/grades.py."""
    handles = legend_handles(GradeScale.default(), {"demo"})
    labels = [handle.get_label() for handle in handles]
    assert labels[4:] == [HIDDEN_LABEL, UNGRADED_LABEL, "QPV de démonstration (fictifs)"]
    hidden, ungraded = handles[4], handles[5]
    assert (hidden.get_markerfacecolor(), hidden.get_markeredgecolor()) == (
        HIDDEN_COLOUR,
        HIDDEN_OUTLINE,
    )
    assert ungraded.get_markerfacecolor() == UNGRADED_COLOUR


def test_pdf_is_refused_outside_the_scope(client, corner):
    assert client.get("/elu/print.pdf").status_code == 401
    elu = corner.headers["elu_arras"]
    outside = client.get("/elu/print.pdf", params={"territoire": SAINT_LAURENT}, headers=elu)
    assert outside.status_code == 403
    assert "périmètre" in outside.json()["error"]["message"]
    landlord = client.get("/elu/print.pdf", headers=corner.headers["bailleur"])
    assert landlord.status_code == 403
    admin = client.get(
        "/elu/print.pdf", params={"territoire": ARRAS}, headers=corner.headers["admin"]
    )
    assert admin.status_code == 200


def share_of_colour(body: bytes, colour: str) -> float:
    image = imread(io.BytesIO(body), format="png")[:, :, :3]
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return float(np.all(np.abs(image - rgb) < 0.02, axis=2).mean())


def test_png_of_a_view_shows_grades_only_to_those_who_may_see_them(client, corner):
    params = {"bbox": "2.74,50.27,2.83,50.32", "width": 640, "height": 400}
    signed_in = client.get("/api/print/map.png", params=params, headers=corner.headers["admin"])
    assert signed_in.status_code == 200
    assert signed_in.headers["content-type"] == "image/png"
    image = imread(io.BytesIO(signed_in.content), format="png")
    assert image.shape[:2] == (400, 640)
    anonymous = client.get("/api/print/map.png", params=params)
    assert anonymous.status_code == 200
    # The legend shows every colour; the grade-1 marker adds red pixels only where grades show,
    # and the hollow markers of hidden grades add their outline only where they do not.
    assert share_of_colour(signed_in.content, COLOURS[1]) > share_of_colour(
        anonymous.content, COLOURS[1]
    )
    assert share_of_colour(anonymous.content, HIDDEN_OUTLINE) > share_of_colour(
        signed_in.content, HIDDEN_OUTLINE
    )
    too_big = client.get("/api/print/map.png", params={**params, "width": 9000})
    assert too_big.status_code == 422


def test_elu_page_shows_the_figures_and_redirects_anonymous_visitors(client, corner):
    anonymous = client.get("/elu", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/connexion?next=/elu"
    page = client.get("/elu", headers=corner.headers["elu_arras"])
    assert page.status_code == 200
    html = page.text.replace("\u00a0", " ")
    for expected in (
        "Imprimer (PDF)",
        "Image (PNG)",
        "Carte hors ligne (HTML)",
        f"/elu/print.pdf?territoire={ARRAS}",
        "22,2 % pour 25 % visés — 1 attribution manquante",
        "En amélioration",
    ):
        assert expected in html, expected
    outside = client.get(
        "/elu", params={"territoire": SAINT_LAURENT}, headers=corner.headers["elu_arras"]
    )
    assert outside.status_code == 403
    assert "pas dans votre périmètre" in outside.text


def test_prints_write_dollars_and_markup_of_names_and_labels_as_text(client, corner):
    """Matplotlib would read `$…$` as mathtext (and fail on some): names and labels are user
    text, printed as written."""
    from sqlalchemy import text

    name = "Campagne $\\frac{1}{0}$ à 50 $ <b>"
    with corner.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE campaign SET name = :n, scale_labels = CAST(:labels AS json) WHERE id = :id"
            ),
            {"n": name, "labels": '{"1": "Très $\\\\sqrt{fragile}$"}', "id": corner.campaign_id},
        )
        conn.execute(text("UPDATE residence SET name = '$x^2$' WHERE code = 'AR1'"))
    response = client.get("/elu/print.pdf", headers=corner.headers["elu_arras"])
    assert response.status_code == 200, response.text
    _, shown, _ = pdf_text(response.content)
    assert "Campagne $\\frac{1}{0}$ à 50 $ <b>" in shown
    assert "Très $\\sqrt{fragile}$" in shown
    png = client.get(
        "/api/print/map.png", params={"commune": ARRAS}, headers=corner.headers["admin"]
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
