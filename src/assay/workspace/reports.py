"""The team's rhythm, reached as ``workspace.reports``: ``assay status``, the monthly
research review's agenda and its record, and the portfolio.

A gate **awaits a decision** when its recommendation is YES or NO, a soft kill
criterion fires, or the time-box has expired, and no decision was taken at that
stage since the newest run that judges it began (see
:mod:`assay.workspace.rhythm` for the values and rules). Everything one answer
shows is read in one unit of work.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from assay.errors import InputError
from assay.pipeline import radar as radar_rules
from assay.store import gate_reads, prototype_reads
from assay.store import techniques as technique_rows
from assay.store.overdue import overdue
from assay.store.prototype_reads import PrototypeRecord
from assay.store.sql import Sql
from assay.workspace import rhythm
from assay.workspace.context import Context, now
from assay.workspace.evidence_runs import Judge, effective_freeze, judges_of
from assay.workspace.judging import review_of
from assay.workspace.radar import Radar
from assay.workspace.rhythm import Agenda, DeepDive, OpenPrototype, Portfolio, Status
from assay.workspace.users import Users

# ``status`` reads over plain SQL (no SQLAlchemy on an up-to-date SQLite workspace);
# the agenda, the review meetings and a snapshot that must be computed use the ORM,
# imported in the methods that need it.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store.reviews import ReviewMeeting
    from assay.workspace.prototypes import Prototypes
    from assay.workspace.radar_overrides import RadarOverride

__all__ = ["Agenda", "Portfolio", "Reports", "Status"]

Document = Callable[[PrototypeRecord, Sequence[Judge]], "dict[str, Any] | None"]
"""Where a prototype's evidence document comes from: the stored snapshot (``None``
when it is not current), or one computed in an ORM unit of work."""


class _NotStored(Exception):
    """A prototype's stored evidence snapshot is not current: read in the ORM."""


class Reports:
    """Reached as ``workspace.reports``; see the module docstring."""

    def __init__(
        self,
        ctx: Context,
        users: Users,
        radar: Radar,
        prototypes: Callable[[], Prototypes],
    ) -> None:
        self.ctx = ctx
        self.users = users
        self.radar = radar
        self._prototypes = prototypes  # built on first use: status needs no ORM

    @property
    def prototypes(self) -> Prototypes:
        """The prototypes service (the portfolio reads it)."""
        return self._prototypes()

    def status(self, *, today: dt.date | None = None) -> Status:
        """Prototypes whose kill criteria fire or time-box expired; gates awaiting a
        decision; everything overdue. Read over plain SQL from the stored snapshots;
        when one is not current, in an ORM unit of work that computes it."""
        from assay.workspace.rollouts import notes_of
        from assay.workspace.watch import reopened

        day = today or dt.date.today()
        try:
            with self.ctx.sql_read() as sql:
                found = rhythm.status(_open(sql, day, _stored(sql)), day, overdue(sql, day))
                return dataclasses.replace(
                    found, rollouts=tuple(notes_of(sql, day)), reopened=tuple(reopened(sql, day))
                )
        except _NotStored:
            pass
        with self.ctx.read() as session:
            sql = Sql.of_session(session)
            found = rhythm.status(_open(sql, day, _computed(session)), day, overdue(sql, day))
            return dataclasses.replace(
                found, rollouts=tuple(notes_of(sql, day)), reopened=tuple(reopened(sql, day))
            )

    def agenda(self, *, since: dt.date | None = None, today: dt.date | None = None) -> Agenda:
        """The research review's agenda, since ``since`` or the last recorded review."""
        from assay.store import placements
        from assay.store import reviews as review_rows
        from assay.workspace.learnings import without_consensus
        from assay.workspace.radar_overrides import radar_overrides
        from assay.workspace.rollouts import notes_of
        from assay.workspace.watch import reopened

        day = today or dt.date.today()
        with self.ctx.read() as session:
            last = review_rows.latest(session)
            opened = tuple(reopened(Sql.of_session(session), day))
            if since is None:
                lookback = dt.timedelta(days=rhythm.DEFAULT_LOOKBACK_DAYS)
                since = last.held_on if last else day - lookback
            techniques = technique_rows.all_techniques(Sql.of_session(session))
            changes = sorted(
                (
                    (t.name, move)
                    for t in techniques
                    for move in t.history
                    if move.at.date() >= since
                ),
                key=lambda pair: pair[1].at,
            )
            items = _open(Sql.of_session(session), day, _computed(session))
            awaiting = (rhythm.awaiting(item) for item in items)
            return Agenda(
                today=day,
                since=since,
                last_review=last,
                radar_changes=tuple(changes),
                overdue=tuple(radar_rules.overdue(techniques, day)),
                awaiting=tuple(a for a in awaiting if a is not None),
                past_timebox=tuple(
                    f for f in (rhythm.flag(item) for item in items) if f.timebox_expired
                ),
                deep_dives=tuple(self._deep_dives(session, items, since, day)),
                overrides=tuple(radar_overrides(session, since=since)),
                overdue_other=rhythm.not_next_actions(overdue(Sql.of_session(session), day)),
                unbacked=tuple(placements.unbacked(Sql.of_session(session)).values()),
                rollouts=tuple(notes_of(Sql.of_session(session), day)),
                reopened=opened,
                without_consensus=tuple(without_consensus(Sql.of_session(session), opened)),
            )

    def overrides(
        self, technique: str | None = None, *, since: dt.date | None = None
    ) -> builtins.list[RadarOverride]:
        """Ring moves made by override (no YES gate behind them), oldest first: of one
        technique, and from ``since`` on, when given."""
        from assay.workspace.radar_overrides import radar_overrides

        with self.ctx.read() as session:
            return radar_overrides(session, technique, since=since)

    def portfolio(self, *, today: dt.date | None = None) -> Portfolio:
        """Effort across core, adjacent and exploratory work against the guide."""
        return rhythm.portfolio(self.prototypes.list(), today or dt.date.today())

    def record_review(
        self,
        *,
        attendees: Sequence[str],
        decisions: Sequence[str],
        notes: str = "",
        held_on: dt.date | None = None,
    ) -> ReviewMeeting:
        """Record a research review meeting and the decisions it took."""
        people = [a.strip() for a in attendees if a.strip()]
        taken = [d.strip() for d in decisions if d.strip()]
        if not taken and not notes.strip():
            raise InputError("a review needs at least one --decision or --notes: what was decided")
        from assay.store import reviews as review_rows

        with self.ctx.write() as session:
            self.users.authorize("review.record")
            return review_rows.add(
                session,
                held_on=held_on or dt.date.today(),
                attendees=people,
                decisions=taken,
                notes=notes.strip(),
                by=self.ctx.user,
                at=now(),
            )

    def reviews(self) -> builtins.list[ReviewMeeting]:
        """Every recorded review meeting, oldest first."""
        from assay.store import reviews as review_rows

        with self.ctx.read() as session:
            return review_rows.all_meetings(session)

    def _deep_dives(
        self,
        session: Session,
        items: Sequence[OpenPrototype],
        since: dt.date,
        today: dt.date,
    ) -> builtins.list[DeepDive]:
        from assay.store import gates as gate_rows
        from assay.workspace.radar_overrides import radar_overrides

        dives = [
            DeepDive(stale.technique, "technique", "stale: " + "; ".join(stale.reasons))
            for stale in self.radar.stale(today=today)
        ]
        for record in gate_rows.all_decisions(session):
            if record.decision.override and record.at.date() >= since:
                dives.append(
                    DeepDive(
                        record.prototype,
                        "decision",
                        f"{record.decision.stage.value} gate decided "
                        f"{record.answer.label} against the recommended "
                        f"{record.decision.recommended.label} by {record.decision.decided_by}: "
                        f"{record.decision.why}",
                    )
                )
        for item in items:
            latest = item.decisions[-1] if item.decisions else None
            if latest is not None and latest.decision.revisit_when:
                dives.append(
                    DeepDive(
                        item.record.name,
                        "prototype",
                        f"revisit when: {latest.decision.revisit_when}",
                    )
                )
        dives += [
            DeepDive(o.technique, "radar move", f"to {o.to_ring.value} by {o.by}, {o.describe()}")
            for o in radar_overrides(session, since=since)
        ]
        return dives


def _stored(sql: Sql) -> Document:
    """The stored snapshots, over plain SQL."""
    from assay.workspace.analyses import stored_document

    return lambda record, found: stored_document(sql, record, found)


def _computed(session: Session) -> Document:
    """The stored snapshots, or ones computed now, in an ORM unit of work."""
    from assay.workspace.analyses import evidence_document

    return lambda record, found: evidence_document(session, record, found)


def _open(sql: Sql, today: dt.date, document: Document) -> list[OpenPrototype]:
    """Every active prototype with its review, runs and decisions; :class:`_NotStored`
    when ``document`` has no current snapshot for one."""
    out = []
    for stored in prototype_reads.all_records(sql):
        if not stored.active:
            continue
        record = effective_freeze(sql, stored)
        found = judges_of(sql, record)  # when each began: the runs are not loaded
        evidence = document(record, found)
        if evidence is None:
            raise _NotStored(record.name)
        review = review_of(record, today, found, evidence)[0]
        taken = gate_reads.decisions_of(sql, prototype_reads.prototype_id(sql, record.name))
        out.append(OpenPrototype(record, review, tuple(found), tuple(taken)))
    return out
