"""Import one side's grade sheet for a campaign: every row checked, then all written or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app import events
from app.auth.principal import Principal
from app.campaigns.grading import COMMENT_MAX, ResidenceRef, actor_label, grading_refusal
from app.campaigns.service import Campaign
from geo.grades import SIDE_LABELS, SIDES, GradeError, parse_grade
from geo.readers import FileFormatError, find_column, read_table
from geo.report import ImportRejected, RowError
from geo.residences import COLUMN_ALIASES as RESIDENCE_ALIASES

GENERIC_GRADE_ALIASES = ("note", "grade", "note_vivre_ensemble", "note_ve", "cotation", "valeur")
COMMENT_ALIASES = (
    "commentaire",
    "commentaires",
    "comment",
    "observation",
    "observations",
    "remarque",
    "remarques",
)

RESIDENCES = text(
    """
    SELECT r.id, r.code, r.name, r.commune_insee, c.name AS commune_name, r.epci_siren,
           b.name AS bailleur, b.siren AS bailleur_siren
    FROM residence r JOIN bailleur b ON b.id = r.bailleur_id
    JOIN commune c ON c.insee = r.commune_insee
    WHERE r.code = ANY(:codes)
    """
)

STORE = text(
    """
    WITH incoming AS (
        SELECT * FROM unnest(CAST(:residences AS int[]), CAST(:grades AS smallint[]),
                             CAST(:comments AS text[])) AS t(residence_id, value, comment)
    ), previous AS (
        SELECT i.*, g.value AS before, g.comment AS before_comment, g.value IS NOT NULL AS known
        FROM incoming i
        LEFT JOIN grade g ON g.campaign_id = :campaign AND g.residence_id = i.residence_id
                         AND g.side = :side
    ), saved AS (
        INSERT INTO grade (campaign_id, residence_id, side, value, comment, updated_by)
        SELECT :campaign, residence_id, :side, value, comment, :actor FROM incoming
        ON CONFLICT (campaign_id, residence_id, side) DO UPDATE
        SET value = EXCLUDED.value, comment = EXCLUDED.comment,
            updated_by = EXCLUDED.updated_by, updated_at = now()
        WHERE (grade.value, grade.comment) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.comment)
        RETURNING residence_id
    ), logged AS (
        INSERT INTO grade_event (campaign_id, residence_id, kind, before, after, note, actor_id,
                                 actor_label)
        SELECT :campaign, p.residence_id, :side, p.before, p.value, :note, :actor, :label
        FROM previous p JOIN saved s ON s.residence_id = p.residence_id
    )
    SELECT count(*) FILTER (WHERE NOT p.known) AS inserted,
           count(*) FILTER (WHERE p.known AND s.residence_id IS NOT NULL) AS updated,
           count(*) FILTER (WHERE s.residence_id IS NULL) AS unchanged
    FROM previous p LEFT JOIN saved s ON s.residence_id = p.residence_id
    """
)


@dataclass
class GradeRow:
    line: int
    code: str
    value: int
    comment: str | None


@dataclass
class GradeImportSummary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    blank: int = 0
    """Rows without a grade: the residence is left ungraded."""
    columns: dict[str, str] = field(default_factory=dict)


def _columns(names: list[str], side: str) -> tuple[dict[str, str], list[RowError]]:
    """The user's columns for the residence code, the grade of `side` and the comment."""
    other = next(s for s in SIDES if s != side)
    own_grade = RESIDENCE_ALIASES[f"note_{side}"]
    free = [n for n in names if find_column([n], RESIDENCE_ALIASES[f"note_{other}"]) is None]
    found = {
        "code": find_column(names, RESIDENCE_ALIASES["code"]),
        "grade": find_column(names, own_grade) or find_column(free, GENERIC_GRADE_ALIASES),
        "comment": find_column(names, COMMENT_ALIASES),
    }
    errors = []
    if found["code"] is None:
        accepted = ", ".join(RESIDENCE_ALIASES["code"][:5])
        errors.append(
            RowError(None, None, None, f"colonne du code de la résidence absente ({accepted}…)")
        )
    if found["grade"] is None:
        accepted = ", ".join((*own_grade[:2], *GENERIC_GRADE_ALIASES[:2]))
        errors.append(
            RowError(
                None,
                None,
                None,
                f"colonne de la note {SIDE_LABELS[side].lower()} absente ({accepted}…)",
            )
        )
    return {k: v for k, v in found.items() if v is not None}, errors


def read_grade_sheet(
    path: Path, side: str
) -> tuple[list[GradeRow], list[RowError], GradeImportSummary]:
    """Parse a sheet (CSV or XLSX): the valid rows and the errors of the others.

    Raise `ImportRejected` only when the file as a whole cannot be used.
    """
    try:
        table = read_table(path)
    except FileFormatError as exc:
        raise ImportRejected([RowError(None, None, None, str(exc))]) from None
    summary = GradeImportSummary()
    mapping, errors = _columns(list(table.frame.columns), side)
    if errors:
        raise ImportRejected(errors)
    summary.columns = mapping
    errors = list(table.errors)
    rows: list[GradeRow] = []
    first_line: dict[str, int] = {}
    code_column, grade_column = mapping["code"], mapping["grade"]
    comment_column = mapping.get("comment")
    for line, record in zip(table.line_numbers, table.frame.to_dict("records"), strict=True):
        code, raw_grade = record[code_column], record[grade_column]
        comment = record[comment_column] if comment_column else None
        if code is None:
            errors.append(RowError(line, code_column, None, "code de résidence manquant"))
            continue
        if raw_grade is None:
            summary.blank += 1
            continue
        if code in first_line:
            errors.append(
                RowError(
                    line,
                    code_column,
                    code,
                    f"résidence en double (déjà notée ligne {first_line[code]})",
                )
            )
            continue
        first_line[code] = line
        try:
            value = parse_grade(raw_grade)
        except GradeError as exc:
            errors.append(RowError(line, grade_column, raw_grade, str(exc)))
            continue
        if comment and len(comment) > COMMENT_MAX:
            errors.append(
                RowError(line, comment_column, comment[:40] + "…", "commentaire trop long")
            )
            continue
        rows.append(GradeRow(line, code, value, comment))
    return rows, errors, summary


def import_grades(
    conn: Connection,
    path: Path,
    campaign: Campaign,
    side: str,
    *,
    principal: Principal | None = None,
    source_name: str | None = None,
) -> GradeImportSummary:
    """Check then store the `side` grades of a sheet; raise `ImportRejected` and write nothing.

    `principal` (the signed-in account of the upload page) limits the rows to the residences it
    grades; the command line (None) acts for the operator, within the campaign's EPCI.
    `source_name` names the file in the history when `path` is a temporary copy.
    """
    if side not in SIDES:
        raise ImportRejected(
            [RowError(None, None, side, "côté inconnu : « commune » ou « bailleur »")]
        )
    if campaign.status != "grading":
        raise ImportRejected(
            [
                RowError(
                    None,
                    None,
                    None,
                    f"la campagne « {campaign.name} » n'est pas en phase de notation",
                )
            ]
        )
    rows, errors, summary = read_grade_sheet(path, side)
    code_column = summary.columns["code"]
    known = {
        row["code"]: ResidenceRef(**row)
        for row in conn.execute(RESIDENCES, {"codes": [r.code for r in rows]}).mappings()
    }
    for row in rows:
        residence = known.get(row.code)
        if residence is None:
            errors.append(RowError(row.line, code_column, row.code, "résidence inconnue"))
        elif residence.epci_siren != campaign.epci_siren:
            errors.append(
                RowError(
                    row.line,
                    code_column,
                    row.code,
                    f"résidence hors du territoire de la campagne « {campaign.name} »",
                )
            )
        elif principal is not None and (refusal := grading_refusal(principal, residence, side)):
            errors.append(RowError(row.line, code_column, row.code, refusal.rstrip(".")))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        return summary
    counts = conn.execute(
        STORE,
        {
            "campaign": campaign.id,
            "side": side,
            "residences": [known[r.code].id for r in rows],
            "grades": [r.value for r in rows],
            "comments": [r.comment for r in rows],
            "actor": principal.id if principal else None,
            "label": actor_label(principal) if principal else "ligne de commande",
            "note": f"import du fichier {source_name or Path(path).name}",
        },
    ).one()
    summary.inserted, summary.updated, summary.unchanged = counts
    if summary.inserted or summary.updated:
        events.publish(
            conn,
            campaign.id,
            {"type": "grades_imported", "side": side, "count": summary.inserted + summary.updated},
        )
    return summary
