"""Backstage tech-radar JSON, read and written without loss.

The file: ``quadrants[{id, name}]``, ``rings[{id, name, color, description}]`` and
``entries[{id, key, title, quadrant, description, links, timeline[{date, ringId,
description, moved}]}]``, the newest timeline item first (Backstage reads the
current ring from ``timeline[0]``). ``title`` ↔ the technique's name, ``quadrant`` ↔
its area, ``description`` ↔ its summary, the timeline ↔ its ring history: each
item is a move, its ``description`` the reason, followed by ``(by NAME)`` when
assay wrote it. Rings are read through a
:class:`~assay.formats.radar_file.RingMap` (``use`` reads as ADOPT).

Nothing else is lost: each entry as the file gave it (ids, keys, links, ``moved``,
timeline text, keys assay does not know) is kept as the technique's fields
(``backstage``), and the document around the entries (title, quadrants and their
order, rings with their descriptions and colours) as the layout; the writer puts
assay's current values into them and adds a timeline item for each move made in
assay since. SKIP, which Backstage lacks, is written as HOLD tagged ``[SKIP]``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from assay.errors import InputError
from assay.formats.radar_byor import tag, untag
from assay.formats.radar_file import (
    Problem,
    RadarFile,
    RadarRecord,
    Repeat,
    RingMap,
    element_lines,
    in_file_order,
)
from assay.pipeline.radar import RingMove, Technique
from assay.types import Ring

__all__ = ["BACKSTAGE_RING_COLORS", "read_backstage_json", "write_backstage_json"]

BACKSTAGE_RING_COLORS: Mapping[Ring, str] = {
    Ring.ADOPT: "#5BA300",
    Ring.TRIAL: "#009EB0",
    Ring.ASSESS: "#C7BA00",
    Ring.HOLD: "#E09B96",
}
_BY = re.compile(r"^(.*?)\s*\(by ([^()]+)\)$", re.DOTALL)
_ENTRIES = re.compile(r'"entries"\s*:\s*\[')


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _list(data: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        raise InputError(f"{where}: {name!r} is missing or not a list")
    return value


def _rings(data: Mapping[str, Any], source: str, ring_map: RingMap) -> dict[str, Ring | None]:
    """Ring ids → assay's rings (``None``: a ring the map does not name)."""
    rings: dict[str, Ring | None] = {}
    for i, ring in enumerate(_list(data, "rings", source)):
        if not isinstance(ring, dict) or "id" not in ring:
            raise InputError(f"{source}: rings[{i}] has no 'id'")
        name = str(ring.get("name") or ring["id"])
        rings[str(ring["id"])] = ring_map.ring(name, str(ring["id"]))
    return rings


def _time(text: Any, where: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{where}: date {text!r} is not a date; expected ISO 8601, such as 2024-05-01"
        ) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _history(
    entry: Mapping[str, Any], rings: Mapping[str, Ring | None], where: str, by: str
) -> tuple[RingMove, ...]:
    items = _list(entry, "timeline", where)
    if not items:
        raise InputError(f"{where}: 'timeline' is empty; Backstage needs at least one item")
    points = []
    for j, item in enumerate(items):
        at_where = f"{where}.timeline[{j}]"
        if not isinstance(item, dict) or str(item.get("ringId")) not in rings:
            raise InputError(f"{at_where}: ringId is missing or not one of {', '.join(rings)}")
        ring = rings[str(item["ringId"])]
        if ring is None:
            raise LookupError(item["ringId"])
        at = _time(item.get("date"), at_where)
        text = str(item.get("description") or "").strip()
        match = _BY.match(text)
        why, who = (match.group(1), match.group(2)) if match else (text, by)
        ring, why = untag(ring, why)
        points.append((at, -j, ring, why, who))
    points.sort()  # oldest first; items on the same date keep the file's newest-first order
    moves, previous = [], None
    for at, _, ring, why, who in points:
        moves.append(RingMove(previous, ring, at, who, why))
        previous = ring
    return tuple(moves)


class _Entries:
    """Reads the entries into records, repeats and problems."""

    def __init__(self, source: str, quadrants: Mapping[str, str], rings: Any, by: str):
        self.source, self.quadrants, self.rings, self.by = source, quadrants, rings, by
        self.records: list[RadarRecord] = []
        self.repeats: list[Repeat] = []
        self.problems: list[Problem] = []
        self.seen: dict[str, tuple[int | None, str]] = {}
        self.unknown: list[str] = []

    def add(self, i: int, line: int | None, entry: Any) -> None:
        where = f"entries[{i}]"
        if not isinstance(entry, dict) or not str(entry.get("title") or "").strip():
            self.problems.append(Problem(self.source, line, where, "no 'title'"))
            return
        title = str(entry["title"]).strip()
        content = json.dumps(entry, sort_keys=True)
        if title.casefold() in self.seen:
            first, before = self.seen[title.casefold()]
            if before == content:
                self.repeats.append(Repeat(title, line, first))
            else:
                self._problem(line, title, f"repeats the title at line {first} with other content")
            return
        self.seen[title.casefold()] = (line, content)
        quadrant = str(entry.get("quadrant"))
        if quadrant not in self.quadrants:
            known = ", ".join(self.quadrants)
            self._problem(line, title, f"quadrant {quadrant!r} is not one of {known}")
            return
        try:
            history = _history(entry, self.rings, f"{self.source}: {where}", self.by)
        except InputError as exc:
            self._problem(line, title, str(exc).split(": ", 1)[-1])
            return
        except LookupError as exc:
            ring = str(exc.args[0])
            self.unknown += [ring] if ring not in self.unknown else []
            self._problem(line, title, f"ring {ring!r} is not one of assay's rings")
            return
        _, summary = untag(Ring.HOLD, str(entry.get("description") or "").strip())
        technique = Technique(
            title, self.quadrants[quadrant], history[-1].to_ring, summary=summary or None,
            history=history,
        )  # fmt: skip
        kept = {"entry": _dumps(entry), "moves": len(history), "position": len(self.records)}
        self.records.append(RadarRecord(technique, line, {"backstage": kept}))

    def _problem(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, key, message))


def read_backstage_json(
    text: str, *, by: str, source: str = "<Backstage JSON>", ring_map: RingMap | None = None
) -> RadarFile:
    """Every entry of a Backstage tech-radar file, with its history from the timeline.

    ``by`` names the mover for timeline items that do not say who moved them.
    """
    ring_map = ring_map or RingMap()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply to be a radar") from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected an object with quadrants, rings and entries")
    quadrants = {
        str(q.get("id")): str(q.get("name") or q.get("id"))
        for q in _list(data, "quadrants", source)
        if isinstance(q, dict)
    }
    rings = _rings(data, source, ring_map)
    entries = _list(data, "entries", source)
    found = _ENTRIES.search(text)
    lines = element_lines(text, found.end() - 1) if found else []
    read = _Entries(source, quadrants, rings, by)
    for i, entry in enumerate(entries):
        read.add(i, lines[i] if len(lines) == len(entries) else None, entry)
    layout = {
        "document": _dumps({**data, "entries": []}),
        "rings": [r.value if r else None for r in rings.values()],
        "indent": _indent(text),
    }
    hints = (ring_map.hint(read.unknown),) if read.unknown else ()
    return RadarFile(source, "backstage-json", tuple(read.records), tuple(read.repeats),
                     tuple(read.problems), layout, hints)  # fmt: skip


def _indent(text: str) -> int:
    for row in text.splitlines()[1:]:
        if row.strip():
            return len(row) - len(row.lstrip(" ")) or 2
    return 2


# --- writing ---------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _moved(move: RingMove) -> int:
    if move.from_ring is None:
        return 0
    step = move.from_ring.order - move.to_ring.order
    return (step > 0) - (step < 0)


class _Document:
    """The document being written: its quadrants and rings, grown as techniques need."""

    def __init__(self, layout: Mapping[str, Any], title: str) -> None:
        if layout.get("document"):
            self.doc: dict[str, Any] = json.loads(str(layout["document"]))
            self.ring_of = [Ring(r) if r else None for r in layout.get("rings") or ()]
        else:
            self.doc = {"title": title, "quadrants": [], "rings": [], "entries": []}
            self.ring_of = []
            for ring in (Ring.ADOPT, Ring.TRIAL, Ring.ASSESS, Ring.HOLD):
                self.ring_id(ring)
        self.ids: set[str] = set()

    def quadrant(self, area: str) -> str:
        quadrants = self.doc.setdefault("quadrants", [])
        for q in quadrants:
            if isinstance(q, dict) and str(q.get("name") or q.get("id")) == area:
                return str(q.get("id"))
        quadrants.append({"id": _slug(area), "name": area})
        return _slug(area)

    def quadrant_name(self, quadrant: Any) -> str | None:
        for q in self.doc.get("quadrants") or ():
            if isinstance(q, dict) and q.get("id") == quadrant:
                return str(q.get("name") or q.get("id"))
        return None

    def ring_id(self, ring: Ring) -> str:
        rings = self.doc.setdefault("rings", [])
        for r, mapped in zip(rings, self.ring_of, strict=False):
            if mapped is ring:
                return str(r["id"])
        color = BACKSTAGE_RING_COLORS.get(ring, "#999999")
        rings.append({"id": ring.value.lower(), "name": ring.value, "color": color})
        self.ring_of.append(ring)
        return ring.value.lower()

    def item(self, move: RingMove) -> dict[str, Any]:
        ring = move.to_ring if move.to_ring in self.ring_of else tag(move.to_ring, "")[0]
        why = move.why if ring is move.to_ring else tag(move.to_ring, move.why)[1]
        return {
            "date": move.at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "ringId": self.ring_id(ring),
            "description": f"{why} (by {move.by})" if move.by else why,
            "moved": _moved(move),
        }

    def key(self, name: str) -> str:
        key, n = _slug(name), 1
        while key in self.ids:
            n += 1
            key = f"{_slug(name)}-{n}"
        self.ids.add(key)
        return key


def _entry(doc: _Document, t: Technique, kept: Mapping[str, Any], as_of: dt.datetime) -> Any:
    history = t.history or (RingMove(None, t.ring, as_of, "", "placed on the radar"),)
    moves = int(kept.get("moves") or 0)
    entry: dict[str, Any] = json.loads(str(kept["entry"])) if kept.get("entry") else {}
    timeline = entry.get("timeline") if moves and len(history) >= moves else None
    if not isinstance(timeline, list):
        entry = {}
    if not entry:
        key = doc.key(t.name)
        entry = {"id": key, "key": key, "title": t.name, "quadrant": "", "description": "",
                 "links": [], "timeline": []}  # fmt: skip
        moves, timeline = 0, []
    added = [doc.item(m) for m in sorted(history[moves:], key=lambda m: m.at, reverse=True)]
    entry["timeline"] = added + list(timeline or [])
    if str(entry.get("title", "")).strip() != t.name:
        entry["title"] = t.name
    if doc.quadrant_name(entry.get("quadrant")) != t.area:
        entry["quadrant"] = doc.quadrant(t.area)
    ring = t.ring if t.ring in doc.ring_of else tag(t.ring, "")[0]
    summary = t.summary or ""
    description = summary if ring is t.ring else tag(t.ring, summary)[1]
    if str(entry.get("description", "")).strip() != description:
        entry["description"] = description
    return entry


def write_backstage_json(
    techniques: Iterable[Technique],
    *,
    as_of: dt.datetime,
    title: str = "Research radar",
    fields: Mapping[str, Mapping[str, Any]] | None = None,
    layout: Mapping[str, Any] | None = None,
) -> str:
    """Backstage tech-radar JSON; ``fields`` (by lower-cased name) and ``layout`` are
    what an imported file left (see the module docstring). A technique without
    history gets one item ``as_of``."""
    layout = layout or {}
    doc = _Document(layout, title)
    items = in_file_order(list(techniques), fields or {}, "backstage")
    kept_all = [((fields or {}).get(t.name.casefold()) or {}).get("backstage") or {} for t in items]
    for kept in kept_all:
        if kept.get("entry"):
            doc.ids.add(str(json.loads(str(kept["entry"])).get("key", "")))
    entries = [_entry(doc, t, kept, as_of) for t, kept in zip(items, kept_all, strict=True)]
    doc.doc["entries"] = entries
    indent = int(layout.get("indent") or 2)
    return json.dumps(doc.doc, indent=indent, ensure_ascii=False) + "\n"
