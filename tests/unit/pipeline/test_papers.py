"""Papers: LaTeX cleanup, identifiers, and the duplicate and merge rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.errors import InputError
from assay.pipeline.papers import (
    Author,
    Paper,
    clean_latex,
    dedupe,
    find_duplicate,
    merge_papers,
    normalise_arxiv_id,
    normalise_doi,
    normalise_title,
    paper_keys,
    same_paper,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (r"Flash{A}ttention with {IO}-Awareness", "FlashAttention with IO-Awareness"),
        (r"M{\"u}ller and Caf\'e", "Müller and Café"),
        (r"{\o}resund {\O} {\ss} {\aa} {\AE}", "øresund Ø ß å Æ"),
        (
            r"\"{U}ber \^{o} \`a \~n \c{c} \v{s} \H{o} \k{a} \=a \.z \r{u}",
            "Über ô à ñ ç š ő ą ā ż ů",
        ),
        (r"Tom\'a\v s Mikolov", "Tomáš Mikolov"),
        (r"na\"{\i}ve \'{\i}", "naïve í"),
        (r"An \textit{Efficient} \emph{and \textbf{Fast}} Model", "An Efficient and Fast Model"),
        (r"$O(n)$ attention in $O(n^2)$ time", "O(n) attention in O(n²) time"),
        (r"$\alpha$-divergence and $\ell_1$ with $W^{(l)}$", "α-divergence and ℓ₁ with W^(l)"),
        (r"$\mathcal{O}(n \log n)$", "O(n log n)"),
        (r"Q\&A: 50\% of \$5 \#1 a\_b", "Q&A: 50% of $5 #1 a_b"),
        (r"pages 1--30, a---b, ``quoted''", "pages 1–30, a—b, “quoted”"),
        (r"Non~breaking   and {\bf bold} \LaTeX", "Non breaking and bold LaTeX"),
        (r"stray } and { braces", "stray and braces"),
        ("plain text", "plain text"),
    ],
)
def test_clean_latex(raw: str, clean: str) -> None:
    assert clean_latex(raw) == clean


@given(st.text(max_size=60))
def test_clean_latex_never_fails(text: str) -> None:
    assert isinstance(clean_latex(text), str)


def test_identifiers_are_normalised() -> None:
    assert normalise_doi("https://doi.org/10.1145/3531146.3533088") == "10.1145/3531146.3533088"
    assert normalise_doi("doi: 10.5555/JMLR.X") == "10.5555/jmlr.x"
    assert normalise_arxiv_id("arXiv:2205.14135v2") == "2205.14135"
    assert normalise_arxiv_id("https://arxiv.org/pdf/2205.14135v1.pdf") == "2205.14135"
    assert normalise_arxiv_id("10.48550/arXiv.2205.14135") == "2205.14135"
    assert normalise_arxiv_id("cs.LG/0112017v1") == "cs.lg/0112017"
    with pytest.raises(InputError, match=r"expected YYMM\.NNNNN"):
        normalise_arxiv_id("flashattention")
    with pytest.raises(InputError, match=r"DOI 'x/y' is not a DOI"):
        normalise_doi("x/y")


def test_a_paper_normalises_on_construction() -> None:
    paper = Paper(title="  Some   title ", doi="https://doi.org/10.48550/arXiv.2205.14135")
    assert paper.title == "Some title"
    assert paper.raw_title == "Some title"
    assert paper.arxiv_id == "2205.14135"  # an arXiv DOI also fills the arXiv id
    assert paper_keys(paper) == (
        "doi:10.48550/arxiv.2205.14135",
        "arxiv:2205.14135",
        "title:sometitle",
    )
    with pytest.raises(InputError, match="has no title"):
        Paper(title="  ")
    with pytest.raises(InputError, match="not a four-digit year"):
        Paper(title="T", year=22)


def test_normalised_titles_ignore_accents_case_and_punctuation() -> None:
    assert normalise_title("Über-Efficient:  TRANSFORMERS!") == "uber efficient transformers"
    assert normalise_title("Uber efficient transformers") == "uber efficient transformers"


FLASH = "FlashAttention: Fast and Memory-Efficient Exact Attention"


def test_same_paper_by_doi_arxiv_or_title() -> None:
    a = Paper(title=FLASH, arxiv_id="2205.14135")
    assert same_paper(a, Paper(title="other words", arxiv_id="arXiv:2205.14135v3")) == (
        "arxiv:2205.14135"
    )
    assert same_paper(Paper(title="x", doi="10.1000/A"), Paper(title="y", doi="10.1000/a")) == (
        "doi:10.1000/a"
    )
    assert same_paper(a, Paper(title="Flash-Attention: fast and memory efficient exact attention"))
    assert same_paper(a, Paper(title="Something else")) is None


def test_a_title_match_needs_the_same_year_and_first_author() -> None:
    # issue 13: a 2004 book and two 2011 chapters, all "Ant Colony Optimization"
    book = Paper(title="Ant Colony Optimization", year=2004, authors=(Author("Dorigo", "M."),))
    blum = Paper(title="Ant Colony Optimization", year=2011, authors=(Author("Blum", "C."),))
    dorigo = Paper(title="Ant colony optimization", year=2011, authors=(Author("Dorigo", "M"),))
    assert same_paper(book, blum) is None
    assert same_paper(book, dorigo) is None  # same first author, another year
    assert same_paper(blum, dorigo) is None  # same year, another first author
    again = Paper(title="ANT COLONY OPTIMIZATION.", year=2004, authors=(Author("Dorigo", "Marco"),))
    assert same_paper(book, again) == "title:antcolonyoptimization"


def test_conflicting_identifiers_keep_same_titled_works_apart() -> None:
    intro1 = Paper(title="Introduction", doi="10.1000/a")
    intro2 = Paper(title="Introduction", doi="10.1000/b")
    assert same_paper(intro1, intro2) is None
    assert (
        same_paper(Paper(title="T", arxiv_id="2101.00001"), Paper(title="T", arxiv_id="2101.00002"))
        is None
    )
    # the preprint's arXiv DOI does not conflict with the published DOI
    preprint = Paper(title=FLASH, doi="10.48550/arXiv.2205.14135")
    published = Paper(title=FLASH, doi="10.5555/3600270.3601459")
    assert (
        same_paper(preprint, published)
        == "title:flashattentionfastandmemoryefficientexactattention"
    )


def test_merge_keeps_what_is_there_and_fills_gaps() -> None:
    kept = Paper(title=FLASH, raw_title="Flash{A}ttention", year=2022, key="dao22")
    incoming = Paper(
        title="FLASHATTENTION: fast and memory-efficient exact attention",
        authors=(Author("Dao", "Tri"),),
        year=2023,
        doi="10.48550/arXiv.2205.14135",
        url="https://arxiv.org/abs/2205.14135",
        key="other",
    )
    merged = merge_papers(kept, incoming)
    assert merged.title == FLASH
    assert merged.raw_title == "Flash{A}ttention"
    assert merged.year == 2022  # kept wins
    assert merged.key == "dao22"
    assert merged.authors == (Author("Dao", "Tri"),)  # filled
    assert merged.doi == "10.48550/arxiv.2205.14135"
    assert merged.arxiv_id == "2205.14135"
    assert merge_papers(merged, incoming) == merged  # merging again changes nothing


def test_dedupe_merges_in_order_and_find_duplicate_says_why() -> None:
    papers = [
        Paper(title="A", arxiv_id="2101.00001"),
        Paper(title="B"),
        Paper(title="a!", year=2021),
        Paper(title="C", arxiv_id="2101.00001", venue="ICML"),
    ]
    result = dedupe(papers)
    # "a!" (2021) has A's title but another year: a different work, kept (issue 13)
    assert [(p.title, p.year, p.venue) for p in result] == [
        ("A", None, "ICML"),
        ("B", None, ""),
        ("a!", 2021, ""),
    ]
    assert find_duplicate(Paper(title="b"), result) == (1, "title:b")
    assert find_duplicate(Paper(title="b", year=2020), result) is None
    assert find_duplicate(Paper(title="a", year=2021), result) == (2, "title:a")
    assert find_duplicate(Paper(title="D"), result) is None
