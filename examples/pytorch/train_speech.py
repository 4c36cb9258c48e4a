#!/usr/bin/env python3
"""Train the spoken-digit GRU on the features make_speech.py wrote, and export it.

Inputs are 12 frames of 13 MFCCs, normalized per coefficient with the training set's
mean / std (stored in model.json as feature_mean / feature_std; the normalization is
applied BEFORE the model, so the sequences in inputs.json are already normalized model
inputs). Model: nn.GRU(13 -> 32) -> nn.Linear(32 -> 10) on the last frame's state.
Test data: utterances of held-out accents, held-out voice variants, or held-out speeds.
Writes examples/models/speech-gru and examples/inputs/speech-gru.json.

    python train_speech.py [--data build/speech.npz]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from common import BUILD_DIR, INPUTS_DIR, MODELS_DIR, SeqClassifier, accuracy_dense, file_size, setup, train_dense
from export import export, write_inputs
from make_speech import HELD_OUT_ACCENTS, HELD_OUT_SPEED, HELD_OUT_VARIANTS, N_FRAMES, N_MELS, N_MFCC, WORDS

SEED = 5
HIDDEN = 32


def load_speech(path: str):
    """The features make_speech.py wrote, normalized with the training set's per-coefficient mean / std.

    Returns (data, normalized float32 features, labels, test mask, mean, std).
    """
    d = np.load(path)
    x, y, test = d["features"].astype(np.float64), d["labels"], d["test"]
    train = ~test
    mean = x[train].mean(axis=(0, 1)).astype(np.float32)
    std = x[train].std(axis=(0, 1)).astype(np.float32)
    xn = ((x - mean) / std).astype(np.float32)
    return d, xn, y, test, mean, std


def speech_extra(model, d, xn, y, test, mean, std) -> dict:
    """Manifest keys of a speech model: test accuracy (overall and by held-out group) and the features."""
    groups = {
        "held_out_accent": np.isin(d["accents"], sorted(HELD_OUT_ACCENTS)),
        "held_out_variant": np.isin(d["variants"], sorted(HELD_OUT_VARIANTS)),
        "held_out_speed": d["speeds"] >= HELD_OUT_SPEED,
    }
    return {
        "test_accuracy": round(accuracy_dense(model, xn[test], y[test]), 4),
        "test_accuracy_by_group": {k: round(accuracy_dense(model, xn[g], y[g]), 4) for k, g in groups.items()},
        "feature_mean": [float(v) for v in mean],
        "feature_std": [float(v) for v in std],
        "features": (f"espeak-ng spoken digits; {N_FRAMES} frames x {N_MFCC} MFCC ({N_MELS} mel bands, 25 ms / 10 ms "
                     f"Hamming frames, averaged over {N_FRAMES} equal segments); input = (mfcc - feature_mean) / "
                     "feature_std, already applied to inputs.json sequences"),
        "test_split": (f"accents {sorted(HELD_OUT_ACCENTS)}, voice variants {sorted(HELD_OUT_VARIANTS)}, "
                       f"speeds >= {HELD_OUT_SPEED} wpm"),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.path.join(BUILD_DIR, "speech.npz"))
    p.add_argument("--epochs", type=int, default=60)
    args = p.parse_args()

    d, xn, y, test, mean, std = load_speech(args.data)
    train = ~test
    print(f"{int(train.sum())} train / {int(test.sum())} test utterances")

    setup(SEED)
    model = SeqClassifier("gru", N_MFCC, HIDDEN, len(WORDS))
    start = time.time()
    train_dense(model, xn[train], y[train], epochs=args.epochs, lr=1e-2, batch_size=32, weight_decay=1e-4,
                seed=SEED, log="speech-gru")
    extra = speech_extra(model, d, xn, y, test, mean, std)
    acc, breakdown = extra["test_accuracy"], extra["test_accuracy_by_group"]
    train_acc = accuracy_dense(model, xn[train], y[train])

    folder = os.path.join(MODELS_DIR, "speech-gru")
    export(model, folder, labels=WORDS, extra=extra)
    idx = np.nonzero(test)[0]
    np.random.default_rng(SEED).shuffle(idx)  # a mix of words and voices for the fixtures
    entries = write_inputs(model, folder, labels=y[idx], sequences=xn[idx])
    print(f"speech-gru: train accuracy {train_acc:.4f}, test accuracy {acc:.4f} {breakdown}, "
          f"{file_size(folder)} bytes, {len(entries)} inputs, {time.time() - start:.1f}s")
    os.makedirs(INPUTS_DIR, exist_ok=True)
    with open(os.path.join(INPUTS_DIR, "speech-gru.json"), "w") as f:
        json.dump({"sequence": entries[0]["sequence"]}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
