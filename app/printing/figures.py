"""The élu view's territory and key figures, shared by the `/elu` page and its printed forms.

An elected official (or an administrator or reader, to preview it) reads one commune or EPCI of
their scope: stock, agreed grades, divergences harmonised, allocation targets and the evolution
since the previous campaign, as French display lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.access.gate import Gate, administers, default_campaign_id
from app.analysis.allocations import allocation_targets
from app.auth.principal import Principal
from app.auth.roles import Role
from app.campaigns.comparison import TREND_LABELS, TRENDS
from app.campaigns.service import STATUS_LABELS, Campaign, get_campaign
from app.core.errors import Forbidden, NotFound
from app.layers import ResidenceFilter, residence_rows_sql
from geo.grades import FRAGILE_GRADES, GRADES, GradeScale, grade_class, legend_label

VIEWER_ROLES = (Role.ELU, Role.ADMIN, Role.READER)
"""Who opens the élu view: elected officials, and administrators or readers to preview it."""

NBSP = "\u00a0"

TERRITORY_SQL = """
    SELECT 'commune' AS kind, c.insee AS code, c.name, c.epci_siren, e.name AS epci_name
    FROM commune c JOIN epci e ON e.siren = c.epci_siren WHERE c.insee = :code
    UNION ALL
    SELECT 'epci', e.siren, e.name, e.siren, e.name FROM epci e WHERE e.siren = :code
"""

FIGURES_SQL = """
    SELECT count(*) AS residences, COALESCE(sum(r.nb_logements), 0) AS dwellings,
           count(*) FILTER (WHERE cr.divergent AND {agreed}) AS divergent,
           count(*) FILTER (WHERE cr.divergent AND cr.harmonised_grade IS NOT NULL AND {agreed})
               AS divergent_harmonised,
           {trends}
    FROM residence r
    JOIN bailleur b ON b.id = r.bailleur_id
    LEFT JOIN campaign ca ON ca.id = :campaign
    LEFT JOIN campaign_residence cr ON cr.campaign_id = :campaign AND cr.residence_id = r.id
    LEFT JOIN campaign_residence pr ON pr.campaign_id = :previous AND pr.residence_id = r.id
    WHERE {territory}
"""
"""Divergences and trends count only the residences whose agreed grade the gate shows."""

TREND_SQL = """CASE WHEN cr.agreed_grade IS NULL THEN NULL
    WHEN pr.agreed_grade IS NULL THEN 'new'
    WHEN cr.agreed_grade > pr.agreed_grade THEN 'improved'
    WHEN cr.agreed_grade = pr.agreed_grade THEN 'stable'
    ELSE 'worsened' END"""
"""The same rule as the comparison layer of app/campaigns/comparison.py."""

CLASSES_SQL = """
    SELECT t.grade, t.grade_status, count(*) AS residences,
           COALESCE(sum(t.nb_logements), 0) AS dwellings
    FROM ({rows}) AS t
    GROUP BY t.grade, t.grade_status
"""
"""Residences and dwellings per legend class, counted on the rows the territory's map draws."""


def format_int(value: int) -> str:
    """12345 → "12 345" (French grouping, non-breaking space)."""
    return f"{value:,}".replace(",", NBSP)


def format_percent(share: float | None) -> str:
    """0.2345 → "23,5 %", 0.25 → "25 %"; None → "–"."""
    if share is None:
        return "–"
    return f"{share * 100:.1f}".removesuffix(".0").replace(".", ",") + f"{NBSP}%"


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(day: date) -> str:
    """date(2026, 11, 3) → "3 novembre 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def count_of(value: int, singular: str, plural: str) -> str:
    """French plural: 0 and 1 take the singular."""
    return f"{format_int(value)} {singular if abs(value) < 2 else plural}"


@dataclass(frozen=True)
class Territory:
    """A commune or an EPCI, as the élu view shows it."""

    kind: str
    code: str
    name: str
    epci_siren: str
    epci_name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.epci_name})" if self.kind == "commune" else self.name

    def residence_filter(self, campaign_id: int | None = None) -> ResidenceFilter:
        if self.kind == "commune":
            return ResidenceFilter(commune=self.code, campaign=campaign_id)
        return ResidenceFilter(epci=self.code, campaign=campaign_id)

    def outline_sql(self) -> tuple[str, dict]:
        """SQL of the territory's polygon (`name`, `geom`)."""
        if self.kind == "commune":
            return "SELECT name, geom FROM commune WHERE insee = :territory", {
                "territory": self.code
            }
        return "SELECT name, geom FROM epci WHERE siren = :territory", {"territory": self.code}

    def condition(self, r: str = "r") -> tuple[str, dict]:
        """SQL condition on residence `r` of the residences of this territory."""
        column = "commune_insee" if self.kind == "commune" else "epci_siren"
        return f"{r}.{column} = :territory", {"territory": self.code}

    def map_filter(self, principal: Principal, campaign: Campaign | None) -> ResidenceFilter:
        """The residences of the territory's map (print and key figures): the agreed grades of
        `campaign` (default: the latest shown), visible within the caller's scope."""
        flt = self.residence_filter(campaign.id if campaign else None)
        flt.gate = Gate(principal)
        return flt


def _default_territory_code(conn: Connection, principal: Principal) -> str:
    for kind in ("epci", "commune"):
        if principal.scope(kind):
            return sorted(principal.scope(kind))[0]
    if principal.is_admin:
        latest = conn.execute(
            text("SELECT epci_siren FROM campaign ORDER BY year DESC, id DESC LIMIT 1")
        ).scalar_one_or_none()
        if latest:
            return latest
    raise NotFound("Aucun territoire à afficher : votre compte n'a ni commune ni EPCI.")


def resolve_territory(conn: Connection, principal: Principal, code: str | None) -> Territory:
    """The territory `code` (default: the first of the caller's scope) if the caller may view it."""
    if principal.role not in VIEWER_ROLES:
        raise Forbidden("La vue des élus est réservée aux élus, administrateurs et lecteurs.")
    code = (code or "").strip() or _default_territory_code(conn, principal)
    row = conn.execute(text(TERRITORY_SQL), {"code": code}).mappings().first()
    if row is None:
        raise NotFound(
            f"Territoire « {code} » inconnu : ni code INSEE de commune, ni SIREN d'EPCI."
        )
    territory = Territory(**row)
    allowed = (
        administers(principal, territory.epci_siren)
        or territory.code in principal.scope(territory.kind)
        or territory.epci_siren in principal.scope("epci")
    )
    if not allowed:
        raise Forbidden(f"{territory.name} n'est pas dans votre périmètre.")
    return territory


def territory_bbox(conn: Connection, territory: Territory) -> tuple[float, float, float, float]:
    """WGS84 extent (minLon, minLat, maxLon, maxLat) of the outline and residences."""
    outline, params = territory.outline_sql()
    condition, _ = territory.condition()
    row = conn.execute(
        text(
            f"""
            SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
            FROM (SELECT ST_Extent(geom) AS e FROM (
                SELECT geom FROM ({outline}) AS o
                UNION ALL SELECT r.geom FROM residence r WHERE {condition}) AS g) AS s
            """
        ),
        params,
    ).one()
    if row[0] is None:
        raise NotFound(f"{territory.name} n'a ni contour ni résidence à cartographier.")
    return tuple(row)  # type: ignore[return-value]


def current_campaign(
    conn: Connection, principal: Principal, territory: Territory
) -> Campaign | None:
    """The campaign the map shows by default for the territory's EPCI (the gate's choice), if
    the caller reads its agreed grades."""
    campaign_id = default_campaign_id(conn, territory.epci_siren)
    if campaign_id is None:
        return None
    campaign = get_campaign(conn, campaign_id)
    return campaign if campaign.access(principal).joint else None


@dataclass(frozen=True)
class Line:
    """One figure as shown: a label, its value, and a colour swatch (with its outline, for the
    hollow class of hidden grades) for grade classes."""

    label: str
    value: str
    colour: str | None = None
    outline: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[Line]


@dataclass
class KeyFigures:
    territory: Territory
    campaign: Campaign | None
    previous: Campaign | None
    residences: int
    dwellings: int
    by_class: dict[int | str, tuple[int, int]]
    """Residences and dwellings per legend class (`geo.grades.grade_class`): each visible grade,
    `hidden` (a grade the caller may not read) and `none` (no agreed grade)."""
    divergent: int
    divergent_harmonised: int
    trends: dict[str, int]
    allocation: dict | None
    """This territory's row of `app.analysis.allocations.allocation_targets`, latest year."""

    @property
    def scale(self) -> GradeScale:
        return self.campaign.scale if self.campaign else GradeScale.default()

    @property
    def fragile(self) -> tuple[int, int]:
        return (
            sum(self.by_class[g][0] for g in FRAGILE_GRADES),
            sum(self.by_class[g][1] for g in FRAGILE_GRADES),
        )

    @property
    def fragile_share(self) -> float | None:
        """Share of dwellings in fragile residences among the graded dwellings."""
        graded = sum(self.by_class[g][1] for g in GRADES)
        return self.fragile[1] / graded if graded else None

    @property
    def sections(self) -> list[Section]:
        return display_sections(self)

    @property
    def campaign_label(self) -> str:
        if self.campaign is None:
            return "aucune campagne de qualification lisible"
        return f"{self.campaign.name} ({STATUS_LABELS[self.campaign.status].lower()})"


def key_figures(conn: Connection, principal: Principal, territory: Territory) -> KeyFigures:
    """The key figures of `territory` in the latest campaign the caller may read."""
    campaign = current_campaign(conn, principal, territory)
    previous = None
    if campaign is not None and campaign.previous_id is not None:
        candidate = get_campaign(conn, campaign.previous_id)
        previous = candidate if candidate.access(principal).joint else None
    agreed = Gate(principal).agreed(ca="ca")
    trends = ",\n".join(
        f"count(*) FILTER (WHERE {agreed.sql} AND {TREND_SQL} = '{trend}') AS trend_{trend}"
        for trend in TRENDS
    )
    condition, params = territory.condition()
    sql = FIGURES_SQL.format(agreed=agreed.sql, trends=trends, territory=condition)
    row = (
        conn.execute(
            text(sql),
            {
                **agreed.bind(params),
                "campaign": campaign.id if campaign else None,
                "previous": previous.id if previous else None,
            },
        )
        .mappings()
        .one()
    )
    scale = campaign.scale if campaign else GradeScale.default()
    by_class = dict.fromkeys(scale.legend_by_class(), (0, 0))
    rows_sql, rows_params = residence_rows_sql(territory.map_filter(principal, campaign))
    for counted in conn.execute(text(CLASSES_SQL.format(rows=rows_sql)), rows_params).mappings():
        key = grade_class(counted["grade"], counted["grade_status"])
        by_class[key] = (counted["residences"], counted["dwellings"])
    allocation = next(
        (
            target
            for target in allocation_targets(conn, territory.kind, gate=Gate(principal))
            if target["code"] == territory.code
        ),
        None,
    )
    return KeyFigures(
        territory=territory,
        campaign=campaign,
        previous=previous,
        residences=row["residences"],
        dwellings=row["dwellings"],
        by_class=by_class,
        divergent=row["divergent"],
        divergent_harmonised=row["divergent_harmonised"],
        trends={trend: row[f"trend_{trend}"] for trend in TRENDS},
        allocation=allocation,
    )


def _target_value(share: float | None, target: float, allocations: int, missing: int) -> str:
    if not allocations:
        return "aucune attribution"
    verdict = (
        "objectif atteint"
        if missing == 0
        else count_of(missing, "attribution manquante", "attributions manquantes")
    )
    return f"{format_percent(share)} pour {format_percent(target)} visés — {verdict}"


def display_sections(figures: KeyFigures) -> list[Section]:
    """The figures as French display sections, in reading order."""
    stock = Section(
        "Parc social",
        [
            Line("Résidences", format_int(figures.residences)),
            Line("Logements", format_int(figures.dwellings)),
        ],
    )
    grade_lines = []
    for key, entry in figures.scale.legend_by_class().items():
        residences, dwellings = figures.by_class[key]
        value = (
            f"{count_of(residences, 'résidence', 'résidences')} · "
            f"{count_of(dwellings, 'logement', 'logements')}"
        )
        grade_lines.append(Line(legend_label(entry), value, entry["colour"], entry.get("outline")))
    fragile_residences, _ = figures.fragile
    grade_lines.append(
        Line(
            "Résidences fragiles (notes 1 et 2)",
            f"{format_int(fragile_residences)}, soit {format_percent(figures.fragile_share)} "
            "des logements qualifiés",
        )
    )
    result = [
        stock,
        Section("Vivre-ensemble (note partagée)", grade_lines),
        Section(
            "Harmonisation",
            [
                Line("Notes divergentes", format_int(figures.divergent)),
                Line("dont harmonisées", format_int(figures.divergent_harmonised)),
            ],
        ),
    ]
    if figures.previous is not None:
        result.append(
            Section(
                f"Évolution depuis « {figures.previous.name} »",
                [
                    Line(TREND_LABELS[trend], count_of(count, "résidence", "résidences"))
                    for trend, count in figures.trends.items()
                ],
            )
        )
    else:
        result.append(Section("Évolution", [Line("Campagne précédente", "aucune à comparer")]))
    target = figures.allocation
    if target is not None:
        result.append(
            Section(
                f"Attributions {target['year']} (objectifs de la loi)",
                [
                    Line(
                        "Hors QPV, au 1er quartile ou relogés PRU",
                        _target_value(
                            target["share_q1_or_pru_outside_qpv"],
                            target["target_outside"],
                            target["allocations_outside_qpv"],
                            target["missing_outside"],
                        ),
                    ),
                    Line(
                        "En QPV, hors 1er quartile",
                        _target_value(
                            target["share_non_q1_inside_qpv"],
                            target["target_inside"],
                            target["allocations_inside_qpv"],
                            target["missing_inside"],
                        ),
                    ),
                ],
            )
        )
    else:
        result.append(Section("Attributions", [Line("Objectifs de la loi", "aucune donnée")]))
    return result


def source_line(conn: Connection) -> str:
    """Where the data comes from: demo or partners' residences; ANCT or demo QPV."""
    demo, qpv_sources = conn.execute(
        text(
            "SELECT (SELECT bool_or(is_demo) FROM residence),"
            " (SELECT array_agg(DISTINCT source ORDER BY source) FROM qpv)"
        )
    ).one()
    data = "données de démonstration (fictives)" if demo else "notes des communes et bailleurs"
    names = {"official": "ANCT", "demo": "démonstration"}
    qpv = " / ".join(names[s] for s in qpv_sources or []) or "aucun périmètre chargé"
    return f"Source : qualiparc — {data} ; QPV : {qpv}"
