"""The tables, as SQLAlchemy 2 typed models. Alembic migrations own the schema;
these models must match the newest migration (a test compares them).

Structured values are :data:`JSONValue` columns: JSON on SQLite, JSONB on
PostgreSQL, written by the engine's one serializer (see :mod:`assay.store.database`)
and read back decoded; ``None`` is SQL NULL, never the JSON ``null``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONValue = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
"""The column type of every structured value (lists, dictionaries) in the store."""


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, stored as UTC and always read back timezone-aware.

    SQLite keeps no zone; PostgreSQL keeps ``timestamptz``. Both read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class TechniqueRow(Base):
    __tablename__ = "techniques"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Lower-cased name: names are unique and looked up regardless of case.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    area: Mapped[str] = mapped_column(String(120))
    ring: Mapped[str] = mapped_column(String(10))
    owner: Mapped[str | None] = mapped_column(String(120))
    summary: Mapped[str | None] = mapped_column(Text)
    next_action: Mapped[str | None] = mapped_column(Text)
    due: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # What an imported radar said beyond assay's columns (kept for export).
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(120))
    retired_why: Mapped[str | None] = mapped_column(Text)

    moves: Mapped[list[RingMoveRow]] = relationship(
        back_populates="technique", order_by="RingMoveRow.id", cascade="all, delete-orphan"
    )


class RingMoveRow(Base):
    __tablename__ = "ring_moves"
    __table_args__ = (Index("ix_ring_moves_technique", "technique_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technique_id: Mapped[int] = mapped_column(ForeignKey("techniques.id", ondelete="CASCADE"))
    from_ring: Mapped[str | None] = mapped_column(String(10))
    to_ring: Mapped[str] = mapped_column(String(10))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(120))
    why: Mapped[str] = mapped_column(Text, default="")

    technique: Mapped[TechniqueRow] = relationship(back_populates="moves")


class RadarMetaRow(Base):
    """The radar's own layout as an imported file gave it (ring descriptions, the
    quadrants' order), kept so that an export gives it back."""

    __tablename__ = "radar_meta"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONValue)
