"""A tidy store: JSON columns (JSONB on PostgreSQL), claim links to stored runs as
foreign keys, actors of role-gated writes as foreign keys to users, no redundant
index.

- ``ix_trials_run`` and ``ix_samples_trial`` go: the unique constraints
  ``uq_trial_key`` and ``uq_sample_metric`` lead with the same column.
- Every JSON value kept in a ``Text`` column becomes ``JSON`` (``JSONB`` on
  PostgreSQL). NaN and infinity, which JSONB refuses, become null first.
- ``claim_runs.run`` (a run id as text) becomes ``run_pk``, a foreign key to
  ``runs``, where the run is in the store; the id of a run recorded elsewhere moves
  to ``elsewhere``.
- The actor of a write that requires a role becomes ``by_id``, a foreign key to
  ``users``, wherever the name is a registered user's; ``by`` keeps the name of an
  actor who is not one (a workspace without users). ``gate_decisions.decided_by``
  (always a registered approver) becomes ``by_id`` alone. ``users.role_by_id`` is new:
  who last changed the user's role.
- ``papers.added_by`` is renamed ``by``, like every other actor column.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
import math
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "runs": ("header", "result"),
    "trials": ("record",),
    "papers": ("authors", "code_checklist"),
    "reading_passes": ("answers",),
    "viability_scores": ("red_flags", "green_flags"),
    "claim_runs": ("trial_values",),
    "red_flags": ("evidence",),
    "predictions": ("tags",),
    "postmortems": (
        "timeline",
        "problems",
        "why_chains",
        "lessons",
        "wrong_predictions",
        "missed_red_flags",
    ),
    "prototypes": ("registration", "point", "evidence_files", "facts", "cost_inputs"),
    "prototype_amendments": ("changes",),
    "gate_decisions": ("advocates", "recommendation", "runs"),
    "ring_move_evidence": ("waived",),
    "review_meetings": ("attendees", "decisions"),
}

# Tables whose actor becomes a user where it can: (table, its primary key).
ACTOR_TABLES = (
    "prototypes",
    "prototype_amendments",
    "prototype_runs",
    "technique_artifacts",
    "review_meetings",
    "users",
)


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def _table(name: str) -> sa.Table:
    return sa.Table(name, sa.MetaData(), autoload_with=op.get_bind())


def _clean_non_finite(name: str, columns: tuple[str, ...]) -> None:
    """Rewrite the rows whose JSON text holds NaN or Infinity, with null in their place."""
    conn = op.get_bind()
    table = _table(name)
    keys = list(table.primary_key.columns)
    for column in columns:
        col = table.c[column]
        rows = conn.execute(
            sa.select(*keys, col).where(sa.or_(col.like("%NaN%"), col.like("%Infinity%")))
        ).all()
        for row in rows:
            text = row[-1]
            cleaned = json.dumps(finite(json.loads(text)), ensure_ascii=False, allow_nan=False)
            if cleaned != text:
                where = [key == value for key, value in zip(keys, row[:-1], strict=True)]
                conn.execute(sa.update(table).where(*where).values({column: cleaned}))


def _to_json() -> None:
    for name, columns in JSON_COLUMNS.items():
        _clean_non_finite(name, columns)
        with op.batch_alter_table(name) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    type_=_JSON,
                    existing_type=sa.Text(),
                    postgresql_using=f'"{column}"::jsonb',
                )


def _user_ids() -> dict[str, int]:
    conn = op.get_bind()
    return {str(key): int(id_) for id_, key in conn.execute(sa.text("SELECT id, key FROM users"))}


def _actors_to_users(users: dict[str, int]) -> None:
    """``by_id`` where ``by`` names a registered user (any case), the name otherwise."""
    conn = op.get_bind()
    for name in ACTOR_TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("by_id", sa.Integer(), nullable=True))
            if name == "users":
                batch.add_column(sa.Column("role_by_id", sa.Integer(), nullable=True))
            batch.alter_column("by", existing_type=sa.String(120), nullable=True)
        table = _table(name)
        for id_, who in conn.execute(sa.select(table.c.id, table.c.by)).all():
            user = users.get(str(who).strip().casefold())
            if user is not None:
                conn.execute(sa.update(table).where(table.c.id == id_).values(by_id=user, by=None))
        with op.batch_alter_table(name) as batch:
            batch.create_foreign_key(f"fk_{name}_by_id", "users", ["by_id"], ["id"])
            if name == "users":
                batch.create_foreign_key("fk_users_role_by_id", "users", ["role_by_id"], ["id"])


def _deciders_to_users(users: dict[str, int]) -> None:
    """A gate is always decided by a registered user: ``decided_by`` becomes ``by_id``."""
    conn = op.get_bind()
    with op.batch_alter_table("gate_decisions") as batch:
        batch.add_column(sa.Column("by_id", sa.Integer(), nullable=True))
    table = _table("gate_decisions")
    for id_, who in conn.execute(sa.select(table.c.id, table.c.decided_by)).all():
        user = users.get(str(who).strip().casefold())
        if user is None:
            raise RuntimeError(
                f"gate decision {id_} was decided by {who!r}, who is not a registered user; "
                f"register them (assay user add {who!r} --role approver) and open again"
            )
        conn.execute(sa.update(table).where(table.c.id == id_).values(by_id=user))
    with op.batch_alter_table("gate_decisions") as batch:
        batch.alter_column("by_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("decided_by")
        batch.create_foreign_key("fk_gate_decisions_by_id", "users", ["by_id"], ["id"])


def _claim_runs_to_runs() -> None:
    """A claim's link names a stored run by its key, a run elsewhere by its id."""
    with op.batch_alter_table("claim_runs") as batch:
        batch.add_column(sa.Column("run_pk", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("elsewhere", sa.String(200), nullable=True))
    op.execute(
        "UPDATE claim_runs SET run_pk = "
        "(SELECT runs.id FROM runs WHERE runs.run_id = claim_runs.run)"
    )
    op.execute("UPDATE claim_runs SET elsewhere = run WHERE run_pk IS NULL")
    with op.batch_alter_table("claim_runs") as batch:
        batch.drop_constraint("uq_claim_runs_claim_run", type_="unique")
        batch.drop_column("run")
        batch.create_unique_constraint("uq_claim_runs_claim_run", ["claim_id", "run_pk"])
        batch.create_unique_constraint("uq_claim_runs_claim_elsewhere", ["claim_id", "elsewhere"])
        batch.create_foreign_key(
            "fk_claim_runs_run_pk", "runs", ["run_pk"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_claim_runs_run", ["run_pk"])


def upgrade() -> None:
    op.drop_index("ix_trials_run", table_name="trials")
    op.drop_index("ix_samples_trial", table_name="samples")
    _to_json()
    users = _user_ids()
    _actors_to_users(users)
    _deciders_to_users(users)
    _claim_runs_to_runs()
    with op.batch_alter_table("papers") as batch:
        batch.alter_column("added_by", new_column_name="by", existing_type=sa.String(120))


def downgrade() -> None:
    raise NotImplementedError(
        "revision 0005 is not reversible in place; restore the copy of the database "
        "taken before upgrading"
    )
