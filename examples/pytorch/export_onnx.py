#!/usr/bin/env python3
"""Write the ONNX fixtures of `rnnguard import-onnx` (Tests/ONNXImportTests/Fixtures).

Each fixture is a small random-init PyTorch classifier of one of the shapes the importer reads
(embedding? -> RNN / LSTM / GRU layers, stacked, maybe bidirectional -> last / mean / max pooling ->
linear or MLP head), exported twice with `torch.onnx.export`:

* `NAME.onnx`        -- the TorchScript exporter (`dynamo=False`), batch and time dynamic;
* `NAME.dynamo.onnx` -- the default (torch.export) exporter, time dynamic (batch 1); for `nn.RNN` it
  unrolls the cell into per-step MatMul / Add / Tanh-or-Relu nodes for the example's length (4 steps),
  which the importer reads back into the layer's weights;

plus `NAME.json` (the model.json the importer must write and a few inputs with PyTorch's logits,
checked against onnxruntime on both files) and `NAME.reference.safetensors` (the state_dict, whose
names are the ones the importer writes: `embedding.weight`, `rnn.*`, `fc.*` or `mlp.{0,2,...}.*`).

Two malformed fixtures feed the error tests: `gru-lbr0.onnx` (a GRU with linear_before_reset=0,
which PyTorch never writes) and `softmax.onnx` (a Softmax after the head: an op the importer refuses).

    python export_onnx.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import onnx
import onnxruntime
import torch
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "Tests", "ONNXImportTests", "Fixtures"))
RNN_CLASSES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class Classifier(nn.Module):
    """embedding? -> recurrent layers -> pooling -> linear (`fc`) or MLP (`mlp`, nn.Sequential)."""

    def __init__(self, architecture: str, input_size: int, hidden_size: int, num_classes: int, *,
                 num_layers: int = 1, bidirectional: bool = False, nonlinearity: str = "tanh",
                 pooling: str = "last", last_from: str = "output", mlp: list[tuple[int, str]] | None = None,
                 vocabulary: int = 0, softmax: bool = False):
        super().__init__()
        self.pooling, self.last_from, self.softmax = pooling, last_from, softmax
        self.directions = 2 if bidirectional else 1
        if vocabulary:
            self.embedding = nn.Embedding(vocabulary, input_size)
        extra = {"nonlinearity": nonlinearity} if architecture == "rnn" else {}
        self.rnn = RNN_CLASSES[architecture](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                             bidirectional=bidirectional, **extra)
        width = self.directions * hidden_size
        if mlp:
            layers: list[nn.Module] = []
            for out, activation in mlp:
                layers += [nn.Linear(width, out), nn.ReLU() if activation == "relu" else nn.Tanh()]
                width = out
            self.mlp = nn.Sequential(*layers, nn.Linear(width, num_classes))
        else:
            self.fc = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if hasattr(self, "embedding"):
            x = self.embedding(x)
        output, state = self.rnn(x)
        if self.pooling == "mean":
            pooled = output.mean(dim=1)
        elif self.pooling == "max":
            pooled = output.max(dim=1).values
        elif self.last_from == "slice":
            # Keeps the time axis, so the head exports as MatMul + Add instead of Gemm.
            return self.fc(output[:, -1:, :])[:, 0, :]
        elif self.last_from == "h_n":
            h_n = state[0] if isinstance(state, tuple) else state
            # PyTorch's h_n convention: the top layer's forward last step and backward first step.
            pooled = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.directions == 2 else h_n[-1]
        else:
            pooled = output[:, -1, :]
        logits = self.mlp(pooled) if hasattr(self, "mlp") else self.fc(pooled)
        return torch.softmax(logits, dim=1) if self.softmax else logits


# name -> (constructor arguments, manifest the importer must write)
MODELS: dict[str, dict] = {
    "lstm": dict(architecture="lstm", input_size=4, hidden_size=6, num_classes=3),
    "gru-hn": dict(architecture="gru", input_size=4, hidden_size=5, num_classes=3, last_from="h_n"),
    "rnn-relu": dict(architecture="rnn", input_size=3, hidden_size=5, num_classes=4, nonlinearity="relu"),
    "lstm-2layer": dict(architecture="lstm", input_size=4, hidden_size=5, num_classes=3, num_layers=2,
                        last_from="slice"),
    "gru-2layer-embedding": dict(architecture="gru", input_size=4, hidden_size=5, num_classes=3, num_layers=2,
                                 vocabulary=11),
    "gru-bi-mean": dict(architecture="gru", input_size=4, hidden_size=5, num_classes=3, bidirectional=True,
                        pooling="mean"),
    "gru-bi-hn": dict(architecture="gru", input_size=4, hidden_size=5, num_classes=3, bidirectional=True,
                      last_from="h_n"),
    "lstm-bi-2layer-max-mlp": dict(architecture="lstm", input_size=4, hidden_size=5, num_classes=3, num_layers=2,
                                   bidirectional=True, pooling="max", mlp=[(7, "relu")]),
    "rnn-tanh-bi-mean-mlp": dict(architecture="rnn", input_size=3, hidden_size=4, num_classes=2, bidirectional=True,
                                 pooling="mean", mlp=[(6, "tanh"), (5, "relu")]),
    "rnn-relu-bi-2layer-embedding-hn": dict(architecture="rnn", input_size=3, hidden_size=4, num_classes=3, num_layers=2,
                                            bidirectional=True, nonlinearity="relu", last_from="h_n", vocabulary=9),
}


def manifest(spec: dict) -> dict:
    """The model.json (docs/model-format.md) that describes a Classifier built from `spec`."""
    result = {"architecture": spec["architecture"]}
    if spec["architecture"] == "rnn":
        result["nonlinearity"] = spec.get("nonlinearity", "tanh")
    result.update(input_size=spec["input_size"], hidden_size=spec["hidden_size"],
                  num_layers=spec.get("num_layers", 1), num_classes=spec["num_classes"], rnn_prefix="rnn.",
                  bidirectional=spec.get("bidirectional", False), pooling=spec.get("pooling", "last"))
    if spec.get("mlp"):
        result["head"] = [{"prefix": f"mlp.{2 * i}.", "activation": activation}
                          for i, (_, activation) in enumerate(spec["mlp"])]
        result["head"].append({"prefix": f"mlp.{2 * len(spec['mlp'])}."})
    else:
        result["head_prefix"] = "fc."
    if spec.get("vocabulary"):
        result["embedding"] = "embedding.weight"
    return result


def sample_inputs(spec: dict, generator: torch.Generator) -> list[torch.Tensor]:
    """Three inputs of lengths 1, 4 and 9 (batch 1): token ids for embedding models, else N(0, 1) features."""
    if spec.get("vocabulary"):
        return [torch.randint(0, spec["vocabulary"], (1, n), generator=generator) for n in (1, 4, 9)]
    return [torch.randn(1, n, spec["input_size"], generator=generator) for n in (1, 4, 9)]


def export_both(model: nn.Module, example: torch.Tensor, path: str) -> tuple[str, str]:
    """The TorchScript export (batch and time dynamic) to `path` and the dynamo one beside it."""
    torch.onnx.export(model, (example,), path, dynamo=False, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch", 1: "time"}})
    dynamo_path = path.replace(".onnx", ".dynamo.onnx")
    unrolled = isinstance(model.rnn, nn.RNN)  # its decomposition specializes the length: a dynamic one fails
    program = torch.onnx.export(model, (example,), dynamo=True, input_names=["x"], output_names=["logits"],
                                dynamic_shapes=None if unrolled else {"x": {1: torch.export.Dim("time", min=1, max=1024)}})
    program.save(dynamo_path, external_data=False)  # one self-contained file
    return path, dynamo_path


def check_onnxruntime(path: str, inputs: list[torch.Tensor], logits: list[np.ndarray]) -> None:
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    fixed = session.get_inputs()[0].shape[1]
    for x, expected in zip(inputs, logits):
        if isinstance(fixed, int) and x.shape[1] != fixed:
            continue  # a graph of fixed length runs at that length only
        found = session.run(None, {"x": x.numpy()})[0][0]
        if not np.allclose(found, expected, atol=1e-5, rtol=1e-5):
            raise SystemExit(f"{path}: onnxruntime {found} differs from PyTorch {expected}")


def write_fixture(name: str, spec: dict, out: str, seed: int) -> None:
    torch.manual_seed(seed)
    model = Classifier(**spec).eval()
    inputs = sample_inputs(spec, torch.Generator().manual_seed(seed + 1000))
    with torch.no_grad():
        logits = [model(x)[0].numpy() for x in inputs]
    for path in export_both(model, inputs[1], os.path.join(out, f"{name}.onnx")):
        check_onnxruntime(path, inputs, logits)
    reference = os.path.join(out, f"{name}.reference.safetensors")
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, reference)
    os.chmod(reference, 0o644)  # save_file creates it readable by its owner only
    key = "tokens" if spec.get("vocabulary") else "sequence"
    records = [{key: x[0].tolist(), "logits": y.astype(np.float64).tolist()} for x, y in zip(inputs, logits)]
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump({"manifest": manifest(spec), "inputs": records}, f, indent=1)
        f.write("\n")


def write_malformed(out: str) -> None:
    """gru-lbr0.onnx: gru-hn's TorchScript export with linear_before_reset flipped to 0;
    softmax.onnx: an LSTM classifier ending in Softmax."""
    graph = onnx.load(os.path.join(out, "gru-hn.onnx"))
    for node in graph.graph.node:
        if node.op_type == "GRU":
            for attribute in node.attribute:
                if attribute.name == "linear_before_reset":
                    attribute.i = 0
    onnx.save(graph, os.path.join(out, "gru-lbr0.onnx"))
    torch.manual_seed(7)
    model = Classifier("lstm", 4, 5, 3, softmax=True).eval()
    torch.onnx.export(model, (torch.randn(1, 4, 4),), os.path.join(out, "softmax.onnx"), dynamo=False,
                      input_names=["x"], output_names=["probabilities"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for seed, (name, spec) in enumerate(MODELS.items()):
        write_fixture(name, spec, out, seed)
        print(f"wrote {name}")
    write_malformed(out)


if __name__ == "__main__":
    main()
