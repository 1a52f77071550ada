"""The runs each gate decision rested on, pinned when it was decided (issue 10).

A decision keeps the exact runs its recommendation was computed from; runs that
judge the prototype later are *new evidence since the decision*, shown apart
(:mod:`assay.workspace.pinning`), never a silent change of what was decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.decision_models import DecisionRunRow
from assay.store.run_models import RunRow

__all__ = ["pin", "pinned"]


def pin(session: Session, decision_id: int, run_ids: Sequence[str]) -> None:
    """Pin the decision ``decision_id`` to the runs ``run_ids`` (unknown ids are
    refused by the caller: every id comes from the review it answered)."""
    wanted = list(dict.fromkeys(run_ids))
    if not wanted:
        return
    query = select(RunRow.run_id, RunRow.id).where(RunRow.run_id.in_(wanted))
    found: dict[str, int] = {run_id: pk for run_id, pk in session.execute(query)}
    missing = [run_id for run_id in wanted if run_id not in found]
    assert not missing, f"pinning runs that do not exist: {missing}"
    session.add_all(DecisionRunRow(decision_pk=decision_id, run_pk=found[r]) for r in wanted)
    session.flush()


def pinned(session: Session, decision_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The pinned run ids of each of these decisions, newest run first (one query);
    a decision without pins (it rested on no run) maps to ``()``."""
    wanted = sorted(set(decision_ids))
    out: dict[int, list[tuple[str, str]]] = {decision_id: [] for decision_id in wanted}
    if not wanted:
        return {}
    rows = session.execute(
        select(DecisionRunRow.decision_pk, RunRow.run_id, RunRow.created_at)
        .join(RunRow, RunRow.id == DecisionRunRow.run_pk)
        .where(DecisionRunRow.decision_pk.in_(wanted))
    )
    for decision_id, run_id, created in rows:
        out[decision_id].append((created.isoformat(), run_id))
    return {key: tuple(r for _, r in sorted(value, reverse=True)) for key, value in out.items()}
