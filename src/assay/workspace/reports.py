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
import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.pipeline import radar as radar_rules
from assay.pipeline.gates import Role
from assay.store import gates as gate_rows
from assay.store import prototypes as prototype_rows
from assay.store import reviews as review_rows
from assay.store import techniques as technique_rows
from assay.store.overdue import overdue
from assay.store.reviews import ReviewMeeting
from assay.store.sql import Sql
from assay.workspace import rhythm
from assay.workspace.context import Context, now
from assay.workspace.evidence_runs import with_effective_freeze
from assay.workspace.judging import gate_review, judges
from assay.workspace.prototypes import Prototypes
from assay.workspace.radar import Radar
from assay.workspace.radar_overrides import RadarOverride, radar_overrides
from assay.workspace.rhythm import Agenda, DeepDive, OpenPrototype, Portfolio, Status
from assay.workspace.users import Users

__all__ = ["Agenda", "Portfolio", "Reports", "ReviewMeeting", "Status"]


class Reports:
    """Reached as ``workspace.reports``; see the module docstring."""

    def __init__(
        self,
        ctx: Context,
        users: Users,
        radar: Radar,
        prototypes: Prototypes,
    ) -> None:
        self.ctx = ctx
        self.users = users
        self.radar = radar
        self.prototypes = prototypes

    def status(self, *, today: dt.date | None = None) -> Status:
        """Prototypes whose kill criteria fire or time-box expired; gates awaiting a
        decision."""
        day = today or dt.date.today()
        with self.ctx.read() as session:
            late = overdue(Sql.of_session(session), day)
            return rhythm.status(self._open(session, day), day, late)

    def agenda(self, *, since: dt.date | None = None, today: dt.date | None = None) -> Agenda:
        """The research review's agenda, since ``since`` or the last recorded review."""
        day = today or dt.date.today()
        with self.ctx.read() as session:
            last = review_rows.latest(session)
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
            items = self._open(session, day)
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
            )

    def overrides(
        self, technique: str | None = None, *, since: dt.date | None = None
    ) -> builtins.list[RadarOverride]:
        """Ring moves made by override (no YES gate behind them), oldest first: of one
        technique, and from ``since`` on, when given."""
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
        with self.ctx.write() as session:
            self.users.require(Role.CONTRIBUTOR, "recording a review")
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
        with self.ctx.read() as session:
            return review_rows.all_meetings(session)

    def _open(self, session: Session, today: dt.date) -> builtins.list[OpenPrototype]:
        """Every active prototype with its review, runs and decisions."""
        out = []
        for stored in prototype_rows.all_records(session):
            if not stored.active:
                continue
            record = with_effective_freeze(session, stored)
            found = judges(session, record)  # when each began: the runs are not loaded
            review = gate_review(session, record, today, found)[0]
            taken = gate_rows.decisions_of(session, prototype_rows.row(session, record.name))
            out.append(OpenPrototype(record, review, tuple(found), tuple(taken)))
        return out

    def _deep_dives(
        self,
        session: Session,
        items: Sequence[OpenPrototype],
        since: dt.date,
        today: dt.date,
    ) -> builtins.list[DeepDive]:
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
