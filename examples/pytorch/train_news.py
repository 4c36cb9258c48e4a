#!/usr/bin/env python3
"""Train news-title classifiers on TagMyNews titles and export them.

Data: a CSV without header, columns id, title, description, label (0..6). Only the title
is used, tokenized with export.tokenize ("lower-alnum"). Seeded 80/20 split; the vocab is
the most frequent training-title tokens, after "<pad>" (id 0) and "<unk>" (id 1).
Model: nn.Embedding(dim 24) -> nn.LSTM(hidden 32) -> nn.Linear on the last token's state.
Writes examples/models/news-lstm, examples/models/news-gru and examples/inputs/news-lstm.json.

    python train_news.py [--data /work/shared/data/tagmynews_titles.csv]
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import time

import numpy as np
import torch
from torch import nn

from common import INPUTS_DIR, MODELS_DIR, SeqClassifier, file_size, setup
from export import PAD_TOKEN, UNK_TOKEN, encode, export, tokenize, write_inputs

SEED = 11
DEFAULT_DATA = "/work/shared/data/tagmynews_titles.csv"
LABELS = ["sport", "world", "us", "business", "health", "entertainment", "sci_tech"]
VOCAB_SIZE = 2500  # most frequent tokens, besides <pad> and <unk>
EMBED_DIM = 24
HIDDEN = 32


def load(path: str):
    titles, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) != 4:
                continue
            titles.append(row[1])
            labels.append(int(row[3]))
    return titles, np.array(labels, dtype=np.int64)


def build_vocab(titles: list[str], size: int) -> list[str]:
    counts = collections.Counter(tok for t in titles for tok in tokenize(t))
    # most frequent first; ties broken alphabetically so the vocab is deterministic
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [PAD_TOKEN, UNK_TOKEN] + [tok for tok, _ in ranked[:size]]


def batches(ids: list[list[int]], y: np.ndarray, batch_size: int, gen: torch.Generator | None):
    order = torch.randperm(len(ids), generator=gen).tolist() if gen is not None else list(range(len(ids)))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        lengths = torch.tensor([len(ids[j]) for j in idx])
        pad = torch.zeros(len(idx), int(lengths.max()), dtype=torch.long)
        for row, j in enumerate(idx):
            pad[row, : len(ids[j])] = torch.tensor(ids[j])
        yield pad, lengths, torch.tensor(y[idx])


@torch.no_grad()
def accuracy(model: SeqClassifier, ids: list[list[int]], y: np.ndarray) -> float:
    model.eval()
    correct = 0
    for pad, lengths, yy in batches(ids, y, 512, None):
        correct += int((model.forward_packed(pad, lengths).argmax(1) == yy).sum())
    return correct / len(ids)


def train(model: SeqClassifier, ids, y, *, epochs: int, lr: float, seed: int, word_dropout: float, name: str):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for pad, lengths, yy in batches(ids, y, 32, gen):
            if word_dropout:  # replace some known tokens by <unk> so the model learns to use it
                drop = (torch.rand(pad.shape, generator=gen) < word_dropout) & (pad > 1)
                pad = pad.masked_fill(drop, 1)
            opt.zero_grad()
            loss = loss_fn(model.forward_packed(pad, lengths), yy)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item() * len(yy)
        print(f"  [{name}] epoch {epoch + 1}/{epochs} loss {total / len(ids):.4f} ({time.time() - start:.1f}s)")
    model.eval()


def prepare(path: str):
    """Titles with at least one token, labels, the seeded 80/20 split (train / test indices), vocab, token ids."""
    titles, y = load(path)
    keep = [i for i, t in enumerate(titles) if tokenize(t)]  # a title needs at least one token
    titles, y = [titles[i] for i in keep], y[keep]
    perm = np.random.default_rng(SEED).permutation(len(titles))
    n_train = int(round(0.8 * len(titles)))
    tr, te = perm[:n_train], perm[n_train:]
    vocab = build_vocab([titles[i] for i in tr], VOCAB_SIZE)
    index = {tok: i for i, tok in enumerate(vocab)}
    ids = [encode(t, index) for t in titles]
    return titles, y, tr, te, vocab, ids


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--epochs", type=int, default=12)  # chosen on a validation slice of the training titles
    p.add_argument("--skip-gru", action="store_true")
    args = p.parse_args()

    titles, y, tr, te, vocab, ids = prepare(args.data)
    ids_tr, ids_te = [ids[i] for i in tr], [ids[i] for i in te]
    print(f"{len(titles)} titles, {len(tr)} train / {len(te)} test, vocab {len(vocab)}")

    runs = [("news-lstm", "lstm")] + ([] if args.skip_gru else [("news-gru", "gru")])
    for k, (name, arch) in enumerate(runs):
        setup(SEED + k)
        model = SeqClassifier(arch, EMBED_DIM, HIDDEN, len(LABELS), vocab_size=len(vocab))
        train(model, ids_tr, y[tr], epochs=args.epochs, lr=3e-3, seed=SEED + k, word_dropout=0.1, name=name)
        acc = accuracy(model, ids_te, y[te])
        folder = os.path.join(MODELS_DIR, name)
        export(model, folder, vocab=vocab, unknown_token=UNK_TOKEN, labels=LABELS, extra={
            "test_accuracy": round(acc, 4),
            "dataset": "TagMyNews titles (title only), seeded 80/20 split",
        })
        entries = write_inputs(model, folder, labels=y[te], tokens=ids_te, texts=[titles[i] for i in te])
        print(f"{name}: test accuracy {acc:.4f}, {file_size(folder)} bytes, {len(entries)} inputs")
        if name == "news-lstm":
            os.makedirs(INPUTS_DIR, exist_ok=True)
            with open(os.path.join(INPUTS_DIR, "news-lstm.json"), "w") as f:
                json.dump({"text": entries[0]["text"]}, f)
                f.write("\n")


if __name__ == "__main__":
    main()
