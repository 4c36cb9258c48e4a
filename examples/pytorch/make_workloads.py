#!/usr/bin/env python3
"""Make the workload models W1-W5 (issue 11): recurrent classifiers at the sizes real teams deploy.

Each model is PyTorch's own random initialisation (fixed seed) of the recurrent layers, with
only the linear head fitted, so that its predictions have trained-like margins on inputs drawn
from a simple class-conditional distribution (class templates + noise; smooth over time for
speech and video). Nothing here is trained on real data: these models exist to measure the
certifier's speed and tightness at real sizes on realistic (not uniform-noise) inputs.

| folder            | workload          | model          | T   | input | hidden |
|-------------------|-------------------|----------------|-----|-------|--------|
| w1-digits-rnn     | W1 digits         | RNN tanh, 1    | 8   | 8     | 32     |
| w2-text-lstm      | W2 text           | LSTM, 1        | 12  | 32    | 64     |
| w3-speech-gru2    | W3 speech         | GRU, 2 layers  | 50  | 40    | 64     |
| w3-speech-lstm2   | W3 speech         | LSTM, 2 layers | 50  | 40    | 64     |
| w4-speech-lstm    | W4 long speech    | LSTM, 1        | 100 | 40    | 128    |
| w5-video-gru      | W5 video features | GRU, 1         | 32  | 128   | 64     |

Every folder gets model.safetensors + model.json (export.py), inputs.json (10 held-out inputs the
model classifies correctly, with PyTorch's float32 logits; write_inputs) and heldout.jsonl (the
first 50 held-out inputs, one {"sequence", "label"} per line, misclassified ones included) for
decision-mix measurements. Input values lie on a grid (digits: 1/16 like load_digits, the others
1/256), so the JSON decimals are exactly the float32 values the model saw.

    python make_workloads.py                 # all six folders
    python make_workloads.py --only w4-speech-lstm
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

from common import MODELS_DIR, SeqClassifier, file_size, setup
from export import as_float32_lists, export, write_inputs

SEED = 11
NUM_CLASSES = 10
N_TRAIN = 4000  # inputs the head is fitted on
N_TEST = 1000  # held-out inputs: test accuracy and margins
N_INPUTS = 10  # inputs.json
N_HELDOUT = 50  # heldout.jsonl
HEAD_STEPS = 300
HEAD_LR = 0.05
HEAD_WEIGHT_DECAY = 1e-3


# ---------------------------------------------------------------------------------------------
# Class-conditional input distributions. Each returns (x: float32 (n, T, D) on a grid, y: (n,)).


def quantize(x: np.ndarray, step: float) -> np.ndarray:
    """Round to a multiple of ``step`` (a power of two): exact in float32, float64 and short decimal."""
    return (np.round(x / step) * step).astype(np.float32)


def ar1_noise(rng: np.random.Generator, shape: tuple[int, int, int], rho: float) -> np.ndarray:
    """Gaussian noise (n, T, D), unit marginal variance, AR(1) along time with coefficient ``rho``."""
    n, t, d = shape
    out = np.empty(shape)
    out[:, 0] = rng.standard_normal((n, d))
    scale = np.sqrt(1.0 - rho * rho)
    for k in range(1, t):
        out[:, k] = rho * out[:, k - 1] + scale * rng.standard_normal((n, d))
    return out


class SmoothTemplates:
    """Speech / video-feature-like sequences: a smooth class template per class, randomly shifted
    in time and scaled, plus temporally correlated and white noise; unit variance per feature.

    Template of class c: mu_c(t)[d] = sum_k a[c,k,d] cos(2 pi f_k t / T + phi[c,k,d]) / sqrt(K), with
    low frequencies f_k, so the class identity is spread over the whole sequence (and over its
    last frames, which a randomly initialised recurrent layer remembers best).
    """

    def __init__(self, rng: np.random.Generator, steps: int, features: int, *, shared: float, noise: float,
                 white: float, rho: float, max_shift: float, freqs: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0)):
        self.steps, self.features = steps, features
        self.noise, self.white, self.rho, self.max_shift = noise, white, rho, max_shift
        self.freqs = np.array(freqs)
        k = len(freqs)
        # classes share a common component: they are not trivially separable
        common_a = rng.standard_normal((1, k, features))
        common_phi = rng.uniform(0, 2 * np.pi, (1, k, features))
        own_a = rng.standard_normal((NUM_CLASSES, k, features))
        own_phi = rng.uniform(0, 2 * np.pi, (NUM_CLASSES, k, features))
        self.amp = np.sqrt(shared) * common_a + np.sqrt(1.0 - shared) * own_a
        self.phase = np.where(rng.random((NUM_CLASSES, k, features)) < shared, common_phi, own_phi)
        self.scale = np.sqrt(1.0 + noise**2 + white**2)

    def template(self, c: int, times: np.ndarray) -> np.ndarray:
        """mu_c at the (T,) times: (T, D)."""
        arg = 2 * np.pi * self.freqs[None, :, None] * times[:, None, None] / self.steps + self.phase[c][None]
        return (self.amp[c][None] * np.cos(arg)).sum(1) / np.sqrt(len(self.freqs))

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, NUM_CLASSES, n)
        shifts = rng.uniform(-self.max_shift, self.max_shift, n)
        gains = rng.uniform(0.8, 1.2, n)
        t = np.arange(self.steps, dtype=np.float64)
        mean = np.stack([g * self.template(int(c), t + s) for c, s, g in zip(y, shifts, gains)])
        x = mean + self.noise * ar1_noise(rng, (n, self.steps, self.features), self.rho)
        x += self.white * rng.standard_normal(x.shape)
        return quantize(x / self.scale, 1 / 256), y


class DigitImages:
    """load_digits-like 8x8 images in [0, 1] on a 1/16 grid, read row by row (8 steps of 8 pixels):
    a smooth random prototype per class, shifted by up to one pixel, plus pixel noise, clipped."""

    def __init__(self, rng: np.random.Generator, *, noise: float):
        self.noise = noise
        z = rng.standard_normal((NUM_CLASSES, 10, 10))
        kernel = np.array([0.25, 0.5, 0.25])
        for axis in (1, 2):  # separable smoothing
            z = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, z)
        z = z[:, 1:9, 1:9]
        z = (z - z.mean()) / z.std()
        self.protos = 1.0 / (1.0 + np.exp(-3.0 * (z - 0.3)))  # mostly dark background, bright strokes

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, NUM_CLASSES, n)
        x = np.empty((n, 8, 8))
        for i, c in enumerate(y):
            img = np.zeros((10, 10))
            img[1:9, 1:9] = self.protos[c]
            dy, dx = rng.integers(-1, 2, 2)
            img = np.roll(np.roll(img, dy, 0), dx, 1)[1:9, 1:9]
            x[i] = img * rng.uniform(0.7, 1.1) + self.noise * rng.standard_normal((8, 8))
        return quantize(np.clip(x, 0.0, 1.0), 1 / 16), y


class EmbeddedText:
    """Embedded token sequences: each step is a row of a fixed codebook (vocab x D, N(0, 1) like
    nn.Embedding's init) for a token drawn from a Zipf background or, with probability
    ``keyword``, from the class's own keywords."""

    def __init__(self, rng: np.random.Generator, steps: int, features: int, *, vocab: int, keywords: int,
                 keyword: float):
        self.steps, self.keyword = steps, keyword
        self.codebook = quantize(rng.standard_normal((vocab, features)), 1 / 256)
        zipf = 1.0 / np.arange(1, vocab + 1)
        self.background = zipf / zipf.sum()
        perm = rng.permutation(vocab)
        # keywords come from the less frequent half of the vocab, disjoint per class
        rare = perm[np.argsort(-self.background[perm])][vocab // 2 :]
        self.class_words = rare[: NUM_CLASSES * keywords].reshape(NUM_CLASSES, keywords)

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, NUM_CLASSES, n)
        ids = rng.choice(len(self.background), size=(n, self.steps), p=self.background)
        use_kw = rng.random((n, self.steps)) < self.keyword
        kw = self.class_words[y][np.arange(n)[:, None], rng.integers(0, self.class_words.shape[1], (n, self.steps))]
        ids = np.where(use_kw, kw, ids)
        return self.codebook[ids], y


# name -> (model kwargs, steps, data factory, description)
WORKLOADS: dict[str, dict] = {
    "w1-digits-rnn": dict(
        workload="W1 digits", model=dict(architecture="rnn", hidden_size=32), steps=8, input_size=8,
        data=lambda rng: DigitImages(rng, noise=0.08),
        dataset="synthetic 8x8 digit-like images in [0,1] (1/16 grid), 8 rows = 8 time steps: a smooth random "
                "prototype per class, shifted by up to 1 pixel, gain 0.7-1.1, pixel noise N(0, 0.08^2), clipped",
    ),
    "w2-text-lstm": dict(
        workload="W2 text", model=dict(architecture="lstm", hidden_size=64), steps=12, input_size=32,
        data=lambda rng: EmbeddedText(rng, 12, 32, vocab=400, keywords=5, keyword=0.6),
        dataset="synthetic embedded text: 12 tokens, each a row of a fixed N(0,1) codebook (400 x 32, 1/256 grid), "
                "drawn from a Zipf background or with probability 0.6 from the class's 5 keywords",
    ),
    "w3-speech-gru2": dict(
        workload="W3 speech", model=dict(architecture="gru", hidden_size=64, num_layers=2), steps=50, input_size=40,
        data=lambda rng: SmoothTemplates(rng, 50, 40, shared=0.5, noise=1.0, white=0.5, rho=0.8, max_shift=4),
        dataset="synthetic normalized filterbank-like features, 50 frames x 40: smooth class templates (low-frequency "
                "cosines, half shared between classes), time shift +-4 frames, gain 0.8-1.2, AR(1) noise "
                "(rho 0.8) + white noise; unit variance; 1/256 grid",
    ),
    "w3-speech-lstm2": dict(
        workload="W3 speech", model=dict(architecture="lstm", hidden_size=64, num_layers=2), steps=50, input_size=40,
        data=lambda rng: SmoothTemplates(rng, 50, 40, shared=0.5, noise=1.0, white=0.5, rho=0.8, max_shift=4),
        dataset="synthetic normalized filterbank-like features, 50 frames x 40: smooth class templates (low-frequency "
                "cosines, half shared between classes), time shift +-4 frames, gain 0.8-1.2, AR(1) noise "
                "(rho 0.8) + white noise; unit variance; 1/256 grid",
    ),
    "w4-speech-lstm": dict(
        workload="W4 long speech", model=dict(architecture="lstm", hidden_size=128), steps=100, input_size=40,
        data=lambda rng: SmoothTemplates(rng, 100, 40, shared=0.5, noise=1.0, white=0.5, rho=0.8, max_shift=6),
        dataset="synthetic normalized filterbank-like features, 100 frames x 40 (1 s at 10 ms): smooth class "
                "templates (low-frequency cosines, half shared between classes), time shift +-6 frames, gain "
                "0.8-1.2, AR(1) noise (rho 0.8) + white noise; unit variance; 1/256 grid",
    ),
    "w5-video-gru": dict(
        workload="W5 video features", model=dict(architecture="gru", hidden_size=64), steps=32, input_size=128,
        data=lambda rng: SmoothTemplates(rng, 32, 128, shared=0.6, noise=1.2, white=0.6, rho=0.9, max_shift=3,
                                         freqs=(0.0, 0.5, 1.0)),
        dataset="synthetic per-frame video embeddings, 32 frames x 128: slowly varying class templates (60% shared "
                "between classes), time shift +-3 frames, gain 0.8-1.2, AR(1) noise (rho 0.9) + white noise; "
                "unit variance; 1/256 grid",
    ),
}


@torch.no_grad()
def last_hidden(model: SeqClassifier, x: np.ndarray, batch: int = 500) -> torch.Tensor:
    """The top layer's hidden state after the last step, (n, H): what the head sees."""
    out = []
    for i in range(0, len(x), batch):
        seq, _ = model.recurrent()(torch.tensor(x[i : i + batch]))
        out.append(seq[:, -1, :])
    return torch.cat(out)


def fit_head(model: SeqClassifier, h: torch.Tensor, y: np.ndarray) -> float:
    """Fit only the head: multinomial logistic regression on the standardized last hidden states
    (full-batch Adam on cross-entropy + weight decay), folded back into the head's weight and bias."""
    mean, std = h.mean(0), h.std(0).clamp_min(1e-6)
    z = (h - mean) / std
    target = torch.tensor(y, dtype=torch.long)
    lin = nn.Linear(h.shape[1], NUM_CLASSES)
    nn.init.zeros_(lin.weight)
    nn.init.zeros_(lin.bias)
    opt = torch.optim.Adam(lin.parameters(), lr=HEAD_LR, weight_decay=HEAD_WEIGHT_DECAY)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(HEAD_STEPS):
        opt.zero_grad()
        loss = loss_fn(lin(z), target)
        loss.backward()
        opt.step()
    with torch.no_grad():
        head = model.head()
        head.weight.copy_(lin.weight / std)
        head.bias.copy_(lin.bias - (lin.weight / std) @ mean)
    return float(loss.item())


@torch.no_grad()
def evaluate(model: SeqClassifier, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy and margins (label logit minus the largest other logit) of the full model in eval mode."""
    model.eval()
    logits = torch.cat([model(torch.tensor(x[i : i + 500])) for i in range(0, len(x), 500)]).numpy()
    true = logits[np.arange(len(y)), y]
    others = logits.copy()
    others[np.arange(len(y)), y] = -np.inf
    margin = true - others.max(1)
    return dict(accuracy=float((logits.argmax(1) == y).mean()), margins=margin)


def make(index: int, name: str, spec: dict) -> dict:
    start = time.time()
    seed = SEED + index  # the seed follows the position in WORKLOADS, so --only gives the same model
    setup(seed)
    model = SeqClassifier(input_size=spec["input_size"], num_classes=NUM_CLASSES, **spec["model"])
    model.eval()
    rng = np.random.default_rng(seed)
    data = spec["data"](rng)
    x_tr, y_tr = data.sample(rng, N_TRAIN)
    x_te, y_te = data.sample(rng, N_TEST)
    assert x_tr.shape[1:] == (spec["steps"], spec["input_size"]), x_tr.shape

    loss = fit_head(model, last_hidden(model, x_tr), y_tr)
    train = evaluate(model, x_tr, y_tr)
    test = evaluate(model, x_te, y_te)
    held = evaluate(model, x_te[:N_HELDOUT], y_te[:N_HELDOUT])
    m = test["margins"]
    stats = {
        "test_accuracy": round(test["accuracy"], 4),
        "train_accuracy": round(train["accuracy"], 4),
        "heldout_accuracy": round(held["accuracy"], 4),
        "median_margin": round(float(np.median(m)), 4),
        "median_margin_correct": round(float(np.median(m[m > 0])), 4),
    }

    folder = os.path.join(MODELS_DIR, name)
    export(model, folder, labels=[str(i) for i in range(NUM_CLASSES)], extra={
        "workload": spec["workload"],
        "sequence_length": spec["steps"],
        **stats,
        "weights": f"PyTorch default random init (torch.manual_seed({seed})); only the head fitted "
                   f"({HEAD_STEPS} full-batch Adam steps of cross-entropy on {N_TRAIN} inputs)",
        "dataset": spec["dataset"] + f"; {N_TRAIN} fitting / {N_TEST} held-out inputs, seed {seed}",
        "heldout": f"heldout.jsonl: the first {N_HELDOUT} held-out inputs",
    })
    entries = write_inputs(model, folder, labels=y_te, sequences=x_te, limit=N_INPUTS)
    with open(os.path.join(folder, "heldout.jsonl"), "w") as f:
        for seq, label in zip(x_te[:N_HELDOUT], y_te[:N_HELDOUT]):
            f.write(json.dumps({"sequence": as_float32_lists(seq), "label": int(label)}) + "\n")
    sizes = {fn: os.path.getsize(os.path.join(folder, fn)) for fn in sorted(os.listdir(folder))}
    print(f"{name}: test accuracy {stats['test_accuracy']:.4f} (train {stats['train_accuracy']:.4f}, "
          f"heldout.jsonl {stats['heldout_accuracy']:.2f}), median margin {stats['median_margin']:.3f} "
          f"({stats['median_margin_correct']:.3f} when correct), head loss {loss:.3f}, "
          f"{len(entries)} inputs, {file_size(folder)} weight bytes, {sum(sizes.values())} bytes in all, "
          f"{time.time() - start:.1f}s", flush=True)
    return stats


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="make only these folders")
    args = p.parse_args()
    for i, name in enumerate(WORKLOADS):
        if args.only and name not in args.only:
            continue
        make(i, name, WORKLOADS[name])


if __name__ == "__main__":
    main()
