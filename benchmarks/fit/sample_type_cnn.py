"""The sample-type model's convolutional member: a small CNN over a sound's log-mel patch.

It reads what :func:`samplemind.analysis.classify.sound_inputs` returns beside the descriptor
vector (32 mel bands × 64 frames from the sound's start, dB re the loudest cell, scaled to
-3..2), learns its own detectors of the attack and the spectral shape instead of the
hand-made statistics, and is mixed with the descriptor ensemble by the card's weight. Fitted
with PyTorch (group ``train-torch``), exported to ONNX; inference is onnxruntime's
(:class:`samplemind.ml.sample_type.SampleTypeModel`).

Four 3×3 convolutions (8, 16, 32, 32 channels; batch norm, ReLU; 2×2 max-pooling after the
first three), then the mean and the maximum over time of each channel at each of the 4 band
positions left (where a sound's energy sits matters: a kick is low, a hat high), dropout and
one linear layer: 19,681 weights, about 1.6 M multiply-adds per patch. Each epoch draws
:data:`ROWS_PER_CLASS` rows of every class (recorded rows :data:`REAL_WEIGHT` times as likely,
as the ensemble's draws) and shifts each patch by 0–3 frames and masks a few bands at random;
AdamW with a one-cycle learning rate, label smoothing 0.05.

Measured on the recorded-drum folds (each source held out; docs/ml.md): the CNN alone 0.786,
the descriptor ensemble 0.796, the two averaged 0.812.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: Rows of each class per epoch, epochs, batch size.
ROWS_PER_CLASS = 1200
EPOCHS = 12
BATCH = 128
CHANNELS = (8, 16, 32, 32)
LEARNING_RATE = 3e-3
#: The floor of the scaled patch (-100 dB).
FLOOR = -3.0


def _net(n_bands: int, n_classes: int) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            layers: list[nn.Module] = []
            channels_in = 1
            for i, channels in enumerate(CHANNELS):
                layers += [
                    nn.Conv2d(channels_in, channels, 3, padding=1),
                    nn.BatchNorm2d(channels),
                    nn.ReLU(),
                ]
                if i < 3:
                    layers.append(nn.MaxPool2d(2))
                channels_in = channels
            self.body = nn.Sequential(*layers)
            self.head = nn.Sequential(
                nn.Dropout(0.3), nn.Linear(CHANNELS[-1] * (n_bands // 8) * 2, n_classes)
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, bands, frames): logits
            h = self.body(x[:, None])
            h = torch.cat([h.mean(3), h.amax(3)], 2)  # over time; the band axis stays
            return self.head(h.flatten(1))  # type: ignore[no-any-return]

    return Net()


def _augment(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = batch.copy()
    for patch in out:
        shift = int(rng.integers(0, 4))  # a start up to 35 ms later
        if shift:
            patch[:, shift:] = patch[:, :-shift].copy()
            patch[:, :shift] = FLOOR
        if rng.random() < 0.5:  # a few bands masked
            first = int(rng.integers(0, patch.shape[0] - 2))
            patch[first : first + int(rng.integers(1, 4))] = FLOOR
    return out


def _draw(
    y: np.ndarray, weights: np.ndarray, classes: Sequence[str], rng: np.random.Generator
) -> np.ndarray:
    index = []
    for label in classes:
        rows = np.flatnonzero(y == label)
        if rows.size == 0:
            continue
        p = weights[rows] / weights[rows].sum()
        index.append(rng.choice(rows, ROWS_PER_CLASS, replace=rows.size < ROWS_PER_CLASS, p=p))
    chosen = np.concatenate(index)
    rng.shuffle(chosen)
    return chosen


def fit_cnn(
    patches: np.ndarray,
    y: np.ndarray,
    classes: Sequence[str],
    seed: int,
    weights: np.ndarray | None = None,
    *,
    epochs: int = EPOCHS,
    threads: int = 1,
) -> Any:
    """A trained network (eval mode) over ``patches`` ``(n, bands, frames)`` with labels ``y``
    (its outputs: logits in ``classes`` order); one thread by default (folds run side by side)."""
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    target = np.array([list(classes).index(label) for label in y])
    present = [c for c in classes if np.any(y == c)]
    net = _net(patches.shape[1], len(classes))
    optimiser = torch.optim.AdamW(net.parameters(), LEARNING_RATE, weight_decay=1e-3)
    steps = epochs * (ROWS_PER_CLASS * len(present) // BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, LEARNING_RATE, total_steps=steps + 1)
    loss_of = nn.CrossEntropyLoss(label_smoothing=0.05)
    x = np.ascontiguousarray(patches, dtype=np.float32)
    for _ in range(epochs):
        net.train()
        order = _draw(y, w, present, rng)
        for start in range(0, len(order) - BATCH + 1, BATCH):
            rows = order[start : start + BATCH]
            optimiser.zero_grad()
            loss = loss_of(
                net(torch.from_numpy(_augment(x[rows], rng))), torch.from_numpy(target[rows])
            )
            loss.backward()
            optimiser.step()
            schedule.step()
    return net.eval()


def predict_cnn(net: Any, patches: np.ndarray) -> np.ndarray:
    """Class probabilities ``(n, classes)`` of ``patches``."""
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(patches), 512):
            rows = torch.from_numpy(np.ascontiguousarray(patches[start : start + 512], np.float32))
            out.append(torch.softmax(net(rows), 1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0))


def export_cnn(net: Any, shape: tuple[int, int], path: Path) -> None:
    """``net`` with a softmax, as ONNX: input ``patch`` ``(n, bands, frames)``, output
    ``probabilities``."""
    import torch

    class WithSoftmax(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.net(x), 1)

    model = WithSoftmax().eval()
    example = torch.zeros((2, *shape), dtype=torch.float32)
    program = torch.onnx.export(
        model,
        (example,),
        input_names=["patch"],
        output_names=["probabilities"],
        dynamic_shapes={"x": {0: torch.export.Dim("n")}},
        dynamo=True,
        external_data=False,
        verbose=False,
    )
    program.save(str(path), external_data=False)
