#!/usr/bin/env python3
"""Self-test of export.py: every supported shape exports (and check_export.py reproduces it), every
unsupported one is refused with a ValueError naming the problem. Needs torch; about 20 s.

    python test_export.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile

import numpy as np
import torch
from torch import nn

import check_export
from common import SeqClassifier
from export import export, write_inputs

torch.manual_seed(0)


class Custom(nn.Module):
    """A hand-written forward: separate head modules, h_n indexing, functional activations."""

    def __init__(self, arch="gru", bidirectional=True, layers=2, how="hn", emb=False):
        super().__init__()
        self.how = how
        if emb:
            self.emb = nn.Embedding(20, 5)
        self.enc = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[arch](5, 6, num_layers=layers, batch_first=True,
                                                                         bidirectional=bidirectional)
        d = 12 if bidirectional else 6
        self.fc1 = nn.Linear(d, 7)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(7, 3)

    def forward(self, x):
        if hasattr(self, "emb"):
            x = self.emb(x)
        out, h = self.enc(x)
        if isinstance(self.enc, nn.LSTM):
            h = h[0]
        if self.how == "hn":
            z = torch.cat((h[-2], h[-1]), dim=-1) if self.enc.bidirectional else h[-1]
        elif self.how == "mean":
            z = torch.mean(out, 1)
        elif self.how == "amax":
            z = torch.amax(out, dim=1)
        elif self.how == "maxtuple":
            z, _ = torch.max(out, dim=1)
        elif self.how == "squeeze":
            z = h.squeeze(0)
        return self.fc2(self.drop(torch.tanh(self.fc1(z))))


def export_ok(model, want: dict, **kw):
    tmp = tempfile.mkdtemp()
    try:
        m = export(model, tmp, **kw)
        for k, v in want.items():
            assert m.get(k) == v, (k, m.get(k), v, m)
        if "embedding" in m:
            toks = [[i % 20, (3 * i) % 20, 7][: 1 + i % 3] for i in range(40)]
            labels = [int(model(torch.tensor([t]))[0].argmax()) for t in toks]
            write_inputs(model, tmp, labels=labels, tokens=toks)
        else:
            seqs = [np.random.default_rng(i).standard_normal((1 + i % 6, m["input_size"])) for i in range(40)]
            labels = [int(model(torch.tensor(s, dtype=torch.float32)[None]).argmax()) for s in seqs]
            write_inputs(model, tmp, labels=labels, sequences=seqs)
        count, worst, _ = check_export.check_folder(tmp)
        assert count > 0 and worst < 1e-5, (count, worst)
        return m
    finally:
        shutil.rmtree(tmp)


def refused(model, text: str, **kw):
    tmp = tempfile.mkdtemp()
    try:
        export(model, tmp, **kw)
    except ValueError as e:
        assert text in str(e), f"expected {text!r} in: {e}"
        return str(e)
    finally:
        shutil.rmtree(tmp)
    raise AssertionError(f"not refused ({text})")


def main() -> int:
    # plain model: the original manifest, no new keys
    m = export_ok(SeqClassifier("lstm", 5, 6, 3), {"head_prefix": "fc."})
    assert "pooling" not in m and "bidirectional" not in m and "head" not in m
    for arch in ("rnn", "lstm", "gru"):
        for layers in (1, 2, 3):
            for pooling in ("last", "mean", "max"):
                for bi in (False, True):
                    model = SeqClassifier(arch, 5, 4, 3, num_layers=layers, bidirectional=bi, pooling=pooling,
                                          nonlinearity="relu" if layers == 2 else "tanh",
                                          head_hidden=(6, 5) if bi else (), head_name="mlp" if bi else "fc",
                                          head_activation="tanh" if layers == 3 else "relu", head_dropout=0.1)
                    want = {"num_layers": layers, "pooling": pooling if (bi or pooling != "last") else None}
                    if bi:
                        want.update(bidirectional=True, head=[
                            {"prefix": "mlp.0.", "activation": "tanh" if layers == 3 else "relu"},
                            {"prefix": "mlp.3.", "activation": "tanh" if layers == 3 else "relu"},
                            {"prefix": "mlp.6."}])
                    export_ok(model, want)
    # separate head modules, functional activations, several ways of pooling
    export_ok(Custom(), {"pooling": "last", "head": [{"prefix": "fc1.", "activation": "tanh"}, {"prefix": "fc2."}]})
    export_ok(Custom(arch="lstm", how="mean", emb=True), {"pooling": "mean", "embedding": "emb.weight"})
    export_ok(Custom(arch="rnn", how="amax", bidirectional=False), {"pooling": "max"})
    export_ok(Custom(arch="lstm", how="maxtuple", layers=3), {"pooling": "max"})
    export_ok(Custom(how="squeeze", layers=1, bidirectional=False), {"pooling": None})  # plain: no key
    export_ok(Custom(how="hn", layers=3, bidirectional=False), {"pooling": None})
    # pooling given explicitly: checked against the trace; used when the forward cannot be traced
    refused(SeqClassifier("gru", 5, 4, 3, pooling="mean"), "pools with 'mean'", pooling="max")

    class Untraceable(SeqClassifier):
        def forward(self, x):
            if x.shape[1] > 100:  # control flow on the input: torch.fx cannot trace it
                return None
            return super().forward(x)

    refused(Untraceable("gru", 5, 4, 3, bidirectional=True, pooling="mean"), "pooling=")
    export_ok(Untraceable("gru", 5, 4, 3, bidirectional=True, pooling="mean"), {"pooling": "mean"}, pooling="mean")
    # ... and a wrong explicit pooling is caught by running the forward
    refused(Untraceable("gru", 5, 4, 3, bidirectional=True, pooling="mean"), "does not reproduce", pooling="max")
    # unsupported modules / steps
    bad = SeqClassifier("gru", 5, 4, 3)
    bad.norm = nn.LayerNorm(4)
    refused(bad, "module 'norm' (nn.LayerNorm) is not supported")
    refused(nn.Sequential(nn.Conv1d(5, 5, 3), nn.GRU(5, 4, batch_first=True)), "Conv1d")
    refused(nn.ModuleDict({"a": nn.MultiheadAttention(4, 1), "r": nn.GRU(5, 4, batch_first=True)}), "MultiheadAttention")
    lstm_proj = SeqClassifier("lstm", 5, 4, 3)
    lstm_proj.rnn = nn.LSTM(5, 4, batch_first=True, proj_size=2)
    refused(lstm_proj, "proj_size")
    not_bf = SeqClassifier("gru", 5, 4, 3)
    not_bf.rnn = nn.GRU(5, 4)
    refused(not_bf, "batch_first")

    class BiOutLast(SeqClassifier):
        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1, :])

    refused(BiOutLast("gru", 5, 4, 3, bidirectional=True), "h_n convention")

    class Sigmoid(SeqClassifier):
        def forward(self, x):
            return self.fc(torch.sigmoid(self.rnn(x)[0].mean(1)))

    refused(Sigmoid("gru", 5, 4, 3), "sigmoid")

    class ActAfter(SeqClassifier):
        def forward(self, x):
            return torch.relu(super().forward(x))

    refused(ActAfter("gru", 5, 4, 3), "last nn.Linear")

    class MeanAndMax(SeqClassifier):
        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(torch.cat([out.mean(1), out.amax(1)], dim=1))

    refused(MeanAndMax("gru", 5, 2, 3), "pools a second time")

    class Residual(SeqClassifier):
        def forward(self, x):
            out, _ = self.rnn(x)
            z = out.mean(1)
            return self.fc(z + z)

    refused(Residual("gru", 5, 4, 3), "add")

    class BackwardFirst(SeqClassifier):
        def forward(self, x):
            _, h = self.rnn(x)
            return self.fc(torch.cat([h[-1], h[-2]], dim=1))

    refused(BackwardFirst("gru", 5, 4, 3, bidirectional=True), "concatenates h_n entries [1, 0]")

    class LowerLayer(SeqClassifier):
        def forward(self, x):
            _, h = self.rnn(x)
            return self.fc(h[0])

    refused(LowerLayer("gru", 5, 4, 3, num_layers=2), "not the top layer")

    class WithState(SeqClassifier):
        def forward(self, x):
            out, _ = self.rnn(x, torch.ones(1, x.shape[0], 4))
            return self.fc(out[:, -1])

    refused(WithState("gru", 5, 4, 3), "initial state")
    leaky = SeqClassifier("gru", 5, 4, 3, head_hidden=(6,))
    leaky.fc[1] = nn.LeakyReLU()
    refused(leaky, "LeakyReLU")
    extra_param = SeqClassifier("gru", 5, 4, 3)
    extra_param.scale = nn.Parameter(torch.ones(1))
    refused(extra_param, "'scale'", verify=False)
    refused(SeqClassifier("gru", 5, 4, 3), "pooling 'attention'", pooling="attention")
    print("test_export.py: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
