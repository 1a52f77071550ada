"""RIS, as Zotero, EndNote and Mendeley export it: read every record, write it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.formats import ris
from assay.formats.bibtex import load_bibtex
from assay.formats.ris import read_ris
from assay.pipeline.papers import Author, Paper

RIS_DATA = Path(__file__).parents[2] / "data" / "ris"

ZOTERO = """\ufeff
TY  - JOUR
TI  - FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness
AU  - Dao, Tri
AU  - de Matta, Renato
AU  - Google Brain
T2  - Advances in Neural Information Processing Systems
AB  - Transformers are slow
      and memory-hungry.
DA  - 2022/05/27/
PY  - 2022
DO  - 10.5555/3600270.3601459
UR  - http://arxiv.org/abs/2205.14135
UR  - https://github.com/Dao-AILab/flash-attention
ID  - dao22
ER  -

TY  - BOOK
TI  - Ant Colony Optimization
AU  - Dorigo, Marco
PY  - 2004///
ER  -
"""


def test_a_zotero_export_becomes_papers() -> None:
    file = ris.ris_file(ZOTERO, source="z.ris")
    assert (file.count, file.problems) == (2, ())
    flash, aco = file.papers
    assert flash.key == "dao22"
    assert flash.authors == (Author("Dao", "Tri"), Author("de Matta", "Renato"),
                             Author("Google Brain"))  # fmt: skip
    assert (flash.year, flash.doi) == (2022, "10.5555/3600270.3601459")
    assert flash.arxiv_id == "2205.14135"  # from the arXiv URL
    assert flash.url == "http://arxiv.org/abs/2205.14135"
    assert flash.code_url == "https://github.com/Dao-AILab/flash-attention"
    assert flash.abstract == "Transformers are slow and memory-hungry."  # a wrapped line
    assert flash.venue == "Advances in Neural Information Processing Systems"
    assert (aco.title, aco.year, aco.key) == ("Ant Colony Optimization", 2004, "")
    assert [r.line for r in file.records] == [2, 18]


def test_every_bad_record_is_reported_with_its_line() -> None:
    text = (
        "TY  - JOUR\nAU  - Doe, J\nER  - \n"  # no title
        "TY  - JOUR\nTI  - Fine\nER  - \n"
        "TY  - JOUR\nTI  - Bad year\nPY  - soon\nER  - \n"
        "TY  - JOUR\nTI  - Bad DOI\nDO  - <b>10.1/x</b>\nER  - \n"
        "TY  - JOUR\nTI  - Never ended\n"
    )
    file = ris.ris_file(text, source="b.ris")
    assert file.count == 5
    assert [p.title for p in file.papers] == ["Fine"]
    assert [str(p) for p in file.problems] == [
        "b.ris, line 1: record 1: has no title (TI); every paper needs one",
        "b.ris, line 7: record 3: PY 'soon' is not a year; expected e.g. 2022 or 2022/05/27/",
        "b.ris, line 11: record 4: DOI '<b>10.1/x</b>' is not a DOI; expected "
        "10.<registrant>/<suffix>, for example 10.48550/arXiv.2205.14135",
        "b.ris, line 15: record 5: record has no 'ER  -' line",
    ]
    with pytest.raises(InputError, match=r"^b\.ris: 4 of 5 record\(s\) cannot be imported"):
        file.check()
    file.check(skip_invalid=True)  # the good one may go in alone


def test_a_file_without_records_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"e\.ris: no RIS records found"):
        ris.ris_file("just notes\n", source="e.ris")
    with pytest.raises(InputError, match="no such file"):
        ris.read_ris(tmp_path / "nope.ris")
    latin = tmp_path / "latin.ris"
    latin.write_bytes("TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        ris.read_ris(latin)


def test_write_then_read_gives_the_same_papers() -> None:
    papers = [
        Paper(
            title="FlashAttention",
            authors=(Author("Dao", "Tri"), Author("de Matta", "Renato"), Author("Hazy Research")),
            year=2022,
            venue="NeurIPS",
            doi="10.5555/3600270.3601459",
            arxiv_id="2205.14135",
            url="https://arxiv.org/abs/2205.14135",
            code_url="https://github.com/Dao-AILab/flash-attention",
            abstract="Fast.",
            key="dao22",
            source="ris",
        ),
        Paper(title="No year, no venue", source="ris"),
    ]
    assert ris.ris_file(ris.write_ris(papers)).papers == papers


@pytest.mark.parametrize(
    ("name", "records", "good"),
    [
        ("rispy-example_full.ris", 2, 2),
        ("rispy-example_urls.ris", 4, 4),
        ("rispy-example_utf_chars.ris", 1, 1),
        ("rispy-example_multiline.ris", 3, 0),  # three records without a title
    ],
)
def test_real_ris_files_every_record_read_or_reported(name: str, records: int, good: int) -> None:
    path = RIS_DATA / name
    text = path.read_text(encoding="utf-8-sig")
    heads = sum(line.startswith("TY  -") for line in text.splitlines())  # counted here
    assert heads == records
    file = ris.read_ris(path)
    assert file.count == records
    assert len(file.records) == good
    assert len(file.problems) == records - good


def test_real_ris_details() -> None:
    full = ris.read_ris(RIS_DATA / "rispy-example_full.ris")
    assert [p.title for p in full.papers] == ["Title of reference", "The title of the reference"]
    assert full.papers[0].authors == (Author("Marx", "Karl"), Author("Lindgren", "Astrid"))
    assert [p.year for p in full.papers] == [2014, 2006]  # "Y1  - 2014//"
    assert len(full.notes) == 2  # the "1." and "2." numbering lines, outside records
    utf = ris.read_ris(RIS_DATA / "rispy-example_utf_chars.ris").papers[0]
    assert utf.title.startswith("Состояние рецепторного")  # from ST: there is no TI
    assert utf.venue == "Gynecology, Obstetrics and Perinatology"
    urls = ris.read_ris(RIS_DATA / "rispy-example_urls.ris").papers
    assert {p.url for p in urls} == {"http://example.com"}  # "a; b" and "a;b" split


@pytest.mark.parametrize(
    ("read", "expected"),
    [(read_ris, "a RIS export"), (load_bibtex, "a BibTeX file")],
)
def test_a_missing_folder_or_non_utf8_file_is_one_clear_error(
    tmp_path: Path, read: Callable[[Path], object], expected: str
) -> None:
    with pytest.raises(InputError, match=f"no such file; expected {expected}$"):
        read(tmp_path / "absent")
    with pytest.raises(InputError, match=f"is a folder; expected {expected}$"):
        read(tmp_path)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("TY  - JOUR\nTI  - Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.txt: byte 20 is not UTF-8; save it as UTF-8"):
        read(latin)
