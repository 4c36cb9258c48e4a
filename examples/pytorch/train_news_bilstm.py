#!/usr/bin/env python3
"""Train the news-title bidirectional LSTM with max pooling and an MLP head, and export it.

Same data, split, tokenizer and vocab as train_news.py (TagMyNews titles, 7 classes, vocab
"<pad>", "<unk>" + the 2500 most frequent training tokens). Model: nn.Embedding(2502 x 24)
-> nn.LSTM(24 -> 32, bidirectional) -> element-wise max over the title's tokens of the
[forward, backward] outputs -> nn.Sequential(Linear(64 -> 32), ReLU, Dropout(0.2),
Linear(32 -> 7)). Trained 11 epochs (chosen on a validation slice of the training titles)
with packed sequences (the pooling sees each title's own tokens only, as at inference) and
10% word dropout to "<unk>". Writes examples/models/news-bilstm-max-mlp.

    python train_news_bilstm.py [--data /work/shared/data/tagmynews_titles.csv]
"""

from __future__ import annotations

import argparse
import os

from common import MODELS_DIR, SeqClassifier, file_size, setup
from export import UNK_TOKEN, export, write_inputs
from train_news import DEFAULT_DATA, EMBED_DIM, LABELS, accuracy, prepare, train

SEED = 13
HIDDEN = 32
MLP_HIDDEN = 32
NAME = "news-bilstm-max-mlp"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--epochs", type=int, default=11)  # chosen on a validation slice (10%) of the training titles
    args = p.parse_args()

    titles, y, tr, te, vocab, ids = prepare(args.data)
    ids_tr, ids_te = [ids[i] for i in tr], [ids[i] for i in te]
    setup(SEED)
    model = SeqClassifier("lstm", EMBED_DIM, HIDDEN, len(LABELS), vocab_size=len(vocab), bidirectional=True,
                          pooling="max", head_hidden=(MLP_HIDDEN,), head_name="mlp", head_dropout=0.2)
    train(model, ids_tr, y[tr], epochs=args.epochs, lr=3e-3, seed=SEED, word_dropout=0.1, name=NAME)
    acc = accuracy(model, ids_te, y[te])
    folder = os.path.join(MODELS_DIR, NAME)
    manifest = export(model, folder, vocab=vocab, unknown_token=UNK_TOKEN, labels=LABELS, extra={
        "test_accuracy": round(acc, 4),
        "dataset": "TagMyNews titles (title only), seeded 80/20 split",
    })
    assert manifest["pooling"] == "max" and len(manifest["head"]) == 2, manifest
    entries = write_inputs(model, folder, labels=y[te], tokens=ids_te, texts=[titles[i] for i in te])
    print(f"{NAME}: test accuracy {acc:.4f}, {file_size(folder)} bytes, {len(entries)} inputs")


if __name__ == "__main__":
    main()
