"""The reading inbox as rules: items from feeds, how they are triaged, the weeks the
cadence is counted in, and who is behind the team's reading targets.

A team scans new papers daily (arXiv listings, conference lists, newsletters), gives
some a second pass each week and one a deep read each month. The scan is the inbox:
every item is triaged once, to *read pass 1* (it becomes a paper record, and the
reading pipeline of :mod:`assay.pipeline.reading` takes over), *skip* (with the reason,
so the next scan of the same topic can learn from it), or a *technique* on the radar.
Everything here is a value object or a pure function; nothing is stored or printed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assay.errors import InputError

__all__ = [
    "FeedItem",
    "ItemStatus",
    "PersonCadence",
    "Targets",
    "Week",
    "behind",
    "check_source_name",
    "item_keys",
    "normalise_url",
    "parse_week",
]


class ItemStatus(enum.StrEnum):
    """Where an inbox item stands: not yet triaged, or the outcome of its triage."""

    NEW = "new"
    PASS1 = "pass1"
    SKIPPED = "skipped"
    TECHNIQUE = "technique"


_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:/@+-]{0,79}")


def check_source_name(name: str) -> str:
    """A source's name, stripped; refused when empty, too long or odd."""
    text = " ".join(name.split())
    if not _SOURCE_NAME.fullmatch(text):
        raise InputError(
            f"source name {name!r} is not usable; expected up to 80 letters, digits, spaces "
            "or ._:/@+- (like arxiv-cs.LG or NeurIPS 2026)"
        )
    return text


def normalise_url(url: str) -> str:
    """A URL as a duplicate key: no scheme, no ``www.``, no trailing slash, no fragment,
    lower-case host; arXiv's ``/pdf/ID`` and ``/abs/ID`` are the same page."""
    text = url.strip()
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", text).split("#", 1)[0].rstrip("/")
    host, slash, path = text.partition("/")
    host = host.lower().removeprefix("www.")
    path = re.sub(r"^pdf/(.+?)(?:\.pdf)?$", r"abs/\1", path)
    return host + slash + path


@dataclasses.dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: what a reader needs to triage it.

    ``where`` says where in the file it came from (``line 12``, ``entry 3``), for
    messages; ``arxiv_id`` and ``doi`` are normalised by the reader that found them.
    """

    title: str
    authors: tuple[str, ...] = ()
    url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    abstract: str = ""
    published: dt.date | None = None
    where: str = ""

    def __post_init__(self) -> None:
        title = " ".join(self.title.split())
        if not title:
            raise InputError(f"{self.where or 'an item'}: no title; every item needs one")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "abstract", " ".join(self.abstract.split()))
        object.__setattr__(self, "authors", tuple(a for a in map(str.strip, self.authors) if a))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "authors": list(self.authors),
            "url": self.url,
            "arxiv_id": self.arxiv_id,
            "doi": self.doi,
            "abstract": self.abstract,
            "published": self.published.isoformat() if self.published else None,
        }


def item_keys(item: FeedItem) -> tuple[str, ...]:
    """The identities that make two items (or an item and a paper) the same: the arXiv
    id, the DOI and the page's URL. An item with none of them is its title."""
    keys = []
    if item.arxiv_id:
        keys.append(f"arxiv:{item.arxiv_id}")
    if item.doi:
        keys.append(f"doi:{item.doi.lower()}")
    if item.url:
        keys.append(f"url:{normalise_url(item.url)}")
    if not keys:
        keys.append("title:" + re.sub(r"[^a-z0-9]+", " ", item.title.casefold()).strip())
    return tuple(keys)


# --- weeks ---------------------------------------------------------------------------

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclasses.dataclass(frozen=True)
class Week:
    """An ISO week (Monday to Sunday) and the calendar month it counts for: the month
    holding its Thursday, as ISO 8601 places a week in a year."""

    year: int
    number: int

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def month(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the month this week counts in."""
        thursday = self.monday + dt.timedelta(days=3)
        first = thursday.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @classmethod
    def of(cls, day: dt.date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)


def parse_week(text: str) -> Week:
    """``2026-W49`` as a :class:`Week`; a clear error for anything else."""
    found = _WEEK.fullmatch(text.strip())
    if found:
        year, number = int(found.group(1)), int(found.group(2))
        try:
            dt.date.fromisocalendar(year, number, 1)
        except ValueError:
            pass
        else:
            return Week(year, number)
    raise InputError(f"--week {text!r} is not an ISO week; expected YYYY-Www, like 2026-W49")


# --- the cadence ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Targets:
    """What each person aims for: items scanned (triaged) a week, second passes a
    week, deep reads (pass 3) a month (``[cadence]`` in ``assay.toml``)."""

    scan_per_week: int = 20
    pass2_per_week: int = 2
    pass3_per_month: int = 1

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class PersonCadence:
    """One person's week: items triaged, second passes this week, deep reads this
    month, and the targets each is short of."""

    person: str
    scans: int
    second_passes: int
    deep_reads: int
    short: tuple[str, ...] = ()

    @property
    def behind(self) -> bool:
        return bool(self.short)

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "scans": self.scans,
            "second_passes": self.second_passes,
            "deep_reads": self.deep_reads,
            "behind": self.behind,
            "short": list(self.short),
        }


def behind(
    people: Sequence[str],
    scans: Mapping[str, int],
    second: Mapping[str, int],
    deep: Mapping[str, int],
    targets: Targets,
) -> list[PersonCadence]:
    """Each person's counts against the targets, sorted by name; ``short`` names each
    target missed ("scans 3/20"). People with counts but not in ``people`` (someone
    who read without a user record) are included too."""
    everyone = sorted(set(people) | set(scans) | set(second) | set(deep), key=str.casefold)
    out = []
    for person in everyone:
        counts = (scans.get(person, 0), second.get(person, 0), deep.get(person, 0))
        wanted = (targets.scan_per_week, targets.pass2_per_week, targets.pass3_per_month)
        names = ("scans", "second passes", "deep reads")
        short = tuple(
            f"{name} {got}/{want}"
            for name, got, want in zip(names, counts, wanted, strict=True)
            if got < want
        )
        out.append(PersonCadence(person, *counts, short=short))
    return out
