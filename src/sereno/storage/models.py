"""SQLAlchemy 2 models of Sereno's store.

Times are stored in UTC (naive ``DateTime`` columns holding UTC). Territory codes are text
(a CUT such as ``"13101"`` for Chilean comunas). Victim and offender attributes live in
``incident_persons`` so that access control can restrict them separately.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "Category",
    "ClassificationVersion",
    "ImportBatch",
    "Incident",
    "IncidentPerson",
    "Population",
    "Source",
    "Statistic",
    "Territory",
    "TerritorySetRow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations are portable."""

    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """An institution feeding data: Carabineros, PDI, Fiscalía, a municipality, CEAD."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # carabineros|pdi|fiscalia|municipal|cead|other
    institution: Mapped[str] = mapped_column(String(200), default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ImportBatch(Base):
    """One import of one file: provenance of every row it stored."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    kind: Mapped[str] = mapped_column(String(20))  # incidents|statistics
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    unclassified: Mapped[int] = mapped_column(Integer, default=0)
    linked: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    pipeline_version: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str] = mapped_column(String(100), default="")
    mapping: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))  # committed
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # generated, not real data
    details: Mapped[str] = mapped_column(Text, default="")  # JSON summary


class ClassificationVersion(Base):
    """A version of the crime classification (CEAD 2024, CEAD 2025…)."""

    __tablename__ = "classification_versions"
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class Category(Base):
    """A category of one classification version."""

    __tablename__ = "categories"
    version: Mapped[str] = mapped_column(
        ForeignKey("classification_versions.version"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    iccs_l1: Mapped[str | None] = mapped_column(String(2), nullable=True)


class TerritorySetRow(Base):
    """A registered territory set (built-in CL/RM or loaded by a user)."""

    __tablename__ = "territory_sets"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    crs: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(60))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    attribution: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class Territory(Base):
    """One territory (comuna, neighbourhood) of a set, with its boundary as GeoJSON."""

    __tablename__ = "territories"
    set_code: Mapped[str] = mapped_column(ForeignKey("territory_sets.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # e.g. province
    parent_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)
    geometry: Mapped[str | None] = mapped_column(
        Text, nullable=True
    )  # GeoJSON, WGS84; NULL: built-in


class Incident(Base):
    """One recorded event (a *caso*), as sent by one source, with its provenance."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    source_row: Mapped[int] = mapped_column(Integer)
    source_record_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    record_key: Mapped[int] = mapped_column(BigInteger)  # 64-bit hash: identity within a source
    category: Mapped[str] = mapped_column(String(40))
    raw_label: Mapped[str] = mapped_column(String(300))
    classification_version: Mapped[str] = mapped_column(String(40))
    iccs_l1: Mapped[str | None] = mapped_column(String(2), nullable=True)
    occurred_from: Mapped[datetime] = mapped_column(DateTime)  # UTC
    occurred_to: Mapped[datetime] = mapped_column(DateTime)  # UTC
    occurred_local: Mapped[str] = mapped_column(String(40))  # original local text
    time_flag: Mapped[str] = mapped_column(String(20), default="")
    reported_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    location_precision: Mapped[str] = mapped_column(String(20), default="exact")
    territory_set: Mapped[str] = mapped_column(String(40))
    territory_code: Mapped[str] = mapped_column(String(40))
    cell_id: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    place_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    linked_to: Mapped[int | None] = mapped_column(
        BigInteger, nullable=True
    )  # same event, other source

    __table_args__ = (
        UniqueConstraint("source_id", "record_key", name="uq_incidents_source_key"),
        Index("ix_incidents_territory_time", "territory_code", "occurred_from"),
    )


class IncidentPerson(Base):
    """Victim or offender attributes of an incident: sensitive, kept apart."""

    __tablename__ = "incident_persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))  # victim|offender
    sex: Mapped[str | None] = mapped_column(String(20), nullable=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    relationship: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Statistic(Base):
    """An aggregated figure: territory × period × category × measure × source."""

    __tablename__ = "statistics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    territory_code: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(10))  # YYYY-MM or YYYY
    period_start: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(40))
    raw_category: Mapped[str] = mapped_column(String(200))
    classification_version: Mapped[str] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(String(60))
    value: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint(
            "source_id",
            "territory_code",
            "period",
            "category",
            "measure",
            name="uq_statistics_cell",
        ),
        Index("ix_statistics_category_period", "category", "period"),
    )


class Population(Base):
    """Population of a territory in a year (census count or projection), with its vintage."""

    __tablename__ = "population"
    territory_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # census|projection
    population: Mapped[int] = mapped_column(Integer)
    vintage: Mapped[str] = mapped_column(String(100))  # e.g. "INE proyecciones base Censo 2017"
    source: Mapped[str] = mapped_column(Text)
