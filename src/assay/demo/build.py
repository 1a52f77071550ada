"""``assay demo``: a realistic team workspace, built in steps.

Each capability of assay adds a step to :data:`STEPS`; the demo runs them in order
on a fresh workspace, so that ``make demo`` always tells the whole story the
product can tell today.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from assay.bench import load_module
from assay.demo.context import DemoContext, DemoStep
from assay.demo.decisions import DEMO_PROTOTYPE, decisions_step
from assay.demo.inbox import inbox_step
from assay.demo.production import production_step
from assay.demo.radar import TEAM, radar_step
from assay.demo.research import research_step
from assay.demo_study import MODULE, demo_options
from assay.errors import WorkspaceError
from assay.report import StudyView, write_report
from assay.workspace import DIRNAME, Workspace
from assay.workspace.settings import load_settings

__all__ = ["STEPS", "build_demo"]


def _bench_step(ws: Workspace, ctx: DemoContext) -> None:
    """The evidence: tiled vs naive attention over a sweep of sequence lengths."""
    spec = load_module(MODULE)
    options = demo_options(trials=3 if ctx.quick else 5, plan_seed=20261126)
    ws.user = "Marco"
    run_id, result = ws.runs.start(None, options, spec=spec)
    ctx.runs["attention"] = run_id
    ctx.log.append(
        f"benchmark: run {run_id}, tiled vs naive attention, "
        f"{result.completed} trials ({result.failed} failed)"
    )


def _reports_step(ws: Workspace, ctx: DemoContext) -> None:
    """The three reports of the tiled-attention prototype, built from the record alone."""
    view = StudyView.from_study(ws.prototypes.study(DEMO_PROTOTYPE))
    written = []
    for audience in ("exec", "pm", "eng"):
        for path in write_report(view, audience, "html", ctx.root / f"report-{audience}.html"):
            written.append(path.name)
    write_report(view, "eng", "md", ctx.root / "report-eng.md")
    ctx.log.append(f"reports: {', '.join(written)} and report-eng.md in {ctx.root}")
    _credibility(ws, ctx)


def _credibility(ws: Workspace, ctx: DemoContext) -> None:
    """The team's track record: predicted against measured for what it adopted."""
    from assay.report.credibility import credibility_report, track_record_sentence
    from assay.report.document import to_markdown
    from assay.workspace.credibility import credibility

    doc = credibility(ws, today=ctx.today)
    (ctx.root / "credibility.md").write_text(to_markdown(credibility_report(doc)), "utf-8")
    ctx.log.append(
        f"credibility: {track_record_sentence(doc, None)} (credibility.md; assay credibility)"
    )


#: The demo, in order. Each later capability appends its step here.
STEPS: list[DemoStep] = [
    radar_step,
    _bench_step,
    research_step,
    inbox_step,
    decisions_step,
    production_step,
    _reports_step,
]


def build_demo(
    root: Path, *, today: dt.date | None = None, quick: bool = False
) -> tuple[Workspace, DemoContext]:
    """Build the demo workspace in ``root``, replacing an earlier demo there.

    A directory holding a workspace that is not a demo is never touched.
    """
    root = root.expanduser().resolve()
    home = root / DIRNAME
    if home.exists():
        if not load_settings(home / "assay.toml").demo:
            raise WorkspaceError(
                f"{root} holds a workspace that is not a demo; refusing to replace it. "
                "Pick another directory: assay demo DIR"
            )
        shutil.rmtree(home)
    ctx = DemoContext(root=root, today=today or dt.date.today(), quick=quick)
    ws = Workspace.init(root, user=TEAM[0], demo=True)
    try:
        for step in STEPS:
            step(ws, ctx)
    except BaseException:
        ws.close()
        raise
    ws.user = TEAM[0]
    return ws, ctx
