"""Post-mortems and their action items.

The timeline, problems, why-chains, lessons, wrong predictions and missed red
flags of a post-mortem are JSON text columns; action items have their own rows so
that they can be closed one by one and listed across post-mortems.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assay.errors import InputError, NotFoundError
from assay.pipeline.postmortem import (
    ActionItem,
    EventKind,
    FailureCategory,
    FailurePattern,
    PostMortem,
    Problem,
    TimelineEvent,
    WhyChain,
)
from assay.pipeline.radar import REASON_REQUIRED, RingMove
from assay.pipeline.reading import RedFlagKind
from assay.store import techniques as technique_rows
from assay.store.decision_models import PrototypeRow
from assay.store.models import TechniqueRow
from assay.store.research_models import PostMortemActionRow, PostMortemRow
from assay.store.sql import Sql
from assay.types import check_id

__all__ = [
    "StoredAction",
    "action_row",
    "actions",
    "add",
    "all_postmortems",
    "find_row",
    "parse_action_id",
    "subject_of",
    "to_value",
]


@dataclasses.dataclass(frozen=True)
class StoredAction:
    """An action item with its id, its post-mortem, and the technique it opened."""

    id: int
    postmortem_id: int
    subject: str
    action: ActionItem
    technique: str | None

    def overdue(self, today: dt.date) -> bool:
        return self.action.is_overdue(today)

    def to_dict(self, today: dt.date) -> dict[str, Any]:
        a = self.action
        return {
            "id": self.id,
            "postmortem": self.postmortem_id,
            "subject": self.subject,
            "text": a.text,
            "owner": a.owner,
            "due": a.due.isoformat(),
            "done_on": a.done_on.isoformat() if a.done_on else None,
            "question": a.question,
            "technique": self.technique,
            "overdue": a.is_overdue(today),
            "days_late": max((today - a.due).days, 0) if a.is_open() else 0,
        }


_ID = re.compile(r"^\s*(?:#|a(?:ction)?[-\s]?)?(\d+)\s*$", re.IGNORECASE)


def parse_action_id(text: str) -> int:
    match = _ID.match(text)
    if not match:
        raise InputError(
            f"action {text!r} is not an action id; expected a number "
            "(see: assay postmortem actions)"
        )
    return check_id(int(match.group(1)), noun="action", see="assay postmortem actions")


def _dump(value: list[Any]) -> list[Any]:
    return value


def _action(row: PostMortemActionRow) -> ActionItem:
    return ActionItem(row.text, row.owner, row.due, row.done_on, row.question)


def to_value(row: PostMortemRow) -> PostMortem:
    timeline = tuple(
        TimelineEvent(dt.date.fromisoformat(e["on"]), EventKind(e["kind"]), e["text"])
        for e in row.timeline
    )
    chains = tuple(
        WhyChain(
            c["problem"], tuple(c["whys"]), FailurePattern(c["pattern"]) if c["pattern"] else None
        )
        for c in row.why_chains
    )
    return PostMortem(
        subject=row.subject,
        timeline=timeline,
        problems=tuple(Problem(FailureCategory(p["category"]), p["text"]) for p in row.problems),
        why_chains=chains,
        lessons=tuple(row.lessons),
        actions=tuple(_action(a) for a in row.actions),
        wrong_predictions=tuple(row.wrong_predictions),
        missed_red_flags=tuple(RedFlagKind(k) for k in row.missed_red_flags),
        author=row.by,
        id=str(row.id),
    )


def _event_dict(event: TimelineEvent) -> dict[str, str]:
    return {"on": event.on.isoformat(), "kind": event.kind.value, "text": event.text}


def _chain_dict(chain: WhyChain) -> dict[str, Any]:
    pattern = chain.pattern.value if chain.pattern else None
    return {"problem": chain.problem, "whys": list(chain.whys), "pattern": pattern}


def add(
    session: Session,
    pm: PostMortem,
    *,
    technique: TechniqueRow | None,
    opened: dict[int, TechniqueRow],
    at: dt.datetime,
) -> PostMortem:
    """Store a post-mortem; ``opened`` maps action positions to techniques they opened."""
    row = PostMortemRow(
        subject=pm.subject.strip(),
        technique_id=technique.id if technique else None,
        timeline=_dump([_event_dict(e) for e in pm.timeline]),
        problems=_dump([{"category": p.category.value, "text": p.text} for p in pm.problems]),
        why_chains=_dump([_chain_dict(c) for c in pm.why_chains]),
        lessons=_dump(list(pm.lessons)),
        wrong_predictions=_dump(list(pm.wrong_predictions)),
        missed_red_flags=_dump([k.value for k in pm.missed_red_flags]),
        by=pm.author,
        at=at,
    )
    for i, a in enumerate(pm.actions):
        opened_row = opened.get(i)
        row.actions.append(
            PostMortemActionRow(
                text=a.text.strip(),
                owner=a.owner.strip(),
                due=a.due,
                done_on=a.done_on,
                question=a.question,
                technique_id=opened_row.id if opened_row else None,
            )
        )
    session.add(row)
    session.flush()
    return to_value(row)


def _timeline(history: Sequence[RingMove]) -> tuple[TimelineEvent, ...]:
    """A post-mortem's timeline from a technique's ring history: its first placement,
    each move, and a last move to HOLD or SKIP as the outcome."""
    events = []
    for i, move in enumerate(history):
        text = f"{move.to_ring.value}: {move.why} ({move.by})"
        if i == 0:
            kind = EventKind.FIRST_SEEN
        elif i == len(history) - 1 and move.to_ring in REASON_REQUIRED:
            kind = EventKind.OUTCOME
        else:
            kind = EventKind.MILESTONE
        events.append(TimelineEvent(move.at.date(), kind, text))
    return tuple(events)


def _prototype_timeline(row: PrototypeRow) -> tuple[TimelineEvent, ...]:
    """A prototype's timeline: its registration, each gate decision, and a NO that
    stopped it as the outcome."""
    events = [TimelineEvent(row.registered_at.date(), EventKind.FIRST_SEEN, "registered")]
    for i, d in enumerate(row.decisions):
        last_no = i == len(row.decisions) - 1 and d.answer == "no" and row.status == "stopped"
        kind = EventKind.OUTCOME if last_no else EventKind.MILESTONE
        text = f"{d.stage} gate: {d.answer.upper()} ({d.decided_by}): {d.why}"
        events.append(TimelineEvent(d.at.date(), kind, text))
    return tuple(events)


def subject_of(session: Session, pm: PostMortem) -> tuple[PostMortem, TechniqueRow | None]:
    """The post-mortem named after the technique or prototype it is about (their own
    spelling), its timeline taken from their record when it has none, and the
    technique it belongs to (a prototype's technique), or None for other subjects."""
    key = pm.subject.strip().casefold()
    technique = session.scalar(select(TechniqueRow).where(TechniqueRow.key == key))
    if technique is not None:
        if not pm.timeline:
            sql = Sql.of_session(session)
            history = technique_rows.get(sql, technique.name, retired=True).history
            pm = dataclasses.replace(pm, timeline=_timeline(history))
        return dataclasses.replace(pm, subject=technique.name), technique
    prototype = session.scalar(select(PrototypeRow).where(PrototypeRow.key == key))
    if prototype is None:
        return pm, None
    if not pm.timeline:
        pm = dataclasses.replace(pm, timeline=_prototype_timeline(prototype))
    return dataclasses.replace(pm, subject=prototype.name), prototype.technique


def find_row(session: Session, postmortem_id: int) -> PostMortemRow:
    row = session.get(PostMortemRow, postmortem_id)
    if row is None:
        raise NotFoundError(f"no post-mortem {postmortem_id}; see: assay postmortem list")
    return row


def all_postmortems(session: Session) -> list[PostMortem]:
    rows = session.scalars(
        select(PostMortemRow)
        .options(selectinload(PostMortemRow.actions))
        .order_by(PostMortemRow.id)
    ).all()
    return [to_value(row) for row in rows]


def action_row(session: Session, action_id: int) -> PostMortemActionRow:
    row = session.get(PostMortemActionRow, action_id)
    if row is None:
        raise NotFoundError(f"no action {action_id}; see: assay postmortem actions")
    return row


def actions(session: Session, *, open_only: bool = True) -> list[StoredAction]:
    """Action items across post-mortems (open ones only, by default)."""
    query = (
        select(PostMortemActionRow, PostMortemRow.subject, TechniqueRow.name)
        .join(PostMortemRow, PostMortemRow.id == PostMortemActionRow.postmortem_id)
        .outerjoin(TechniqueRow, TechniqueRow.id == PostMortemActionRow.technique_id)
        .order_by(PostMortemActionRow.due, PostMortemActionRow.id)
    )
    if open_only:
        query = query.where(PostMortemActionRow.done_on.is_(None))
    return [
        StoredAction(row.id, row.postmortem_id, subject, _action(row), technique)
        for row, subject, technique in session.execute(query).all()
    ]
