"""Evidence pinned to decisions, criteria judged as registered, files frozen (issue 10).

Three rules keep a decision bound to what it rested on:

* **Judged on the registration.** Once the criteria are frozen, the recommendation
  a decision is compared with is computed on the criteria *as pre-registered*
  (:func:`registered_prototype`); an amended criterion is judged too and shown
  beside it, never in its place. A decision that follows the registration is not an
  override; one that follows only the amendment is.
* **Pinned runs.** A decision records the exact runs its recommendation was computed
  from (:mod:`assay.store.decision_runs`). Runs that judge the prototype later are
  *new evidence since the decision*, judged on their own
  (:func:`assay.workspace.pins.snapshot_part` stores it with the prototype's
  evidence snapshot; :func:`decision_pin` reads it).
* **Frozen files.** A benchmark file's content hash and git commit are frozen with
  the criteria: as the first judging run that ran it recorded them at its start (for
  the file that froze the criteria, that is the freeze itself). A later run of other
  content is marked as having run a changed file wherever it counts as evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assay.criteria import InMemoryEvidence
from assay.pipeline import gates as gate_rules
from assay.pipeline.gates import Answer, DecidedCriterion, DecisionPin, StageFacts
from assay.pipeline.prototype import Prototype, Registration, Stage, TimeBox

if TYPE_CHECKING:  # annotations only: the read side imports no store
    from collections.abc import Sequence

    from assay.store.prototypes import PrototypeRecord

__all__ = ["decision_pin", "file_warnings", "registered_prototype"]


def registered_prototype(record: PrototypeRecord) -> Prototype | None:
    """The prototype with its criteria as frozen, when amendments changed them since
    (``None``: the criteria stand as registered)."""
    if record.freeze is None or not record.amendments:
        return None
    original = Registration.from_canonical_text(record.freeze.canonical_text)
    if original.content_hash() == record.registration.content_hash():
        return None  # amended, then amended back
    box = record.prototype.timebox
    end = original.timebox_end
    if end is None:
        box = None
    elif box is None or box.end != end:
        start = box.start if box is not None else record.registered_at.date()
        box = TimeBox(min(start, end), end)
    return dataclasses.replace(record.prototype, registration=original, timebox=box)


def file_warnings(changed: Sequence[Mapping[str, Any]]) -> list[str]:
    """A warning for each run that ran a file changed after the criteria froze."""
    out = []
    for item in changed:
        commit = item["frozen"].get("git_commit")
        at = f" at git commit {commit[:12]}" if commit else ""
        out.append(
            f"run {item['run']} ran {item['source']} changed after the criteria froze (sha256 "
            f"{item['frozen']['sha256'][:12]}{at}, frozen by run {item['frozen']['run_id']}; "
            f"this run: sha256 {item['sha256'][:12]}): its evidence is not about the "
            "benchmark that was pre-registered"
        )
    return out


def decision_pin(
    document: Mapping[str, Any], judged: Prototype, *, today: dt.date, facts: StageFacts
) -> DecisionPin | None:
    """The newest decision as the snapshot ``document`` keeps it, with the runs it
    rested on and the runs since, each judged on its own on ``judged``'s criteria
    (the registration's, when it was amended)."""
    from assay.workspace.evidence import StoredEvidence  # lazily: keeps start-up fast

    stored = document.get("decision")
    if not stored:
        return None

    def judge(part: Mapping[str, Any] | None) -> gate_rules.Recommendation | None:
        if not part:
            return None
        evidence = StoredEvidence(InMemoryEvidence.from_dict(part["evidence"]), part["sources"])
        return gate_rules.review(judged, evidence, today=today, facts=facts)

    since = stored.get("since")
    return DecisionPin(
        decision_id=int(stored["id"]),
        stage=Stage(stored["stage"]),
        answer=Answer(stored["answer"]),
        recommended=Answer(stored["recommended"]),
        at=dt.datetime.fromisoformat(stored["at"]),
        by=str(stored["by"]),
        runs=tuple(stored["runs"]),
        criteria=tuple(DecidedCriterion(*item) for item in stored["criteria"]),
        since_runs=tuple(since["runs"]) if since else (),
        since=judge(since),
        decided=judge(stored.get("evidence")),
    )
