"""The readers on real bibliographies from public projects (tests/data/README.md says
where each comes from): every record is read or reported, counted here independently."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assay.formats import bibtex, csl
from assay.pipeline.papers import dedupe

DATA = Path(__file__).parents[2] / "data"
IRIDIA = DATA / "bibtex" / "iridia-slice.bib"


def _entry_heads(text: str) -> int:
    """Entries counted without the reader: '@type{' heads, less @string/@comment/@preamble."""
    heads = re.findall(r"^@(\w+)\s*[{(]", text, flags=re.MULTILINE)
    return sum(h.lower() not in {"string", "comment", "preamble"} for h in heads)


def test_every_iridia_entry_becomes_a_paper() -> None:
    heads = _entry_heads(IRIDIA.read_text(encoding="utf-8"))
    assert heads == 131
    file = bibtex.read_bibtex(IRIDIA)
    assert (file.count, len(file.records), file.problems, file.repeats) == (heads, heads, (), ())


def test_three_works_named_ant_colony_optimization_stay_three() -> None:
    papers = bibtex.read_bibtex(IRIDIA).papers
    aco = [p for p in papers if p.title == "Ant Colony Optimization"]
    assert sorted((p.key, p.year, p.authors[0].family) for p in aco) == [
        ("BluLop2011ieh", 2011, "Blum"),
        ("DorMonOliStu2011eorms", 2011, "Dorigo"),
        ("DorStu2004:book", 2004, "Dorigo"),
    ]
    assert len([p for p in dedupe(papers) if p.title == "Ant Colony Optimization"]) == 3


def test_crossref_fills_year_and_venue() -> None:
    papers = {p.key: p for p in bibtex.read_bibtex(IRIDIA).papers}
    chapter = papers["DorMonOliStu2011eorms"]  # year and booktitle only in crossref EORMS2011
    assert chapter.year == 2011
    assert chapter.venue == "Wiley Encyclopedia of Operations Research and Management Science"
    text = IRIDIA.read_text(encoding="utf-8")
    children = re.findall(r"crossref\s*=", text, flags=re.IGNORECASE)
    assert len(children) > 40
    entries = bibtex.load_bibtex(IRIDIA).entries
    crossed = [e for e in entries if "crossref" in e.fields]
    assert len(crossed) == len(children)
    assert all("year" in e.fields for e in crossed)  # every parent is in the slice


def test_macros_and_latex_leftovers_come_out_right() -> None:
    papers = {p.key: p for p in bibtex.read_bibtex(IRIDIA).papers}
    assert papers["FavMorPel09:sls"].title == "On the explorative behavior of MaxMinAntSystem"
    assert (
        papers["FavMorPel09:sls"].raw_title == r"On the explorative behavior of {\MaxMinAntSystem}"
    )
    assert papers["BezLopStu2015moead"].title.startswith("Comparing Decomposition-Based and")
    assert papers["FonPaqLop06:hypervolume"].title == (
        "An improved dimension-sweep algorithm for the hypervolume indicator"
    )
    assert papers["IRIDIA-2021-006"].title.startswith("Cuckoo Search ≡ (μ + λ)-Evolution Strategy")
    stuetzle = papers["DorStu2004:book"].authors[1]
    assert (stuetzle.family, stuetzle.given) == ("Stützle", "Thomas")  # from @string, LaTeX


def test_a_manubot_csl_json_slice_is_read_whole() -> None:
    path = DATA / "csl" / "context-review-slice.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    file = csl.read_csl_json(path)
    assert file.count == len(items) == len(file.records) == 40
    assert file.problems == ()
    lines = path.read_text(encoding="utf-8").splitlines()
    for record in file.records:  # each record's line is where its item opens
        assert lines[record.line - 1].strip() == "{"
    assert [p.key for p in file.papers] == [item["id"] for item in items]


def test_a_chapter_never_takes_its_books_doi() -> None:
    papers = {p.key: p for p in bibtex.read_bibtex(IRIDIA).papers}
    assert papers["Dagstuhl12041"].doi == "10.4230/dagrep.2.1.50"
    chapter = papers["AugBroLop2012dagstuhl"]  # crossref = "Dagstuhl12041"
    assert (chapter.doi, chapter.year) == (None, 2012)
    assert len(dedupe(list(papers.values()))) == len(papers)  # nothing merged away
