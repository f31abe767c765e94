"""Database models. Geometries are stored in WGS84 (EPSG:4326) with GiST indexes."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4326


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


# --- Territory ---------------------------------------------------------------------------------


class Region(Base):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class Departement(Base):
    __tablename__ = "departement"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class Epci(Base):
    __tablename__ = "epci"

    siren: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(8))
    population: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=True)


class Commune(Base):
    __tablename__ = "commune"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    departement: Mapped[str | None] = mapped_column(String(3))
    epci_siren: Mapped[str | None] = mapped_column(ForeignKey("epci.siren"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=True)


class CommuneAlias(Base):
    """An old commune code (merged into a commune nouvelle) and the current commune it maps to."""

    __tablename__ = "commune_alias"

    old_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    old_name: Mapped[str | None] = mapped_column(Text)
    insee: Mapped[str] = mapped_column(ForeignKey("commune.insee", ondelete="CASCADE"))
    status: Mapped[str | None] = mapped_column(String(32))


class Qpv(Base):
    __tablename__ = "qpv"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    communes: Mapped[list[str]] = mapped_column(ARRAY(String(5)), server_default="{}")
    source: Mapped[str] = mapped_column(String(16))
    """`official` (imported ANCT file) or `demo` (generated around demo residences)."""
    vintage: Mapped[str | None] = mapped_column(String(8))
    imported_at: Mapped[datetime] = _now()
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)

    __table_args__ = (CheckConstraint("source IN ('official', 'demo')", name="qpv_source"),)


class Iris(Base):
    __tablename__ = "iris"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    commune_insee: Mapped[str | None] = mapped_column(String(5), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class Bailleur(Base):
    __tablename__ = "bailleur"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)


class Residence(Base):
    """A social-housing residence; its placement columns are computed by PostGIS at import."""

    __tablename__ = "residence"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    bailleur_id: Mapped[int] = mapped_column(ForeignKey("bailleur.id"), index=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("commune.insee"), index=True)
    epci_siren: Mapped[str | None] = mapped_column(ForeignKey("epci.siren"), index=True)
    qpv_code: Mapped[str | None] = mapped_column(
        ForeignKey("qpv.code", ondelete="SET NULL"), index=True
    )
    iris_code: Mapped[str | None] = mapped_column(
        ForeignKey("iris.code", ondelete="SET NULL"), index=True
    )
    nb_logements: Mapped[int] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(Text)
    distance_qpv_m: Mapped[float | None] = mapped_column(Float)
    """Metres to the nearest QPV edge (0 inside), on the geography type."""
    near_qpv_300m: Mapped[bool] = mapped_column(Boolean, server_default="false")
    """Outside every QPV but within 300 m of one (the tax-law band, shown as context)."""
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)

    __table_args__ = (CheckConstraint("nb_logements >= 0", name="residence_nb_logements"),)


# --- Accounts -----------------------------------------------------------------------------------


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'commune', 'bailleur', 'elu', 'reader')", name="account_role"
        ),
    )


class AccountScope(Base):
    """One territory or landlord an account acts for: an EPCI, a commune or a landlord."""

    __tablename__ = "account_scope"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (
        CheckConstraint("kind IN ('epci', 'commune', 'bailleur')", name="account_scope_kind"),
    )


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token: the token itself is shown once and never stored."""
    created_at: Mapped[datetime] = _now()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Set once the token is revoked: it is refused from then on."""


class Session(Base):
    """A signed-in browser: the cookie holds a random token, the database only its SHA-256.

    Ended by sign-out, a password change, the account's disabling, or expiry (idle or absolute,
    measured by the database clock, never by anything the client sends)."""

    __tablename__ = "session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()
    address: Mapped[str | None] = mapped_column(Text)
    """The client address at sign-in, shown to the account's administrators."""


class LoginThrottle(Base):
    """Failed sign-ins of one key (an e-mail, or a client address, both stored as SHA-256)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    """Failures since `window_start`."""
    window_start: Mapped[datetime] = _now()
    lockouts: Mapped[int] = mapped_column(Integer, server_default="0")
    """Locks in the last day: each one lasts twice as long as the one before."""
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = _now()


# --- Campaigns and grades -----------------------------------------------------------------------


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    epci_siren: Mapped[str] = mapped_column(ForeignKey("epci.siren"), index=True)
    name: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), server_default="preparation")
    scale_labels: Mapped[dict] = mapped_column(JSON, server_default="{}")
    divergence_threshold: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    published_level: Mapped[str | None] = mapped_column(String(16))
    """Aggregation level the administrator publishes on the public map (none = nothing)."""
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        UniqueConstraint("epci_siren", "name", name="campaign_epci_name"),
        CheckConstraint(
            "status IN ('preparation', 'grading', 'harmonisation', 'closed')",
            name="campaign_status",
        ),
        CheckConstraint("divergence_threshold BETWEEN 1 AND 3", name="campaign_threshold"),
    )


class Grade(Base):
    """One side's grade of one residence in one campaign."""

    __tablename__ = "grade"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    residence_id: Mapped[int] = mapped_column(
        ForeignKey("residence.id", ondelete="CASCADE"), primary_key=True
    )
    side: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = _now()
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    """Guards concurrent saves of one side, like the harmonisation's version."""

    __table_args__ = (
        CheckConstraint("side IN ('commune', 'bailleur')", name="grade_side"),
        CheckConstraint("value BETWEEN 1 AND 4", name="grade_value"),
        Index("grade_residence", "residence_id"),
    )


class Harmonisation(Base):
    """The agreed grade of a residence in a campaign; `version` guards concurrent edits."""

    __tablename__ = "harmonisation"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    residence_id: Mapped[int] = mapped_column(
        ForeignKey("residence.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)
    rationale: Mapped[str | None] = mapped_column(Text)
    meeting: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = _now()
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 4", name="harmonisation_value"),)


class GradeEvent(Base):
    """Append-only history of every attempted change of a grade (never updated nor deleted)."""

    __tablename__ = "grade_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    residence_id: Mapped[int] = mapped_column(ForeignKey("residence.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    """`commune`, `bailleur` or `harmonisation`."""
    before: Mapped[int | None] = mapped_column(SmallInteger)
    after: Mapped[int | None] = mapped_column(SmallInteger)
    outcome: Mapped[str] = mapped_column(String(16), server_default="applied")
    """`applied`, or `conflict` when a stale edit was refused."""
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    actor_label: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = _now()

    __table_args__ = (Index("grade_event_residence", "residence_id", "at"),)


# --- Allocations and rebalancing ----------------------------------------------------------------


class Allocation(Base):
    """Yearly allocation counts of a residence (no personal data: counts only)."""

    __tablename__ = "allocation"

    residence_id: Mapped[int] = mapped_column(
        ForeignKey("residence.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    q1: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    pru: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = _now()
    """Set by a trigger at each import: decisions recorded after it add to these counts (the
    `allocation_count` view, migration 0009)."""

    __table_args__ = (
        CheckConstraint(
            "total >= 0 AND q1 >= 0 AND priority >= 0 AND pru >= 0 AND q1 <= total "
            "AND priority <= total AND pru <= total",
            name="allocation_counts",
        ),
    )


class EpciPolicy(Base):
    """What an EPCI's CIA sets: allocation rates and the labels of the target population types."""

    __tablename__ = "epci_policy"

    epci_siren: Mapped[str] = mapped_column(ForeignKey("epci.siren"), primary_key=True)
    target_outside_qpv: Mapped[float] = mapped_column(Numeric(4, 3), server_default="0.25")
    target_inside_qpv: Mapped[float] = mapped_column(Numeric(4, 3), server_default="0.5")
    peuplement_labels: Mapped[dict] = mapped_column(JSON, server_default="{}")


# --- The allocation commission ------------------------------------------------------------------


class Vacancy(Base):
    """Dwellings of a residence declared vacant (a count and a date: no personal data)."""

    __tablename__ = "vacancy"

    residence_id: Mapped[int] = mapped_column(
        ForeignKey("residence.id", ondelete="CASCADE"), primary_key=True
    )
    dwellings: Mapped[int] = mapped_column(Integer)
    declared_on: Mapped[date] = mapped_column(Date)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (CheckConstraint("dwellings > 0", name="vacancy_dwellings"),)


class AllocationDecision(Base):
    """One allocation decided by the commission: the applicant's category, never the applicant."""

    __tablename__ = "allocation_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    residence_id: Mapped[int] = mapped_column(ForeignKey("residence.id", ondelete="CASCADE"))
    decided_on: Mapped[date] = mapped_column(Date)
    """Its year is the year of the counts it adds to (`allocation_count`)."""
    category: Mapped[str] = mapped_column(String(8))
    """`q1`, `pru` (outside the first quartile) or `other`, as the yearly counts."""
    priority: Mapped[bool] = mapped_column(Boolean, server_default="false")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    recorded_by_label: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )

    __table_args__ = (
        CheckConstraint("category IN ('q1', 'pru', 'other')", name="decision_category"),
        Index("allocation_decision_residence", "residence_id", "decided_on"),
    )
