"""Claims and their reproductions, reached as ``workspace.claims``.

A claim is a number a paper reports (metric, value, setting, direction). Linking a
run reassesses it: a large gap raises the paper's automatic red flag for this
claim (replacing the one it raised before); a gap that closes withdraws it.
Findings log the implicit knowledge met while reproducing.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from assay.errors import InputError, NotFoundError
from assay.pipeline.claims import Claim, Direction, Finding
from assay.store import claims as claim_rows
from assay.store import papers as paper_rows
from assay.store.claims import ClaimRecord
from assay.store.reproductions import FromRun, values_from_run
from assay.workspace.context import Context, now
from assay.workspace.papers import clean
from assay.workspace.users import authorize

__all__ = ["ClaimRecord", "Claims", "FromRun"]


class Claims:
    """Reached as ``workspace.claims``; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(
        self,
        ref: str,
        *,
        metric: str,
        value: float,
        setting: str = "",
        direction: Direction = Direction.HIGHER,
        unit: str = "",
    ) -> ClaimRecord:
        """Record a claim of the paper ``ref``."""
        with self.ctx.write() as session:
            authorize(self.ctx, "claim.add")
            row = paper_rows.find_row(session, ref)
            claim = Claim(row.key, metric, value, clean(setting), direction, clean(unit))
            return claim_rows.add(session, row, claim, by=self.ctx.user, at=now())

    def link_run(
        self,
        claim_id: int,
        run: str,
        values: Sequence[float] | None = None,
        *,
        from_run: FromRun | None = None,
    ) -> ClaimRecord:
        """Link a run to a claim and reassess it (see the module docstring).

        The trial values are ``values`` (for a run recorded elsewhere) or read from
        the stored run as ``from_run`` says, in the same transaction.
        """
        with self.ctx.write() as session:
            authorize(self.ctx, "claim.link")
            row = claim_rows.find_row(session, claim_id)
            if values is not None:
                if from_run is not None:
                    raise InputError(
                        "give the trial values or say how to read them from a stored run, not both"
                    )
                return claim_rows.link_run(session, row, run, values, by=self.ctx.user, at=now())
            spec = from_run or FromRun()
            try:
                found, source = values_from_run(session, run.strip(), row.metric, spec)
            except NotFoundError:
                raise NotFoundError(
                    f"run {run.strip()!r} is not in this workspace (see: assay bench list); "
                    "for a run recorded elsewhere, give its trial values with --values"
                ) from None
            return claim_rows.link_run(
                session, row, run, found, by=self.ctx.user, at=now(), source=source,
                reading=spec.as_,
            )  # fmt: skip

    def add_finding(self, claim_id: int, text: str) -> ClaimRecord:
        """Log implicit knowledge found while reproducing the claim."""
        finding = Finding(clean(text), self.ctx.user, now())
        with self.ctx.write() as session:
            authorize(self.ctx, "claim.finding")
            return claim_rows.add_finding(session, claim_rows.find_row(session, claim_id), finding)

    def get(self, claim_id: int) -> ClaimRecord:
        """The claim ``claim_id`` with its reproductions and findings."""
        with self.ctx.read() as session:
            return claim_rows.record(claim_rows.find_row(session, claim_id))

    def list(self, ref: str | None = None) -> builtins.list[ClaimRecord]:
        """Every claim, or the claims of the paper ``ref``."""
        with self.ctx.read() as session:
            paper = paper_rows.find_row(session, ref) if ref else None
            return claim_rows.all_records(session, paper)
