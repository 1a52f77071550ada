"""Layer-by-layer diff, PyTorch path: forward hooks on named modules.

CI installs torch==2.13.0 (a CPU wheel), so these run there; a machine without
torch skips only this file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
Module: Any = torch.nn.Module

from assay.errors import InputError  # noqa: E402
from assay.repro import capture_torch, diff_torch  # noqa: E402


class Block(Module):  # type: ignore[misc]
    def __init__(self, ln2_eps: float) -> None:
        super().__init__()
        self.embed = nn.Linear(16, 32)
        self.ln1 = nn.LayerNorm(32, eps=1e-5)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Dropout(0.5), nn.Linear(64, 32))
        self.ln2 = nn.LayerNorm(32, eps=ln2_eps)
        self.head = nn.Linear(32, 4)
        with torch.no_grad():
            self.mlp[3].weight.mul_(0.003)  # small activations: the eps of ln2 matters
            self.mlp[3].bias.zero_()

    def forward(self, x: Any) -> Any:
        return self.head(self.ln2(self.mlp(self.ln1(self.embed(x)))))


def _models() -> tuple[Block, Block]:
    torch.manual_seed(0)
    reference = Block(1e-5)
    candidate = Block(1e-6)
    candidate.load_state_dict(reference.state_dict())
    return reference, candidate


X = torch.randn(8, 16, generator=torch.Generator().manual_seed(1))


def test_the_layer_whose_epsilon_differs_is_reported_first() -> None:
    reference, candidate = _models()
    reference.train()  # the diff runs in eval mode and puts training back afterwards
    report = diff_torch(reference, candidate, X)
    assert reference.training
    assert reference.mlp[2].training
    assert [layer.name for layer in report.layers] == [
        "embed",
        "ln1",
        "mlp.0",
        "mlp.1",
        "mlp.2",
        "mlp.3",
        "mlp",
        "ln2",
        "head",
    ]
    first = report.first_break
    assert first is not None
    assert first.name == "ln2"
    assert first.reference_shape == first.candidate_shape == (8, 32)
    assert [layer.name for layer in report.layers if layer.breaks] == ["ln2", "head"]
    assert all(layer.max_abs_error == 0.0 for layer in report.layers[:7])


def test_the_same_weights_and_eps_agree() -> None:
    reference, _ = _models()
    twin = Block(1e-5)
    twin.load_state_dict(reference.state_dict())
    assert diff_torch(reference, twin, X).ok


def test_leaves_only_and_chosen_modules() -> None:
    reference, candidate = _models()
    leaves = diff_torch(reference, candidate, X, leaves_only=True)
    assert "mlp" not in [layer.name for layer in leaves.layers]
    chosen = diff_torch(reference, candidate, X, modules=["ln1", "ln2"])
    assert [layer.name for layer in chosen.layers] == ["ln1", "ln2"]
    assert chosen.first_break is not None
    assert chosen.first_break.name == "ln2"
    with pytest.raises(InputError, match="no module named 'ln3'"):
        diff_torch(reference, candidate, X, modules=["ln3"])


def test_tuple_outputs_are_compared_per_element() -> None:
    torch.manual_seed(0)
    reference = nn.LSTM(4, 3, batch_first=True)
    candidate = nn.LSTM(4, 3, batch_first=True)
    candidate.load_state_dict(reference.state_dict())

    class Wrap(Module):  # type: ignore[misc]
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.lstm = inner

        def forward(self, x: Any) -> Any:
            return self.lstm(x)

    captured = capture_torch(Wrap(reference), torch.ones(1, 2, 4))
    assert [name for name, _ in captured] == ["lstm.0", "lstm.1.0", "lstm.1.1"]
    assert captured[0][1].dtype == np.float64
    with torch.no_grad():
        candidate.bias_hh_l0.add_(0.1)
    report = diff_torch(Wrap(reference), Wrap(candidate), torch.ones(1, 2, 4))
    assert report.first_break is not None
    assert report.first_break.name == "lstm.0"


def test_not_a_module() -> None:
    with pytest.raises(InputError, match=r"expected a torch\.nn\.Module"):
        diff_torch(lambda x: x, lambda x: x, X)
