"""The BibTeX reader and writer, on a file shaped like the ones people really keep."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import InputError, NotFoundError
from assay.formats import bibtex
from assay.pipeline.papers import Author

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def refs() -> bibtex.BibFile:
    return bibtex.load_bibtex(DATA / "refs.bib")


def test_every_entry_is_read_with_its_line(refs: bibtex.BibFile) -> None:
    assert [(e.type, e.key, e.line) for e in refs.entries] == [
        ("inproceedings", "dao2022flashattention", 9),
        ("article", "muller2021linear", 20),
        ("misc", "noyear", 29),
        ("article", "DBLP:journals/corr/abs-2205-14135", 35),
    ]
    assert refs.warnings == ()


def test_strings_concatenation_and_month_macros(refs: bibtex.BibFile) -> None:
    flash = refs.entries[0].fields
    assert flash["booktitle"] == "Advances in Neural Information Processing Systems 35"
    assert flash["month"] == "12"
    assert flash["year"] == "2022"
    assert refs.strings["acl"] == "Proceedings of the Annual Meeting of the ACL"


def test_values_keep_their_braces_and_commands(refs: bibtex.BibFile) -> None:
    assert refs.entries[1].fields["title"] == (
        r"Linear {T}ransformers are {\"u}ber-Efficient: an \textit{empirical} study of "
        r"$O(n)$ attention"
    )
    # a value spread over lines is joined with single spaces
    assert "since the time and memory" in refs.entries[3].fields["abstract"]


def test_papers_are_cleaned_deduplicated_and_merged(refs: bibtex.BibFile) -> None:
    papers = bibtex.bibtex_papers(refs)
    assert [p.key for p in papers] == ["dao2022flashattention", "muller2021linear", "noyear"]
    flash, muller, noyear = papers
    assert flash.title == (
        "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
    )
    assert flash.raw_title.startswith("Flash{A}ttention")
    assert flash.authors[-1] == Author("Ré", "Christopher")
    assert flash.arxiv_id == "2205.14135"
    # the duplicate (same arXiv id) filled what the first record lacked
    assert flash.doi == "10.48550/arxiv.2205.14135"
    assert flash.abstract.startswith("Transformers are slow")
    assert flash.code_url == "https://github.com/Dao-AILab/flash-attention"
    assert flash.venue == "Advances in Neural Information Processing Systems 35"

    assert muller.title == (
        "Linear Transformers are über-Efficient: an empirical study of O(n) attention"
    )
    assert muller.authors == (
        Author("Müller", "Jörg"),
        Author("Café", "René"),
        Author("Knøll", "Søren"),
        Author("van der Berg", "Anna"),
    )
    assert muller.doi == "10.5555/jmlr.2021.0042"
    assert muller.year is None  # a missing field is simply absent

    assert noyear.title == "Attention Sinks & Streaming: notes"
    assert noyear.authors == (Author("Hazy Research"),)
    assert (noyear.year, noyear.venue, noyear.doi) == (None, "", None)


def test_one_entry_by_key_and_a_helpful_miss(refs: bibtex.BibFile) -> None:
    (paper,) = bibtex.bibtex_papers(refs, key="noyear")
    assert paper.key == "noyear"
    with pytest.raises(NotFoundError, match=r"no entry with key 'muller2021'.*muller2021linear"):
        bibtex.bibtex_papers(refs, key="muller2021")


def _problems(text: str) -> list[str]:
    """Every problem of a text, as the lines a user reads (the parse never raises)."""
    bib = bibtex.parse_bibtex(textwrap.dedent(text).removeprefix("\n"), source="bad.bib")
    return (
        [str(p) for p in bibtex.bibtex_file(bib).problems]
        if bib.entries
        else [str(p) for p in bib.problems]
    )


def test_a_missing_comma_is_reported_at_its_line() -> None:
    (message,) = _problems(
        """
        @article{ok, title = {Fine}}

        @article{broken,
          title = {A title}
          author = {Doe, Jane},
        }
        """
    )
    assert message.startswith("bad.bib, line 5: entry 'broken': field 'title':")
    assert "expected ',' or '}' after its value" in message
    assert "found 'author = {Doe, Jane}'" in message


def test_an_unclosed_brace_points_at_where_it_opened_and_the_next_entry_is_read() -> None:
    bib = bibtex.parse_bibtex(
        "@article{one,\n  title = {Never closed,\n  year = 2020,\n}\n\n"
        "@article{two, title = {Two}}\n",
        source="bad.bib",
    )
    (problem,) = bib.problems
    assert str(problem).startswith("bad.bib, line 1: entry 'one': this entry cannot be read")
    assert "closing brace or quote is probably missing" in str(problem)
    assert [e.key for e in bib.entries] == ["two"]


def test_every_bad_entry_of_a_file_is_reported_in_one_run() -> None:
    messages = _problems(
        """
        @article{one, title = {Fine}}
        @misc{x,
          journal = jmlr,
        }
        @misc{ , title={x}}
        @misc title
        @misc{untitled, author = {Doe, J}}
        @misc{y, title={Y}, year = {twenty}}
        @misc{z, title={Z}, doi = {not-a-doi}}
        """
    )
    assert len(messages) == 6, messages
    assert messages[0].startswith("bad.bib, line 3: entry 'x': field 'journal': 'jmlr'")
    assert "is not a defined @string macro" in messages[0]
    assert messages[1].startswith("bad.bib, line 5: expected a citation key")
    assert messages[2].startswith("bad.bib, line 6: @misc starts no entry")
    assert messages[3] == "bad.bib, line 7: entry 'untitled': has no title"
    assert messages[4].startswith("bad.bib, line 8: entry 'y': year 'twenty' is not a year")
    assert messages[5].startswith("bad.bib, line 9: entry 'z': DOI 'not-a-doi' is not a DOI")


def test_an_entry_without_title_fails_the_whole_import() -> None:
    bib = bibtex.parse_bibtex(
        "@misc{good, title={Good}}\n\n@misc{bad,\n  author={Doe, J}}\n", source="t.bib"
    )
    with pytest.raises(InputError, match=r"t\.bib, line 3: entry 'bad': has no title"):
        bibtex.bibtex_papers(bib)


def test_an_invalid_doi_names_the_entry_and_line() -> None:
    bib = bibtex.parse_bibtex("\n@misc{x, title={T}, doi={not-a-doi}}", source="t.bib")
    with pytest.raises(InputError, match=r"t\.bib, line 2: entry 'x': DOI 'not-a-doi'"):
        bibtex.bibtex_papers(bib)


def test_comments_parentheses_quotes_and_repeats() -> None:
    text = textwrap.dedent(
        """
        % @article{commented, title = {Not an entry}}
        Free text between entries is a comment too; write to refs@example.org.
        @comment{this is ignored, {nested braces} and all}
        @comment(jabref-meta: databaseType:bibtex;)
        @Article(paren, Title = "Quoted {"}inner{"} and {braces}", YEAR = "19" # "99")
        @misc{other, title = {First title}, title = {Second title}}
        @preamble{"\\newcommand{\\noop}[1]{}"}
        """
    )
    bib = bibtex.parse_bibtex(text, source="c.bib")
    assert [e.key for e in bib.entries] == ["paren", "other"]
    first = bib.entries[0]
    assert first.type == "article"
    assert first.fields == {"title": 'Quoted {"}inner{"} and {braces}', "year": "1999"}
    assert bib.entries[1].fields["title"] == "First title"
    assert any("repeats field 'title'" in w for w in bib.warnings)
    assert bib.problems == ()


def test_a_repeated_key_merges_the_same_entry_and_keeps_a_different_one() -> None:
    text = (
        "@article{dup, title={A}}\n\n@misc{DUP,\n title={B}}\n"
        "@article{dup, title={A}}\n@article{other, title={O}}\n"
    )
    bib = bibtex.parse_bibtex(text, source="d.bib")
    assert [(e.key, e.fields["title"]) for e in bib.entries] == [
        ("dup", "A"),
        ("DUP-2", "B"),
        ("other", "O"),
    ]
    assert [(r.key, r.line, r.first_line) for r in bib.repeats] == [("dup", 5, 1)]
    assert bib.warnings == (
        "d.bib, line 3: citation key 'DUP' is used again (first at line 1) for a different "
        "entry; kept as 'DUP-2'",
        "d.bib, line 5: citation key 'dup' repeats the entry at line 1 word for word; merged "
        "into it",
    )
    file = bibtex.bibtex_file(bib)
    assert file.count == 4 == len(file.records) + len(file.repeats)


@pytest.mark.parametrize("value", ["2022", "{2022}", '"2022"', "{{2022}}", '"20" # "22"'])
def test_a_year_in_every_bibtex_spelling(value: str) -> None:
    bib = bibtex.parse_bibtex(f"@misc{{k, title={{T}}, year = {value}}}")
    assert [p.year for p in bibtex.bibtex_papers(bib)] == [2022]


def test_a_biblatex_date_gives_the_year_and_an_empty_year_is_no_year() -> None:
    bib = bibtex.parse_bibtex(
        "@misc{a, title={A}, date={2021-03-04}}\n@misc{b, title={B}, year={}}\n"
    )
    assert [p.year for p in bibtex.bibtex_papers(bib)] == [2021, None]


@pytest.mark.parametrize(
    "value", ["{abc}", "{-5}", "{99999999999999999999}", "{twenty}", "{1599}", "{22}", "9999"]
)
def test_an_unreadable_year_is_an_error_with_the_line(value: str) -> None:
    bib = bibtex.parse_bibtex(
        f"@misc{{good, title={{Good}}, year=2020}}\n@misc{{bad, title={{Bad}}, year={value}}}\n",
        source="y.bib",
    )
    with pytest.raises(InputError) as caught:
        bibtex.bibtex_papers(bib)  # the good entry is not imported either
    message = str(caught.value)
    assert message.startswith("y.bib, line 2: entry 'bad': year ")
    assert "expected a four-digit year from 1600 to" in message
    assert message.endswith("nothing was imported: fix it, or give --skip-invalid to import "
                            "the other 1 record(s)")  # fmt: skip
    assert "\n" not in message


def test_a_bad_date_is_an_error_too() -> None:
    bib = bibtex.parse_bibtex("@misc{a, title={A}, date={soon}}", source="t.bib")
    with pytest.raises(InputError, match=r"t\.bib, line 1: entry 'a': date 'soon' is not a year"):
        bibtex.bibtex_papers(bib)


@pytest.mark.parametrize("text", ["", "just some notes, no entries\n", "@string{x = {y}}\n"])
def test_a_file_without_entries_is_an_error_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.bib"
    path.write_text(text, encoding="utf-8")
    expected = r"empty\.bib: no BibTeX entries found; expected entries such as @article\{"
    with pytest.raises(InputError, match=expected):
        bibtex.bibtex_papers(bibtex.load_bibtex(path))


def test_names_in_every_bibtex_form() -> None:
    names = bibtex.parse_names(
        "Ludwig van Beethoven and {Barnes and Noble} and Doe, Jr, John and "
        "Tom{\\'a}{\\v s} Mikolov and others"
    )
    assert names == (
        Author("van Beethoven", "Ludwig"),
        Author("Barnes and Noble"),
        Author("Doe", "John Jr"),
        Author("Mikolov", "Tomáš"),
    )


def test_arxiv_ids_from_dblp_and_preprint_styles() -> None:
    bib = bibtex.parse_bibtex(
        "@article{a, title={A}, journal={arXiv preprint arXiv:1706.03762}}\n"
        "@article{b, title={B}, journal={CoRR}, volume={abs/1810.04805}}\n"
        "@misc{c, title={C}, eprint={hep-th/9901001}, archivePrefix={arXiv}}\n"
    )
    assert [p.arxiv_id for p in bibtex.bibtex_papers(bib)] == [
        "1706.03762",
        "1810.04805",
        "hep-th/9901001",
    ]


def test_write_then_read_gives_the_same_papers(refs: bibtex.BibFile) -> None:
    papers = bibtex.bibtex_papers(refs)
    again = bibtex.bibtex_papers(bibtex.parse_bibtex(bibtex.write_bibtex(papers)))
    assert again == papers


def test_writing_escapes_plain_titles_and_makes_keys() -> None:
    from assay.pipeline.papers import Paper

    paper = Paper(title="Q&A at 50% off #1", authors=(Author("Doe", "Jane"),), year=2024)
    text = bibtex.write_bibtex([paper])
    assert text.startswith("@misc{doe2024paper,")
    assert r"Q\&A at 50\% off \#1" in text
    (back,) = bibtex.bibtex_papers(bibtex.parse_bibtex(text))
    assert back.title == "Q&A at 50% off #1"


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        bibtex.load_bibtex(tmp_path / "nope.bib")
    latin = tmp_path / "latin.bib"
    latin.write_bytes("@misc{x, title={Caf\xe9}}".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        bibtex.load_bibtex(latin)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='@{}()"#,=% \n\\abcxyz019', max_size=80))
def test_any_text_parses_or_fails_with_an_input_error(text: str) -> None:
    try:
        bib = bibtex.parse_bibtex(text)
    except InputError as exc:
        message = str(exc)
    else:
        message = "<string>, line 0: parsed"
        assert all(isinstance(e.key, str) for e in bib.entries)
    assert message.startswith("<string>, line ")


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"De\-com\-po\-sition", "Decomposition"),
        (r"location--\hspace{0pt}allocation", "location–allocation"),
        (r"Cuckoo Search {$\equiv (\mu + \lambda$)}-ES", "Cuckoo Search ≡ (μ + λ)-ES"),
        (r"On {\MaxMinAntSystem} and \MyMacro{} x", "On MaxMinAntSystem and MyMacro x"),
        (r"{\bf Bold} and {\em em} \textit{it}", "Bold and em it"),
        (r"M{\"u}ller, Caf\'e, {\o}resund, \v{S}ekerinski", "Müller, Café, øresund, Šekerinski"),
        ("50% of A & B_1 -- raw", "50% of A & B_1 – raw"),  # a bare % is text here
    ],
)
def test_latex_becomes_unicode_text(latex: str, text: str) -> None:
    assert bibtex.latex_to_text(latex) == text
