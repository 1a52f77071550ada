"""Knowledge-transfer artifacts attached to techniques: an implementation document,
a decision record and a runbook. The newest attachment of each kind counts; older
ones stay on the record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.actors import actor
from assay.store.decision_models import ArtifactRow

__all__ = ["KINDS", "Artifact", "attach", "current", "history"]

KINDS = ("implementation", "decision-record", "runbook")
"""The artifacts ADOPT requires, one of each."""


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One attached document (its text is kept in the store)."""

    technique: str
    kind: str
    filename: str
    sha256: str
    size: int
    by: str
    at: dt.datetime
    content: str = dataclasses.field(repr=False, default="")

    def to_dict(self, *, content: bool = False) -> dict[str, Any]:
        """A JSON-able dictionary; the text only when asked for."""
        data: dict[str, Any] = {
            "technique": self.technique,
            "kind": self.kind,
            "filename": self.filename,
            "sha256": self.sha256,
            "size": self.size,
            "by": self.by,
            "at": self.at.isoformat(),
        }
        if content:
            data["content"] = self.content
        return data


def _value(row: ArtifactRow, technique: str) -> Artifact:
    return Artifact(
        technique,
        row.kind,
        row.filename,
        row.sha256,
        len(row.content.encode("utf-8")),
        row.by,
        row.at,
        row.content,
    )


def attach(
    session: Session,
    technique_id: int,
    technique: str,
    *,
    kind: str,
    filename: str,
    content: str,
    by: str,
    at: dt.datetime,
) -> Artifact:
    """Attach a document of ``kind`` (one of :data:`KINDS`, checked by the caller)."""
    row = ArtifactRow(
        technique_id=technique_id,
        kind=kind,
        filename=filename,
        content=content,
        sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
        **actor(session, by),
        at=at,
    )
    session.add(row)
    session.flush()
    return _value(row, technique)


def history(session: Session, technique_id: int, technique: str) -> list[Artifact]:
    """Every attachment of a technique, oldest first."""
    rows = session.scalars(
        select(ArtifactRow).where(ArtifactRow.technique_id == technique_id).order_by(ArtifactRow.id)
    )
    return [_value(row, technique) for row in rows]


def current(session: Session, technique_id: int, technique: str) -> dict[str, Artifact]:
    """The newest attachment of each kind."""
    return {artifact.kind: artifact for artifact in history(session, technique_id, technique)}
