"""``assay paper``: papers, how far each was read, red flags, checklist and viability."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from assay.cli import files, output
from assay.cli.common import ByOption, DbOption, JsonOption, date_option, open_workspace
from assay.cli.options import LENIENT_CHOICES, either, renamed
from assay.cli.paper_render import SEVERITY_STYLE, paper_panel, plain_cells
from assay.errors import InputError
from assay.formats.reading_notes import load_notes
from assay.pipeline.papers import Author, Paper, clean_latex
from assay.pipeline.reading import (
    CODE_CHECKLIST,
    Decision,
    Level,
    RedFlagKind,
    Severity,
    ViabilityDimension,
)
from assay.store.papers import PaperImport, PaperRecord

paper_app = typer.Typer(
    help="Papers: add them, read them in passes, flag them, score their viability.",
    no_args_is_help=True,
    context_settings=LENIENT_CHOICES,
)

PaperArgument = Annotated[
    str, typer.Argument(help="The paper: its key, DOI, arXiv id, or words of its title.")
]


def _authors(text: str | None) -> tuple[Author, ...]:
    from assay.formats.bibtex import parse_names

    return parse_names((text or "").replace(";", " and "))


def _report_import(result: PaperImport, json: bool) -> None:
    for warning in result.warnings:
        output.warn(escape(warning))
    if json:
        output.emit_json(result.to_dict())
        return
    source = f" from {escape(result.source)}" if result.source else ""
    output.console.print(
        f"Read {result.records} record(s){source}: {result.new} added, "
        f"{result.merged} merged into papers already here, {len(result.skipped)} skipped."
    )
    for added in result.added:
        key, title = escape(added.paper.key), escape(added.paper.title)
        if added.merged_by:
            incoming = escape(added.incoming_key or "(no key)")
            how = escape(f"merged by {added.merged_by}: {added.why}")
            output.console.print(f"  [bold]{key}[/] ← {incoming}  ({how})")
        else:
            output.console.print(f"  [bold]{key}[/]  {title}  (new)")
        for kept in added.kept_out:
            output.warn(
                escape(f"{added.paper.key}: {kept} belongs to another paper here; not copied")
            )
        if added.possible_duplicates:
            others = ", ".join(added.possible_duplicates)
            output.warn(
                escape(
                    f"possible duplicate: {added.paper.key} has the same title as {others} "
                    "but another year or first author; kept apart"
                )
            )
    for problem in result.skipped:
        output.warn(escape(f"skipped {problem}"))


SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Import the good records of a file and list the bad ones (default: import "
        "nothing when any record is bad).",
    ),
]


@paper_app.command("add")
def add(
    bibtex: Annotated[Path | None, typer.Option("--bibtex", help="A BibTeX file.")] = None,
    key: Annotated[
        str | None, typer.Option("--key", help="With --bibtex: only this entry.")
    ] = None,
    atom: Annotated[
        Path | None, typer.Option("--atom", help="A saved arXiv API answer (Atom XML).")
    ] = None,
    csl: Annotated[Path | None, typer.Option("--csl", help="CSL JSON (Zotero's export).")] = None,
    ris: Annotated[
        Path | None, typer.Option("--ris", help="RIS (Zotero, EndNote, Mendeley export).")
    ] = None,
    arxiv: Annotated[
        str | None, typer.Option("--arxiv", help="Fetch this arXiv id from the arXiv API.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Add by fields: the title.")] = None,
    authors: Annotated[
        str | None, typer.Option("--authors", help="'Tri Dao and Daniel Y. Fu' (or ';').")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year of publication.")] = None,
    venue: Annotated[str | None, typer.Option("--venue", help="Journal or conference.")] = None,
    doi: Annotated[str | None, typer.Option("--doi", help="The DOI.")] = None,
    arxiv_id: Annotated[str | None, typer.Option("--arxiv-id", help="The arXiv id.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where to read it.")] = None,
    code_url: Annotated[str | None, typer.Option("--code-url", help="Its code.")] = None,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Add papers from BibTeX, RIS, CSL JSON, arXiv Atom, the arXiv API, or fields.

    Duplicates (same DOI, same arXiv id, or same title with the same year and first
    author) are merged, never doubled, and every merge is listed; a paper with only
    the same title is kept and listed as a possible duplicate. The whole file is
    checked first: with any bad record nothing is imported and every bad record is
    listed, unless --skip-invalid.
    """
    sources = {"--bibtex": bibtex, "--ris": ris, "--csl": csl, "--atom": atom,
               "--arxiv": arxiv, "--title": title}  # fmt: skip
    given = [name for name, value in sources.items() if value is not None]
    if len(given) != 1:
        raise InputError(
            "give exactly one source: --bibtex FILE, --ris FILE, --csl FILE, --atom FILE, "
            f"--arxiv ID, or --title with fields; got {', '.join(given) or 'none'}"
        )
    if skip_invalid and not (bibtex or ris or csl):
        raise InputError("--skip-invalid applies to a file: give --bibtex, --ris or --csl")
    if key is not None and bibtex is None:
        raise InputError("--key picks an entry of a BibTeX file; give --bibtex FILE too")
    field_options = (authors, year, venue, doi, arxiv_id, url, code_url)
    if title is None and any(v is not None for v in field_options):
        raise InputError("--authors, --year, --doi... describe a paper by fields; add --title")
    with open_workspace(db, by) as ws:
        if bibtex is not None:
            result = ws.papers.import_bibtex(bibtex, key=key, skip_invalid=skip_invalid)
        elif ris is not None:
            result = ws.papers.import_ris(ris, skip_invalid=skip_invalid)
        elif csl is not None:
            result = ws.papers.import_csl(csl, skip_invalid=skip_invalid)
        elif atom is not None:
            result = ws.papers.import_atom(atom)
        elif arxiv is not None:
            result = ws.papers.fetch_arxiv(arxiv)
        else:
            assert title is not None
            paper = Paper(
                title=clean_latex(title), raw_title=title, authors=_authors(authors), year=year,
                venue=venue or "", doi=doi, arxiv_id=arxiv_id, url=url, code_url=code_url,
                source="manual",
            )  # fmt: skip
            result = ws.papers.add([paper])
    _report_import(result, json)


class ExportFormat(enum.StrEnum):
    """The bibliography formats ``paper export`` writes."""

    BIBTEX = "bibtex"
    CSL_JSON = "csl-json"
    RIS = "ris"


@paper_app.command("export")
def export(
    format: Annotated[
        ExportFormat,
        typer.Option("--format", case_sensitive=False, help="bibtex, csl-json or ris."),
    ] = ExportFormat.BIBTEX,
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    force: files.ForceOption = False,
    db: DbOption = None,
) -> None:
    """Write every paper as BibTeX, CSL JSON or RIS; importing it again gives the same papers."""
    if out is not None:
        files.check_output(out, force=force, db=db)
    with open_workspace(db) as ws:
        text = ws.papers.export(format.value)
    if out is None:
        output.emit_text(text)
        return
    files.write_text(out, text)
    output.console.print(f"Wrote {escape(str(out))} ({format.value}).")


# --- listing and showing ------------------------------------------------------------


@paper_app.command("list")
def list_(
    db: DbOption = None,
    json: JsonOption = False,
    include_retired: Annotated[
        bool, typer.Option("--include-retired", help="List retired papers too, marked so.")
    ] = False,
) -> None:
    """List papers with their reading status, relevance, flags and claims."""
    with open_workspace(db) as ws:
        records = ws.papers.list(include_retired=include_retired)
        retired = ws.corrections.retired("paper") if include_retired else {}
    if json:
        output.emit_json(
            {
                "papers": [
                    r.summary() | ({"retired": r.paper.key in retired} if include_retired else {})
                    for r in records
                ]
            }
        )
        return
    if not records:
        output.console.print("No papers yet. Add some: assay paper add --bibtex refs.bib")
        return
    k = output.Kind
    table = output.table(  # atoms stacked in a cell, one a line, so 80 columns hold them
        output.Column("Key, year", k.ID), output.Column("Title, techniques"),
        output.Column("Read, relevance", k.LABEL), output.Column("Flags, claims", k.LABEL),
        expand=True,
    )  # fmt: skip
    for record in records:
        s = record.summary()
        flags = Text(str(s["red_flags"]) if s["red_flags"] else "—")
        if s["worst_flag"]:
            flags.append(f" ({s['worst_flag']})", style=SEVERITY_STYLE[Severity(s["worst_flag"])])
        flags.append(f"\n{s['claims'] or 0} claim" + ("" if s["claims"] == 1 else "s"))
        title = Text(s["title"])
        if s["key"] in retired:
            title.append(f" (retired: {retired[s['key']].describe()})", style="bold red")
        if s["techniques"]:
            title.append("\n→ " + ", ".join(s["techniques"]), style="dim")
        table.add_row(*plain_cells(
            f"{s['key']}\n{s['year'] or '—'}", title,
            f"{s['status']}\nrel. {s['relevance'] or '—'}", flags,
        ))  # fmt: skip
    output.console.print(table)


@paper_app.command("show")
def show(paper: PaperArgument, db: DbOption = None, json: JsonOption = False) -> None:
    """Show a paper: metadata, reading passes, note, flags, checklist, viability, claims."""
    with open_workspace(db) as ws:
        record = ws.papers.get(paper)
        retired = ws.corrections.retirement("paper", record.paper.key)
    if json:
        marked = retired.to_dict() if retired.retired else None
        output.emit_json(record.to_dict() | {"retired": marked})
    else:
        if retired.retired:  # out of lists, search and exports (assay paper retire)
            output.prose(f"[bold red]Retired:[/] {escape(retired.describe())}")
        output.console.print(paper_panel(record))


def _done(record: PaperRecord, json: bool, message: str) -> None:
    if json:
        output.emit_json(record.to_dict())
    else:
        output.console.print(message)


@paper_app.command("link")
def link(
    paper: PaperArgument,
    technique: Annotated[str, typer.Argument(help="A technique on the radar.")],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Link a paper to a technique on the radar (a paper may inform many techniques)."""
    with open_workspace(db, by) as ws:
        record, new = ws.papers.link(paper, technique)
    state = "Linked" if new else "Already linked:"
    _done(
        record,
        json,
        f"{state} [bold]{escape(record.paper.key)}[/] ↔ {escape(', '.join(record.techniques))}",
    )


# --- reading --------------------------------------------------------------------------


@paper_app.command("read")
def read(
    paper: PaperArgument,
    number: Annotated[
        int | None, typer.Option("--pass", min=1, max=3, help="Which pass: 1, 2 or 3.")
    ] = None,
    claim: Annotated[str | None, typer.Option("--claim", help="Pass 1: the claim.")] = None,
    problem: Annotated[str | None, typer.Option("--problem", help="Pass 1: the problem.")] = None,
    relevance: Annotated[
        str | None, typer.Option("--relevance", help="Pass 1: is it our problem?")
    ] = None,
    plausibility: Annotated[
        str | None, typer.Option("--plausibility", help="Pass 1: is the claim plausible?")
    ] = None,
    technique: Annotated[
        str | None, typer.Option("--technique", help="Pass 2: the technique in a paragraph.")
    ] = None,
    key_results: Annotated[
        str | None, typer.Option("--key-results", help="Pass 2: results and baselines.")
    ] = None,
    limitations_stated: Annotated[
        str | None, typer.Option("--limitations-stated", help="Pass 2: stated limitations.")
    ] = None,
    limitations_missing: Annotated[
        str | None, typer.Option("--limitations-missing", help="Pass 2: unstated ones.")
    ] = None,
    can_implement: Annotated[
        str | None, typer.Option("--can-implement", help="Pass 2: could we implement it?")
    ] = None,
    can_reimplement: Annotated[
        str | None, typer.Option("--can-reimplement", help="Pass 3: from the paper alone?")
    ] = None,
    hidden_assumptions: Annotated[
        str | None, typer.Option("--hidden-assumptions", help="Pass 3: hidden assumptions.")
    ] = None,
    what_breaks_it: Annotated[
        str | None, typer.Option("--what-breaks-it", help="Pass 3: what would break it?")
    ] = None,
    ablations: Annotated[
        str | None, typer.Option("--ablations", help="Pass 3: what the ablations showed.")
    ] = None,
    decision: Annotated[
        Decision | None,
        typer.Option("--decision", case_sensitive=False, help="Continue or stop after this pass."),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why continue or stop.")] = None,
    on: Annotated[
        str | None, typer.Option("--on", metavar="DATE", help="When it was read (YYYY-MM-DD).")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="A notes TOML file with tables pass1, pass2, pass3, note."),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Record a reading pass: its answers and the decision to continue or stop.

    Most papers stop at pass 1; that is a good outcome (screened out cheaply).
    """
    answers = {
        "claim": claim, "problem": problem, "relevance": relevance, "plausibility": plausibility,
        "technique": technique, "key_results": key_results,
        "limitations_stated": limitations_stated, "limitations_missing": limitations_missing,
        "can_implement": can_implement, "can_reimplement": can_reimplement,
        "hidden_assumptions": hidden_assumptions, "what_breaks_it": what_breaks_it,
        "ablations": ablations,
    }  # fmt: skip
    given = {k: v for k, v in answers.items() if v is not None}
    note: dict[str, Any] | None = None
    if from_file is not None:
        if given or decision or reason:
            raise InputError("--from FILE holds the answers; do not give answer options too")
        entries, note = load_notes(from_file, number)
    else:
        if number is None:
            raise InputError("which pass? give --pass 1, 2 or 3 (or --from notes.toml)")
        if decision is None or reason is None:
            raise InputError("a pass ends with --decision continue|stop and a --reason")
        when = date_option(on, field="--on")
        entries = [(number, given, decision, reason, when)]
    with open_workspace(db, by) as ws:
        record = ws.papers.read(paper, entries, note=note)
    _done(record, json, f"[bold]{escape(record.paper.key)}[/]: {escape(record.status[1])}")


@paper_app.command("note")
def note(
    paper: PaperArgument,
    relevance: Annotated[
        int | None, typer.Option("--relevance", min=1, max=5, help="How relevant to us, 1-5.")
    ] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="One sentence.")] = None,
    key_insight: Annotated[str | None, typer.Option("--key-insight", help="The idea.")] = None,
    results: Annotated[
        str | None, typer.Option("--results", help="Results against baselines.")
    ] = None,
    limitations: Annotated[str | None, typer.Option("--limitations", help="Its limits.")] = None,
    viability: Annotated[
        str | None, typer.Option("--viability", help="Production viability, in words.")
    ] = None,
    effort: Annotated[
        str | None, typer.Option("--effort", help="What implementing it would take.")
    ] = None,
    date_read: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE", help="When it was read, YYYY-MM-DD; default today."),
    ] = None,
    old_date_read: Annotated[str | None, renamed("--date-read", "--on")] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Write the structured note; fields not given keep their earlier values."""
    date_read = either(date_read, old_date_read)
    changes = {
        "relevance": relevance, "summary": summary, "key_insight": key_insight,
        "results_vs_baselines": results, "limitations": limitations,
        "production_viability": viability, "implementation_effort": effort,
        "date_read": date_option(date_read, field="--on"),
    }  # fmt: skip
    with open_workspace(db, by) as ws:
        record = ws.papers.note(paper, **changes)
    _done(record, json, f"Wrote the note on [bold]{escape(record.paper.key)}[/].")


# --- flags, checklist, viability ---------------------------------------------------------


@paper_app.command("flag")
def flag(
    paper: PaperArgument,
    kind: Annotated[
        RedFlagKind, typer.Argument(case_sensitive=False, help="The red flag.", show_default=False)
    ],
    severity: Annotated[
        Severity, typer.Option("--severity", case_sensitive=False, help="How serious it is.")
    ],
    evidence: Annotated[
        list[str],
        typer.Option("--evidence", help="Where it shows: 'Table 3' or 'Table 3: untuned'."),
    ],
    note: Annotated[str, typer.Option("--note", help="Anything else to say.")] = "",
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Raise a red flag with its severity and evidence (replaces your earlier one of that kind)."""
    flag_kind, level = kind, severity
    with open_workspace(db, by) as ws:
        record = ws.papers.flag(paper, flag_kind, severity=level, evidence=evidence, note=note)
    _done(
        record,
        json,
        f"Flagged [bold]{escape(record.paper.key)}[/]: {flag_kind.value} ({level.value}).",
    )


@paper_app.command("unflag")
def unflag(
    paper: PaperArgument,
    kind: Annotated[
        RedFlagKind,
        typer.Argument(case_sensitive=False, help="The red flag to withdraw.", show_default=False),
    ],
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Withdraw a red flag a reader raised."""
    flag_kind = kind
    with open_workspace(db, by) as ws:
        record = ws.papers.unflag(paper, flag_kind)
    _done(record, json, f"Withdrew {flag_kind.value} from [bold]{escape(record.paper.key)}[/].")


def _tick(name: str) -> Any:
    flag_name = name.replace("_", "-")
    return typer.Option(f"--{flag_name}/--no-{flag_name}", help=f"{CODE_CHECKLIST[name]}.")


@paper_app.command("checklist")
def checklist(
    paper: PaperArgument,
    dependencies: Annotated[bool | None, _tick("dependencies")] = None,
    training_code: Annotated[bool | None, _tick("training_code")] = None,
    evaluation_code: Annotated[bool | None, _tick("evaluation_code")] = None,
    pretrained_models: Annotated[bool | None, _tick("pretrained_models")] = None,
    results_table: Annotated[bool | None, _tick("results_table")] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Tick the ML Code Completeness checklist of the paper's code (items not given stay)."""
    ticks = {
        "dependencies": dependencies, "training_code": training_code,
        "evaluation_code": evaluation_code, "pretrained_models": pretrained_models,
        "results_table": results_table,
    }  # fmt: skip
    changes = {k: v for k, v in ticks.items() if v is not None}
    with open_workspace(db, by) as ws:
        record = ws.papers.checklist(paper, changes)
    assert record.checklist is not None
    key = escape(record.paper.key)
    _done(record, json, f"[bold]{key}[/]: code checklist {record.checklist.score}/5.")


_DIMENSIONS = {
    "efficiency": ViabilityDimension.COMPUTATIONAL_EFFICIENCY,
    "integration": ViabilityDimension.INTEGRATION_COMPLEXITY,
    "robustness": ViabilityDimension.ROBUSTNESS,
    "maintainability": ViabilityDimension.MAINTAINABILITY,
}


def _dimension(text: str, field: str) -> ViabilityDimension:
    name = text.strip().lower()
    for short, dimension in _DIMENSIONS.items():
        if name in (short, dimension.value):
            return dimension
    raise InputError(f"{field}: {text!r} is not a dimension; expected {', '.join(_DIMENSIONS)}")


def _pairs(items: Sequence[str], field: str) -> dict[ViabilityDimension, list[str]]:
    found: dict[ViabilityDimension, list[str]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not text.strip():
            raise InputError(
                f"{field} {item!r}: expected DIMENSION=TEXT, e.g. efficiency=needs sm80"
            )
        found.setdefault(_dimension(name, field), []).append(text.strip())
    return found


def _factor(name: str, help_text: str) -> Any:
    return typer.Option(name, case_sensitive=False, help=help_text)


def _score(help_text: str) -> Any:
    return typer.Option(min=1, max=5, help=f"{help_text}, 1 (impractical) to 5.")


@paper_app.command("viability")
def viability(
    paper: PaperArgument,
    efficiency: Annotated[int | None, _score("Computational efficiency")] = None,
    integration: Annotated[int | None, _score("Integration complexity (5: drop-in)")] = None,
    robustness: Annotated[int | None, _score("Robustness")] = None,
    maintainability: Annotated[int | None, _score("Maintainability")] = None,
    notes: Annotated[
        list[str] | None, typer.Option("--note", help="DIMENSION=TEXT, e.g. efficiency=...")
    ] = None,
    red: Annotated[list[str] | None, typer.Option("--red", help="DIMENSION=red flag.")] = None,
    green: Annotated[
        list[str] | None, typer.Option("--green", help="DIMENSION=green flag.")
    ] = None,
    reversibility: Annotated[Level | None, _factor("--reversibility", "How easily undone.")] = None,
    gain: Annotated[Level | None, _factor("--expected-gain", "Size of the gain.")] = None,
    maturity: Annotated[Level | None, _factor("--maturity", "Of implementations.")] = None,
    criticality: Annotated[Level | None, _factor("--criticality", "Of the use case.")] = None,
    shadow: Annotated[
        bool | None,
        typer.Option("--shadow-mode/--no-shadow-mode", help="Is a shadow-mode trial possible?"),
    ] = None,
    db: DbOption = None,
    by: ByOption = None,
    json: JsonOption = False,
) -> None:
    """Score production viability (four dimensions) and the adoption-timing factors."""
    given = {"efficiency": efficiency, "integration": integration, "robustness": robustness,
             "maintainability": maintainability}  # fmt: skip
    scores = {_DIMENSIONS[k]: v for k, v in given.items() if v is not None}
    note_map = {d: " ".join(t) for d, t in _pairs(notes or [], "--note").items()}
    factors: dict[str, Level | bool] = {}
    for name, level in (("reversibility", reversibility), ("expected_gain", gain),
                        ("maturity", maturity), ("criticality", criticality)):  # fmt: skip
        if level is not None:
            factors[name] = level
    if shadow is not None:
        factors["shadow_mode"] = shadow
    with open_workspace(db, by) as ws:
        record = ws.papers.viability(
            paper, scores=scores, notes=note_map, red=_pairs(red or [], "--red"),
            green=_pairs(green or [], "--green"), factors=factors,
        )  # fmt: skip
    v, advice = record.viability, record.advice
    message = f"[bold]{escape(record.paper.key)}[/]: viability " + (
        f"{v.overall:.2f}/5" if v else "partly scored"
    )
    _done(record, json, message + (f"; suggests: {advice.timing.value}" if advice else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(paper_app, name="paper")
