"""The radar through time and through filters: its picture as it stood at the end of
a day, the difference between two days, each blip's movement since a date, and the
radar document that ``assay radar --json`` prints and the web serves.

Everything here is computed from the ring history (``ring_moves``), which keeps every
placement with its time: the radar *as of* a day has the techniques whose first
placement was on or before that day (UTC), each in the ring of its last move by the
end of that day, without those retired by then. A technique's name, area, owner and
tags are today's (renames and area changes keep no history).

Movement since a day ``S`` compares the ring at the start of ``S`` (moves made on
``S`` count, as in the review agenda) with the ring now (or at the as-of day):
``"new"`` when it was not on the radar before ``S``, ``"moved_in"`` when it moved
towards ADOPT, ``"moved_out"`` towards SKIP, ``None`` otherwise. By default ``S`` is
the day of the last recorded review meeting, else 30 days ago.

Tags are ``fields["tags"]``, a list of strings kept with the technique (``assay
technique add/edit --tag``), beside what an imported radar file stored there.

Plain functions over documents and values, read over plain SQL by
:class:`~assay.workspace.radar.Radar`: the radar's fast path imports no ORM.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assay.errors import InputError
from assay.pipeline.radar import RingMove, Technique
from assay.types import Ring

if TYPE_CHECKING:
    from assay.report.radar import BlipMark

__all__ = [
    "DEFAULT_LOOKBACK_DAYS",
    "Filters",
    "RadarDiff",
    "RingChange",
    "assemble",
    "diff",
    "marks_of",
    "movement",
    "technique_as_of",
    "techniques_of",
]

DEFAULT_LOOKBACK_DAYS = 30
"""Movement counts from this many days ago when no review meeting is on record (the
review agenda's own lookback)."""

_ORDER = {ring.value: ring.order for ring in Ring}
Extras = Mapping[str, tuple[dt.datetime | None, tuple[str, ...]]]
"""name -> (when retired, tags), as :func:`assay.store.techniques.radar_extras` reads."""


@dataclasses.dataclass(frozen=True)
class Filters:
    """Which techniques a radar shows: an area, an owner and a tag (each compared
    without regard to case; ``None``: any)."""

    area: str | None = None
    owner: str | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        for field in ("area", "owner", "tag"):
            value = getattr(self, field)
            if value is not None and not value.strip():
                raise InputError(f"--{field} is empty; give a name or leave the filter out")

    def keeps(self, area: str, owner: str | None, tags: Iterable[str]) -> bool:
        """True when a technique with this area, owner and tags passes every filter."""
        if self.area is not None and area.casefold() != self.area.strip().casefold():
            return False
        if self.owner is not None and (owner or "").casefold() != self.owner.strip().casefold():
            return False
        wanted = None if self.tag is None else self.tag.strip().casefold()
        return wanted is None or any(t.casefold() == wanted for t in tags)

    def to_dict(self) -> dict[str, str | None]:
        """The filters as the document shows them (``None``: not filtered)."""
        return {"area": self.area, "owner": self.owner, "tag": self.tag}


@dataclasses.dataclass(frozen=True)
class RingChange:
    """A technique on the radar on both days whose ring differs: from, to, and the
    last move between the two days (when, by whom, why)."""

    name: str
    from_ring: Ring
    to_ring: Ring
    at: dt.datetime
    by: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "from": self.from_ring.value,
            "to": self.to_ring.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "why": self.why,
        }


@dataclasses.dataclass(frozen=True)
class RadarDiff:
    """How the radar changed from the end of day ``start`` to the end of day ``end``."""

    start: dt.date
    end: dt.date
    added: tuple[Technique, ...]
    removed: tuple[Technique, ...]
    moved: tuple[RingChange, ...]

    def to_dict(self) -> dict[str, Any]:
        def brief(t: Technique) -> dict[str, Any]:
            return {"name": t.name, "area": t.area, "ring": t.ring.value}

        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "added": [brief(t) for t in self.added],
            "removed": [brief(t) for t in self.removed],
            "moved": [m.to_dict() for m in self.moved],
        }


def _retired_by(extras: Extras, name: str, day: dt.date) -> bool:
    retired_at = extras.get(name, (None, ()))[0]
    return retired_at is not None and retired_at.date() <= day


def technique_as_of(technique: Technique, day: dt.date, extras: Extras) -> Technique | None:
    """``technique`` as it stood at the end of ``day`` (UTC): its history up to then
    and the ring of its last move; ``None`` when it was not on the radar yet, or had
    been retired by then."""
    kept = tuple(m for m in technique.history if m.at.date() <= day)
    if not kept or _retired_by(extras, technique.name, day):
        return None
    return dataclasses.replace(technique, ring=kept[-1].to_ring, history=kept)


def radar_as_of(techniques: Iterable[Technique], day: dt.date, extras: Extras) -> list[Technique]:
    """The radar at the end of ``day`` from every technique (retired ones included)."""
    found = (technique_as_of(t, day, extras) for t in techniques)
    return [t for t in found if t is not None]


def diff(
    techniques: Sequence[Technique], start: dt.date, end: dt.date, extras: Extras
) -> RadarDiff:
    """The difference between the radar at the end of ``start`` and at the end of
    ``end`` (``start`` must not be after ``end``)."""
    if start > end:
        raise InputError(
            f"the diff runs from {start.isoformat()} to {end.isoformat()}, backwards; "
            "give the earlier date first"
        )
    before = {t.name: t for t in radar_as_of(techniques, start, extras)}
    after = {t.name: t for t in radar_as_of(techniques, end, extras)}
    moved = []
    for name in sorted(before.keys() & after.keys(), key=str.casefold):
        a, b = before[name], after[name]
        if a.ring is not b.ring:
            last = _last_move_between(b.history, start, end)
            moved.append(RingChange(name, a.ring, b.ring, last.at, last.by, last.why))
    return RadarDiff(
        start,
        end,
        added=tuple(after[n] for n in sorted(after.keys() - before.keys(), key=str.casefold)),
        removed=tuple(before[n] for n in sorted(before.keys() - after.keys(), key=str.casefold)),
        moved=tuple(moved),
    )


def _last_move_between(history: Sequence[RingMove], start: dt.date, end: dt.date) -> RingMove:
    """The last move after the end of ``start`` and by the end of ``end`` (the ring
    differs between the two days, so there is one)."""
    return [m for m in history if start < m.at.date() <= end][-1]


def movement(history: Sequence[Mapping[str, Any]], since: str, ring: str) -> str | None:
    """``"new"``, ``"moved_in"``, ``"moved_out"`` or ``None`` for a technique now in
    ``ring`` with this document ``history`` (moves oldest first), since the start of
    day ``since`` (``YYYY-MM-DD``): see the module docstring."""
    before = None
    for move in history:
        if move["at"][:10] >= since:
            break
        before = move["to"]
    if before is None:
        return "new"
    if _ORDER[ring] < _ORDER[before]:
        return "moved_in"
    if _ORDER[ring] > _ORDER[before]:
        return "moved_out"
    return None


def documents_as_of(
    documents: Iterable[dict[str, Any]],
    day: dt.date,
    extras: Extras,
    *,
    keep_retired: bool = False,
) -> list[dict[str, Any]]:
    """The technique documents (:func:`assay.store.techniques.documents`, retired ones
    included) cut to the end of ``day``, as :func:`technique_as_of` cuts values; those
    retired by then are dropped unless ``keep_retired``."""
    until = day.isoformat()
    found = []
    for document in documents:
        kept = [m for m in document["history"] if m["at"][:10] <= until]
        if kept and (keep_retired or not _retired_by(extras, document["name"], day)):
            found.append(document | {"ring": kept[-1]["to"], "history": kept})
    return found


def check_dates(
    as_of: dt.date | None, since: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date | None]:
    """The day the radar stands at and the explicit ``since``, checked: ``since`` may
    not come after that day."""
    day = as_of or today
    if since is not None and since > day:
        raise InputError(
            f"--since {since.isoformat()} is after the radar's day {day.isoformat()}; "
            "movement counts from an earlier date"
        )
    return day, since


def assemble(
    documents: Iterable[dict[str, Any]],
    *,
    extras: Extras,
    stale: Mapping[str, Sequence[str]],
    placements: Mapping[str, Any],
    include_retired: bool,
    as_of: dt.date | None,
    since: dt.date,
    today: dt.date,
    filters: Filters,
) -> dict[str, Any]:
    """The radar document: ``{"techniques": [...]}`` as ``assay radar --json`` has
    always printed it (with ``stale``, ``stale_reasons``, ``override``, ``imported``
    and, with ``include_retired``, ``retired``) plus each technique's ``tags``,
    ``movement`` (since ``since``) and ``overdue``, and the document's ``as_of``,
    ``since``, ``today`` and ``filters``.

    ``placements`` are :class:`assay.store.placements.Placement` values by name. On a
    radar as of a past day, the marks that describe today's evidence (stale,
    override, imported, overdue) are left false: the history keeps rings, not them.
    """
    day = as_of or today
    past = day < today
    if as_of is not None:
        documents = documents_as_of(documents, as_of, extras, keep_retired=include_retired)
    since_text, found = since.isoformat(), []
    for document in documents:
        name = document["name"]
        retired_at, tags = extras.get(name, (None, ()))
        if not filters.keeps(document["area"], document["owner"], tags):
            continue
        _mark(document, None if past else stale.get(name), None if past else placements.get(name))
        if include_retired:
            document["retired"] = retired_at is not None and retired_at.date() <= day
        document["tags"] = list(tags)
        document["movement"] = movement(document["history"], since_text, document["ring"])
        due = document["due"]
        late = due is not None and document["next_action"] is not None and due < day.isoformat()
        document["overdue"] = late and not past
        found.append(document)
    return {
        "techniques": found,
        "as_of": None if as_of is None else as_of.isoformat(),
        "since": since_text,
        "today": today.isoformat(),
        "filters": filters.to_dict(),
    }


def _mark(document: dict[str, Any], reasons: Sequence[str] | None, placement: Any) -> None:
    """Set a technique document's evidence marks: stale (with its reasons), and the
    override or import its ring rests on (a :class:`~assay.store.placements.Placement`)."""
    document["stale"] = reasons is not None
    document["stale_reasons"] = list(reasons or ())
    document["override"] = placement.override_dict() if placement else None
    document["imported"] = placement is not None and placement.kind == "imported"


def techniques_of(
    documents: Iterable[Mapping[str, Any]], *, last_move_only: bool = False
) -> list[Technique]:
    """The technique values of a radar document's techniques; with
    ``last_move_only``, each history holds only its last move (all the picture's
    layout reads: ten thousand full histories take a while to build)."""
    parse, rings = dt.datetime.fromisoformat, {ring.value: ring for ring in Ring}

    def move(m: Mapping[str, Any]) -> RingMove:
        before = rings[m["from"]] if m["from"] else None
        return RingMove(before, rings[m["to"]], parse(m["at"]), m["by"], m["why"])

    return [
        Technique(
            name=d["name"],
            area=d["area"],
            ring=rings[d["ring"]],
            owner=d["owner"],
            summary=d["summary"],
            next_action=d["next_action"],
            due=None if d["due"] is None else dt.date.fromisoformat(d["due"]),
            history=_history(d["history"], move, last_move_only),
        )
        for d in documents
    ]


def _history(
    moves: Sequence[Mapping[str, Any]],
    move: Callable[[Mapping[str, Any]], RingMove],
    last_only: bool,
) -> tuple[RingMove, ...]:
    if last_only and moves:
        return (move(moves[-1]),)
    return tuple(move(m) for m in moves)


def marks_of(documents: Iterable[Mapping[str, Any]]) -> dict[str, BlipMark]:
    """The picture's marks of a radar document's techniques that have any, by name."""
    from assay.report.radar import BlipMark

    made: dict[tuple[Any, ...], BlipMark] = {}  # a few kinds of mark, shared
    found = {}
    for d in documents:
        rollout = (d.get("rollout") or {}).get("short", "")
        key = (
            d["movement"],
            d["stale"],
            d["overdue"],
            d["override"] is not None or d["imported"],
            rollout,
            bool(d.get("reopened")),
        )
        if key != (None, False, False, False, "", False):
            mark = made.get(key)
            if mark is None:
                mark = made[key] = BlipMark(*key)
            found[d["name"]] = mark
    return found
