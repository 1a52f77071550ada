"""Predictions and their calibration, reached as ``workspace.predictions``.

A prediction is a question with forecasts (probability, who, when) and a
resolve-by date; it may carry a criterion, checked against evidence to resolve
itself. Scores are Brier and log scores with calibration, overall and per person
and tag. Fatebook CSV comes in and goes out.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assay.errors import InputError
from assay.pipeline.predictions import Forecast, Outcome, Prediction, overdue, score
from assay.store import predictions as prediction_rows
from assay.store.predictions import EvidenceCheck, FatebookResult, ScoreReport
from assay.workspace.context import Context, now
from assay.workspace.papers import clean
from assay.workspace.users import authorize

if TYPE_CHECKING:
    from assay.criteria import Evidence as CriteriaEvidence
    from assay.formats.fatebook import Entry

__all__ = ["EvidenceCheck", "FatebookResult", "Predictions", "ScoreReport"]


class Predictions:
    """Reached as ``workspace.predictions``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(
        self,
        question: str,
        p: float,
        resolve_by: dt.date,
        *,
        tags: Sequence[str] = (),
        criterion: str | None = None,
        notes: str = "",
        at: dt.datetime | None = None,
    ) -> Prediction:
        """A new forecast; a criterion is parsed and checked first, and stored canonical.

        The resolve-by date may not lie before the day the prediction is made (today,
        or the day of ``at``); imported history (Fatebook) does not come through here.
        """
        made_on = at.date() if at is not None else dt.date.today()
        if resolve_by < made_on:
            raise InputError(
                f"resolve-by date {resolve_by.isoformat()} is in the past; expected "
                f"{'today' if at is None else 'the day it is made'} ({made_on.isoformat()}) "
                "or a later date"
            )
        canonical = None
        if criterion is not None and criterion.strip():
            from assay.criteria import parse

            canonical = parse(criterion).canonical
        when = at or now()
        prediction = Prediction(
            question, resolve_by, (Forecast(p, self.ctx.user, when),), when, tuple(tags),
            clean(notes), canonical,
        )  # fmt: skip
        with self.ctx.write() as session:
            authorize(self.ctx, "prediction.add")
            return prediction_rows.add(session, prediction, by=self.ctx.user)

    def forecast(
        self, prediction_id: int, p: float, *, at: dt.datetime | None = None
    ) -> Prediction:
        """Another forecast on a prediction, by the acting user."""
        forecast = Forecast(p, self.ctx.user, at or now())
        with self.ctx.write() as session:
            authorize(self.ctx, "prediction.forecast")
            row = prediction_rows.find_row(session, prediction_id)
            return prediction_rows.add_forecast(session, row, forecast)

    def resolve(
        self, prediction_id: int, outcome: Outcome, *, at: dt.datetime | None = None
    ) -> Prediction:
        """Resolve a prediction (yes, no or ambiguous)."""
        with self.ctx.write() as session:
            authorize(self.ctx, "prediction.resolve")
            row = prediction_rows.find_row(session, prediction_id)
            return prediction_rows.resolve(session, row, outcome, by=self.ctx.user, at=at or now())

    def list(self) -> builtins.list[Prediction]:
        """Every prediction."""
        with self.ctx.read() as session:
            return prediction_rows.all_predictions(session)

    def mentioning(self, text: str, ids: Sequence[int] = ()) -> builtins.list[Prediction]:
        """The predictions that may mention ``text`` (any case) in their question,
        notes or tags, and those numbered ``ids``, by id: a superset, read in one
        query, that the caller narrows (see :func:`assay.store.predictions.mentioning`)."""
        with self.ctx.read() as session:
            return prediction_rows.mentioning(session, text, ids)

    def score(
        self, as_of: dt.date | None = None, *, person: str | None = None, tag: str | None = None
    ) -> ScoreReport:
        """Brier, log score and calibration, overall and per person and tag."""
        day = as_of or dt.date.today()
        everything = self.list()
        people = sorted({f.by for p in everything for f in p.forecasts})
        tags = sorted({t for p in everything for t in p.tags})
        wanted = tag.strip().lower() if tag else None
        return ScoreReport(
            as_of=day,
            overall=score(everything, day, person=person, tag=wanted),
            by_person={
                who: score(everything, day, person=who, tag=wanted)
                for who in people
                if person is None or who == person
            },
            by_tag={
                t: score(everything, day, person=person, tag=t)
                for t in tags
                if wanted is None or t == wanted
            },
            overdue=tuple(overdue(everything, day)),
        )

    def import_fatebook(self, path: Path, *, skip_invalid: bool = False) -> FatebookResult:
        """Fatebook CSV, in one transaction; questions already here gain what they lack.

        The whole file is checked first: with any bad row nothing is written and one
        :class:`InputError` lists them all; with ``skip_invalid`` the good rows are
        imported and the bad ones listed in the result.
        """
        from assay.formats import fatebook

        read = fatebook.load_fatebook_csv(path)
        read.check(skip_invalid=skip_invalid)
        notes = list(read.notes)
        added = 0
        with self.ctx.write() as session:
            authorize(self.ctx, "prediction.import")
            merged = [
                prediction_rows.import_one(session, p, by=self.ctx.user) for p in read.predictions
            ]
        for entry, m in zip(read.entries, merged, strict=True):
            added += m.forecasts_added + (m.new and not entry.prediction.forecasts)
            notes.extend(_kept_resolution(read.source, entry, m.prediction))
        return FatebookResult(
            new=sum(m.new for m in merged),
            merged=sum(not m.new for m in merged),
            forecasts_added=sum(m.forecasts_added for m in merged),
            skipped=read.skipped,
            source=read.source,
            kind=read.kind,
            rows=read.rows,
            rows_added=added,
            rows_merged=sum(e.rows for e in read.entries) - added,
            choice_rows=len(read.choices),
            problems=read.problems,
            notes=tuple(notes),
        )

    def export_fatebook(self) -> str:
        """Every prediction as CSV that Fatebook's spreadsheet importer reads
        (:func:`assay.formats.fatebook.write_fatebook_csv`)."""
        from assay.formats import fatebook

        return fatebook.write_fatebook_csv(self.list())

    def check(
        self, evidence: CriteriaEvidence, ids: Sequence[int] | None = None
    ) -> builtins.list[EvidenceCheck]:
        """Evaluate open predictions' criteria against ``evidence``; resolve the decided ones.

        ``ids`` limits the check to those predictions, each of which needs a criterion.
        """
        with self.ctx.write() as session:
            authorize(self.ctx, "prediction.resolve")
            return prediction_rows.check(session, evidence, ids, at=now())


def _kept_resolution(source: str, entry: Entry, here: Prediction) -> list[str]:
    """A note when the file resolves a question otherwise than it is resolved here."""
    theirs, ours = entry.prediction.resolution, here.resolution
    if theirs is None or ours is None or theirs.outcome == ours.outcome:
        return []
    return [
        f"{source}, line {entry.first_line}: {here.question!r} is resolved "
        f"{ours.outcome.value.upper()} here and {theirs.outcome.value.upper()} in the file; "
        "kept the resolution here"
    ]
