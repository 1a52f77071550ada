"""The research record's facade (issue 6): papers, notes, claims, predictions, post-mortems.

Reached as ``workspace.research``. Every method that writes is one transaction:
an import of fifty BibTeX entries with one bad entry writes nothing, and a
post-mortem whose action opens a research question adds the technique to the
radar in the same transaction. Rules live in :mod:`assay.pipeline`, file formats
in :mod:`assay.formats`, rows in the ``assay.store`` repositories.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.errors import DuplicateError, InputError, NotFoundError
from assay.pipeline import radar
from assay.pipeline.claims import Claim, Direction, Finding
from assay.pipeline.papers import Paper
from assay.pipeline.postmortem import (
    PatternReport,
    PostMortem,
    recurring_patterns,
)
from assay.pipeline.predictions import (
    Forecast,
    Outcome,
    Prediction,
    overdue,
    score,
)
from assay.pipeline.radar import Technique
from assay.pipeline.reading import (
    AdoptionFactors,
    Decision,
    DimensionScore,
    Evidence,
    Level,
    PassNote,
    RedFlag,
    RedFlagKind,
    Severity,
    StructuredNote,
    ViabilityDimension,
)
from assay.store import claims as claim_rows
from assay.store import papers as paper_rows
from assay.store import postmortems as pm_rows
from assay.store import predictions as prediction_rows
from assay.store import reading_notes as note_rows
from assay.store import techniques as technique_rows
from assay.store.claims import ClaimRecord
from assay.store.models import TechniqueRow
from assay.store.papers import Added, PaperImport, PaperRecord
from assay.store.postmortems import StoredAction
from assay.store.predictions import EvidenceCheck, FatebookResult, ScoreReport
from assay.store.reproductions import FromRun, values_from_run
from assay.store.research_models import PaperRow
from assay.store.search import Hit, search
from assay.types import Ring

if TYPE_CHECKING:
    from assay.criteria import Evidence as CriteriaEvidence
    from assay.workspace.core import Workspace

__all__ = [
    "RADAR_FORMATS",
    "Added",
    "ClaimRecord",
    "EvidenceCheck",
    "FatebookResult",
    "FromRun",
    "PaperImport",
    "PaperRecord",
    "ResearchRecord",
    "ScoreReport",
    "StoredAction",
]

#: Radar interchange formats, by name, with the file extension each is guessed from.
RADAR_FORMATS = {"byor-csv": ".csv", "backstage-json": ".json"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _technique_row(session: Session, name: str) -> TechniqueRow:
    stored, _ = technique_rows.ring_of(session, name)  # NotFoundError with a hint
    row = session.scalar(select(TechniqueRow).where(TechniqueRow.key == stored.casefold()))
    assert row is not None
    return row


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


class ResearchRecord:
    """Reached as ``workspace.research``."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    @property
    def user(self) -> str:
        return self.ws.user

    # -- papers -------------------------------------------------------------------

    def add_papers(self, papers: Sequence[Paper], *, warnings: Sequence[str] = ()) -> PaperImport:
        """Store papers in one transaction, merging each into a stored duplicate."""
        at = _now()
        with self.ws.db.write() as session:
            added = tuple(paper_rows.add(session, p, by=self.user, at=at) for p in papers)
        return PaperImport(added, tuple(warnings))

    def import_bibtex(self, path: Path, *, key: str | None = None) -> PaperImport:
        """Every entry of a BibTeX file (or the one ``key``); one bad entry imports nothing."""
        from assay.formats import bibtex

        parsed = bibtex.load_bibtex(path)
        return self.add_papers(bibtex.bibtex_papers(parsed, key=key), warnings=parsed.warnings)

    def import_atom(self, path: Path) -> PaperImport:
        """The papers of a saved arXiv API answer (Atom XML)."""
        from assay.formats import arxiv

        return self.add_papers(arxiv.load_arxiv_atom(path))

    def import_csl(self, path: Path) -> PaperImport:
        """The papers of a CSL JSON export (Zotero)."""
        from assay.formats import csl

        return self.add_papers(csl.load_csl_json(path))

    def fetch_arxiv(self, arxiv_id: str, *, timeout: float = 10.0) -> PaperImport:
        """Fetch a paper's metadata from the arXiv API, then store it.

        Without a network this raises :class:`assay.errors.NetworkUnavailableError`
        and writes nothing.
        """
        from assay.formats import arxiv

        return self.add_papers([arxiv.fetch_arxiv(arxiv_id, timeout=timeout)])

    def papers(self) -> list[PaperRecord]:
        with self.ws.db.read() as session:
            return [paper_rows.record(session, row) for row in paper_rows.all_rows(session)]

    def paper(self, ref: str) -> PaperRecord:
        """The paper named by key, DOI, arXiv id or a piece of its title."""
        with self.ws.db.read() as session:
            return paper_rows.record(session, paper_rows.find_row(session, ref))

    def link(self, ref: str, technique: str) -> tuple[PaperRecord, bool]:
        """Link a paper to a technique on the radar; False when already linked."""
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            new = paper_rows.link_technique(
                session, row, _technique_row(session, technique), by=self.user, at=_now()
            )
            return paper_rows.record(session, row), new

    # -- reading --------------------------------------------------------------------

    def read(
        self,
        ref: str,
        passes: Sequence[tuple[int, Mapping[str, str], Decision, str, dt.date | None]],
        *,
        note: Mapping[str, Any] | None = None,
    ) -> PaperRecord:
        """Record reading passes ``(number, answers, decision, reason, on)`` in order,
        and optionally the structured note, as one transaction."""
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            for number, answers, decision, reason, on in passes:
                pass_note = PassNote(
                    number, answers, decision, reason, self.user, on or dt.date.today()
                )
                note_rows.save_pass(session, row, pass_note)
            if note:
                self._write_note(session, row, note)
            return paper_rows.record(session, row)

    def _write_note(self, session: Session, row: PaperRow, changes: Mapping[str, Any]) -> None:
        fields = {f.name for f in dataclasses.fields(StructuredNote)}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise InputError(
                f"the note has no field {', '.join(unknown)}; expected {sorted(fields)}"
            )
        current = note_rows.note(row)
        base: dict[str, Any] = dataclasses.asdict(current) if current else {}
        base.setdefault("date_read", dt.date.today())
        merged = base | {k: v for k, v in changes.items() if v is not None}
        missing = [name for name in ("relevance", "summary") if name not in merged]
        if missing:
            raise InputError(
                f"a first note needs {' and '.join('--' + m for m in missing)}: "
                "how relevant the paper is (1-5) and what it does in one sentence"
            )
        note_rows.set_note(session, row, StructuredNote(**merged), by=self.user, at=_now())

    def note(self, ref: str, **changes: Any) -> PaperRecord:
        """Write the structured note; fields not given keep their earlier values."""
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            self._write_note(session, row, changes)
            return paper_rows.record(session, row)

    def flag(
        self,
        ref: str,
        kind: RedFlagKind,
        *,
        severity: Severity,
        evidence: Sequence[str],
        note: str = "",
    ) -> PaperRecord:
        """Raise a red flag (replacing the reader's earlier flag of that kind).

        Each piece of evidence is ``WHERE`` or ``WHERE: WHAT`` (``Table 3: untuned``).
        """
        pieces = []
        for text in evidence:
            where, _, what = text.partition(":")
            pieces.append(Evidence(where.strip(), what.strip()))
        red_flag = RedFlag(kind, severity, tuple(pieces), _clean(note))
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            note_rows.set_flag(session, row, red_flag, by=self.user, at=_now())
            return paper_rows.record(session, row)

    def unflag(self, ref: str, kind: RedFlagKind) -> PaperRecord:
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            if not note_rows.remove_flag(session, row, kind=kind):
                raise NotFoundError(f"{row.key} carries no {kind.value} flag raised by a reader")
            return paper_rows.record(session, row)

    def checklist(self, ref: str, changes: Mapping[str, bool]) -> PaperRecord:
        """Tick (True) or untick (False) items of the ML Code Completeness checklist."""
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            note_rows.set_checklist(session, row, changes, at=_now())
            return paper_rows.record(session, row)

    def viability(
        self,
        ref: str,
        *,
        scores: Mapping[ViabilityDimension, int] | None = None,
        notes: Mapping[ViabilityDimension, str] | None = None,
        red: Mapping[ViabilityDimension, Sequence[str]] | None = None,
        green: Mapping[ViabilityDimension, Sequence[str]] | None = None,
        factors: Mapping[str, Level | bool] | None = None,
    ) -> PaperRecord:
        """Score viability dimensions and set adoption factors; what is not given is kept.

        Every dimension must end up scored. ``factors`` names fields of
        :class:`AdoptionFactors`; all five must be known once any is given.
        """
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            at = _now()
            stored = note_rows.scores(row)
            touched = set(scores or {}) | set(notes or {}) | set(red or {}) | set(green or {})
            changes = {}
            for d in touched:
                old = stored.get(d)
                score_value = (scores or {}).get(d, old.score if old else None)
                if score_value is None:
                    raise InputError(
                        f"{d.value} has notes or flags but no score; give its 1-5 score"
                    )
                changes[d] = DimensionScore(
                    score_value,
                    _clean((notes or {}).get(d, old.notes if old else "")),
                    tuple((red or {}).get(d, old.red_flags if old else ())),
                    tuple((green or {}).get(d, old.green_flags if old else ())),
                )
            if changes:
                note_rows.set_scores(session, row, changes, by=self.user, at=at)
            if factors:
                self._write_factors(session, row, factors, at)
            return paper_rows.record(session, row)

    def _write_factors(
        self, session: Session, row: PaperRow, factors: Mapping[str, Level | bool], at: dt.datetime
    ) -> None:
        current = note_rows.adoption(row)
        merged: dict[str, Any] = dataclasses.asdict(current) if current else {}
        merged |= dict(factors)
        names = [f.name for f in dataclasses.fields(AdoptionFactors)]
        missing = [n for n in names if n not in merged]
        if missing:
            options = ", ".join("--" + n.replace("_", "-") for n in missing)
            raise InputError(f"the adoption-timing factors are incomplete; also give {options}")
        note_rows.set_adoption(session, row, AdoptionFactors(**merged), by=self.user, at=at)

    # -- claims ----------------------------------------------------------------------

    def add_claim(
        self,
        ref: str,
        *,
        metric: str,
        value: float,
        setting: str = "",
        direction: Direction = Direction.HIGHER,
        unit: str = "",
    ) -> ClaimRecord:
        with self.ws.db.write() as session:
            row = paper_rows.find_row(session, ref)
            claim = Claim(row.key, metric, value, _clean(setting), direction, _clean(unit))
            return claim_rows.add(session, row, claim, by=self.user, at=_now())

    def link_run(
        self,
        claim_id: int,
        run: str,
        values: Sequence[float] | None = None,
        *,
        from_run: FromRun | None = None,
    ) -> ClaimRecord:
        """Link a run to a claim and reassess it.

        The trial values are ``values`` (for a run recorded elsewhere) or read from
        the stored run as ``from_run`` says. A large gap raises the paper's automatic
        red flag for this claim (replacing the one it raised before); a gap that
        closes withdraws it.
        """
        with self.ws.db.write() as session:
            row = claim_rows.find_row(session, claim_id)
            if values is not None:
                if from_run is not None:
                    raise InputError(
                        "give the trial values or say how to read them from a stored run, not both"
                    )
                return claim_rows.link_run(session, row, run, values, by=self.user, at=_now())
            try:
                found, source = values_from_run(
                    session, run.strip(), row.metric, from_run or FromRun()
                )
            except NotFoundError:
                raise NotFoundError(
                    f"run {run.strip()!r} is not in this workspace (see: assay bench list); "
                    "for a run recorded elsewhere, give its trial values with --values"
                ) from None
            return claim_rows.link_run(
                session, row, run, found, by=self.user, at=_now(), source=source
            )

    def add_finding(self, claim_id: int, text: str) -> ClaimRecord:
        """Log implicit knowledge found while reproducing the claim."""
        finding = Finding(_clean(text), self.user, _now())
        with self.ws.db.write() as session:
            return claim_rows.add_finding(session, claim_rows.find_row(session, claim_id), finding)

    def claim(self, claim_id: int) -> ClaimRecord:
        with self.ws.db.read() as session:
            return claim_rows.record(claim_rows.find_row(session, claim_id))

    def claims(self, ref: str | None = None) -> list[ClaimRecord]:
        with self.ws.db.read() as session:
            paper = paper_rows.find_row(session, ref) if ref else None
            return claim_rows.all_records(session, paper)

    # -- predictions -------------------------------------------------------------------

    def predict(
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
        when = at or _now()
        prediction = Prediction(
            question, resolve_by, (Forecast(p, self.user, when),), when, tuple(tags),
            _clean(notes), canonical,
        )  # fmt: skip
        with self.ws.db.write() as session:
            return prediction_rows.add(session, prediction, by=self.user)

    def forecast(
        self, prediction_id: int, p: float, *, at: dt.datetime | None = None
    ) -> Prediction:
        """Another forecast on a prediction, by the acting user."""
        forecast = Forecast(p, self.user, at or _now())
        with self.ws.db.write() as session:
            row = prediction_rows.find_row(session, prediction_id)
            return prediction_rows.add_forecast(session, row, forecast)

    def resolve(
        self, prediction_id: int, outcome: Outcome, *, at: dt.datetime | None = None
    ) -> Prediction:
        with self.ws.db.write() as session:
            row = prediction_rows.find_row(session, prediction_id)
            return prediction_rows.resolve(session, row, outcome, by=self.user, at=at or _now())

    def predictions(self) -> list[Prediction]:
        with self.ws.db.read() as session:
            return prediction_rows.all_predictions(session)

    def score(
        self, as_of: dt.date | None = None, *, person: str | None = None, tag: str | None = None
    ) -> ScoreReport:
        """Brier, log score and calibration, overall and per person and tag."""
        day = as_of or dt.date.today()
        everything = self.predictions()
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

    def import_fatebook(self, path: Path) -> FatebookResult:
        """Fatebook CSV, in one transaction; questions already here gain what they lack."""
        from assay.formats import fatebook

        read = fatebook.load_fatebook_csv(path)
        with self.ws.db.write() as session:
            merged = [
                prediction_rows.import_one(session, p, by=self.user) for p in read.predictions
            ]
        return FatebookResult(
            new=sum(m.new for m in merged),
            merged=sum(not m.new for m in merged),
            forecasts_added=sum(m.forecasts_added for m in merged),
            skipped=read.skipped,
        )

    def export_fatebook(self) -> str:
        from assay.formats import fatebook

        return fatebook.write_fatebook_csv(self.predictions())

    def check_predictions(
        self, evidence: CriteriaEvidence, ids: Sequence[int] | None = None
    ) -> list[EvidenceCheck]:
        """Evaluate open predictions' criteria against ``evidence``; resolve the decided ones.

        ``ids`` limits the check to those predictions, each of which needs a criterion.
        """
        with self.ws.db.write() as session:
            return prediction_rows.check(session, evidence, ids, at=_now())

    # -- post-mortems -----------------------------------------------------------------------

    def add_postmortem(
        self, pm: PostMortem, *, open_on_radar: Mapping[int, tuple[str, str]] | None = None
    ) -> PostMortem:
        """Store a post-mortem of a technique (linked when it is on the radar) or a prototype.

        A technique's post-mortem without a timeline gets one from its ring history,
        a prototype's from its registration and gate decisions; a prototype's
        post-mortem is linked to the prototype's technique.

        ``open_on_radar`` maps positions of actions that carry a research question to
        the ``(name, area)`` of a technique to add in ASSESS, in the same transaction.
        """
        at = _now()
        pm = dataclasses.replace(pm, author=pm.author or self.user)
        with self.ws.db.write() as session:
            pm, technique = pm_rows.subject_of(session, pm)
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
        technique_rows.add(
            session,
            name=radar.check_name(name),
            area=radar.check_name(area, field="area"),
            ring=Ring.ASSESS,
            owner=self.user,
            summary=_clean(question),
            by=self.user,
            why=f"research question from the post-mortem of {subject}",
            at=at,
        )
        return _technique_row(session, name)

    def postmortems(self) -> list[PostMortem]:
        with self.ws.db.read() as session:
            return pm_rows.all_postmortems(session)

    def postmortem(self, postmortem_id: int) -> PostMortem:
        with self.ws.db.read() as session:
            return pm_rows.to_value(pm_rows.find_row(session, postmortem_id))

    def actions(self, today: dt.date | None = None) -> list[StoredAction]:
        """Open action items across post-mortems: overdue first, then by due date."""
        day = today or dt.date.today()
        with self.ws.db.read() as session:
            found = pm_rows.actions(session)
        return sorted(found, key=lambda a: (not a.overdue(day), a.action.due, a.id))

    def close_action(self, action_id: int, on: dt.date | None = None) -> StoredAction:
        with self.ws.db.write() as session:
            row = pm_rows.action_row(session, action_id)
            if row.done_on is not None:
                raise InputError(f"action {action_id} was already done on {row.done_on}")
            row.done_on = on or dt.date.today()
            session.flush()
            return next(a for a in pm_rows.actions(session, open_only=False) if a.id == action_id)

    def open_question(self, action_id: int, name: str, area: str) -> Technique:
        """Put an action's research question on the radar as a technique in ASSESS."""
        with self.ws.db.write() as session:
            row = pm_rows.action_row(session, action_id)
            if not row.question:
                raise InputError(
                    f"action {action_id} carries no research question; give it one in the "
                    "post-mortem (question = ...)"
                )
            if row.technique_id is not None:
                raise DuplicateError(f"action {action_id} already opened a technique on the radar")
            subject = pm_rows.find_row(session, row.postmortem_id).subject
            technique = self._open(session, row.question, name, area, subject, _now())
            row.technique_id = technique.id
            session.flush()
            return technique_rows.get(session, technique.name)

    def patterns(self) -> PatternReport:
        return recurring_patterns(self.postmortems())

    # -- radar interchange ---------------------------------------------------------------

    def export_radar(self, fmt: str) -> str:
        """The radar as BYOR CSV or Backstage JSON text."""
        from assay.formats import radar_formats

        techniques = self.ws.techniques()
        if fmt == "byor-csv":
            return radar_formats.write_byor_csv(techniques, as_of=_now())
        if fmt == "backstage-json":
            title = self.ws.settings.workspace.name
            return radar_formats.write_backstage_json(techniques, as_of=_now(), title=title)
        raise InputError(f"unknown radar format {fmt!r}; expected {', '.join(RADAR_FORMATS)}")

    def import_radar(self, path: Path, fmt: str) -> list[Technique]:
        """Techniques (and, from Backstage, their ring history) from a file, in one
        transaction; a name already on the radar refuses the whole import."""
        from assay.formats import radar_formats

        if fmt == "byor-csv":
            read = radar_formats.load_byor_csv(path, at=_now(), by=self.user)
        elif fmt == "backstage-json":
            read = radar_formats.load_backstage_json(path, by=self.user)
        else:
            raise InputError(f"unknown radar format {fmt!r}; expected {', '.join(RADAR_FORMATS)}")
        return self.ws.import_techniques(read, source=str(path))

    # -- memory -----------------------------------------------------------------------------

    def search(self, text: str, *, limit: int | None = None) -> list[Hit]:
        """Records that mention ``text``, case-insensitive, failed experiments included."""
        with self.ws.db.read() as session:
            return search(session, text, limit=limit)
