"""Post-mortems, their actions and recurring patterns, reached as
``workspace.postmortems``.

A post-mortem is of a technique (linked when it is on the radar) or a prototype
(linked to the prototype's technique). An action that carries a research question
can open it on the radar as a technique in ASSESS, in the same transaction as the
post-mortem or later.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from assay.errors import DuplicateError, InputError, NotFoundError
from assay.pipeline.postmortem import PatternReport, PostMortem, recurring_patterns
from assay.pipeline.radar import Technique
from assay.store import postmortems as pm_rows
from assay.store import predictions as prediction_rows
from assay.store.models import TechniqueRow
from assay.store.postmortems import StoredAction
from assay.workspace.context import Context, now
from assay.workspace.judging import technique_row
from assay.workspace.papers import clean
from assay.workspace.radar import Radar
from assay.workspace.users import authorize

__all__ = ["PostMortems", "StoredAction"]


class PostMortems:
    """Reached as ``workspace.postmortems``; see the module docstring."""

    def __init__(self, ctx: Context, radar: Radar) -> None:
        self.ctx = ctx
        self.radar = radar

    def add(
        self, pm: PostMortem, *, open_on_radar: Mapping[int, tuple[str, str]] | None = None
    ) -> PostMortem:
        """Store a post-mortem of a technique or a prototype.

        A technique's post-mortem without a timeline gets one from its ring history,
        a prototype's from its registration and gate decisions.

        ``open_on_radar`` maps positions of actions that carry a research question to
        the ``(name, area)`` of a technique to add in ASSESS, in the same transaction.
        """
        at = now()
        pm = dataclasses.replace(pm, author=pm.author or self.ctx.user)
        with self.ctx.write() as session:
            authorize(self.ctx, "postmortem.add")
            subject = pm.subject
            pm, technique = pm_rows.subject_of(session, pm)
            if technique is None:
                raise NotFoundError(
                    f"no technique or prototype named {subject!r}: a post-mortem is of one "
                    "on the record (see: assay radar, assay prototype list; add it first with "
                    "assay technique add)"
                )
            for ref in pm.wrong_predictions:
                prediction_rows.find_row(session, prediction_rows.parse_prediction_id(ref))
            opened = {}
            for index, (name, area) in (open_on_radar or {}).items():
                action = pm.actions[index]
                if not action.question:
                    raise InputError(f"action {action.text!r} has no research question to open")
                opened[index] = self._open(session, action.question, name, area, pm.subject, at)
            return pm_rows.add(session, pm, technique=technique, opened=opened, at=at)

    def _open(
        self, session: Session, question: str, name: str, area: str, subject: str, at: dt.datetime
    ) -> TechniqueRow:
        added = self.radar.add(
            name,
            area=area,
            owner=self.ctx.user,
            summary=clean(question),
            why=f"research question from the post-mortem of {subject}",
            at=at,
        )
        return technique_row(session, added.name)

    def list(self) -> builtins.list[PostMortem]:
        """Every post-mortem."""
        with self.ctx.read() as session:
            return pm_rows.all_postmortems(session)

    def get(self, postmortem_id: int) -> PostMortem:
        """The post-mortem ``postmortem_id``."""
        with self.ctx.read() as session:
            return pm_rows.to_value(pm_rows.find_row(session, postmortem_id))

    def actions(self, today: dt.date | None = None) -> builtins.list[StoredAction]:
        """Open action items across post-mortems: overdue first, then by due date."""
        day = today or dt.date.today()
        with self.ctx.read() as session:
            found = pm_rows.actions(session)
        return sorted(found, key=lambda a: (not a.overdue(day), a.action.due, a.id))

    def close_action(self, action_id: int, on: dt.date | None = None) -> StoredAction:
        """Mark an action done (today, or ``on``)."""
        with self.ctx.write() as session:
            authorize(self.ctx, "postmortem.done")
            row = pm_rows.action_row(session, action_id)
            if row.done_on is not None:
                raise InputError(f"action {action_id} was already done on {row.done_on}")
            row.done_on = on or dt.date.today()
            session.flush()
            return next(a for a in pm_rows.actions(session, open_only=False) if a.id == action_id)

    def open_question(self, action_id: int, name: str, area: str) -> Technique:
        """Put an action's research question on the radar as a technique in ASSESS."""
        with self.ctx.write() as session:
            authorize(self.ctx, "postmortem.open-question")
            row = pm_rows.action_row(session, action_id)
            if not row.question:
                raise InputError(
                    f"action {action_id} carries no research question; give it one in the "
                    "post-mortem (question = ...)"
                )
            if row.technique_id is not None:
                raise DuplicateError(f"action {action_id} already opened a technique on the radar")
            subject = pm_rows.find_row(session, row.postmortem_id).subject
            technique = self._open(session, row.question, name, area, subject, now())
            row.technique_id = technique.id
            session.flush()
            return self.radar.get(technique.name)

    def patterns(self) -> PatternReport:
        """Causes and lessons that recur across post-mortems."""
        return recurring_patterns(self.list())
