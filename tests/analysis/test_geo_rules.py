"""The rules of geo/ without database: legal floors, rebalancing formula, peuplement types."""

from __future__ import annotations

from decimal import Decimal

import pytest

from geo.allocation_rules import (
    SECRECY_THRESHOLD,
    RateError,
    check_rate,
    inside_qpv_check,
    missing_allocations,
    outside_qpv_check,
)
from geo.peuplement import (
    TYPE_BY_GRADE,
    TYPE_CODES,
    PeuplementError,
    legend,
    location_of,
    peuplement_labels,
    peuplement_type,
)
from geo.rebalancing import quartier_need, residence_need


@pytest.mark.parametrize(
    "count, total, target, missing",
    [
        (3, 20, 0.25, 2),  # 25 % of 20 = 5
        (5, 20, 0.25, 0),  # exactly on the floor
        (0, 21, 0.25, 6),  # 5 would be 23.8 %: the target in numbers is ceil(5.25) = 6
        (9, 20, 0.5, 1),
        (0, 0, 0.25, 0),  # no allocation: nothing missing
        (7, 10, Decimal("0.700"), 0),  # no float error at the boundary (0.7 × 10)
        (2, 10, 0.3, 1),
    ],
)
def test_missing_allocations(count, total, target, missing):
    assert missing_allocations(count, total, target) == missing


def test_outside_qpv_floor_counts_first_quartile_and_pru():
    check = outside_qpv_check(total=20, q1=2, pru=1)
    assert (check.counted, check.share, check.target, check.missing) == (3, 0.15, 0.25, 2)
    assert check.under_target
    at_floor = outside_qpv_check(total=8, q1=1, pru=1)
    assert at_floor.share == 0.25 and not at_floor.under_target and at_floor.missing == 0


def test_inside_qpv_floor_counts_other_than_first_quartile():
    check = inside_qpv_check(total=20, q1=11)
    assert (check.counted, check.share, check.missing, check.under_target) == (9, 0.45, 1, True)
    none = inside_qpv_check(total=0, q1=0)
    assert none.share is None and none.missing == 0 and not none.under_target


def test_rates_are_shares_and_secret_threshold_is_eleven():
    assert check_rate("0.3", "taux") == 0.3
    for bad in (25, 0, -0.1, "abc"):
        with pytest.raises(RateError):
            check_rate(bad, "taux")
    assert SECRECY_THRESHOLD == 11


def test_quartier_need_levels_and_reasons():
    calm = quartier_need(3.4, 0.10, 0.30, 0.0)
    assert (calm.level, calm.label, calm.reasons) == (0, "faible", [])
    qpv = quartier_need(2.2, 0.40, 0.3889, 1.0)
    assert qpv.level == 2 and qpv.points == 2
    assert qpv.reasons == [
        "note moyenne pondérée par les logements 2,20 : vivre-ensemble fragile (seuil 2,50)",
        "quartier prioritaire de la politique de la ville",
    ]
    concentrated = quartier_need(2.8, 0.50, 0.40, 0.2)
    assert concentrated.level == 1
    assert concentrated.reasons == [
        "50 % des logements qualifiés du quartier sont en résidence fragile, "
        "contre 40 % dans l'EPCI"
    ]
    commune = quartier_need(2.6667, 0.3889, 0.3889, 0.6)
    assert commune.level == 1 and commune.reasons == ["60 % des logements sont dans un QPV"]
    very_fragile = quartier_need(1.4, None, None, None)
    assert very_fragile.level == 2 and very_fragile.points == 2
    unknown = quartier_need(None, None, 0.3, 1.0)
    assert unknown.level is None and unknown.label == "non évaluable"


def test_needs_counted_in_residences_say_so():
    """Under the statistical secret, figures count residences and the reasons say it."""
    assert quartier_need(2.2, 0.50, 0.30, 0.0, by_residence=True).reasons == [
        "note moyenne des résidences 2,20 : vivre-ensemble fragile (seuil 2,50)",
        "50 % des résidences qualifiées du quartier sont fragiles, contre 30 % dans l'EPCI",
    ]
    assert residence_need(3, "outside", 0.5, 0.3, by_residence=True).reasons == [
        "50 % des résidences qualifiées de sa commune sont fragiles, contre 30 % dans l'EPCI"
    ]


def test_residence_need():
    assert residence_need(1, "qpv").level == 2
    assert residence_need(1, "qpv").points == 3
    assert residence_need(3, "qpv").level == 1
    assert residence_need(4, "outside").level == 0
    near_fragile = residence_need(2, "near")
    assert near_fragile.level == 2
    assert near_fragile.reasons[-1] == "résidence fragile à moins de 300 m d'un QPV"
    assert residence_need(3, "near").level == 0
    concentrated = residence_need(3, "outside", 0.55, 0.30)
    assert concentrated.level == 1
    assert "de sa commune" in concentrated.reasons[0]
    assert residence_need(None, "qpv").level is None


def test_peuplement_rule_covers_every_grade_and_location():
    assert set(TYPE_BY_GRADE) == {1, 2, 3, 4}
    for row in TYPE_BY_GRADE.values():
        assert set(row) == {"qpv", "near", "outside"}
        assert set(row.values()) <= set(TYPE_CODES)
    assert {code for row in TYPE_BY_GRADE.values() for code in row.values()} == set(TYPE_CODES)
    assert peuplement_type(4, "outside") == "accueil"
    assert peuplement_type(4, "qpv") == "equilibre"
    assert peuplement_type(3, "near") == "equilibre"
    assert peuplement_type(3, "qpv") == "diversification"
    assert peuplement_type(2, "qpv") == "reequilibrage"
    assert peuplement_type(1, "outside") == "reequilibrage"
    assert peuplement_type(None, "qpv") is None
    assert location_of(True, False) == "qpv"
    assert location_of(False, True) == "near"
    assert location_of(False, False) == "outside"
    with pytest.raises(PeuplementError):
        peuplement_type(5, "outside")


def test_epci_labels_override_the_defaults():
    labels = peuplement_labels({"accueil": "  Accueil prioritaire ", "equilibre": " "})
    assert labels["accueil"] == "Accueil prioritaire"
    assert labels["equilibre"].startswith("B ·")
    assert [entry["code"] for entry in legend()] == list(TYPE_CODES)
    with pytest.raises(PeuplementError, match="inconnu"):
        peuplement_labels({"type_z": "x"})
    with pytest.raises(PeuplementError, match="trop long"):
        peuplement_labels({"accueil": "x" * 81})
