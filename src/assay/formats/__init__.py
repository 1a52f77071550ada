"""Readers and writers for the formats teams already have, one module per format.

``bibtex`` (BibTeX), ``arxiv`` (arXiv API Atom XML and a fetcher), ``csl`` (CSL
JSON, Zotero's export), ``fatebook`` (Fatebook's forecast CSV),
``radar_formats`` (ThoughtWorks build-your-own-radar CSV, Backstage tech-radar
JSON), ``samples`` (trial values for ``assay compare``: CSV, JSON lists, pyperf and
pytest-benchmark files), ``postmortem_toml`` (a post-mortem written in TOML) and
``reading_notes`` (a paper's reading passes in TOML). Readers take text
(``parse_*``) or a path (``load_*``, ``read_*``) and return value types from
:mod:`assay.pipeline` (or their own small ones); writers return text. A file that cannot be read
raises :class:`assay.errors.InputError` naming the file, the line or field, what
was found and what was expected.

Import the module you need (``from assay.formats import bibtex``); nothing heavy is
imported here.
"""
