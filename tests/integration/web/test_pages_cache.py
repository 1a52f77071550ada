"""The pages' figure cache (:class:`assay.web.pages.runs.LruCache`) under threads:
a missing value is built once however many ask for it together, building one key
holds up no other, a failed build is not kept, and the least recently used goes first."""

from __future__ import annotations

import threading

import pytest

from assay.web.pages.runs import LruCache

WAIT = 30.0  # seconds: only a bound against a hang, never a speed requirement


def test_one_build_per_key_and_other_keys_go_on() -> None:
    cache: LruCache[str, str] = LruCache(4)
    cache.get("kept", lambda: "old")
    started, release = threading.Event(), threading.Event()
    builds: list[str] = []

    def slow() -> str:
        builds.append("slow")
        started.set()
        assert release.wait(WAIT)
        return "drawn"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("slow", slow))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(WAIT)
    other: list[str] = []
    reader = threading.Thread(target=lambda: other.append(cache.get("kept", lambda: "new")))
    reader.start()
    reader.join(WAIT)
    assert other == ["old"]  # answered while the slow build still runs
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert results == ["drawn"] * 3
    assert builds == ["slow"]  # built once for the three
    assert (cache.hits, cache.misses) == (3, 2)  # kept + two waiters; kept's and slow's builds


def test_a_failed_build_is_not_kept() -> None:
    cache: LruCache[str, int] = LruCache(2)

    def broken() -> int:
        raise RuntimeError("matplotlib fell over")

    with pytest.raises(RuntimeError):
        cache.get("a", broken)
    assert cache.get("a", lambda: 1) == 1


def test_least_recently_used_goes_first() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # a used last
    cache.get("c", lambda: 3)  # b goes
    assert cache.get("a", lambda: -1) == 1
    assert cache.get("b", lambda: -2) == -2
