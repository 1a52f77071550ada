"""Production problems fed back as research questions, reached as
``workspace.questions`` (issue 16, "the integration loop").

A post-mortem's action that carries a research question, or a production regression
that reopened a decision (``assay watch``), opens a research question on the radar in
one command: a new technique in ASSESS whose summary is the question, whose reason
names where it came from, with a next action and its due date, all in one
transaction (either everything is written or nothing is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from assay.errors import InputError, NotFoundError
from assay.pipeline.radar import Technique
from assay.store import postmortems as pm_rows
from assay.types import check_id
from assay.workspace.context import Context
from assay.workspace.postmortems import PostMortems
from assay.workspace.radar import Radar
from assay.workspace.users import authorize
from assay.workspace.watch import WatchBook

__all__ = ["DEFAULT_DAYS", "Questions"]

#: The next action of an opened question is due this many days on, unless told.
DEFAULT_DAYS = 14


class Questions:
    """Reached as ``workspace.questions``; see the module docstring."""

    def __init__(
        self,
        ctx: Context,
        radar: Radar,
        postmortems: Callable[[], PostMortems],
        watch: Callable[[], WatchBook],
    ) -> None:
        self.ctx = ctx
        self.radar = radar
        self._postmortems = postmortems
        self._watch = watch

    def open(
        self,
        title: str,
        *,
        area: str,
        from_postmortem: int | None = None,
        action: int | None = None,
        from_watch: int | None = None,
        next_action: str | None = None,
        due: dt.date | None = None,
        today: dt.date | None = None,
    ) -> tuple[Technique, str]:
        """Open a research question named ``title`` in ``area``: from a post-mortem
        (its one action that carries an unopened question, or ``action``) or from a
        reopened decision (``from_watch``, the decision's id). The technique and the
        question it asks."""
        if (from_postmortem is None) == (from_watch is None):
            raise InputError(
                "say where the question comes from: --from-postmortem ID or --from-watch "
                "DECISION (one of them)"
            )
        if action is not None and from_postmortem is None:
            raise InputError("--action picks a post-mortem's action; give --from-postmortem too")
        if from_postmortem is not None:
            check_id(from_postmortem, noun="post-mortem", see="assay postmortem list")
        if action is not None:
            check_id(action, noun="action", see="assay postmortem actions")
        if from_watch is not None:
            check_id(from_watch, noun="decision", see="assay watch")
        day = today or dt.date.today()
        when = due or day + dt.timedelta(days=DEFAULT_DAYS)
        if when < day:
            raise InputError(f"--due {when.isoformat()} is in the past; expected a later date")
        with self.ctx.write() as session:
            authorize(self.ctx, "question.open")
            if from_postmortem is not None:
                action_id, question = self._action(session, from_postmortem, action)
                technique = self._postmortems().open_question(action_id, title, area)
            else:
                assert from_watch is not None
                question, why = self._regression(from_watch, day)
                technique = self.radar.add(
                    title, area=area, owner=self.ctx.user, summary=question, why=why
                )
            step = (next_action or "").strip()
            if not step:
                step = f"frame the question and plan a prototype: {question}"
            self.radar.set_next(technique.name, step[:500], due=when)
            return self.radar.get(technique.name), question

    def _action(self, session: object, postmortem: int, action: int | None) -> tuple[int, str]:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        pm_rows.find_row(session, postmortem)  # NotFoundError names it
        mine = [
            a for a in pm_rows.actions(session, open_only=False) if a.postmortem_id == postmortem
        ]
        if action is not None:
            picked = [a for a in mine if a.id == action]
            if not picked:
                raise NotFoundError(f"post-mortem {postmortem} has no action {action}")
        else:
            picked = [a for a in mine if a.action.question and a.technique is None]
            if len(picked) > 1:
                ids = ", ".join(str(a.id) for a in picked)
                raise InputError(
                    f"post-mortem {postmortem} has {len(picked)} actions with an open research "
                    f"question ({ids}); pick one with --action ID"
                )
            if not picked:
                raise InputError(
                    f"post-mortem {postmortem} has no action with a research question still to "
                    "open; give one a question in the post-mortem (question = ...)"
                )
        found = picked[0]
        return found.id, found.action.question or ""

    def _regression(self, decision: int, today: dt.date) -> tuple[str, str]:
        reopened = [r for r in self._watch().reopened(today=today) if r.decision_id == decision]
        if not reopened:
            raise NotFoundError(
                f"decision {decision} is not reopened (see: assay watch); only a reopened "
                "decision opens a question from production"
            )
        found = reopened[0]
        question = (
            f"Why did {found.technique} change in production, and what should the "
            f"{found.answer.upper()} at the {found.stage} gate become? ({found.reason})"
        )
        why = (
            f"production regression: decision {decision} on {found.prototype} was reopened "
            f"({found.reason})"
        )
        return question, why
