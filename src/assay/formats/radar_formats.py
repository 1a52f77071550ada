"""Radar interchange: ThoughtWorks build-your-own-radar CSV and Backstage tech-radar JSON.

Both read and write :class:`assay.pipeline.radar.Technique`: ``name`` ↔ name/title,
``area`` ↔ quadrant, ``ring`` ↔ ring, ``summary`` ↔ description, and (Backstage
only) ``history`` ↔ the entry's timeline.

Neither format has a SKIP ring. SKIP is written as HOLD tagged with a ``[SKIP]``
prefix on the description (and, in Backstage, on the timeline item), and read back
as SKIP, so nothing is lost on a round trip.

**BYOR CSV**: columns ``name, ring, quadrant, isNew, description`` (a ``status``
column, from newer BYOR versions, is read when present: ``new`` means isNew).
Rings are written capitalised (``Adopt``). BYOR draws exactly four quadrants, so
a radar with more than four areas is refused. A technique is new when it entered
the radar within ``new_within`` (90 days) before ``as_of``. History does not
survive CSV: an imported technique starts with one move, its entry.

**Backstage JSON**: ``quadrants[{id, name}]``, ``rings[{id, name, color}]`` and
``entries[{id, key, title, quadrant, description, links, timeline[{date, ringId,
description, moved}]}]``, the newest timeline item first (Backstage reads the
current ring from ``timeline[0]``). Each ring move becomes a timeline item: its
``description`` is the move's reason followed by ``(by NAME)``; ``moved`` is 1 for
a move toward ADOPT, -1 away from it, 0 for the entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from assay.errors import InputError
from assay.formats import csv_safe, files
from assay.pipeline.radar import RingMove, Technique
from assay.types import Ring

__all__ = [
    "BACKSTAGE_RING_COLORS",
    "BYOR_COLUMNS",
    "SKIP_TAG",
    "load_backstage_json",
    "load_byor_csv",
    "parse_backstage_json",
    "parse_byor_csv",
    "write_backstage_json",
    "write_byor_csv",
]

BYOR_COLUMNS = ("name", "ring", "quadrant", "isNew", "description")
SKIP_TAG = "[SKIP]"
BACKSTAGE_RING_COLORS: Mapping[Ring, str] = {
    Ring.ADOPT: "#5BA300",
    Ring.TRIAL: "#009EB0",
    Ring.ASSESS: "#C7BA00",
    Ring.HOLD: "#E09B96",
}
_BYOR_RINGS = (Ring.ADOPT, Ring.TRIAL, Ring.ASSESS, Ring.HOLD)


def _read(path: str | Path, what: str) -> tuple[str, str]:
    return files.read_text(path, what), str(path)


def _tag(ring: Ring, text: str) -> tuple[Ring, str]:
    """The ring as written (SKIP as HOLD) and the text tagged when SKIP."""
    if ring is Ring.SKIP:
        return Ring.HOLD, f"{SKIP_TAG} {text}".strip()
    return ring, text


def _untag(ring: Ring, text: str) -> tuple[Ring, str]:
    """The inverse of :func:`_tag`: HOLD with the tag reads back as SKIP."""
    if ring is Ring.HOLD and text.startswith(SKIP_TAG):
        return Ring.SKIP, text[len(SKIP_TAG) :].strip()
    return ring, text


def _check_quadrants(techniques: Iterable[Technique], limit: int, fmt: str) -> list[str]:
    areas = list(dict.fromkeys(t.area for t in techniques))
    if len(areas) > limit:
        raise InputError(
            f"{fmt} draws at most {limit} quadrants; this radar has {len(areas)} areas "
            f"({', '.join(areas)}); merge areas first"
        )
    return areas


def _entered(technique: Technique) -> dt.datetime | None:
    return min((m.at for m in technique.history), default=None)


# --- build-your-own-radar CSV ---------------------------------------------------------


def write_byor_csv(
    techniques: Iterable[Technique],
    *,
    as_of: dt.datetime,
    new_within: dt.timedelta = dt.timedelta(days=90),
) -> str:
    """BYOR CSV text for ``techniques``; SKIP is written as HOLD tagged ``[SKIP]``."""
    items = list(techniques)
    _check_quadrants(items, 4, "the build-your-own-radar")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BYOR_COLUMNS)
    for t in items:
        ring, description = _tag(t.ring, t.summary or "")
        entered = _entered(t)
        is_new = entered is not None and as_of - entered <= new_within
        is_new_text = "TRUE" if is_new else "FALSE"
        writer.writerow(
            csv_safe.row([t.name, ring.value.capitalize(), t.area, is_new_text, description])
        )
    return out.getvalue()


def _byor_ring(text: str, where: str) -> Ring:
    try:
        ring = Ring.parse(text)
    except InputError:
        ring = None
    if ring is None or ring is Ring.SKIP:
        raise InputError(
            f"{where}: ring {text!r} is not a BYOR ring; expected Adopt, Trial, Assess or Hold"
        )
    return ring


def parse_byor_csv(
    text: str,
    *,
    at: dt.datetime,
    by: str,
    source: str = "<BYOR CSV>",
) -> list[Technique]:
    """Techniques from BYOR CSV; each gets one move (its entry) ``at``, ``by``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    core = ("name", "ring", "quadrant", "description")
    reader.fieldnames = [h.lower() if h.lower() in core else h for h in header]
    missing = [c for c in ("name", "ring", "quadrant") if c not in reader.fieldnames]
    if missing:
        raise InputError(
            f"{source}, line 1: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(BYOR_COLUMNS)}"
        )
    techniques: list[Technique] = []
    lines: dict[str, int] = {}
    line = 2
    try:
        for row in reader:
            where = f"{source}, line {line}"
            current, line = line, reader.line_num + 1
            name = csv_safe.uncell((row.get("name") or "").strip())
            if not name:
                raise InputError(f"{where}: 'name' is empty")
            if name.lower() in lines:
                raise InputError(f"{where}: {name!r} already appears at line {lines[name.lower()]}")
            lines[name.lower()] = current
            area = csv_safe.uncell((row.get("quadrant") or "").strip())
            if not area:
                raise InputError(f"{where}: 'quadrant' is empty for {name!r}")
            ring, summary = _untag(
                _byor_ring(row.get("ring") or "", where),
                csv_safe.uncell((row.get("description") or "").strip()),
            )
            move = RingMove(None, ring, at, by, f"imported from {source}")
            techniques.append(Technique(name, area, ring, summary=summary or None, history=(move,)))
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    return techniques


def load_byor_csv(path: str | Path, *, at: dt.datetime, by: str) -> list[Technique]:
    text, source = _read(path, "a build-your-own-radar CSV")
    return parse_byor_csv(text, at=at, by=by, source=source)


# --- Backstage tech-radar JSON ---------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _moved(move: RingMove) -> int:
    if move.from_ring is None:
        return 0
    step = move.from_ring.order - move.to_ring.order
    return (step > 0) - (step < 0)


def _timeline_item(move: RingMove) -> dict[str, Any]:
    ring, why = _tag(move.to_ring, move.why)
    description = f"{why} (by {move.by})" if move.by else why
    return {
        "date": move.at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "ringId": ring.value.lower(),
        "description": description,
        "moved": _moved(move),
    }


def write_backstage_json(
    techniques: Iterable[Technique], *, as_of: dt.datetime, title: str = "Research radar"
) -> str:
    """Backstage tech-radar JSON; a technique without history gets one item ``as_of``."""
    items = list(techniques)
    areas = list(dict.fromkeys(t.area for t in items))
    keys: dict[str, int] = {}
    entries = []
    for t in items:
        key = _slug(t.name)
        keys[key] = keys.get(key, 0) + 1
        if keys[key] > 1:
            key = f"{key}-{keys[key]}"
        history = t.history or (RingMove(None, t.ring, as_of, "", "placed on the radar"),)
        timeline = [_timeline_item(m) for m in sorted(history, key=lambda m: m.at, reverse=True)]
        _, description = _tag(t.ring, t.summary or "")
        entries.append(
            {
                "id": key,
                "key": key,
                "title": t.name,
                "quadrant": _slug(t.area),
                "description": description,
                "links": [],
                "timeline": timeline,
            }
        )
    document = {
        "title": title,
        "quadrants": [{"id": _slug(a), "name": a} for a in areas],
        "rings": [
            {"id": r.value.lower(), "name": r.value, "color": BACKSTAGE_RING_COLORS[r]}
            for r in _BYOR_RINGS
        ],
        "entries": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_RING_ALIASES = {"use": Ring.ADOPT, "adopt": Ring.ADOPT}
_BY = re.compile(r"^(.*?)\s*\(by ([^()]+)\)$", re.DOTALL)


def _list(data: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        raise InputError(f"{where}: {name!r} is missing or not a list")
    return value


def _backstage_rings(data: Mapping[str, Any], source: str) -> dict[str, Ring]:
    rings: dict[str, Ring] = {}
    for i, ring in enumerate(_list(data, "rings", source)):
        if not isinstance(ring, dict) or "id" not in ring:
            raise InputError(f"{source}: rings[{i}] has no 'id'")
        label = str(ring.get("name") or ring["id"]).strip().lower()
        try:
            rings[str(ring["id"])] = _RING_ALIASES.get(label) or Ring.parse(label)
        except InputError:
            raise InputError(
                f"{source}: rings[{i}] is {label!r}; expected adopt, trial, assess or hold"
            ) from None
    return rings


def _backstage_time(text: Any, where: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{where}: date {text!r} is not a date; expected ISO 8601, such as 2024-05-01"
        ) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _entry_history(
    entry: Mapping[str, Any], rings: Mapping[str, Ring], where: str, by: str
) -> tuple[RingMove, ...]:
    items = _list(entry, "timeline", where)
    if not items:
        raise InputError(f"{where}: 'timeline' is empty; Backstage needs at least one item")
    points = []
    for j, item in enumerate(items):
        at_where = f"{where}.timeline[{j}]"
        if not isinstance(item, dict) or item.get("ringId") not in rings:
            raise InputError(f"{at_where}: ringId is missing or not one of {', '.join(rings)}")
        at = _backstage_time(item.get("date"), at_where)
        text = str(item.get("description") or "").strip()
        match = _BY.match(text)
        why, who = (match.group(1), match.group(2)) if match else (text, by)
        ring, why = _untag(rings[item["ringId"]], why)
        points.append((at, -j, ring, why, who))
    points.sort()  # oldest first; items on the same date keep the file's newest-first order
    moves, previous = [], None
    for at, _, ring, why, who in points:
        moves.append(RingMove(previous, ring, at, who, why))
        previous = ring
    return tuple(moves)


def parse_backstage_json(
    text: str, *, by: str, source: str = "<Backstage JSON>"
) -> list[Technique]:
    """Techniques from Backstage tech-radar JSON, with their history from the timeline.

    ``by`` names the mover for timeline items that do not say who moved them.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected an object with quadrants, rings and entries")
    quadrants = {
        str(q.get("id")): str(q.get("name") or q.get("id"))
        for q in _list(data, "quadrants", source)
        if isinstance(q, dict)
    }
    rings = _backstage_rings(data, source)
    techniques = []
    for i, entry in enumerate(_list(data, "entries", source)):
        where = f"{source}: entries[{i}]"
        if not isinstance(entry, dict) or not str(entry.get("title") or "").strip():
            raise InputError(f"{where} has no 'title'")
        quadrant = str(entry.get("quadrant"))
        if quadrant not in quadrants:
            raise InputError(
                f"{where} ({entry['title']}): quadrant {quadrant!r} is not one of "
                f"{', '.join(quadrants)}"
            )
        history = _entry_history(entry, rings, where, by)
        ring = history[-1].to_ring
        _, summary = _untag(Ring.HOLD, str(entry.get("description") or "").strip())
        techniques.append(
            Technique(
                str(entry["title"]).strip(),
                quadrants[quadrant],
                ring,
                summary=summary or None,
                history=history,
            )
        )
    return techniques


def load_backstage_json(path: str | Path, *, by: str) -> list[Technique]:
    text, source = _read(path, "Backstage tech-radar JSON")
    return parse_backstage_json(text, by=by, source=source)
