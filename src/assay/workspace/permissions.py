"""Who may do what: every write action, the role it needs and the commands that reach it.

This table is the one source of truth for permissions. Every write of a service
passes :func:`assay.workspace.users.authorize` with one of these actions, inside its
unit of work (the :class:`~assay.workspace.context.Context` refuses a write unit
that changed rows without such a check); ``docs/permissions.md`` is generated from
it (``python -m assay.workspace.permissions``) and a test keeps the two equal.

Roles, from least to most (each includes the ones before it): a **viewer** reads
(and manages their own password and web sessions); a
**contributor** writes the record; an **approver** decides gates and approves
overrides; an **admin** manages users, roles and other people's tokens, and renames
and retires records.

A workspace with no registered users is open to its single local user, except for
the actions marked ``always`` (deciding a gate, changing a role), which need a
registered user with the role even then.

Standard library only: the hot write paths (``technique next``) read it.
"""

from __future__ import annotations

import dataclasses

__all__ = ["ACTIONS", "ROLES", "Action", "action", "markdown", "rank", "web_only"]

ROLES = ("viewer", "contributor", "approver", "admin")


def rank(role: str) -> int:
    """0 for viewer up to 3 for admin."""
    return ROLES.index(role)


@dataclasses.dataclass(frozen=True)
class Action:
    """One write action: its name (``area.verb``), what it does (as messages say it,
    "adding a technique"), the role it needs, and the commands that reach it."""

    name: str
    description: str
    role: str
    commands: tuple[str, ...]
    always: bool = False  # checked even in a workspace without users


def _table(*rows: tuple[str, str, str, str]) -> dict[str, Action]:
    table: dict[str, Action] = {}
    for name, role, description, commands in rows:
        always = role.endswith("!")
        role = role.rstrip("!")
        assert role in ROLES, role
        assert name not in table, name
        table[name] = Action(name, description, role, tuple(commands.split(", ")), always)
    return table


_V, _C, _P, _A = "viewer", "contributor", "approver", "admin"

# name, role ("!": checked even without users), description, commands ("assay " omitted;
# "web METHOD /route": an action the web app alone reaches)
ACTIONS: dict[str, Action] = _table(
    ("user.password", _V, "setting your own password", "user password"),
    ("session.login", _V, "logging in to the web app", "web POST /login"),
    ("session.logout", _V, "logging out of the web app", "web POST /logout"),
    ("session.revoke", _V, "ending your own web sessions", "user logout"),
    ("technique.add", _C, "adding a technique", "technique add"),
    ("technique.edit", _C, "editing a technique", "technique edit"),
    ("technique.next", _C, "setting a next action", "technique next"),
    ("technique.attach", _C, "attaching an artifact", "technique attach"),
    ("radar.move", _C, "moving a technique on the radar", "radar move"),
    ("radar.import", _C, "importing a radar", "radar import"),
    (
        "radar.override",
        _P,
        "overriding the evidence rule of the radar",
        "radar move --override, technique add --ring --override",
    ),
    ("paper.add", _C, "adding a paper", "paper add"),
    ("paper.link", _C, "linking a paper to a technique", "paper link"),
    ("paper.read", _C, "recording a reading pass", "paper read"),
    ("paper.note", _C, "writing reading notes", "paper note"),
    ("paper.flag", _C, "flagging a paper", "paper flag, paper unflag"),
    ("paper.checklist", _C, "ticking a paper's checklist", "paper checklist"),
    ("paper.viability", _C, "scoring a paper's viability", "paper viability"),
    ("claim.add", _C, "recording a claim", "claim add"),
    ("claim.link", _C, "linking a run to a claim", "claim link"),
    ("claim.finding", _C, "recording a finding", "claim finding"),
    ("prediction.add", _C, "making a prediction", "predict add"),
    ("prediction.forecast", _C, "forecasting a prediction", "predict forecast"),
    ("prediction.resolve", _C, "resolving a prediction", "predict resolve, predict check"),
    ("prediction.import", _C, "importing predictions", "predict import"),
    ("postmortem.add", _C, "writing a post-mortem", "postmortem new"),
    ("postmortem.done", _C, "closing a post-mortem action", "postmortem done"),
    (
        "postmortem.open-question",
        _C,
        "opening a post-mortem's question on the radar",
        "postmortem open-question",
    ),
    ("prototype.new", _C, "registering a prototype", "prototype new"),
    ("prototype.amend", _C, "changing a prototype's criteria", "prototype amend"),
    ("prototype.evidence", _C, "linking evidence", "prototype evidence, ab analyze --prototype"),
    ("prototype.facts", _C, "recording stage facts", "prototype facts"),
    ("prototype.set", _C, "changing a prototype", "prototype set"),
    ("prototype.cost", _C, "storing cost inputs", "cost --save"),
    ("run.start", _C, "running a benchmark", "bench run, bench resume"),
    (
        "run.import",
        _C,
        "importing benchmark results",
        "bench import, ab analyze, load run --store, load slo --store",
    ),
    ("review.record", _C, "recording a review", "review record"),
    ("rollout.start", _C, "starting a rollout", "rollout start"),
    ("rollout.step", _C, "stepping a rollout up", "rollout step, rollout complete"),
    ("rollout.evidence", _C, "attaching A/B evidence to a rollout step", "rollout evidence"),
    ("rollout.rollback", _C, "recording a rollback", "rollout rollback"),
    (
        "rollout.override",
        _P,
        "stepping a rollout up without the evidence it needs",
        "rollout step --override, rollout complete --override",
    ),
    ("inbox.import", _C, "importing a feed into the reading inbox", "inbox import"),
    ("inbox.triage", _C, "triaging an inbox item", "inbox triage"),
    ("area.owner", _C, "setting an area's owner", "area set-owner"),
    ("learning.add", _C, "writing a prototype's learnings", "learning add"),
    ("watch.check", _C, "recording reached revisit dates and older runs", "watch check"),
    ("watch.dismiss", _P, "dismissing a reopened decision", "watch dismiss"),
    ("self.rate", _C, "rating your own capabilities", "self rate"),
    ("self.growth", _C, "adding a growth area of your own", "self growth add"),
    (
        "question.open",
        _C,
        "opening a research question on the radar",
        "question open --from-postmortem, question open --from-watch",
    ),
    ("token.create", _C, "creating a token for yourself", "token create"),
    ("token.revoke", _C, "revoking your own token", "token revoke"),
    ("gate.decide", _P + "!", "deciding a gate", "gate decide"),
    ("user.add", _A, "adding a user", "user add"),
    ("user.set-role", _A + "!", "changing a role", "user set-role"),
    (
        "user.set-db-role",
        _A,
        "mapping a user to a database login",
        "user set-db-role, user add --db-role",
    ),
    ("user.retire", _A, "retiring a user", "user retire"),
    ("token.create-other", _A, "creating a token for another user", "token create --user"),
    ("token.revoke-other", _A, "revoking another user's token", "token revoke"),
    ("user.password-other", _A, "setting another user's password", "user password"),
    ("session.revoke-other", _A, "ending another user's web sessions", "user logout"),
    (
        "self.rate-other",
        _A,
        "rating another person's capabilities or adding their growth area",
        "self rate --person, self growth add --person",
    ),
    ("technique.rename", _A, "renaming a technique", "technique rename, technique edit --name"),
    ("technique.retire", _A, "retiring a technique", "technique retire, technique retire --undo"),
    ("paper.retire", _A, "retiring a paper", "paper retire, paper retire --undo"),
    ("run.retire", _A, "retiring a run", "bench retire, bench retire --undo"),
)


def action(name: str) -> Action:
    """The action ``name``; an unknown name is a bug in assay (a ``KeyError``)."""
    return ACTIONS[name]


def web_only(act: Action) -> bool:
    """Whether only the web app reaches ``act`` (its commands are ``web`` routes)."""
    return all(c.startswith("web ") for c in act.commands)


def _command(command: str) -> str:
    if command.startswith("web "):
        return f"`{command.removeprefix('web ')}` (web)"
    return f"`assay {command}`"


def markdown() -> str:
    """The table as ``docs/permissions.md`` shows it, between its markers."""
    lines = [
        "| action | what it does | needs | commands |",
        "|---|---|---|---|",
    ]
    for act in sorted(ACTIONS.values(), key=lambda a: (rank(a.role), a.name)):
        needs = act.role + (" (always)" if act.always else "")
        commands = ", ".join(_command(c) for c in act.commands)
        lines.append(f"| `{act.name}` | {act.description} | {needs} | {commands} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m assay.workspace.permissions: the table for the docs
    print(markdown(), end="")  # noqa: T201 -- the docs generator's output
