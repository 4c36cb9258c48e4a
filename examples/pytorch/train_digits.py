#!/usr/bin/env python3
"""Train the digit classifiers on scikit-learn's load_digits and export them.

Each 8x8 image (pixel / 16, so values in [0, 1]) is read row by row as 8 time steps of
8 features. Writes examples/models/digits-lstm (the main model) and the
architecture variants digits-rnn-tanh, digits-rnn-relu, digits-gru, digits-lstm-2layer,
digits-gru-2layer, digits-rnn-nobias, digits-lstm-3layer, plus examples/inputs/digits-lstm.json(l).

    python train_digits.py            # everything
    python train_digits.py --only digits-gru
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from sklearn.datasets import load_digits

from common import INPUTS_DIR, MODELS_DIR, SeqClassifier, accuracy_dense, file_size, setup, train_dense
from export import as_float32_lists, export, write_inputs

SEED = 7
LABELS = [str(i) for i in range(10)]

# name -> (SeqClassifier kwargs, training kwargs)
MODELS: dict[str, tuple[dict, dict]] = {
    "digits-lstm": (dict(architecture="lstm", hidden_size=32), dict(epochs=60, lr=1e-2, batch_size=32, weight_decay=1e-4)),
    "digits-rnn-tanh": (dict(architecture="rnn", hidden_size=16, head_name="out"), dict(epochs=60, lr=1e-2, batch_size=32)),
    "digits-rnn-relu": (dict(architecture="rnn", nonlinearity="relu", hidden_size=16), dict(epochs=80, lr=3e-3, batch_size=32, label_smoothing=0.1)),
    "digits-gru": (dict(architecture="gru", hidden_size=16, rnn_name="encoder"), dict(epochs=60, lr=1e-2, batch_size=32)),
    "digits-lstm-2layer": (dict(architecture="lstm", hidden_size=16, num_layers=2), dict(epochs=60, lr=1e-2, batch_size=32)),
    "digits-gru-2layer": (
        dict(architecture="gru", hidden_size=16, num_layers=2, rnn_name="encoder", head_name="classifier"),
        dict(epochs=60, lr=1e-2, batch_size=32),
    ),
    "digits-rnn-nobias": (dict(architecture="rnn", hidden_size=16, bias=False), dict(epochs=60, lr=1e-2, batch_size=32)),
    "digits-lstm-3layer": (dict(architecture="lstm", hidden_size=8, num_layers=3), dict(epochs=80, lr=1e-2, batch_size=32)),
}


def load_split(seed: int = SEED, n_train: int = 1400):
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)  # (N, 8, 8): 8 steps of 8 features
    y = digits.target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(x))
    tr, te = perm[:n_train], perm[n_train:]
    return x[tr], y[tr], x[te], y[te]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="train only these model names")
    args = p.parse_args()

    x_tr, y_tr, x_te, y_te = load_split()
    for i, name in enumerate(MODELS):  # the seed follows the position in MODELS, so --only gives the same model
        if args.only and name not in args.only:
            continue
        model_kw, train_kw = MODELS[name]
        setup(SEED + i)
        model = SeqClassifier(input_size=8, num_classes=10, **model_kw)
        start = time.time()
        train_dense(model, x_tr, y_tr, seed=SEED + i, log=name, **train_kw)
        acc = accuracy_dense(model, x_te, y_te)
        folder = os.path.join(MODELS_DIR, name)
        export(model, folder, labels=LABELS, extra={
            "test_accuracy": round(acc, 4),
            "dataset": "scikit-learn load_digits, pixel/16, 8 rows = 8 time steps; seeded 1400/397 split",
        })
        entries = write_inputs(model, folder, labels=y_te, sequences=x_te)
        print(f"{name}: test accuracy {acc:.4f}, {file_size(folder)} bytes, {len(entries)} inputs, "
              f"{time.time() - start:.1f}s")

        if name == "digits-lstm":
            os.makedirs(INPUTS_DIR, exist_ok=True)
            with open(os.path.join(INPUTS_DIR, "digits-lstm.json"), "w") as f:
                json.dump({"sequence": entries[0]["sequence"]}, f)
                f.write("\n")
            with open(os.path.join(INPUTS_DIR, "digits-lstm.jsonl"), "w") as f:
                for seq in x_te[:5]:
                    f.write(json.dumps({"sequence": as_float32_lists(seq)}) + "\n")


if __name__ == "__main__":
    main()
