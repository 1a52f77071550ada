"""What a bibliography reader hands on: every record's paper, or what is wrong with it.

The readers (:mod:`assay.formats.bibtex`, :mod:`assay.formats.csl`,
:mod:`assay.formats.ris`) check the whole file and never stop at the first bad
record: a :class:`PaperFile` holds the good records (:class:`Record`), every
:class:`Problem` (file, line, key, what is wrong) and the notes worth telling (a
repeated key, a field given twice). The counts always add up::

    file.count == len(file.records) + len(file.repeats) + len(file.problems)

where ``repeats`` are records that repeat an earlier one word for word (merged, with
a note). Whether problems refuse the import is the caller's choice
(:meth:`PaperFile.check`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assay.errors import InputError
from assay.formats import files
from assay.pipeline.papers import Paper

__all__ = ["PaperFile", "Problem", "Record", "Repeat", "read_text"]


def read_text(file: Path, expected: str) -> str:
    """A bibliography file's text (UTF-8, a byte-order mark accepted), or an
    :class:`InputError` naming the file and what was ``expected`` ("a RIS export")."""
    return files.read_text(file, expected)


@dataclasses.dataclass(frozen=True)
class Problem:
    """A record that cannot be imported: where it is and what is wrong."""

    source: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.source, "line": self.line, "key": self.key, "problem": self.message}


@dataclasses.dataclass(frozen=True)
class Record:
    """One good record: its paper and the line it starts on."""

    paper: Paper
    line: int | None = None


@dataclasses.dataclass(frozen=True)
class Repeat:
    """A record repeating an earlier one's key with the same content: merged into it."""

    key: str
    line: int | None
    first_line: int | None


@dataclasses.dataclass(frozen=True)
class PaperFile:
    """A whole file read: good records, repeats merged, problems and notes."""

    source: str
    records: tuple[Record, ...]
    problems: tuple[Problem, ...] = ()
    repeats: tuple[Repeat, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many records the file holds (good, repeated and bad)."""
        return len(self.records) + len(self.repeats) + len(self.problems)

    @property
    def papers(self) -> list[Paper]:
        return [r.paper for r in self.records]

    def check(self, *, skip_invalid: bool = False) -> None:
        """Raise one :class:`InputError` listing every problem, unless skipping them."""
        if not self.problems or skip_invalid:
            return
        n = len(self.problems)
        if n == 1:
            raise InputError(
                f"{self.problems[0]}; nothing was imported: fix it, or give --skip-invalid "
                f"to import the other {self.count - 1} record(s)"
            )
        lines = "\n".join(f"  {p}" for p in self.problems)
        raise InputError(
            f"{self.source}: {n} of {self.count} record(s) cannot be imported, so nothing was "
            f"imported; fix them, or give --skip-invalid to import the other "
            f"{self.count - n}:\n{lines}"
        )
