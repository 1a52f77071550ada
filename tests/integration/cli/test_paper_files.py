"""``assay paper add`` and ``paper export`` on real bibliographies: every record is added,
merged or skipped (the counts always add up), nothing is written when a record is bad,
and export then import gives the same papers (issue 13)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.workspace import Workspace
from support import Run, json_ok, main_runner, new_team, table_digest

DATA = Path(__file__).parents[2] / "data"
IRIDIA = DATA / "bibtex" / "iridia-slice.bib"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_team(tmp_path, monkeypatch, user="tester", columns=200)


@pytest.fixture
def cli(root: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return main_runner(capsys)


_json = json_ok


def _papers(cli: Run) -> list[dict[str, Any]]:
    return sorted(_json(cli("paper", "list", "--json"))["papers"], key=lambda p: p["key"])


def test_a_real_bibliography_is_imported_whole(cli: Run) -> None:
    heads = len(re.findall(r"^@(?!string|comment|preamble)\w+\s*[{(]", IRIDIA.read_text(), re.M))
    added = _json(cli("paper", "add", "--bibtex", IRIDIA, "--json"))
    assert added["records"] == heads == 131
    assert added["records"] == added["new"] + added["merged"] + added["skipped"]
    assert (added["new"], added["merged"], added["skipped"]) == (131, 0, 0)
    aco = [p for p in _papers(cli) if p["title"] == "Ant Colony Optimization"]
    assert [(p["key"], p["year"]) for p in aco] == [
        ("BluLop2011ieh", 2011),
        ("DorMonOliStu2011eorms", 2011),
        ("DorStu2004:book", 2004),
    ]
    listed = {p["key"]: p for p in added["possible_duplicates"]}
    assert set(listed["DorStu2004:book"]["same_title_as"]) == {
        "BluLop2011ieh",
        "DorMonOliStu2011eorms",
    }
    again = _json(cli("paper", "add", "--bibtex", IRIDIA, "--json"))
    assert (again["records"], again["new"], again["merged"]) == (131, 0, 131)
    assert len(_papers(cli)) == 131


def test_merges_are_reported_with_the_kept_key_and_why(cli: Run) -> None:
    Path("a.bib").write_text(
        "@article{first, title={Attention Is All You Need}, author={Vaswani, A.}, year=2017}\n"
        "@misc{arx1, title={Some preprint}, eprint={2205.14135v1}, archivePrefix={arXiv}}\n"
        "@article{doi1, title={X}, doi={10.1000/ABC}}\n",
        encoding="utf-8",
    )
    cli("paper", "add", "--bibtex", "a.bib")
    Path("b.bib").write_text(
        "@inproceedings{again, title={Attention is all you need.}, author={Ashish Vaswani},"
        " year={2017}}\n"
        "@misc{arx2, title={Published title}, eprint={2205.14135v3}, archivePrefix={arXiv}}\n"
        "@misc{doi2, title={Y}, doi={https://doi.org/10.1000/abc}}\n"
        "@misc{later, title={Attention Is All You Need}, author={Vaswani, A.}, year={2018}}\n"
        "@misc{same, title={X2}}\n@misc{same, title={X2}}\n",
        encoding="utf-8",
    )
    code, out, err = cli("paper", "add", "--bibtex", "b.bib")
    assert code == 0, err
    assert (
        "Read 6 record(s) from b.bib: 2 added, 4 merged into papers already here, 0 skipped" in out
    )
    assert (
        "first ← again  (merged by title:attentionisallyouneed: same title, year and first" in out
    )
    assert "arx1 ← arx2  (merged by arxiv:2205.14135: same arXiv id)" in out
    assert "doi1 ← doi2  (merged by doi:10.1000/abc: same DOI)" in out
    assert "possible duplicate: later has the same title as first" in " ".join(err.split())
    assert "citation key 'same' repeats the entry at line 5 word for word" in " ".join(err.split())


def test_bad_records_are_all_listed_and_nothing_is_written(cli: Run, root: Path) -> None:
    Path("bad.bib").write_text(
        "@article{good, title={Good}}\n@misc{untitled, author={Doe, J}}\n"
        "@misc{year, title={Y}, year={twenty}}\n@misc{doi, title={D}, doi={<i>10.1/x</i>}}\n",
        encoding="utf-8",
    )
    before = table_digest(root)
    code, out, err = cli("paper", "add", "--bibtex", "bad.bib")
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert lines[0] == (
        "error: bad.bib: 3 of 4 record(s) cannot be imported, so nothing was imported; fix "
        "them, or give --skip-invalid to import the other 1:"
    )
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["bad.bib, line 2",
            "bad.bib, line 3", "bad.bib, line 4"]  # fmt: skip
    assert table_digest(root) == before
    skipped = _json(cli("paper", "add", "--bibtex", "bad.bib", "--skip-invalid", "--json"))
    assert (skipped["records"], skipped["new"], skipped["skipped"]) == (4, 1, 3)
    assert [s["key"] for s in skipped["skipped_records"]] == [
        "entry 'untitled'",
        "entry 'year'",
        "entry 'doi'",
    ]
    assert [p["key"] for p in _papers(cli)] == ["good"]


def test_skip_invalid_lists_the_skipped_in_words(cli: Run) -> None:
    Path("z.json").write_text('[{"id": "a"}, {"id": "b", "title": "B"}]', encoding="utf-8")
    code, out, err = cli("paper", "add", "--csl", "z.json", "--skip-invalid")
    assert code == 0, err
    assert "Read 2 record(s) from z.json: 1 added, 0 merged" in out
    assert "skipped z.json, line 1: item 1 (a): has no title" in " ".join(err.split())
    code, _, err = cli("paper", "add", "--title", "T", "--skip-invalid")
    assert code == 2
    assert "--skip-invalid applies to a file" in err


@pytest.mark.parametrize(("fmt", "option"), [("bibtex", "--bibtex"), ("csl-json", "--csl"),
                                             ("ris", "--ris")])  # fmt: skip
def test_export_then_import_gives_the_same_papers(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, option: str
) -> None:
    cli("paper", "add", "--bibtex", IRIDIA)
    cli("paper", "add", "--csl", DATA / "csl" / "context-review-slice.json")
    before = _papers(cli)
    out = tmp_path / f"export.{fmt}"
    code, said, err = cli("paper", "export", "--format", fmt, "-o", out)
    assert code == 0, err
    assert f"Wrote {out}" in " ".join(said.split())
    other = tmp_path / "other"
    Workspace.init(other, user="tester").close()
    monkeypatch.chdir(other)
    back = _json(cli("paper", "add", option, out, "--json"))
    assert (back["records"], back["new"], back["merged"]) == (len(before), len(before), 0)
    after = _papers(cli)
    fields = ("key", "title", "year", "authors")
    assert [{k: p[k] for k in fields} for p in after] == [{k: p[k] for k in fields} for p in before]
    for key in ("DorStu2004:book", "DorMonOliStu2011eorms"):
        shown = {f: _json(cli("paper", "show", key, "--json"))[f] for f in ("venue", "doi")}
        monkeypatch.chdir(tmp_path / "team")
        original = {f: _json(cli("paper", "show", key, "--json"))[f] for f in ("venue", "doi")}
        monkeypatch.chdir(other)
        assert shown == original


def test_export_to_stdout_and_a_bad_format(cli: Run) -> None:
    cli("paper", "add", "--title", "Only one", "--year", "2020")
    code, out, _ = cli("paper", "export", "--format", "ris")
    assert code == 0
    assert out.startswith("TY  - GEN\nTI  - Only one\nPY  - 2020\n")
    code, _, err = cli("paper", "export", "--format", "word")
    assert code == 2
    assert "word" in err


@pytest.fixture
def ws(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path, url=database_url, user="tester")
    try:
        yield workspace
    finally:
        workspace.close()


def test_the_store_merges_alike_on_sqlite_and_postgresql(ws: Workspace) -> None:
    first = ws.papers.import_bibtex(IRIDIA)
    assert (first.records, first.new, first.merged) == (131, 131, 0)
    again = ws.papers.import_bibtex(IRIDIA)
    assert (again.new, again.merged) == (0, 131)
    assert {a.incoming_key for a in again.added} == {a.paper.key for a in again.added}
    exported = ws.papers.export("ris")
    assert exported.count("TY  - ") == 131
