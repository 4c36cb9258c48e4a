#!/usr/bin/env python3
"""Write the labelled held-out sets that `rnnguard report` calibrates the bundled models on.

Each file is JSON lines, one `{"sequence" | "text", "label"}` per line, taken from the test split the
model was evaluated on (never its training data), whatever the model predicts for it:

  examples/data/digits-lstm.jsonl   all 397 test images of train_digits.py's split (pixel / 16, exact)
  examples/data/news-lstm.jsonl     the first 300 test titles of train_news.py's split, as text
  examples/data/speech-gru.jsonl    200 test utterances of train_speech.py's split (held-out accent,
                                    voice variants and speeds), normalized with the training mean / std
                                    stored in model.json, rounded to 4 decimals to keep the file small

No model is trained or run. Needs scikit-learn (digits), the TagMyNews CSV (news) and build/speech.npz
from make_speech.py (speech).

    python make_report_data.py [--only digits news speech] [--data CSV] [--speech build/speech.npz]
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from common import BUILD_DIR, HERE, MODELS_DIR

DATA_DIR = os.path.normpath(os.path.join(HERE, "..", "data"))
NEWS_LINES = 300
SPEECH_LINES = 200
SPEECH_SEED = 5  # train_speech.py's seed: the same shuffle of the test utterances as its inputs.json


def write(name: str, rows: list[dict]) -> None:
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, name)
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
    print(f"{path}: {len(rows)} lines, {os.path.getsize(path)} bytes")


def digits() -> None:
    from train_digits import load_split

    _, _, x_te, y_te = load_split()
    write("digits-lstm.jsonl", [{"sequence": x.astype(np.float64).tolist(), "label": int(y)} for x, y in zip(x_te, y_te)])


def news(csv_path: str) -> None:
    from train_news import prepare

    titles, y, _, te, _, _ = prepare(csv_path)
    write("news-lstm.jsonl", [{"text": titles[i], "label": int(y[i])} for i in te[:NEWS_LINES]])


def speech(npz_path: str) -> None:
    d = np.load(npz_path)
    with open(os.path.join(MODELS_DIR, "speech-gru", "model.json")) as f:
        manifest = json.load(f)
    mean = np.asarray(manifest["feature_mean"], dtype=np.float64)
    std = np.asarray(manifest["feature_std"], dtype=np.float64)
    x = (d["features"].astype(np.float64) - mean) / std
    idx = np.nonzero(d["test"])[0]
    np.random.default_rng(SPEECH_SEED).shuffle(idx)
    rows = [{"sequence": np.round(x[i], 4).tolist(), "label": int(d["labels"][i])} for i in idx[:SPEECH_LINES]]
    write("speech-gru.jsonl", rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=["digits", "news", "speech"])
    p.add_argument("--data", default="/work/shared/data/tagmynews_titles.csv")
    p.add_argument("--speech", default=os.path.join(BUILD_DIR, "speech.npz"))
    args = p.parse_args()
    wanted = set(args.only or ["digits", "news", "speech"])
    if "digits" in wanted:
        digits()
    if "news" in wanted:
        news(args.data)
    if "speech" in wanted:
        speech(args.speech)


if __name__ == "__main__":
    main()
