#!/usr/bin/env python3
"""Independent check of rnnguard model folders, with numpy only (no torch, no safetensors package).

For every folder given (default: every folder in examples/models), reads model.safetensors
with a small parser of its own, checks the tensor names and shapes against model.json,
re-runs every input of inputs.json through a numpy implementation of PyTorch's RNN / LSTM /
GRU equations (float64; bidirectional layers, pooling by last / mean / max, linear or MLP
heads, as docs/model-format.md specifies) and asserts the logits match the stored PyTorch logits to 1e-5
(absolute, or relative for logits larger than 1) and that the argmax is the label. Text
models: re-tokenizes each stored text and checks the token ids.

    python check_export.py [FOLDER ...]
"""

from __future__ import annotations

import glob
import json
import os
import re
import struct
import sys

import numpy as np

TOLERANCE = 1e-5
_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: str) -> dict[str, np.ndarray]:
    """Parse the safetensors format: u64 header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    data = blob[8 + n :]
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        dtype = np.dtype(_DTYPES[meta["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(data[start:end], dtype=dtype).reshape(meta["shape"]).astype(np.float64)
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def layer_params(t: dict, prefix: str, layer: str, gates: int, hidden: int, in_size: int):
    """Tensors of one layer and direction: layer is "0", "1", ... or "0_reverse", ..."""
    w_ih = t[f"{prefix}weight_ih_l{layer}"]
    w_hh = t[f"{prefix}weight_hh_l{layer}"]
    assert w_ih.shape == (gates * hidden, in_size), (f"{prefix}weight_ih_l{layer}", w_ih.shape)
    assert w_hh.shape == (gates * hidden, hidden), (f"{prefix}weight_hh_l{layer}", w_hh.shape)
    b_ih = t.get(f"{prefix}bias_ih_l{layer}", np.zeros(gates * hidden))
    b_hh = t.get(f"{prefix}bias_hh_l{layer}", np.zeros(gates * hidden))
    assert b_ih.shape == b_hh.shape == (gates * hidden,)
    return w_ih, w_hh, b_ih, b_hh


def run_layer(arch: str, nonlin: str, params, xs: np.ndarray, hidden: int) -> np.ndarray:
    """One recurrent layer over xs (T, in) from h0 = c0 = 0; returns all hidden states (T, hidden)."""
    w_ih, w_hh, b_ih, b_hh = params
    h = np.zeros(hidden)
    c = np.zeros(hidden)
    out = []
    for x in xs:
        gi = w_ih @ x + b_ih
        gh = w_hh @ h + b_hh
        if arch == "rnn":
            pre = gi + gh
            h = np.tanh(pre) if nonlin == "tanh" else np.maximum(pre, 0.0)
        elif arch == "lstm":  # gate order i, f, g, o
            g = gi + gh
            i, f, gg, o = (g[k * hidden : (k + 1) * hidden] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(gg)
            h = sigmoid(o) * np.tanh(c)
        elif arch == "gru":  # gate order r, z, n
            r = sigmoid(gi[:hidden] + gh[:hidden])
            z = sigmoid(gi[hidden : 2 * hidden] + gh[hidden : 2 * hidden])
            n = np.tanh(gi[2 * hidden :] + r * gh[2 * hidden :])
            h = (1.0 - z) * n + z * h
        else:
            raise ValueError(arch)
        out.append(h)
    return np.array(out)


def tokenize(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def check_folder(folder: str) -> tuple[int, float]:
    with open(os.path.join(folder, "model.json")) as f:
        m = json.load(f)
    t = read_safetensors(os.path.join(folder, "model.safetensors"))
    arch, hidden, layers = m["architecture"], m["hidden_size"], m["num_layers"]
    nonlin = m.get("nonlinearity", "tanh")
    assert arch in ("rnn", "lstm", "gru"), arch
    assert arch != "rnn" or nonlin in ("tanh", "relu"), nonlin
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[arch]
    bidirectional = m.get("bidirectional", False)
    assert bidirectional in (True, False), bidirectional
    pooling = m.get("pooling", "last")
    assert pooling in ("last", "mean", "max"), pooling
    dirs = 2 if bidirectional else 1
    suffixes = ["", "_reverse"][:dirs]
    rp = m["rnn_prefix"]

    expected = set()
    params = []  # per layer, per direction
    for k in range(layers):
        in_size = m["input_size"] if k == 0 else dirs * hidden
        params.append([layer_params(t, rp, f"{k}{sfx}", gates, hidden, in_size) for sfx in suffixes])
        expected |= {f"{rp}{w}_{d}_l{k}{sfx}" for w in ("weight", "bias") for d in ("ih", "hh") for sfx in suffixes}
    if "head" in m:
        head_spec = [(layer["prefix"], layer.get("activation")) for layer in m["head"]]
        assert head_spec, "empty head"
        assert all(a in (None, "relu", "tanh") for _, a in head_spec), head_spec
        assert head_spec[-1][1] is None, "activation after the last head layer"
    else:
        head_spec = [(m["head_prefix"], None)]
    head = []
    width = dirs * hidden
    for prefix, act in head_spec:
        w = t[prefix + "weight"]
        b = t.get(prefix + "bias", np.zeros(w.shape[0]))
        assert w.ndim == 2 and w.shape[1] == width, (prefix + "weight", w.shape, width)
        assert b.shape == (w.shape[0],), (prefix + "bias", b.shape)
        expected |= {prefix + "weight", prefix + "bias"}
        head.append((w, b, act))
        width = w.shape[0]
    assert width == m["num_classes"], (width, m["num_classes"])
    emb = None
    vocab = None
    if "embedding" in m:
        emb = t[m["embedding"]]
        assert emb.shape[1] == m["input_size"], emb.shape
        expected.add(m["embedding"])
        if "vocab" in m:
            with open(os.path.join(folder, m["vocab"])) as f:
                vocab = json.load(f)
            assert len(vocab) == emb.shape[0], (len(vocab), emb.shape)
            assert m["unknown_token"] in vocab
            assert m.get("tokenizer") == "lower-alnum", m.get("tokenizer")
    extra = set(t) - expected
    assert not extra, f"unexpected tensors {sorted(extra)}"
    if "labels" in m:
        assert len(m["labels"]) == m["num_classes"]

    with open(os.path.join(folder, "inputs.json")) as f:
        inputs = json.load(f)
    assert inputs, "inputs.json is empty"
    worst = worst_abs = 0.0
    index = {tok: i for i, tok in enumerate(vocab)} if vocab else None
    for n, item in enumerate(inputs):
        if "tokens" in item:
            assert emb is not None, "token input for a model without an embedding"
            if "text" in item and index is not None:
                unk = index[m["unknown_token"]]
                ids = [index.get(tok, unk) for tok in tokenize(item["text"])]
                assert ids == item["tokens"], f"input {n}: tokenizer mismatch for {item['text']!r}"
            xs = emb[np.array(item["tokens"], dtype=np.int64)]
        else:
            xs = np.array(item["sequence"], dtype=np.float64)
            assert xs.ndim == 2 and xs.shape[1] == m["input_size"], xs.shape
        for layer in params:
            outs = [run_layer(arch, nonlin, layer[0], xs, hidden)]
            if bidirectional:  # the backward direction reads the sequence reversed; outputs back in time order
                outs.append(run_layer(arch, nonlin, layer[1], xs[::-1], hidden)[::-1])
            xs = np.concatenate(outs, axis=1)
        if pooling == "mean":
            z = xs.mean(axis=0)
        elif pooling == "max":
            z = xs.max(axis=0)
        else:  # h_n order: the forward direction after the last step, the backward one after the first
            z = np.concatenate([xs[-1, :hidden], xs[0, hidden:]]) if bidirectional else xs[-1]
        for w, b, act in head:
            z = w @ z + b
            if act == "relu":
                z = np.maximum(z, 0.0)
            elif act == "tanh":
                z = np.tanh(z)
        logits = z
        ref = np.array(item["logits"], dtype=np.float64)
        err = np.abs(logits - ref) / np.maximum(1.0, np.abs(ref))
        worst = max(worst, float(err.max()))
        worst_abs = max(worst_abs, float(np.abs(logits - ref).max()))
        assert err.max() <= TOLERANCE, f"input {n}: logits differ by {err.max():.3g}\n{logits}\n{ref}"
        assert int(np.argmax(ref)) == item["label"], f"input {n}: stored logits do not give the label"
        assert int(np.argmax(logits)) == item["label"], f"input {n}: numpy logits do not give the label"
    return len(inputs), worst, worst_abs


def main(argv: list[str]) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    folders = argv or sorted(glob.glob(os.path.join(here, "..", "models", "*", "")))
    failed = 0
    for folder in folders:
        name = os.path.normpath(folder)
        try:
            count, worst, worst_abs = check_folder(folder)
            print(f"ok   {name}: {count} inputs, max logit error {worst_abs:.2e} abs / {worst:.2e} scaled")
        except Exception as e:  # noqa: BLE001 -- report every folder
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    print(f"{len(folders) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
