"""CSL JSON, as Zotero exports it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats import csl
from assay.pipeline.papers import Author, Paper

DATA = Path(__file__).parent / "data"


def test_zotero_items_become_papers() -> None:
    flash, vaswani, scaling = csl.load_csl_json(DATA / "zotero.json")
    assert flash.arxiv_id == "2205.14135"
    assert flash.year == 2022  # a year given as a string in date-parts
    assert flash.authors[-1] == Author("Ré", "Christopher")
    assert flash.key == "http://zotero.org/users/1/items/ABCD1234"
    assert vaswani.year == 2017  # from issued.raw
    assert vaswani.authors == (Author("Vaswani", "Ashish"), Author("Google Brain"))
    assert vaswani.venue == "Advances in Neural Information Processing Systems"
    assert scaling.year is None
    assert scaling.title == "Scaling O(n) attention"
    assert scaling.raw_title == "Scaling $O(n)$ attention"


def test_one_item_alone_is_accepted() -> None:
    (paper,) = csl.parse_csl_json('{"id": "x", "title": "Alone"}')
    assert paper.title == "Alone"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": "a"}]', r"item 1 \(a\): has no title"),
        ('[{"id": "a", "title": "T", "author": "Doe"}]', "'author' is not a list"),
        ('[{"id": "a", "title": "T", "issued": {"date-parts": [["x"]]}}]', "issued.date-parts"),
        ('[{"id": "a", "title": ["T"]}]', "field 'title' is list; expected text"),
        ('[{"id": "a", "title": "T", "DOI": "nope"}]', "DOI 'nope' is not a DOI"),
        ("[1]", "item 1 .*expected a CSL item object"),
        ('[{"id": "a",\n "title": }]', r"refs\.json, line 2, column 11: not valid JSON"),
    ],
)
def test_bad_items_say_which_and_why(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        csl.parse_csl_json(text, source="refs.json")


def test_write_then_read_round_trips() -> None:
    papers = [
        Paper(
            title="FlashAttention",
            authors=(Author("Dao", "Tri"), Author("Hazy Research")),
            year=2022,
            venue="NeurIPS",
            doi="10.5555/3600270.3601459",
            arxiv_id="2205.14135",
            url="https://arxiv.org/abs/2205.14135",
            abstract="Fast.",
            key="dao22",
            source="csl",
        )
    ]
    text = csl.write_csl_json(papers)
    assert json.loads(text)[0]["issued"] == {"date-parts": [[2022]]}
    assert csl.parse_csl_json(text) == papers


def test_name_particles_and_suffixes_are_kept() -> None:
    text = json.dumps(
        [
            {
                "id": "matta",
                "title": "Lot sizing",
                "author": [
                    {"family": "Matta", "given": "Renato", "non-dropping-particle": "de"},
                    {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
                    {"family": "Doe", "given": "John", "suffix": "Jr."},
                ],
            }
        ]
    )
    (paper,) = csl.parse_csl_json(text)
    assert paper.authors == (
        Author("de Matta", "Renato"),
        Author("van Beethoven", "Ludwig"),
        Author("Doe", "John Jr."),
    )
    assert paper.authors[0].display == "Renato de Matta"
    written = json.loads(csl.write_csl_json([paper]))[0]["author"][0]
    assert written == {"family": "Matta", "given": "Renato", "non-dropping-particle": "de"}
    assert csl.parse_csl_json(csl.write_csl_json([paper]))[0].authors == paper.authors


def test_every_bad_item_is_reported_in_one_run_with_its_line() -> None:
    text = (
        '[\n  {"id": "untitled"},\n  {"id": "good", "title": "Good"},\n'
        '  {"id": "html-doi", "title": "T",\n   "DOI": "<a href=x>10.1/x</a>"}\n]\n'
    )
    file = csl.csl_file(text, source="z.json")
    assert (file.count, [p.key for p in file.papers]) == (3, ["good"])
    assert [str(p) for p in file.problems] == [
        "z.json, line 2: item 1 (untitled): has no title; every paper needs one",
        "z.json, line 4: item 3 (html-doi): DOI '<a href=x>10.1/x</a>' is not a DOI; expected "
        "10.<registrant>/<suffix>, for example 10.48550/arXiv.2205.14135",
    ]
    with pytest.raises(InputError, match=r"z\.json: 2 of 3 record\(s\) cannot be imported"):
        csl.parse_csl_json(text, source="z.json")
