"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classification_versions",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_classification_versions")),
    )
    op.create_table(
        "population",
        sa.Column("territory_code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("vintage", sa.String(length=100), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("territory_code", "year", "kind", name=op.f("pk_population")),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_sources_name")),
    )
    op.create_table(
        "territory_sets",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("crs", sa.String(length=40), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_territory_sets")),
    )
    op.create_table(
        "categories",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent", sa.String(length=40), nullable=True),
        sa.Column("iccs_l1", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["version"],
            ["classification_versions.version"],
            name=op.f("fk_categories_version_classification_versions"),
        ),
        sa.PrimaryKeyConstraint("version", "code", name=op.f("pk_categories")),
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("unclassified", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("pipeline_version", sa.String(length=20), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=False),
        sa.Column("mapping", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_import_batches_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batches_sha256"), ["sha256"], unique=False)

    op.create_table(
        "territories",
        sa.Column("set_code", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("parent_name", sa.String(length=200), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("geometry", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["set_code"],
            ["territory_sets.code"],
            name=op.f("fk_territories_set_code_territory_sets"),
        ),
        sa.PrimaryKeyConstraint("set_code", "code", name=op.f("pk_territories")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.String(length=120), nullable=True),
        sa.Column("record_key", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("raw_label", sa.String(length=300), nullable=False),
        sa.Column("classification_version", sa.String(length=40), nullable=False),
        sa.Column("iccs_l1", sa.String(length=2), nullable=True),
        sa.Column("occurred_from", sa.DateTime(), nullable=False),
        sa.Column("occurred_to", sa.DateTime(), nullable=False),
        sa.Column("occurred_local", sa.String(length=40), nullable=False),
        sa.Column("time_flag", sa.String(length=20), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("location_precision", sa.String(length=20), nullable=False),
        sa.Column("territory_set", sa.String(length=40), nullable=False),
        sa.Column("territory_code", sa.String(length=40), nullable=False),
        sa.Column("cell_id", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("place_type", sa.String(length=100), nullable=True),
        sa.Column("linked_to", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_incidents_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_incidents_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("source_id", "record_key", name="uq_incidents_source_key"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incidents_territory_time", ["territory_code", "occurred_from"], unique=False
        )

    op.create_table(
        "statistics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("territory_code", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("raw_category", sa.String(length=200), nullable=False),
        sa.Column("classification_version", sa.String(length=40), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_statistics_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_statistics_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics")),
        sa.UniqueConstraint(
            "source_id",
            "territory_code",
            "period",
            "category",
            "measure",
            name="uq_statistics_cell",
        ),
    )
    with op.batch_alter_table("statistics", schema=None) as batch_op:
        batch_op.create_index("ix_statistics_category_period", ["category", "period"], unique=False)

    op.create_table(
        "incident_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("sex", sa.String(length=20), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("relationship", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_persons_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_persons")),
    )
    with op.batch_alter_table("incident_persons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_persons_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_persons_incident_id"))

    op.drop_table("incident_persons")
    with op.batch_alter_table("statistics", schema=None) as batch_op:
        batch_op.drop_index("ix_statistics_category_period")

    op.drop_table("statistics")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_territory_time")

    op.drop_table("incidents")
    op.drop_table("territories")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_sha256"))

    op.drop_table("import_batches")
    op.drop_table("categories")
    op.drop_table("territory_sets")
    op.drop_table("sources")
    op.drop_table("population")
    op.drop_table("classification_versions")
