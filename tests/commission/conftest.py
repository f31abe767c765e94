"""The commission's tests run on the hand-made Lille territory of tests/analysis/conftest.py, whose
allocations of 2025 are counted by hand there."""

from __future__ import annotations

from tests.analysis.conftest import territory

__all__ = ["territory"]
