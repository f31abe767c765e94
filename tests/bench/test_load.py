"""The readers' figures say when wrk itself was held up (bench/load.py)."""

from bench.load import Reading


def reading(seconds: float) -> Reading:
    return Reading(
        requests=60_000,
        seconds=seconds,
        p50=30.0,
        p95=150.0,
        p99=400.0,
        slowest=900.0,
        unanswered=0,
        refused=0,
        asked=20.0,
    )


def test_a_run_that_lasted_as_asked_is_summarised_plainly() -> None:
    assert not reading(20.4).held_up
    assert "held up" not in reading(20.4).summary()


def test_a_run_that_lasted_far_longer_than_asked_says_its_latencies_count_a_pause() -> None:
    late = reading(39.0)
    assert late.held_up
    assert late.summary().endswith(
        "; wrk ran 39 s for a run of 20 s: the client was held up, and its latencies count "
        "that pause"
    )
