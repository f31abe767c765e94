"""Small writers shared by the tests that build a hand-made campaign."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def grade(
    conn: Connection,
    campaign_id: int,
    code: str,
    commune: int | None,
    bailleur: int | None,
    harmonised: int | None = None,
    rationale: str | None = None,
) -> None:
    """Both sides' grades of residence `code` (None: not graded) and its harmonised grade."""
    for side, value in (("commune", commune), ("bailleur", bailleur)):
        if value is not None:
            conn.execute(
                text(
                    "INSERT INTO grade (campaign_id, residence_id, side, value) "
                    "SELECT :c, id, :side, :v FROM residence WHERE code = :code"
                ),
                {"c": campaign_id, "side": side, "v": value, "code": code},
            )
    if harmonised is not None:
        conn.execute(
            text(
                "INSERT INTO harmonisation (campaign_id, residence_id, value, rationale) "
                "SELECT :c, id, :v, :rationale FROM residence WHERE code = :code"
            ),
            {"c": campaign_id, "v": harmonised, "code": code, "rationale": rationale},
        )
