"""What a radar file reader hands on: every record, what repeats, what is wrong.

The readers (:mod:`assay.formats.radar_byor`, :mod:`assay.formats.radar_backstage`)
check the whole file and never stop at the first bad record. A :class:`RadarFile`
holds the good records (:class:`RadarRecord`: the technique, its line, and what the
file said beyond assay's columns), the records that repeat an earlier one word for
word (merged, with a note), every :class:`~assay.formats.paper_records.Problem`
(file, line, name, what is wrong) and the file's own layout (ring names, quadrant
order, key order), kept so that an export gives the file back. The counts always
add up::

    file.count == len(file.records) + len(file.repeats) + len(file.problems)

Rings are read through a :class:`RingMap`: a team's own ring names (``1``-``4``,
``Ta i bruk``/``Prøv ut``/``Vurder``/``Avvent``) map to assay's rings with
``--ring-map "1=adopt,2=trial,3=assess,4=hold"``; without a map, assay's names are
read in any case.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from assay.errors import InputError
from assay.formats.paper_records import Problem
from assay.pipeline.radar import Technique
from assay.types import Ring

__all__ = ["Problem", "RadarFile", "RadarRecord", "RingMap", "element_lines", "in_file_order"]

_STANDARD = {"adopt": Ring.ADOPT, "trial": Ring.TRIAL, "assess": Ring.ASSESS, "hold": Ring.HOLD}


@dataclasses.dataclass(frozen=True)
class RingMap:
    """A file's ring names → assay's rings (names compared case-insensitively)."""

    names: Mapping[str, Ring] = dataclasses.field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str | None) -> RingMap:
        """``"1=adopt,2=trial,3=assess,4=hold"`` (any names; ``None`` or empty: no map)."""
        names: dict[str, Ring] = {}
        for item in (spec or "").split(","):
            if not item.strip():
                continue
            label, equals, target = item.rpartition("=")
            if not equals or not label.strip():
                raise InputError(
                    f"--ring-map: {item.strip()!r} is not NAME=RING; expected, for example, "
                    '"1=adopt,2=trial,3=assess,4=hold"'
                )
            ring = {**_STANDARD, "skip": Ring.SKIP}.get(target.strip().casefold())
            if ring is None:
                raise InputError(
                    f"--ring-map: {target.strip()!r} is not a ring; expected adopt, trial, "
                    "assess, hold or skip"
                )
            names[label.strip().casefold()] = ring
        return cls(names)

    def ring(self, label: str, *aliases: str) -> Ring | None:
        """The ring a file's ``label`` stands for (the map first, then assay's own names
        and ``aliases`` such as Backstage's ``use``), or ``None``."""
        for text in (label, *aliases):
            key = text.strip().casefold()
            if key in self.names:
                return self.names[key]
        for text in (label, *aliases):
            key = text.strip().casefold()
            if key in _STANDARD:
                return _STANDARD[key]
            if key == "use":
                return Ring.ADOPT
        return None

    def hint(self, unknown: list[str]) -> str:
        """The sentence that says how to map ``unknown`` ring names."""
        known = ", ".join(f"{k}={v.value.lower()}" for k, v in self.names.items())
        wanted = ",".join(f"{label}=RING" for label in unknown)
        return (
            "assay's rings are adopt, trial, assess, hold and skip"
            + (f" (mapped so far: {known})" if known else "")
            + f'; say which each of the file\'s rings is: --ring-map "{wanted}"'
        )


@dataclasses.dataclass(frozen=True)
class RadarRecord:
    """One good record: its technique, the line it starts on, and what the file said
    beyond assay's columns (stored as the technique's fields, written back on export)."""

    technique: Technique
    line: int | None
    fields: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Repeat:
    """A record repeating an earlier one word for word: merged into it."""

    name: str
    line: int | None
    first_line: int | None

    def __str__(self) -> str:
        return f"{self.name!r} repeats line {self.first_line} word for word; merged"


@dataclasses.dataclass(frozen=True)
class RadarFile:
    """A whole radar file read: good records, repeats merged, problems, layout."""

    source: str
    format: str
    records: tuple[RadarRecord, ...]
    repeats: tuple[Repeat, ...] = ()
    problems: tuple[Problem, ...] = ()
    layout: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    hints: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many records the file holds (good, repeated and bad)."""
        return len(self.records) + len(self.repeats) + len(self.problems)

    @property
    def techniques(self) -> list[Technique]:
        """The good records' techniques, in the file's order."""
        return [r.technique for r in self.records]

    def check(self, *, skip_invalid: bool = False) -> None:
        """Raise one :class:`InputError` listing every problem, unless skipping them."""
        refuse(self.source, self.problems, self.count, self.hints, skip_invalid=skip_invalid)


def refuse(
    source: str,
    problems: tuple[Problem, ...],
    count: int,
    hints: tuple[str, ...] = (),
    *,
    skip_invalid: bool = False,
) -> None:
    """One :class:`InputError` listing every problem (the bibliography import's
    wording), with ``hints`` after them; nothing when there are none or when skipping."""
    if not problems or skip_invalid:
        return
    after = "".join(f"\n{hint}" for hint in hints)
    n = len(problems)
    if n == 1:
        raise InputError(
            f"{problems[0]}; nothing was imported: fix it, or give --skip-invalid "
            f"to import the other {count - 1} record(s){after}"
        )
    lines = "\n".join(f"  {p}" for p in problems)
    raise InputError(
        f"{source}: {n} of {count} record(s) cannot be imported, so nothing was "
        f"imported; fix them, or give --skip-invalid to import the other "
        f"{count - n}:\n{lines}{after}"
    )


def element_lines(text: str, start: int) -> list[int]:
    """The line each element of the JSON array opening at ``text[start]`` (``[``)
    starts on; an empty list when the array cannot be followed (the reader then
    names records by position)."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    at = start + 1
    try:
        while True:
            while text[at] in " \t\r\n,":
                at += 1
            if text[at] == "]":
                return lines
            lines.append(text.count("\n", 0, at) + 1)
            _, at = decoder.raw_decode(text, at)
    except (IndexError, ValueError):
        return []


def in_file_order(
    techniques: list[Technique], fields: Mapping[str, Mapping[str, Any]], kind: str
) -> list[Technique]:
    """Techniques read from a file first, in the file's order (their fields'
    ``position`` under ``kind``), then the others as given."""

    def position(pair: tuple[int, Technique]) -> tuple[int, int]:
        kept = (fields.get(pair[1].name.casefold()) or {}).get(kind)
        at = kept.get("position") if isinstance(kept, Mapping) else None
        return (0, at) if isinstance(at, int) else (1, pair[0])

    return [t for _, t in sorted(enumerate(techniques), key=position)]
