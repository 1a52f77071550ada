"""A post-mortem written as a TOML file, for ``assay postmortem new --from pm.toml``.

The file's shape::

    lessons = ["Benchmark against the baseline production runs, not a naive one."]
    wrong_predictions = [3]                 # ids from: assay predict list
    missed_red_flags = ["weak-baselines"]

    [[timeline]]                            # optional for a technique on the radar:
    on = 2026-03-01                         # its ring history is used instead
    kind = "first seen"                     # first seen, initial assessment,
    text = "paper read"                     # milestone, problem emerged, outcome

    [[problems]]
    category = "paper evaluation"           # paper evaluation, prototype, integration, process
    text = "compared against naive attention only"

    [[why_chains]]
    problem = "the speed-up vanished in production"
    whys = ["the baseline was naive attention", "nobody asked what we actually run"]
    pattern = "benchmark-production gap"    # optional

    [[actions]]
    text = "re-test projection attention beyond 32k tokens"
    owner = "Aiko"
    due = 2027-02-01
    question = "Does projection attention pay off beyond 32k tokens?"  # optional
    technique = "Long-context projection attention"   # opens it on the radar (ASSESS)
    area = "architecture"

:func:`load_postmortem` reads and checks it; every error is an
:class:`~assay.errors.InputError` naming the file and the key (``actions.0.due``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from assay.errors import InputError
from assay.formats import files
from assay.pipeline.postmortem import (
    ActionItem,
    EventKind,
    FailureCategory,
    FailurePattern,
    Problem,
    TimelineEvent,
    WhyChain,
)
from assay.pipeline.reading import RedFlagKind

__all__ = ["PostMortemFile", "load_postmortem"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Event(_Model):
    on: dt.date
    kind: EventKind
    text: str


class _Problem(_Model):
    category: FailureCategory
    text: str


class _Why(_Model):
    problem: str
    whys: list[str]
    pattern: FailurePattern | None = None


class _Action(_Model):
    text: str
    owner: str
    due: dt.date
    done_on: dt.date | None = None
    question: str | None = None
    technique: str | None = None
    area: str | None = None


class PostMortemFile(_Model):
    """The fields of a post-mortem file, checked; an empty one is a valid start."""

    timeline: list[_Event] = []
    problems: list[_Problem] = []
    why_chains: list[_Why] = []
    lessons: list[str] = []
    actions: list[_Action] = []
    wrong_predictions: list[int] = []
    missed_red_flags: list[RedFlagKind] = []

    def timeline_events(self) -> list[TimelineEvent]:
        """The timeline as the pipeline's events."""
        return [TimelineEvent(e.on, e.kind, e.text) for e in self.timeline]

    def problem_items(self) -> list[Problem]:
        """The problems as the pipeline's values."""
        return [Problem(p.category, p.text) for p in self.problems]

    def why_chain_items(self) -> tuple[WhyChain, ...]:
        """The five-whys chains as the pipeline's values."""
        return tuple(WhyChain(c.problem, tuple(c.whys), c.pattern) for c in self.why_chains)

    def action_items(self) -> list[ActionItem]:
        """The actions as the pipeline's values."""
        return [ActionItem(a.text, a.owner, a.due, a.done_on, a.question) for a in self.actions]

    def opened_on_radar(self) -> dict[int, tuple[str, str]]:
        """For each action that names a technique: its index -> (technique, area)."""
        return {
            i: (a.technique, a.area)
            for i, a in enumerate(self.actions)
            if a.technique is not None and a.area is not None
        }


def _check_openings(path: Path, file: PostMortemFile) -> None:
    for i, a in enumerate(file.actions):
        if a.technique is not None and (not a.question or not a.area):
            raise InputError(
                f"{path}: actions.{i}: opening {a.technique!r} on the radar needs a question "
                "and an area"
            )


def load_postmortem(path: Path) -> PostMortemFile:
    """Read and check a post-mortem TOML file (see the module docstring)."""
    try:
        data = tomllib.loads(files.read_text(path, "a post-mortem TOML file", encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{files.shown(path)}: {exc}; expected TOML") from None
    try:
        file = PostMortemFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from None
    _check_openings(path, file)
    return file
