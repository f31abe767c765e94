"""The commission's arithmetic against hand computations: shares to one decimal rounded half up,
`ceil(target × allocations) − counted` allocations missing, the stance of each category."""

from __future__ import annotations

import pytest

from geo.commission import (
    AVOIDED,
    FAVOURED,
    NEUTRAL,
    CommissionError,
    Floor,
    Orientation,
    allocation_effect,
    counts_toward_floor,
    effect_phrase,
    orientations,
    percent,
    priority_phrase,
    rate_label,
    suitability_key,
)


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def test_percent_rounds_half_up_exactly():
    assert plain(percent(249, 1000)) == "24,9 %"
    assert plain(percent(250, 1001)) == "25,0 %"  # 24.975 %
    assert plain(percent(1, 8)) == "12,5 %"
    assert plain(percent(1, 3)) == "33,3 %"
    assert plain(percent(2, 3)) == "66,7 %"
    assert plain(percent(499, 2000)) == "25,0 %"  # 24.95 % exactly: half up
    assert plain(percent(0, 7)) == "0,0 %" and plain(percent(7, 7)) == "100,0 %"
    with pytest.raises(CommissionError):
        percent(0, 0)
    assert plain(rate_label(0.25)) == "25 %" and plain(rate_label(0.275)) == "27,5 %"


def test_one_first_quartile_allocation_outside_qpv_by_hand():
    # 249 of 1000 allocations outside QPV went to Q1 or PRU: 24.9 %; the floor of 25 % asks for
    # ceil(250) = 250, one is missing. One more Q1: 250 of 1001 = 24.975 %, shown 25,0 %; the
    # floor is now ceil(250.25) = 251: still one missing.
    effect = allocation_effect("q1", False, Floor(allocations=1000, counted=249, target=0.25))
    assert (effect.before.missing, effect.after.missing) == (1, 1)
    assert (effect.after.counted, effect.after.allocations) == (250, 1001)
    assert effect.direction == -1
    assert plain(effect_phrase(effect)) == (
        "une attribution Q1 ici : hors QPV 24,9 % → 25,0 %, il en manque 1"
    )


def test_an_allocation_that_reaches_the_floor():
    # 4 of 20 (20 %): 25 % asks for 5, one missing; one PRU rehousing: 5 of 21 (23.8 %), and
    # ceil(5.25) = 6: still one missing; a second: 6 of 22 = 27.3 %, ceil(5.5) = 6: reached.
    first = allocation_effect("pru", False, Floor(20, 4, 0.25))
    assert plain(effect_phrase(first)) == (
        "une attribution PRU ici : hors QPV 20,0 % → 23,8 %, il en manque 1"
    )
    second = allocation_effect("pru", False, Floor(21, 5, 0.25))
    assert second.after.missing == 0
    assert plain(effect_phrase(second)).endswith("23,8 % → 27,3 %, objectif atteint")


def test_other_quartiles_dilute_the_floor_outside_qpv():
    # Exactly 25 % (5 of 20): one allocation to another quartile makes 5 of 21 (23,8 %) and
    # ceil(5.25) − 5 = 1 missing: the allocation moves the commune under its floor.
    effect = allocation_effect("other", False, Floor(20, 5, 0.25))
    assert (effect.before.missing, effect.after.missing, effect.direction) == (0, 1, 1)
    assert plain(effect_phrase(effect)) == (
        "une attribution hors Q1 ici : hors QPV 25,0 % → 23,8 %, il en manque 1"
    )


def test_inside_qpv_the_floor_counts_other_quartiles_at_the_cia_rate():
    # Inside QPV, 9 of 20 allocations went to other quartiles (45 %); a CIA rate of 60 % asks
    # for 12: 3 missing. One Q1 allocation: 9 of 21 (42,9 %), ceil(12.6) − 9 = 4 missing.
    q1 = allocation_effect("q1", True, Floor(20, 9, 0.6))
    assert (q1.before.missing, q1.after.missing) == (3, 4)
    assert plain(effect_phrase(q1)) == (
        "une attribution Q1 ici : en QPV 45,0 % → 42,9 %, il en manque 4"
    )
    # One to another quartile: 10 of 21 (47,6 %), ceil(12.6) − 10 = 3 missing.
    other = allocation_effect("other", True, Floor(20, 9, 0.6))
    assert (other.after.counted, other.after.missing, other.direction) == (10, 3, -1)
    # PRU rehousing is outside the first quartile: it counts toward the floor inside QPV too.
    assert counts_toward_floor("pru", True) is True
    assert counts_toward_floor("q1", False) is True and counts_toward_floor("other", False) is False
    assert counts_toward_floor("priority", True) is None


def test_the_first_allocation_of_the_year():
    effect = allocation_effect("q1", False, Floor(0, 0, 0.25))
    assert plain(effect_phrase(effect)) == (
        "une attribution Q1 ici : hors QPV aucune attribution → 100,0 %, objectif atteint"
    )


def test_priority_households_are_shown_for_information():
    # 11 of 40 allocations to priority households: 27,5 % → 12 of 41 = 29,3 %.
    assert plain(priority_phrase(40, 11)).startswith(
        "une attribution DALO/prioritaire ici : ménages prioritaires 27,5 % → 29,3 % (25 % visés"
    )
    with pytest.raises(CommissionError):
        allocation_effect("priority", False, Floor(40, 11, 0.25))
    with pytest.raises(CommissionError):
        priority_phrase(3, 4)


def test_inconsistent_counts_are_refused():
    with pytest.raises(CommissionError):
        Floor(allocations=3, counted=4, target=0.25)
    with pytest.raises(CommissionError):
        allocation_effect("dalo", False, Floor(3, 1, 0.25))


def stances(found: list[Orientation]) -> dict[str, str | None]:
    return {o.category: o.stance for o in found}


def test_stances_follow_the_target_population_type():
    welcoming = orientations("accueil", "A · Accueil", False, 0.5)
    assert stances(welcoming) == {"q1": FAVOURED, "pru": FAVOURED, "priority": FAVOURED,
                                  "other": NEUTRAL}  # fmt: skip
    assert welcoming[0].reasons == ("peuplement cible « A · Accueil »",)
    fragile = orientations("reequilibrage", "D", False, 0.5)
    assert stances(fragile) == {"q1": AVOIDED, "pru": AVOIDED, "priority": AVOIDED,
                                "other": FAVOURED}  # fmt: skip
    assert fragile[0].label == "à éviter"


def test_inside_qpv_other_quartiles_are_favoured_by_the_law():
    balanced = orientations("equilibre", "B", True, 0.6)
    assert stances(balanced)["other"] == FAVOURED and stances(balanced)["q1"] == NEUTRAL
    reasons = plain(" ; ".join(balanced[3].reasons))
    assert "au moins 60 % des attributions vont aux demandeurs hors premier quartile" in reasons
    unknown = orientations(None, None, True, 0.5)
    assert stances(unknown) == {"q1": None, "pru": None, "priority": None, "other": FAVOURED}
    assert unknown[0].label == "à apprécier"
    with pytest.raises(CommissionError):
        orientations("inconnu", None, False, 0.5)


def test_suitability_orders_stance_then_the_commune_floor_then_vacancies():
    favoured = Orientation("q1", FAVOURED, ())
    neutral = Orientation("q1", NEUTRAL, ())
    under = allocation_effect("q1", False, Floor(20, 2, 0.25))  # 3 missing
    nearly = allocation_effect("q1", False, Floor(20, 4, 0.25))  # 1 missing
    reached = allocation_effect("q1", False, Floor(20, 8, 0.25))
    keys = {
        "A": suitability_key(neutral, under, 5, "A"),
        "B": suitability_key(favoured, reached, 1, "B"),
        "C": suitability_key(favoured, nearly, 1, "C"),
        "D": suitability_key(favoured, under, 1, "D"),
        "E": suitability_key(favoured, under, 2, "E"),
        "F": suitability_key(Orientation("q1", None, ()), None, 9, "F"),
        "G": suitability_key(Orientation("q1", AVOIDED, ()), under, 9, "G"),
    }
    assert sorted(keys, key=keys.__getitem__) == ["E", "D", "C", "B", "A", "F", "G"]
    with pytest.raises(CommissionError):
        suitability_key(favoured, None, -1, "X")
