"""Papers and reading, reached as ``workspace.papers``: imports (BibTeX, arXiv Atom,
CSL JSON, the arXiv API), reading passes and notes, red flags, the code
checklist, viability and adoption timing, links to the radar, and search.

Every method that writes is one transaction: an import of fifty BibTeX entries
with one bad entry writes nothing. Rules live in :mod:`assay.pipeline.reading`,
file formats in :mod:`assay.formats`, rows in the ``assay.store`` repositories.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from assay.errors import InputError, NotFoundError
from assay.formats.paper_records import PaperFile, Problem
from assay.pipeline.papers import Paper
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
from assay.store import papers as paper_rows
from assay.store import reading_notes as note_rows
from assay.store.papers import Added, PaperImport, PaperRecord
from assay.store.research_models import PaperRow
from assay.store.search import Hit, search
from assay.workspace.context import Context, now
from assay.workspace.judging import technique_row
from assay.workspace.users import authorize

__all__ = ["Added", "Hit", "PaperImport", "PaperRecord", "Papers", "ReadingPass"]

ReadingPass = tuple[int, Mapping[str, str], Decision, str, dt.date | None]
"""One reading pass: ``(number, answers, decision, reason, on)``."""


def clean(text: str | None) -> str:
    """Text with its runs of whitespace made single spaces."""
    return " ".join((text or "").split())


class Papers:
    """Reached as ``workspace.papers``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- papers -------------------------------------------------------------------

    def add(
        self,
        papers: Sequence[Paper],
        *,
        warnings: Sequence[str] = (),
        skipped: Sequence[Problem] = (),
        repeats: int = 0,
        source: str = "",
    ) -> PaperImport:
        """Store papers in one transaction, merging each into a stored duplicate."""
        at = now()
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.add")
            added = paper_rows.add_many(session, papers, by=self.ctx.user, at=at)
        return PaperImport(tuple(added), tuple(warnings), tuple(skipped), repeats, source)

    def import_file(self, file: PaperFile, *, skip_invalid: bool = False) -> PaperImport:
        """The good records of a file read by :mod:`assay.formats`.

        With any bad record nothing is written and one :class:`InputError` lists them
        all; with ``skip_invalid`` the good ones are imported and the bad listed.
        """
        file.check(skip_invalid=skip_invalid)
        return self.add(
            file.papers,
            warnings=file.notes,
            skipped=file.problems,
            repeats=len(file.repeats),
            source=file.source,
        )

    def import_bibtex(
        self, path: Path, *, key: str | None = None, skip_invalid: bool = False
    ) -> PaperImport:
        """Every entry of a BibTeX file (or the one ``key``); see :meth:`import_file`."""
        from assay.formats import bibtex

        return self.import_file(bibtex.read_bibtex(path, key=key), skip_invalid=skip_invalid)

    def import_atom(self, path: Path) -> PaperImport:
        """The papers of a saved arXiv API answer (Atom XML)."""
        from assay.formats import arxiv

        return self.add(arxiv.load_arxiv_atom(path), source=str(path))

    def import_csl(self, path: Path, *, skip_invalid: bool = False) -> PaperImport:
        """The papers of a CSL JSON export (Zotero); see :meth:`import_file`."""
        from assay.formats import csl

        return self.import_file(csl.read_csl_json(path), skip_invalid=skip_invalid)

    def import_ris(self, path: Path, *, skip_invalid: bool = False) -> PaperImport:
        """The papers of a RIS export (Zotero, EndNote, Mendeley); see :meth:`import_file`."""
        from assay.formats import ris

        return self.import_file(ris.read_ris(path), skip_invalid=skip_invalid)

    def export(self, format: str) -> str:
        """Every paper as ``bibtex``, ``csl-json`` or ``ris`` text."""
        from assay.formats import bibtex, csl, ris

        writers = {
            "bibtex": bibtex.write_bibtex,
            "csl-json": csl.write_csl_json,
            "ris": ris.write_ris,
        }
        if format not in writers:
            raise InputError(f"format {format!r} is not known; expected {', '.join(writers)}")
        with self.ctx.read() as session:
            papers = [paper_rows.to_value(row) for row in paper_rows.all_rows(session)]
        return writers[format](papers)

    def fetch_arxiv(self, arxiv_id: str, *, timeout: float = 10.0) -> PaperImport:
        """Fetch a paper's metadata from the arXiv API, then store it.

        Without a network this raises :class:`assay.errors.NetworkUnavailableError`
        and writes nothing.
        """
        from assay.formats import arxiv

        return self.add([arxiv.fetch_arxiv(arxiv_id, timeout=timeout)])

    def list(self, *, include_retired: bool = False) -> builtins.list[PaperRecord]:
        """Every paper (retired ones too with ``include_retired``)."""
        with self.ctx.read() as session:
            rows = paper_rows.all_rows(session, include_retired=include_retired)
            return [paper_rows.record(session, row) for row in rows]

    def linked(self, technique: str) -> builtins.list[PaperRecord]:
        """The papers (not retired) linked to a technique (any case), newest first;
        none for an unknown name."""
        with self.ctx.read() as session:
            rows = paper_rows.linked_rows(session, technique)
            return [paper_rows.record(session, row) for row in rows]

    def get(self, ref: str) -> PaperRecord:
        """The paper named by key, DOI, arXiv id or a piece of its title."""
        with self.ctx.read() as session:
            return paper_rows.record(session, paper_rows.find_row(session, ref))

    def link(self, ref: str, technique: str) -> tuple[PaperRecord, bool]:
        """Link a paper to a technique on the radar; False when already linked."""
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.link")
            row = paper_rows.find_row(session, ref)
            new = paper_rows.link_technique(
                session, row, technique_row(session, technique), by=self.ctx.user, at=now()
            )
            return paper_rows.record(session, row), new

    # -- reading ------------------------------------------------------------------

    def read(
        self,
        ref: str,
        passes: Sequence[ReadingPass],
        *,
        note: Mapping[str, Any] | None = None,
    ) -> PaperRecord:
        """Record reading passes ``(number, answers, decision, reason, on)`` in order,
        and optionally the structured note, as one transaction."""
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.read")
            row = paper_rows.find_row(session, ref)
            for number, answers, decision, reason, on in passes:
                pass_note = PassNote(
                    number, answers, decision, reason, self.ctx.user, on or dt.date.today()
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
        note_rows.set_note(session, row, StructuredNote(**merged), by=self.ctx.user, at=now())

    def note(self, ref: str, **changes: Any) -> PaperRecord:
        """Write the structured note; fields not given keep their earlier values."""
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.note")
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
        red_flag = RedFlag(kind, severity, tuple(pieces), clean(note))
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.flag")
            row = paper_rows.find_row(session, ref)
            note_rows.set_flag(session, row, red_flag, by=self.ctx.user, at=now())
            return paper_rows.record(session, row)

    def unflag(self, ref: str, kind: RedFlagKind) -> PaperRecord:
        """Withdraw the red flag of that kind raised by a reader."""
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.flag")
            row = paper_rows.find_row(session, ref)
            if not note_rows.remove_flag(session, row, kind=kind):
                raise NotFoundError(f"{row.key} carries no {kind.value} flag raised by a reader")
            return paper_rows.record(session, row)

    def checklist(self, ref: str, changes: Mapping[str, bool]) -> PaperRecord:
        """Tick (True) or untick (False) items of the ML Code Completeness checklist."""
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.checklist")
            row = paper_rows.find_row(session, ref)
            note_rows.set_checklist(session, row, changes, at=now())
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
        with self.ctx.write() as session:
            authorize(self.ctx, "paper.viability")
            row = paper_rows.find_row(session, ref)
            at = now()
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
                    clean((notes or {}).get(d, old.notes if old else "")),
                    tuple((red or {}).get(d, old.red_flags if old else ())),
                    tuple((green or {}).get(d, old.green_flags if old else ())),
                )
            if changes:
                note_rows.set_scores(session, row, changes, by=self.ctx.user, at=at)
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
        note_rows.set_adoption(session, row, AdoptionFactors(**merged), by=self.ctx.user, at=at)

    # -- memory -------------------------------------------------------------------

    def search(self, text: str, *, limit: int | None = None) -> builtins.list[Hit]:
        """Records that mention ``text``, case-insensitive, failed experiments included."""
        with self.ctx.read() as session:
            return search(session, text, limit=limit)
