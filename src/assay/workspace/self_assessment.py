"""Self-assessment, reached as ``workspace.self_assessment`` (issue 16).

A person rates the seed's capabilities (:data:`assay.pipeline.credibility.CAPABILITIES`)
from 1 to 5, again and again (the history is kept: growth shows as a rising line),
and records growth areas with a practice, a measure and a date to look back at them.

**Private**: a self-assessment is read by the person and by admins only. The rule is
here, in the service, so that every surface (the command line, a notebook, a future
web page) keeps it: :meth:`SelfAssessment.readable` refuses anyone else with a
:class:`~assay.errors.PermissionDeniedError`. A workspace without users is open to its
single local user, as for writes. Writing for someone else (an admin recording a
rating from a review conversation) needs ``self.rate-other``.
"""

from __future__ import annotations

import builtins
import datetime as dt

from assay.errors import NotFoundError, PermissionDeniedError
from assay.pipeline.credibility import GrowthArea, Rating, check_growth, check_score
from assay.pipeline.radar import check_name
from assay.pipeline.roles import Role
from assay.store import self_assessment as rows
from assay.store import users as user_rows
from assay.store.sql import Sql
from assay.workspace.context import Context, now
from assay.workspace.users import authorize, identify

__all__ = ["SelfAssessment"]


class SelfAssessment:
    """Reached as ``workspace.self_assessment``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _target(self, sql: Sql, person: str | None) -> str:
        """The person written for: the acting user, or ``person`` (a registered user,
        spelled as registered, when the workspace has users)."""
        if person is not None:
            person = check_name(person, field="--person")  # no NUL reaches the store
        if person is None or person.casefold() == self.ctx.user.casefold():
            return self.ctx.user
        authorize(self.ctx, "self.rate-other")
        found = user_rows.find(sql, person.strip())
        if found is None:
            if user_rows.count(sql) == 0:
                return person.strip()
            raise NotFoundError(f"no user named {person.strip()!r} (see: assay user list)")
        return found.name

    def rate(
        self,
        capability: str,
        score: int,
        *,
        person: str | None = None,
        note: str = "",
        at: dt.datetime | None = None,
    ) -> Rating:
        """Rate ``capability`` 1-5 for the acting user (or, for an admin, ``person``);
        appended to the history."""
        check_score(score)
        with self.ctx.write() as session:
            authorize(self.ctx, "self.rate")
            target = self._target(Sql.of_session(session), person)
            rating = Rating(target, capability, score, note, self.ctx.user, at or now())
            rows.add_rating(session, rating)
            return rating

    def add_growth(
        self,
        area: str,
        *,
        practice: str,
        measure: str,
        due: dt.date,
        person: str | None = None,
        at: dt.datetime | None = None,
    ) -> GrowthArea:
        """A growth area for the acting user (or, for an admin, ``person``)."""
        when = at or now()
        area, practice, measure = check_growth(area, practice, measure, due, today=when.date())
        with self.ctx.write() as session:
            authorize(self.ctx, "self.growth")
            target = self._target(Sql.of_session(session), person)
            growth = GrowthArea(target, area, practice, measure, due, self.ctx.user, when)
            ident = rows.add_growth(session, growth)
            return GrowthArea(target, area, practice, measure, due, self.ctx.user, when, ident)

    def readable(self, person: str | None = None) -> str:
        """The person whose self-assessment the acting user asks for, once they may
        read it: themselves, or anyone for an admin; else PermissionDeniedError."""
        with self.ctx.sql_read() as sql:
            identify(self.ctx, sql)
            actor = self.ctx.user
            wanted = check_name(person, field="--person") if person is not None else actor
            me = user_rows.find(sql, actor)
            if me is None and self.ctx.proven is None and user_rows.count(sql) == 0:
                return wanted  # a workspace without users: its single local user
            if me is None:
                raise PermissionDeniedError(
                    f"self-assessments are private; {actor} is not a registered user"
                )
            if me.retired_at is not None:
                raise PermissionDeniedError(f"{me.name} was retired and can no longer read")
            if wanted.casefold() == me.name.casefold():
                return me.name
            if me.role is not Role.ADMIN:
                raise PermissionDeniedError(
                    f"{wanted}'s self-assessment is private: only {wanted} and admins may "
                    f"read it ({me.name} is a {me.role.value})"
                )
            found = user_rows.find(sql, wanted)
            return found.name if found is not None else wanted

    def ratings(self, person: str | None = None) -> builtins.list[Rating]:
        """Every rating of the person (default: the acting user), oldest first."""
        who = self.readable(person)
        with self.ctx.sql_read() as sql:
            return rows.ratings_of(sql, who)

    def growth(self, person: str | None = None) -> builtins.list[GrowthArea]:
        """The person's growth areas, by date."""
        who = self.readable(person)
        with self.ctx.sql_read() as sql:
            return rows.growth_of(sql, who)
