"""Everything past its date, in one list: what ``assay status`` and the review's
agenda must never miss.

Three kinds of record carry a date that can pass (time-boxes are judged with each
prototype's review, :mod:`assay.workspace.rhythm`):

- a technique's **next action** (``technique next NAME ACTION --due DATE``) whose
  due date has passed (the rule of :meth:`assay.pipeline.radar.Technique.is_overdue`);
- a **post-mortem action** still open after its due date;
- a **prediction** still unresolved after its resolve-by date.

Read in one statement per kind over :class:`~assay.store.sql.Sql`, so ``status``
stays free of the ORM. "Overdue" means the date lies before ``today``: a thing due
today is not late yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

from assay.store.sql import Sql

__all__ = ["Overdue", "OverdueKind", "overdue"]


class OverdueKind(enum.StrEnum):
    """What kind of thing is late."""

    NEXT_ACTION = "next action"
    POSTMORTEM_ACTION = "post-mortem action"
    PREDICTION = "prediction"


@dataclasses.dataclass(frozen=True)
class Overdue:
    """One late thing: what it is, whose it is, when it was due.

    ``ref`` is what a command takes to act on it: the technique's name, the
    post-mortem action's id (``postmortem done ID``), the prediction's id
    (``predict resolve ID``).
    """

    kind: OverdueKind
    ref: str
    subject: str
    what: str
    owner: str | None
    due: dt.date

    def days_late(self, today: dt.date) -> int:
        """Whole days since it was due (at least 1 for anything overdue)."""
        return (today - self.due).days

    def describe(self, today: dt.date) -> str:
        """One line for people, such as ``post-mortem action 3 (flash-attn): add a P99
        check, owner sam, due 2026-12-01, 5 days late``."""
        days = self.days_late(today)
        late = f"{days} day{'s' if days != 1 else ''} late"
        owner = f", owner {self.owner}" if self.owner else ""
        if self.kind is OverdueKind.NEXT_ACTION:
            head = f"next action of {self.subject}: {self.what}"
        elif self.kind is OverdueKind.POSTMORTEM_ACTION:
            head = f"post-mortem action {self.ref} ({self.subject}): {self.what}"
        else:
            head = f"prediction {self.ref} ({self.subject}): {self.what}"
        return f"{head}{owner}, due {self.due.isoformat()}, {late}"

    def to_dict(self, today: dt.date) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "kind": self.kind.value,
            "ref": self.ref,
            "subject": self.subject,
            "what": self.what,
            "owner": self.owner,
            "due": self.due.isoformat(),
            "days_late": self.days_late(today),
        }


_NEXT_ACTIONS = """
SELECT name, next_action, owner, due FROM techniques
WHERE due IS NOT NULL AND due < :today AND next_action IS NOT NULL AND retired_at IS NULL
"""

_POSTMORTEM_ACTIONS = """
SELECT a.id, p.subject, a.text, a.owner, a.due
FROM postmortem_actions a JOIN postmortems p ON p.id = a.postmortem_id
WHERE a.done_on IS NULL AND a.due < :today
"""

_PREDICTIONS = """
SELECT id, question, resolve_by FROM predictions
WHERE outcome IS NULL AND resolve_by < :today
"""


def overdue(sql: Sql, today: dt.date) -> list[Overdue]:
    """Every next action, open post-mortem action and unresolved prediction whose
    date lies before ``today``: the latest first, then by kind and reference."""
    day = sql.bind_date(today)
    found: list[Overdue] = []
    for name, action, owner, due in sql.rows(_NEXT_ACTIONS, {"today": day}):
        found.append(Overdue(OverdueKind.NEXT_ACTION, name, name, action, owner, _date(sql, due)))
    for pk, subject, text, owner, due in sql.rows(_POSTMORTEM_ACTIONS, {"today": day}):
        found.append(
            Overdue(OverdueKind.POSTMORTEM_ACTION, str(pk), subject, text, owner, _date(sql, due))
        )
    for pk, question, resolve_by in sql.rows(_PREDICTIONS, {"today": day}):
        found.append(
            Overdue(
                OverdueKind.PREDICTION,
                str(pk),
                question,
                "not resolved",
                None,
                _date(sql, resolve_by),
            )
        )
    order = list(OverdueKind)
    found.sort(key=lambda o: (o.due, order.index(o.kind), o.ref.zfill(12)))
    return found


def _date(sql: Sql, value: Any) -> dt.date:
    day = sql.date(value)
    assert day is not None  # every query above filters on a date that is not NULL
    return day
