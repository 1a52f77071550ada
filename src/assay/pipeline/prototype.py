"""Prototypes: a hypothesis, its pre-registered criteria, a time-box and a stage.

Value types and rules only; the store persists them and the surfaces show them.

* :class:`Stage` -- discovery, validation, integration, each with the question
  its gate answers.
* :class:`KillCriterion` -- a criterion that must hold; when it FAILs it
  *fires*. A hard one makes the gate's answer NO; a soft one asks for a
  decision (the recommendation is at best NOT YET).
* :class:`TimeBox` -- the days the prototype may take, from ``5d`` or a date.
* :class:`Registration` -- what is pre-registered: hypothesis, success and kill
  criteria, qualitative requirements, the time-box's end. Its canonical text and
  content hash are frozen (:func:`freeze`) when the first run that judges them
  starts; a later change is an :class:`Amendment` (:func:`amend`), dated,
  attributed, with a reason and the lines that changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from assay.criteria import CriteriaSyntaxError, Criterion, parse
from assay.errors import InputError
from assay.types import parse_date, parse_duration

__all__ = [
    "Amendment",
    "Freeze",
    "KillCriterion",
    "Prototype",
    "Registration",
    "Severity",
    "Stage",
    "Strategy",
    "TimeBox",
    "amend",
    "freeze",
]


class Stage(enum.StrEnum):
    """The three stages of the pipeline, in order."""

    DISCOVERY = "discovery"
    VALIDATION = "validation"
    INTEGRATION = "integration"

    @property
    def question(self) -> str:
        """The question the gate at the end of this stage answers."""
        return {
            Stage.DISCOVERY: "Should we invest more time in this?",
            Stage.VALIDATION: "Should we build this for production?",
            Stage.INTEGRATION: "Should we keep this in production?",
        }[self]

    @property
    def next(self) -> Stage | None:
        """The stage a YES at this gate leads to; ``None`` after integration."""
        stages = list(Stage)
        index = stages.index(self)
        return stages[index + 1] if index + 1 < len(stages) else None

    @classmethod
    def parse(cls, text: str) -> Stage:
        """The stage named by ``text``, in any case; an :class:`InputError` otherwise."""
        return _parse_enum(cls, text, "stage")


class Strategy(enum.StrEnum):
    """How the technique is implemented for the prototype."""

    REFERENCE_CODE = "reference-code"
    ADAPTED = "adapted-implementation"
    FROM_SCRATCH = "from-scratch"
    FRAMEWORK = "framework-integration"

    @classmethod
    def parse(cls, text: str) -> Strategy:
        """The strategy named by ``text`` (spaces, hyphens or underscores, any case)."""
        return _parse_enum(cls, text, "implementation strategy")


class Severity(enum.StrEnum):
    """How hard a kill criterion kills: a hard one ends the effort, a soft one asks."""

    HARD = "hard"
    SOFT = "soft"

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``hard`` or ``soft``, in any case."""
        return _parse_enum(cls, text, "kill criterion severity")


_E = TypeVar("_E", bound=enum.StrEnum)


def _parse_enum(cls: type[_E], text: str, what: str) -> _E:
    key = re.sub(r"[\s_]+", "-", str(text).strip().lower())
    for member in cls:
        if member.value == key:
            return member
    names = ", ".join(member.value for member in cls)
    raise InputError(f"unknown {what} {text!r}; expected one of {names}")


@dataclasses.dataclass(frozen=True)
class KillCriterion:
    """A criterion that must hold; it *fires* when it FAILs."""

    criterion: Criterion
    severity: Severity = Severity.HARD

    @classmethod
    def parse(cls, text: str, severity: Severity | str = Severity.HARD) -> KillCriterion:
        """A kill criterion from its text and severity."""
        if not isinstance(severity, Severity):
            severity = Severity.parse(severity)
        return cls(parse(text), severity)

    def __str__(self) -> str:
        return f"{self.criterion} ({self.severity.value})"


MAX_TIMEBOX = dt.timedelta(days=5 * 366)
"""The longest time-box a duration may give: five years."""


@dataclasses.dataclass(frozen=True)
class TimeBox:
    """The days a prototype may take: from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(
                f"time-box ends on {self.end.isoformat()}, before it starts on "
                f"{self.start.isoformat()}"
            )

    @classmethod
    def parse(cls, text: str, *, start: dt.date) -> TimeBox:
        """A time-box from a duration (``5d``, ``2w``, ``36h``) counted from ``start``,
        or from the date of its last day (``2026-06-30``).

        A duration ends ``start + duration`` (rounded up to whole days): ``5d``
        from Monday the 1st ends on Saturday the 6th and has expired on the 7th.
        Durations shorter than a day are refused: a time-box counts days.
        """
        text = str(text).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return cls(start, parse_date(text, field="time-box"))
        try:
            duration = parse_duration(text, field="time-box")
        except OverflowError:
            duration = dt.timedelta.max
        if duration > MAX_TIMEBOX:
            raise InputError(
                f"time-box {text!r} is longer than {MAX_TIMEBOX.days} days (5 years); "
                "give a shorter duration (5d, 2w) or a date"
            )
        days = math.ceil(duration / dt.timedelta(days=1))
        if duration < dt.timedelta(days=1):
            raise InputError(
                f"time-box {text!r} is shorter than a day; give days or weeks (5d, 2w) or a date"
            )
        return cls(start, start + dt.timedelta(days=days))

    def expired(self, today: dt.date) -> bool:
        """Whether ``today`` is past the last day of the box."""
        return today > self.end

    def days_left(self, today: dt.date) -> int:
        """Days left including today (0 once expired; negative never)."""
        return max(0, (self.end - today).days + 1)


def _normalise(text: str) -> str:
    return " ".join(str(text).split())


@dataclasses.dataclass(frozen=True)
class Registration:
    """What a prototype pre-registers: the content that is frozen and hashed.

    Attributes:
        hypothesis: the hypothesis in words.
        success: the success criteria; all must PASS for a YES.
        kill: the kill criteria, hard and soft.
        requirements: qualitative requirements ("works with our tokenizer").
        timebox_end: the last day of the time-box, when there is one.
    """

    hypothesis: str
    success: tuple[Criterion, ...] = ()
    kill: tuple[KillCriterion, ...] = ()
    requirements: tuple[str, ...] = ()
    timebox_end: dt.date | None = None

    def __post_init__(self) -> None:
        if not _normalise(self.hypothesis):
            raise InputError("a prototype needs a hypothesis in words, stated before the data")

    @classmethod
    def build(
        cls,
        hypothesis: str,
        success: Iterable[str | Criterion] = (),
        kill: Iterable[str | Criterion | KillCriterion] = (),
        soft_kill: Iterable[str | Criterion] = (),
        requirements: Iterable[str] = (),
        timebox_end: dt.date | None = None,
    ) -> Registration:
        """A registration from texts (parsed and checked); ``kill`` are hard kill criteria."""

        def criterion(item: str | Criterion) -> Criterion:
            return item if isinstance(item, Criterion) else parse(item)

        kills = [
            item if isinstance(item, KillCriterion) else KillCriterion(criterion(item))
            for item in kill
        ]
        kills += [KillCriterion(criterion(item), Severity.SOFT) for item in soft_kill]
        return cls(
            hypothesis=hypothesis,
            success=tuple(criterion(item) for item in success),
            kill=tuple(kills),
            requirements=tuple(_normalise(r) for r in requirements if _normalise(r)),
            timebox_end=timebox_end,
        )

    def canonical_lines(self) -> list[str]:
        """The canonical form, line by line: labelled, whitespace-normalised, sorted
        within each section (order carries no meaning), duplicates dropped."""
        lines = [f"hypothesis: {_normalise(self.hypothesis)}"]
        lines += sorted({f"success: {c.canonical}" for c in self.success})
        lines += sorted({f"kill {k.severity.value}: {k.criterion.canonical}" for k in self.kill})
        lines += sorted({f"requirement: {_normalise(r)}" for r in self.requirements})
        if self.timebox_end is not None:
            lines.append(f"timebox ends: {self.timebox_end.isoformat()}")
        return lines

    def canonical_text(self) -> str:
        """The canonical form as text, one line each, newline-terminated."""
        return "".join(f"{line}\n" for line in self.canonical_lines())

    def content_hash(self) -> str:
        """SHA-256 of :meth:`canonical_text` in hexadecimal: what pre-registration freezes.

        Reformatting, reordering or repeating does not change it; changing the
        hypothesis, a number, a unit, a metric, a severity or the time-box does.
        """
        return hashlib.sha256(self.canonical_text().encode("utf-8")).hexdigest()

    @classmethod
    def from_canonical_text(cls, text: str) -> Registration:
        """The registration whose :meth:`canonical_text` is ``text`` (a frozen one, to
        judge the criteria as they were pre-registered); an :class:`InputError` for a
        line that is not canonical."""
        sections: dict[str, list[str]] = {}
        for line in text.splitlines():
            label, sep, value = line.partition(": ")
            if not sep or label not in _CANONICAL_LABELS:
                raise InputError(f"not a line of a frozen registration: {line!r}")
            sections.setdefault(label, []).append(value)
        end = sections.get("timebox ends")
        return cls.build(
            hypothesis=" ".join(sections.get("hypothesis", [])),
            success=sections.get("success", []),
            kill=sections.get("kill hard", []),
            soft_kill=sections.get("kill soft", []),
            requirements=sections.get("requirement", []),
            timebox_end=None if not end else parse_date(end[0], field="timebox ends"),
        )


_CANONICAL_LABELS = frozenset(
    {"hypothesis", "success", "kill hard", "kill soft", "requirement", "timebox ends"}
)


@dataclasses.dataclass(frozen=True)
class Freeze:
    """A registration frozen when the first run that judges it started."""

    content_hash: str
    canonical_text: str
    at: dt.datetime


def freeze(registration: Registration, *, at: dt.datetime) -> Freeze:
    """Freeze ``registration`` at ``at`` (the start of the first run that judges it)."""
    return Freeze(registration.content_hash(), registration.canonical_text(), at)


@dataclasses.dataclass(frozen=True)
class Amendment:
    """A change to frozen criteria: kept, dated, attributed and shown in every report.

    ``changes`` lists the canonical lines removed (``- ...``) then added (``+ ...``).
    """

    at: dt.datetime
    by: str
    reason: str
    old_hash: str
    new_hash: str
    changes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "old_hash": self.old_hash,
            "new_hash": self.new_hash,
            "changes": list(self.changes),
        }


def amend(
    frozen: Registration, new: Registration, *, by: str, reason: str, at: dt.datetime
) -> Amendment:
    """The amendment that turns the frozen ``frozen`` into ``new``.

    Before the freeze an edit is just an edit; after it, every change goes
    through here. Refused (``InputError``) without an author or a reason, or
    when nothing changed.
    """
    if not by.strip():
        raise InputError("an amendment needs the name of who made it")
    if not reason.strip():
        raise InputError("an amendment to frozen criteria needs a reason; say why they change")
    old, current = frozen.canonical_lines(), new.canonical_lines()
    if old == current:
        raise InputError("nothing to amend: the pre-registered content is unchanged")
    removed = [f"- {line}" for line in old if line not in current]
    added = [f"+ {line}" for line in current if line not in old]
    return Amendment(
        at=at,
        by=by.strip(),
        reason=reason.strip(),
        old_hash=frozen.content_hash(),
        new_hash=new.content_hash(),
        changes=(*removed, *added),
    )


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,119}$")


@dataclasses.dataclass(frozen=True)
class Prototype:
    """A time-boxed attempt to test a hypothesis about a technique.

    Attributes:
        name: unique, 1-120 letters, digits, spaces, dots, hyphens, underscores.
        technique: the technique (radar entry) it tests.
        registration: the pre-registered content.
        stage: the stage it is in.
        strategy: how it is implemented, when decided.
        timebox: its time-box, when it has one.
        evidence: the benchmark files or run ids that provide its evidence.
    """

    name: str
    technique: str
    registration: Registration
    stage: Stage = Stage.DISCOVERY
    strategy: Strategy | None = None
    timebox: TimeBox | None = None
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InputError(
                f"prototype name {self.name!r} must be 1-120 letters, digits, spaces, "
                "dots, hyphens or underscores, starting with a letter or digit"
            )
        if not self.technique.strip():
            raise InputError("a prototype must name the technique it tests")

    @property
    def success(self) -> tuple[Criterion, ...]:
        """The success criteria."""
        return self.registration.success

    @property
    def kill(self) -> tuple[KillCriterion, ...]:
        """The kill criteria, hard and soft."""
        return self.registration.kill

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, today: dt.date) -> Prototype:
        """A prototype from the mapping of a ``prototype.toml`` file (see docs/criteria.md).

        Keys: ``name``, ``technique``, ``hypothesis`` (required); ``stage``,
        ``strategy``, ``timebox`` (``5d`` from ``today``, or a date),
        ``success`` (list), ``kill`` (list of hard criteria, or a table with
        ``hard`` and ``soft`` lists), ``requirements``, ``evidence`` (lists).
        A malformed criterion raises with the field and index in its message.
        """
        known = {"name", "technique", "hypothesis", "stage", "strategy", "timebox"}
        known |= {"success", "kill", "requirements", "evidence"}
        unknown = sorted(set(data) - known)
        if unknown:
            expected = ", ".join(sorted(known))
            raise InputError(
                f"unknown prototype field(s) {', '.join(unknown)}; expected {expected}"
            )
        for key in ("name", "technique", "hypothesis"):
            if not isinstance(data.get(key), str):
                raise InputError(f"prototype field {key!r} is required and must be text")
        timebox = None
        if data.get("timebox") is not None:
            timebox = TimeBox.parse(str(data["timebox"]), start=today)
        hard, soft = _kill_lists(data.get("kill", []))
        registration = Registration.build(
            hypothesis=data["hypothesis"],
            success=_criteria(data.get("success", []), "success"),
            kill=_criteria(hard, "kill.hard"),
            soft_kill=_criteria(soft, "kill.soft"),
            requirements=_texts(data.get("requirements", []), "requirements"),
            timebox_end=None if timebox is None else timebox.end,
        )
        return cls(
            name=data["name"],
            technique=data["technique"],
            registration=registration,
            stage=Stage.parse(data.get("stage", "discovery")),
            strategy=None if data.get("strategy") is None else Strategy.parse(data["strategy"]),
            timebox=timebox,
            evidence=tuple(_texts(data.get("evidence", []), "evidence")),
        )


def _kill_lists(kill: object) -> tuple[object, object]:
    if not isinstance(kill, Mapping):
        return kill, []
    unknown = sorted(set(kill) - {"hard", "soft"})
    if unknown:
        raise InputError(f"unknown kill severity {', '.join(unknown)}; expected hard or soft")
    return kill.get("hard", []), kill.get("soft", [])


def _texts(value: object, field: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InputError(f"prototype field {field!r} must be a list of text")
    if not all(isinstance(item, str) for item in value):
        raise InputError(f"prototype field {field!r} must be a list of text")
    return list(value)


def _criteria(value: object, field: str) -> list[Criterion]:
    parsed = []
    for index, text in enumerate(_texts(value, field)):
        try:
            parsed.append(parse(text))
        except CriteriaSyntaxError as error:
            raise error.in_field(f"{field}[{index}]") from None
    return parsed
