"""The legend classes of geo/grades.py: grades, hidden grades, no grade."""

from __future__ import annotations

import pytest

from geo.grades import (
    HIDDEN_COLOUR,
    HIDDEN_LABEL,
    HIDDEN_OUTLINE,
    UNGRADED_LABEL,
    GradeError,
    GradeScale,
    grade_class,
    legend_label,
)

MAP_BACKGROUNDS = {
    "web map": "#dfe6ee",
    "commune fill (web, prints, offline map)": "#fbfaf6",
    "legend and hollow fill": "#ffffff",
}
"""What a hollow marker or swatch is drawn on: frontend/styles/map.css, rendering/map.js,
app/printing/drawing.py and folium_export.py, the legends."""


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of "#rrggbb"."""

    def channel(start: int) -> float:
        value = int(hex_colour[start : start + 2], 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_legend_classes_come_in_order_with_their_labels() -> None:
    entries = GradeScale.default().legend_by_class()
    assert list(entries) == [1, 2, 3, 4, "hidden", "none"]
    assert legend_label(entries[1]) == "1 · Vivre-ensemble très fragile"
    assert legend_label(entries["hidden"]) == HIDDEN_LABEL
    assert legend_label(entries["none"]) == UNGRADED_LABEL
    assert entries["hidden"]["colour"] == HIDDEN_COLOUR
    assert entries["hidden"]["outline"] == HIDDEN_OUTLINE


def test_grade_class_of_a_residence() -> None:
    assert grade_class(2, "visible") == 2
    assert grade_class(None, "hidden") == "hidden"
    assert grade_class(None, "none") == "none"
    with pytest.raises(GradeError):
        grade_class(None, "visible")
    with pytest.raises(GradeError):
        grade_class(None, "secret")


@pytest.mark.parametrize("background", MAP_BACKGROUNDS.values(), ids=MAP_BACKGROUNDS.keys())
def test_hollow_outline_reads_on_every_background(background: str) -> None:
    """WCAG 1.4.11 (non-text contrast): at least 3:1 for the outline that draws the marker."""
    assert contrast(HIDDEN_OUTLINE, background) >= 3
