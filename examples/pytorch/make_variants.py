#!/usr/bin/env python3
"""Small random-init models of the issue-12 shapes (bidirectional layers, pooling, MLP heads), for tests.

Nothing is trained: each model is PyTorch's default initialisation under a fixed seed (the
output layer's weights times 4 and its bias zero, so the class depends on the input),
exported with export.py (the pooling is found by tracing the forward), plus inputs.json with
5 random input sequences of different lengths (the last one of length 1) and PyTorch's float32
logits; each input's label is the model's own prediction (inputs are picked among random
candidates so that the labels cover the classes and the margins are at least 0.05). Input values are N(0, 1) rounded
to a 1/256 grid, so the stored decimals are exactly the float32 values PyTorch saw.

| folder                          | model                                                         |
|---------------------------------|---------------------------------------------------------------|
| variant-birnn-relu-last         | RNN relu, 2 layers, bidirectional, h_n pooling, Linear head   |
| variant-bilstm-mean-mlp-tanh    | LSTM, bidirectional, mean pooling, MLP 12-8-6-3 with Tanh     |
| variant-gru-max                 | GRU, unidirectional, max pooling, Linear head                 |
| variant-bigru-3layer-last       | GRU, 3 layers, bidirectional, h_n pooling, Linear head        |

    python make_variants.py
"""

from __future__ import annotations

import os

import numpy as np
import torch

from common import MODELS_DIR, SeqClassifier, file_size, setup
from export import export, write_inputs

SEED = 17
INPUT = 4
CLASSES = 3
LENGTHS = (6, 3, 8, 5, 1)

VARIANTS = {
    "variant-birnn-relu-last": dict(architecture="rnn", hidden_size=6, num_layers=2, nonlinearity="relu",
                                    bidirectional=True, pooling="last"),
    "variant-bilstm-mean-mlp-tanh": dict(architecture="lstm", hidden_size=6, bidirectional=True, pooling="mean",
                                         head_hidden=(8, 6), head_activation="tanh", head_name="mlp"),
    "variant-gru-max": dict(architecture="gru", hidden_size=6, pooling="max"),
    "variant-bigru-3layer-last": dict(architecture="gru", hidden_size=5, num_layers=3, bidirectional=True,
                                      pooling="last", rnn_name="encoder", head_name="classifier"),
}


def main() -> None:
    for k, (name, kw) in enumerate(VARIANTS.items()):
        setup(SEED + k)
        kw = dict(kw)
        model = SeqClassifier(kw.pop("architecture"), INPUT, kw.pop("hidden_size"), CLASSES, **kw).eval()
        last = [m for m in model.head().modules() if isinstance(m, torch.nn.Linear)][-1]
        with torch.no_grad():  # the output layer: no bias, larger weights, so the class depends on the input
            last.weight.mul_(4.0)
            last.bias.zero_()
        folder = os.path.join(MODELS_DIR, name)
        manifest = export(model, folder, extra={
            "dataset": f"none: PyTorch's default random initialisation under torch.manual_seed({SEED + k}) (output "
                       "layer weights x 4, bias 0), untrained, for tests; inputs.json labels are the model's own "
                       "predictions",
        })
        rng = np.random.default_rng(SEED + k)
        seqs, labels, counts = [], [], [0] * CLASSES
        for t in LENGTHS:  # of 30 random candidates of each length, the one whose class is rarest so far
            cands = [np.round(rng.standard_normal((t, INPUT)) * 256) / 256 for _ in range(30)]
            with torch.no_grad():
                preds = [int(model(torch.tensor(c, dtype=torch.float32)[None]).argmax()) for c in cands]
            margins = [float(np.diff(np.sort(model(torch.tensor(c, dtype=torch.float32)[None])[0].detach().numpy())[-2:])[0])
                       for c in cands]
            best = min(range(len(cands)), key=lambda i: (margins[i] < 0.05, counts[preds[i]], i))
            seqs.append(cands[best])
            labels.append(preds[best])
            counts[preds[best]] += 1
        entries = write_inputs(model, folder, labels=labels, sequences=seqs)
        assert len(entries) == len(LENGTHS)
        keys = {k2: manifest.get(k2) for k2 in ("bidirectional", "pooling", "head_prefix", "head") if k2 in manifest}
        print(f"{name}: {file_size(folder)} bytes, {len(entries)} inputs, {keys}")


if __name__ == "__main__":
    main()
