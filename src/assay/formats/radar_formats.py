"""Radar interchange: ThoughtWorks build-your-own-radar CSV and JSON, Backstage
tech-radar JSON, read and written without loss.

The readers live in :mod:`assay.formats.radar_byor` and
:mod:`assay.formats.radar_backstage`; both hand on a
:class:`~assay.formats.radar_file.RadarFile` (every record, repeats merged, every
problem, the file's layout). This module picks the reader for a file
(:func:`read_radar_file`) and keeps the short forms that return techniques or raise
on the first problem (:func:`parse_byor_csv`, :func:`parse_backstage_json`).

Both read and write :class:`assay.pipeline.radar.Technique`: ``name`` ↔ name/title,
``area`` ↔ quadrant, ``ring`` ↔ ring, ``summary`` ↔ description, and (Backstage
only) ``history`` ↔ the entry's timeline. Neither format has a SKIP ring: SKIP is
written as HOLD tagged with a ``[SKIP]`` prefix on the description (and, in
Backstage, on the timeline item), and read back as SKIP.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assay.formats import files
from assay.formats.radar_backstage import (
    BACKSTAGE_RING_COLORS,
    read_backstage_json,
    write_backstage_json,
)
from assay.formats.radar_byor import (
    BYOR_COLUMNS,
    SKIP_TAG,
    read_byor_csv,
    read_byor_json,
    write_byor_csv,
    write_byor_json,
)
from assay.formats.radar_file import RadarFile, RingMap
from assay.pipeline.radar import Technique

__all__ = [
    "BACKSTAGE_RING_COLORS",
    "BYOR_COLUMNS",
    "FORMATS",
    "SKIP_TAG",
    "RadarFile",
    "RingMap",
    "load_backstage_json",
    "load_byor_csv",
    "parse_backstage_json",
    "parse_byor_csv",
    "read_backstage_json",
    "read_byor_csv",
    "read_byor_json",
    "read_radar_file",
    "sniff",
    "write_backstage_json",
    "write_byor_csv",
    "write_byor_json",
]

#: The radar file formats, by name, with the extension each is guessed from.
FORMATS = {"byor-csv": ".csv", "backstage-json": ".json", "byor-json": ".json"}

_WHAT = {
    "byor-csv": "a build-your-own-radar CSV",
    "byor-json": "a build-your-own-radar JSON file",
    "backstage-json": "Backstage tech-radar JSON",
}


def sniff(text: str, fmt: str) -> str:
    """The JSON format a ``.json`` file holds: an array is BYOR's, an object Backstage's."""
    if fmt in ("byor-json", "backstage-json"):
        return "byor-json" if text.lstrip("\ufeff \t\r\n").startswith("[") else "backstage-json"
    return fmt


def read_radar_file(
    path: str | Path,
    fmt: str,
    *,
    at: dt.datetime,
    by: str,
    ring_map: RingMap | None = None,
    guess: bool = False,
) -> RadarFile:
    """Every record of the radar file at ``path`` in ``fmt`` (with ``guess``, a JSON
    format is told from the content: see :func:`sniff`)."""
    text = files.read_text(path, _WHAT.get(fmt, "a radar file"))
    fmt = sniff(text, fmt) if guess else fmt
    source = str(path)
    if fmt == "byor-csv":
        return read_byor_csv(text, at=at, by=by, source=source, ring_map=ring_map)
    if fmt == "byor-json":
        return read_byor_json(text, at=at, by=by, source=source, ring_map=ring_map)
    return read_backstage_json(text, by=by, source=source, ring_map=ring_map)


def parse_byor_csv(
    text: str, *, at: dt.datetime, by: str, source: str = "<BYOR CSV>"
) -> list[Technique]:
    """Techniques from BYOR CSV (repeats merged); any problem raises, listing them all."""
    file = read_byor_csv(text, at=at, by=by, source=source)
    file.check()
    return file.techniques


def load_byor_csv(path: str | Path, *, at: dt.datetime, by: str) -> list[Technique]:
    """:func:`parse_byor_csv` of the file at ``path``."""
    text = files.read_text(path, _WHAT["byor-csv"])
    return parse_byor_csv(text, at=at, by=by, source=str(path))


def parse_backstage_json(
    text: str, *, by: str, source: str = "<Backstage JSON>"
) -> list[Technique]:
    """Techniques from Backstage tech-radar JSON, with their history from the timeline;
    any problem raises, listing them all. ``by`` names the mover for timeline items
    that do not say who moved them."""
    file = read_backstage_json(text, by=by, source=source)
    file.check()
    return file.techniques


def load_backstage_json(path: str | Path, *, by: str) -> list[Technique]:
    """:func:`parse_backstage_json` of the file at ``path``."""
    text = files.read_text(path, _WHAT["backstage-json"])
    return parse_backstage_json(text, by=by, source=str(path))
