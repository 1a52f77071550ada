"""The run plan: interleaved, randomised blocks, deterministic from a seed.

A **block** holds one trial of every method on the same sweep point and the same
workload seed, in a shuffled order; a **round** holds one block per sweep point,
the blocks themselves shuffled. Round ``r`` uses the ``r``-th workload seed, so
every method meets the same inputs (trials pair by seed) and drift over the run
hits every method alike. Everything is drawn from one :class:`random.Random`
seeded with the plan seed, so a plan is a pure function of (methods, sweep
points, plan seed): a resumed run regenerates it exactly and skips the trials
its sink already holds.

A trial is identified by its :class:`TrialKey` (method, sweep parameters,
workload seed); a run never measures one key twice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assay.bench.registry import Params, ParamValue
from assay.errors import InputError

__all__ = ["Block", "Plan", "TrialKey", "format_params"]


def format_params(params: Params) -> str:
    """``n=256,dtype=f32``, or the empty string for no parameters."""
    return ",".join(f"{name}={value}" for name, value in params)


@dataclass(frozen=True, order=True)
class TrialKey:
    """What a trial measures: a method, a sweep point and a workload seed."""

    method: str
    params: Params
    seed: int

    def __str__(self) -> str:
        point = f"[{format_params(self.params)}]" if self.params else ""
        return f"{self.method}{point} seed={self.seed}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"method", "params": {...}, "seed"}``."""
        return {"method": self.method, "params": dict(self.params), "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialKey:
        """Inverse of :meth:`to_dict` (parameter order is kept as stored)."""
        params: Params = tuple((str(k), _param(v)) for k, v in data["params"].items())
        return cls(str(data["method"]), params, int(data["seed"]))


def _param(value: Any) -> ParamValue:
    if isinstance(value, bool | int | float | str):
        return value
    raise InputError(f"a stored trial parameter {value!r} is not a string, number or boolean")


@dataclass(frozen=True)
class Block:
    """One trial of every method on one sweep point and seed, in run order."""

    index: int
    round: int
    params: Params
    seed: int
    order: tuple[str, ...]

    def trial_keys(self) -> list[TrialKey]:
        """The block's trials in the order they run."""
        return [TrialKey(method, self.params, self.seed) for method in self.order]


class Plan:
    """The (endless) sequence of rounds of blocks for one run; see the module docstring."""

    def __init__(self, methods: Sequence[str], points: Sequence[Params], plan_seed: int) -> None:
        if len(methods) < 2:
            raise InputError("a plan needs at least two methods (a baseline and a candidate)")
        if not points:
            raise InputError("a plan needs at least one sweep point")
        self.methods = tuple(methods)
        self.points = tuple(points)
        self.plan_seed = int(plan_seed)

    def rounds(self) -> Iterator[list[Block]]:
        """Rounds in run order, without end; the caller decides when to stop."""
        rng = random.Random(self.plan_seed)
        used: set[int] = set()
        index = 0
        round_no = 0
        while True:
            seed = rng.getrandbits(31)
            while seed in used:
                seed = rng.getrandbits(31)
            used.add(seed)
            points = list(self.points)
            rng.shuffle(points)
            blocks = []
            for params in points:
                order = list(self.methods)
                rng.shuffle(order)
                blocks.append(Block(index, round_no, params, seed, tuple(order)))
                index += 1
            yield blocks
            round_no += 1

    def blocks(self, rounds: int) -> list[Block]:
        """The blocks of the first ``rounds`` rounds, in run order."""
        out: list[Block] = []
        for number, blocks in enumerate(self.rounds()):
            if number >= rounds:
                break
            out.extend(blocks)
        return out

    def size(self, rounds: int) -> int:
        """How many trials ``rounds`` rounds hold."""
        return rounds * len(self.points) * len(self.methods)
