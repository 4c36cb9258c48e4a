#!/usr/bin/env python3
"""Train the spoken-digit bidirectional GRU with mean pooling on make_speech.py's features, and export it.

Same data, normalization and test split as train_speech.py (12 frames of 13 MFCCs, normalized
per coefficient with the training mean / std, applied BEFORE the model). Model:
nn.GRU(13 -> 24, bidirectional) -> mean over the 12 frames of the [forward, backward]
outputs -> nn.Linear(48 -> 10). Writes examples/models/speech-bigru-mean.

    python train_speech_bigru.py [--data build/speech.npz]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from common import BUILD_DIR, MODELS_DIR, SeqClassifier, accuracy_dense, file_size, setup, train_dense
from export import export, write_inputs
from make_speech import N_MFCC, WORDS
from train_speech import load_speech, speech_extra

SEED = 7
HIDDEN = 24
NAME = "speech-bigru-mean"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.path.join(BUILD_DIR, "speech.npz"))
    p.add_argument("--epochs", type=int, default=40)
    args = p.parse_args()

    d, xn, y, test, mean, std = load_speech(args.data)
    train = ~test
    setup(SEED)
    model = SeqClassifier("gru", N_MFCC, HIDDEN, len(WORDS), bidirectional=True, pooling="mean")
    start = time.time()
    train_dense(model, xn[train], y[train], epochs=args.epochs, lr=1e-2, batch_size=32, weight_decay=1e-4,
                seed=SEED, log=NAME)
    extra = speech_extra(model, d, xn, y, test, mean, std)
    train_acc = accuracy_dense(model, xn[train], y[train])

    folder = os.path.join(MODELS_DIR, NAME)
    manifest = export(model, folder, labels=WORDS, extra=extra)  # pooling "mean" is found by tracing the forward
    assert manifest["pooling"] == "mean" and manifest["bidirectional"], manifest
    idx = np.nonzero(test)[0]
    np.random.default_rng(SEED).shuffle(idx)
    entries = write_inputs(model, folder, labels=y[idx], sequences=xn[idx])
    print(f"{NAME}: train accuracy {train_acc:.4f}, test accuracy {extra['test_accuracy']:.4f} "
          f"{extra['test_accuracy_by_group']}, {file_size(folder)} bytes, {len(entries)} inputs, "
          f"{time.time() - start:.1f}s")


if __name__ == "__main__":
    main()
