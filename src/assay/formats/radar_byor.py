"""Thoughtworks build-your-own-radar files, CSV and JSON, read and written without loss.

Both carry one record per blip: ``name, ring, quadrant, isNew, description`` (CSV
columns, or the keys of the objects of a JSON array). ``name`` ↔ the technique's
name, ``quadrant`` ↔ its area, ``ring`` ↔ its ring (through a
:class:`~assay.formats.radar_file.RingMap` for a team's own ring names),
``description`` ↔ its summary. What assay has no column for is kept as the
technique's fields (``byor``): the file's ``isNew`` (written back as it was until
the technique moves in assay; then it is computed: new within 90 days), any other
column or key (written back in the file's order), and the ring's spelling. The
file's layout (its columns, ring names, JSON indent, a quoted header) is handed on
as :attr:`RadarFile.layout`, stored with the radar, and given to the writers.

Neither format has a SKIP ring: unless the ring map names one, SKIP is written as
HOLD with a ``[SKIP]`` prefix on the description, and read back as SKIP.

A name that repeats an earlier record word for word is merged (noted); a name that
repeats with other content is a problem (listed with both lines). CSV cells go
through :mod:`assay.formats.csv_safe` both ways.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assay.errors import InputError
from assay.formats import csv_safe
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

__all__ = [
    "BYOR_COLUMNS",
    "SKIP_TAG",
    "read_byor_csv",
    "read_byor_json",
    "write_byor_csv",
    "write_byor_json",
]

BYOR_COLUMNS = ("name", "ring", "quadrant", "isNew", "description")
SKIP_TAG = "[SKIP]"
_CORE = {c.lower(): c for c in BYOR_COLUMNS}
_NEW_WITHIN = dt.timedelta(days=90)

Cells = list[tuple[str, Any]]  # a record's (column, value) pairs in the file's order


def tag(ring: Ring, text: str) -> tuple[Ring, str]:
    """The ring as written (SKIP as HOLD) and the text tagged when SKIP."""
    if ring is Ring.SKIP:
        return Ring.HOLD, f"{SKIP_TAG} {text}".strip()
    return ring, text


def untag(ring: Ring, text: str) -> tuple[Ring, str]:
    """The inverse of :func:`tag`: HOLD with the tag reads back as SKIP."""
    if ring is Ring.HOLD and text.startswith(SKIP_TAG):
        return Ring.SKIP, text[len(SKIP_TAG) :].strip()
    return ring, text


# --- reading ---------------------------------------------------------------------------


class _Reader:
    """Turns a file's records into a :class:`RadarFile` (shared by CSV and JSON)."""

    def __init__(self, source: str, fmt: str, ring_map: RingMap, at: dt.datetime, by: str):
        self.source, self.fmt, self.ring_map, self.at, self.by = source, fmt, ring_map, at, by
        # a value kept as the file gave it: CSV cells without csv_safe's quote, JSON as is
        self.keep: Any = _cell if fmt == "byor-csv" else (lambda value: value)
        self.records: list[RadarRecord] = []
        self.repeats: list[Repeat] = []
        self.problems: list[Problem] = []
        self.seen: dict[str, tuple[int | None, Cells]] = {}
        self.unknown: list[str] = []
        self.rings: dict[str, str] = {}  # assay ring → the file's name for it (first seen)

    def add(self, line: int | None, cells: Cells, text: Any) -> None:
        """One record: ``cells`` by column, ``text`` (a cell's value as text)."""
        values = {_CORE.get(k.strip().lower(), k): v for k, v in cells}
        name = text(values.get("name")).strip()
        key = name.casefold()
        if name and key in self.seen:
            first, before = self.seen[key]
            if before == cells:
                self.repeats.append(Repeat(name, line, first))
            else:
                differ = [k for k, v in cells if dict(before).get(k) != v] or ["columns"]
                self._problem(
                    line,
                    name,
                    f"repeats the name at line {first} with other {', '.join(differ)}; "
                    "a name is on the radar once: keep one of them",
                )
            return
        if name:
            self.seen[key] = (line, cells)
        self._record(line, name, values, cells, text)

    def _record(
        self, line: int | None, name: str, values: dict[str, Any], cells: Cells, text: Any
    ) -> None:
        area = text(values.get("quadrant")).strip()
        label = text(values.get("ring")).strip()
        if not name:
            return self._problem(line, "", "'name' is empty")
        if not area:
            return self._problem(line, name, "'quadrant' is empty")
        ring = self.ring_map.ring(label)
        if ring is None:
            if label not in self.unknown:
                self.unknown.append(label)
            return self._problem(line, name, f"ring {label!r} is not a BYOR ring")
        self.rings.setdefault(ring.value, label)
        raw = text(values.get("description"))
        byor: dict[str, Any] = {
            "ring": label, "as": ring.value, "moves": 1, "position": len(self.records)
        }  # fmt: skip
        ring, summary = untag(ring, raw.strip())
        if "isNew" in values:
            byor["isNew"] = self.keep(values["isNew"])
        if raw != raw.strip():
            byor["description"] = raw
        extra = [[k, self.keep(v)] for k, v in cells if _CORE.get(k.strip().lower()) is None]
        if extra:
            byor["columns"] = extra
        move = RingMove(None, ring, self.at, self.by, f"imported from {self.source}")
        technique = Technique(name, area, ring, summary=summary or None, history=(move,))
        self.records.append(RadarRecord(technique, line, {"byor": byor}))
        return None

    def _problem(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.source, line, key, message))

    def done(self, layout: dict[str, Any]) -> RadarFile:
        hints = (self.ring_map.hint(self.unknown),) if self.unknown else ()
        return RadarFile(
            self.source,
            self.fmt,
            tuple(self.records),
            tuple(self.repeats),
            tuple(self.problems),
            {**layout, "rings": self.rings},
            hints,
        )


def _check_header(header: Sequence[str], source: str) -> None:
    have = {h.strip().lower() for h in header}
    missing = [c for c in ("name", "ring", "quadrant") if c not in have]
    if missing:
        raise InputError(
            f"{source}, line 1: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(BYOR_COLUMNS)}"
        )


def _cell(value: Any) -> str:
    return csv_safe.uncell(value or "")


def read_byor_csv(
    text: str,
    *,
    at: dt.datetime,
    by: str,
    source: str = "<BYOR CSV>",
    ring_map: RingMap | None = None,
) -> RadarFile:
    """Every record of a BYOR CSV; each technique gets one move (its entry) ``at``, ``by``."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        _check_header(header, source)
        read = _Reader(source, "byor-csv", ring_map or RingMap(), at, by)
        line = reader.line_num + 1
        for values in reader:
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                read.problems.append(
                    Problem(source, start, values[0].strip(),
                            f"{len(values)} cells, but the header names {len(header)} columns")
                )  # fmt: skip
                continue
            cells = list(zip(header, [*values, *[""] * (len(header) - len(values))], strict=True))
            read.add(start, cells, _cell)
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    quoted = text.startswith('"')
    return read.done({"columns": header, "quoted_header": quoted})


def read_byor_json(
    text: str,
    *,
    at: dt.datetime,
    by: str,
    source: str = "<BYOR JSON>",
    ring_map: RingMap | None = None,
) -> RadarFile:
    """Every record of a BYOR JSON file (an array of objects with BYOR's keys)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply to be a radar") from None
    if not isinstance(data, list):
        raise InputError(f"{source}: expected an array of objects with name, ring and quadrant")
    lines = element_lines(text, text.find("["))
    read = _Reader(source, "byor-json", ring_map or RingMap(), at, by)
    keys: list[str] = []
    for i, item in enumerate(data):
        line = lines[i] if len(lines) == len(data) else None
        if not isinstance(item, dict):
            read.problems.append(Problem(source, line, f"[{i}]", "not an object"))
            continue
        keys += [k for k in item if k not in keys]
        read.add(line, list(item.items()), lambda v: "" if v is None else str(v))
    if keys:
        _check_header(keys, source)
    return read.done({"keys": keys, "indent": _indent(text)})


def _indent(text: str) -> int:
    """The indent of the first indented line (2 when the file has none)."""
    for row in text.splitlines()[1:]:
        if row.strip():
            return len(row) - len(row.lstrip(" ")) or 2
    return 2


# --- writing ---------------------------------------------------------------------------


def _entered(technique: Technique) -> dt.datetime | None:
    return min((m.at for m in technique.history), default=None)


def _byor(fields: Mapping[str, Mapping[str, Any]], t: Technique) -> Mapping[str, Any]:
    kept = (fields.get(t.name.casefold()) or {}).get("byor")
    return kept if isinstance(kept, Mapping) else {}


def _check_quadrants(techniques: Iterable[Technique], limit: int) -> None:
    areas = list(dict.fromkeys(t.area for t in techniques))
    if len(areas) > limit:
        raise InputError(
            f"the build-your-own-radar draws at most {limit} quadrants; this radar has "
            f"{len(areas)} areas ({', '.join(areas)}); merge areas first"
        )


def _core(
    t: Technique, kept: Mapping[str, Any], rings: Mapping[str, str], as_of: dt.datetime
) -> dict[str, Any]:
    """The five BYOR values of a technique: the file's spellings where they still hold."""
    ring, description = (t.ring, t.summary or "")
    if ring is not Ring.SKIP or Ring.SKIP.value not in rings:
        ring, description = tag(ring, description)
    if "description" in kept and str(kept["description"]).strip() == description:
        description = str(kept["description"])
    if kept.get("as") == ring.value:
        label = str(kept.get("ring"))
    else:
        label = rings.get(ring.value) or ring.value.capitalize()
    unmoved = len(t.history) <= int(kept.get("moves") or 1)
    if "isNew" in kept and kept["isNew"] is not None and unmoved:
        is_new = kept["isNew"]
    else:
        entered = _entered(t)
        is_new = "TRUE" if entered is not None and as_of - entered <= _NEW_WITHIN else "FALSE"
    return {"name": t.name, "ring": label, "quadrant": t.area, "isNew": is_new,
            "description": description}  # fmt: skip


def _any_skip(techniques: Sequence[Technique]) -> bool:
    """Whether any technique is in SKIP (written as a tagged HOLD description)."""
    return any(t.ring is Ring.SKIP for t in techniques)


def _rows(
    techniques: Sequence[Technique],
    fields: Mapping[str, Mapping[str, Any]],
    layout: Mapping[str, Any],
    columns: Sequence[str],
    as_of: dt.datetime,
) -> tuple[list[str], list[dict[str, Any]]]:
    """The column names (the file's, then any new ones) and each technique's values."""
    rings = layout.get("rings") or {}
    names = list(columns) or list(BYOR_COLUMNS)
    known = {_CORE.get(n.strip().lower(), n) for n in names}
    # a file without isNew (or without descriptions) is written back without them
    wanted = ["name", "ring", "quadrant"]
    if any(t.summary for t in techniques) or _any_skip(techniques):
        wanted.append("description")
    names += [c for c in wanted if c not in known]
    rows = []
    for t in in_file_order(list(techniques), fields, "byor"):
        kept = _byor(fields, t)
        values = _core(t, kept, rings, as_of)
        for column, value in kept.get("columns") or ():
            values[column] = value
            if column not in names:
                names.append(column)
        rows.append(values)
    return names, rows


def write_byor_csv(
    techniques: Iterable[Technique],
    *,
    as_of: dt.datetime,
    fields: Mapping[str, Mapping[str, Any]] | None = None,
    layout: Mapping[str, Any] | None = None,
) -> str:
    """BYOR CSV text for ``techniques``; ``fields`` (by lower-cased name) and
    ``layout`` are what an imported file left (see the module docstring)."""
    items = list(techniques)
    _check_quadrants(items, 4)
    layout = layout or {}
    names, rows = _rows(items, fields or {}, layout, layout.get("columns") or (), as_of)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if layout.get("quoted_header"):
        out.write(",".join('"' + n.replace('"', '""') + '"' for n in names) + "\n")
    else:
        writer.writerow(csv_safe.row(names))
    for values in rows:
        cells = [values.get(_CORE.get(n.strip().lower(), n), "") for n in names]
        writer.writerow(csv_safe.row("" if v is None else _text(v) for v in cells))
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_byor_json(
    techniques: Iterable[Technique],
    *,
    as_of: dt.datetime,
    fields: Mapping[str, Mapping[str, Any]] | None = None,
    layout: Mapping[str, Any] | None = None,
) -> str:
    """BYOR JSON text (an array of objects) for ``techniques``; see :func:`write_byor_csv`."""
    items = list(techniques)
    _check_quadrants(items, 4)
    layout = layout or {}
    names, rows = _rows(items, fields or {}, layout, layout.get("keys") or (), as_of)
    objects = [
        {n: values[key] for n in names if (key := _CORE.get(n.strip().lower(), n)) in values}
        for values in rows
    ]
    indent = int(layout.get("indent") or 2)
    return json.dumps(objects, indent=indent, ensure_ascii=False) + "\n"
