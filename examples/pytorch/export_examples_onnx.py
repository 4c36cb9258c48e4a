#!/usr/bin/env python3
"""Export the two trained issue-12 examples through ONNX and import them back with `rnnguard import-onnx`.

For `speech-bigru-mean` (bidirectional GRU, mean pooling) and `news-bilstm-max-mlp` (embedding +
bidirectional LSTM, max pooling, MLP head):

1. rebuild the trained `nn.Module` (common.SeqClassifier with the arguments of train_speech_bigru.py /
   train_news_bilstm.py) and load the folder's `model.safetensors` into it (strict: every tensor);
2. export it with `torch.onnx.export(..., dynamo=False)` (the TorchScript exporter; batch and time
   dynamic; input `x`: float features, or int64 token ids for the text model) to
   `examples/onnx/<name>.onnx`;
3. check that PyTorch reproduces the folder's stored logits (`inputs.json`) and that onnxruntime
   reproduces PyTorch on every one of those inputs, both to 1e-5;
4. run `rnnguard import-onnx examples/onnx/<name>.onnx examples/models/<name>-onnx`, copy the original
   folder's `inputs.json` (and `vocab.json`), and post-process the imported `model.json`: an ONNX file
   carries neither the vocabulary nor the class names, so the importer cannot write them. The script
   adds `labels` (both models) and, for the text model, `vocab` ("vocab.json"), `unknown_token`
   ("<unk>") and `tokenizer` ("lower-alnum"), taken from the original folder's model.json. Everything
   else in model.json (architecture, pooling, head, tensor names, `imported_from`) is the importer's.

The imported folder's tensors are the importer's names (`mlp.0.`, `mlp.2.`: the dropout layer of the
original's `mlp.0.`, `mlp.3.` is not in the ONNX graph), its logits the original's.

    python export_examples_onnx.py [--rnnguard BIN] [--no-import] [--only NAME ...]

`--rnnguard` defaults to $RNNGUARD, else `rnnguard` on PATH, else `.build*/release/rnnguard` of the
repository; `--no-import` stops after step 3. Needs `onnx`, `onnxruntime` (and `onnxscript`, which
torch.onnx imports); not run by `make_all.sh`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess

import numpy as np
import onnxruntime
import torch
from safetensors.torch import load_file

from common import MODELS_DIR, SeqClassifier
from export import UNK_TOKEN
from make_speech import N_MFCC, WORDS
from train_news import EMBED_DIM, LABELS
import train_news_bilstm
import train_speech_bigru

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
ONNX_DIR = os.path.normpath(os.path.join(HERE, "..", "onnx"))
TOLERANCE = 1e-5


def build_speech(folder: str) -> SeqClassifier:
    """train_speech_bigru.py's model: GRU(13 -> 24, bidirectional), mean pooling, Linear(48 -> 10)."""
    return SeqClassifier("gru", N_MFCC, train_speech_bigru.HIDDEN, len(WORDS), bidirectional=True, pooling="mean")


def build_news(folder: str) -> SeqClassifier:
    """train_news_bilstm.py's model: Embedding(vocab x 24), LSTM(24 -> 32, bidirectional), max pooling,
    MLP Linear(64 -> 32), ReLU, Dropout, Linear(32 -> 7)."""
    with open(os.path.join(folder, "vocab.json")) as f:
        vocab = json.load(f)
    return SeqClassifier("lstm", EMBED_DIM, train_news_bilstm.HIDDEN, len(LABELS), vocab_size=len(vocab),
                         bidirectional=True, pooling="max", head_hidden=(train_news_bilstm.MLP_HIDDEN,),
                         head_name="mlp", head_dropout=0.2)


# name of the trained folder in examples/models -> how to rebuild its module
EXAMPLES = {
    train_speech_bigru.NAME: build_speech,
    train_news_bilstm.NAME: build_news,
}


def load_model(name: str) -> SeqClassifier:
    folder = os.path.join(MODELS_DIR, name)
    model = EXAMPLES[name](folder)
    model.load_state_dict(load_file(os.path.join(folder, "model.safetensors")), strict=True)
    return model.eval()


def load_inputs(name: str) -> tuple[list[torch.Tensor], list[np.ndarray]]:
    """The folder's inputs.json as batch-1 tensors (token ids or feature sequences) and stored logits."""
    with open(os.path.join(MODELS_DIR, name, "inputs.json")) as f:
        entries = json.load(f)
    xs = [torch.tensor([e["tokens"]], dtype=torch.int64) if "tokens" in e
          else torch.tensor([e["sequence"]], dtype=torch.float32) for e in entries]
    return xs, [np.asarray(e["logits"], dtype=np.float64) for e in entries]


def close(found: np.ndarray, expected: np.ndarray) -> float:
    """Largest difference, absolute below 1 in magnitude and relative above (as check_export.py)."""
    return float(np.max(np.abs(found - expected) / np.maximum(1.0, np.abs(expected))))


def export_onnx(name: str) -> str:
    model = load_model(name)
    xs, stored = load_inputs(name)
    with torch.no_grad():
        logits = [model(x)[0].double().numpy() for x in xs]
    worst = max(close(a, b) for a, b in zip(logits, stored))
    if worst > TOLERANCE:
        raise SystemExit(f"{name}: the rebuilt PyTorch model differs from inputs.json's logits by {worst:.2e}")

    os.makedirs(ONNX_DIR, exist_ok=True)
    path = os.path.join(ONNX_DIR, f"{name}.onnx")
    torch.onnx.export(model, (xs[0],), path, dynamo=False, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch", 1: "time"}, "logits": {0: "batch"}})
    os.chmod(path, 0o644)

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    worst_ort = 0.0
    for i, (x, expected) in enumerate(zip(xs, logits)):
        found = session.run(None, {"x": x.numpy()})[0][0].astype(np.float64)
        difference = close(found, expected)
        if difference > TOLERANCE:
            raise SystemExit(f"{name}#{i}: onnxruntime {found} differs from PyTorch {expected} by {difference:.2e}")
        worst_ort = max(worst_ort, difference)
    print(f"{name}: wrote {os.path.relpath(path, REPO)} ({os.path.getsize(path):,} bytes); {len(xs)} inputs: "
          f"PyTorch vs inputs.json {worst:.1e}, onnxruntime vs PyTorch {worst_ort:.1e}")
    return path


def find_rnnguard(given: str | None) -> str:
    candidates = [given, os.environ.get("RNNGUARD"), shutil.which("rnnguard")]
    candidates += sorted(glob.glob(os.path.join(REPO, ".build*", "release", "rnnguard")))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("no rnnguard binary: pass --rnnguard BIN or set $RNNGUARD (build it with "
                     "`swift build -c release --product rnnguard`), or run with --no-import")


def import_onnx(name: str, path: str, rnnguard: str) -> None:
    """`rnnguard import-onnx` into models/<name>-onnx, then the original folder's inputs, vocabulary and labels."""
    source = os.path.join(MODELS_DIR, name)
    target = os.path.join(MODELS_DIR, f"{name}-onnx")
    if os.path.isdir(target):
        shutil.rmtree(target)  # a fresh import: nothing stale left from an earlier run
    result = subprocess.run([rnnguard, "import-onnx", path, target], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{name}: rnnguard import-onnx failed: {(result.stderr or result.stdout).strip()}")
    print(f"  {result.stdout.strip()}")

    with open(os.path.join(source, "model.json")) as f:
        original = json.load(f)
    manifest_path = os.path.join(target, "model.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    # The post-processing step: what an ONNX graph does not hold (class names; the text model's vocabulary,
    # unknown token and tokenizer), from the original folder. Weights and structure stay the importer's.
    added = {"labels": original["labels"]}
    if "vocab" in original:
        shutil.copyfile(os.path.join(source, original["vocab"]), os.path.join(target, original["vocab"]))
        added.update(vocab=original["vocab"], unknown_token=original.get("unknown_token", UNK_TOKEN),
                     tokenizer=original.get("tokenizer", "lower-alnum"))
    for key in ("architecture", "hidden_size", "num_layers", "num_classes", "bidirectional", "pooling"):
        if manifest.get(key) != original.get(key):
            raise SystemExit(f"{name}: the imported {key} {manifest.get(key)!r} is not the original's {original.get(key)!r}")
    manifest.update(added)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    shutil.copyfile(os.path.join(source, "inputs.json"), os.path.join(target, "inputs.json"))
    print(f"  {os.path.relpath(target, REPO)}: added {', '.join(added)} to model.json; copied inputs.json"
          + (", vocab.json" if "vocab" in added else ""))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rnnguard", help="the rnnguard binary (default: $RNNGUARD, PATH, .build*/release/rnnguard)")
    p.add_argument("--no-import", action="store_true", help="export and check the .onnx files only")
    p.add_argument("--only", nargs="+", choices=sorted(EXAMPLES), default=list(EXAMPLES))
    args = p.parse_args()
    torch.set_num_threads(1)
    rnnguard = None if args.no_import else find_rnnguard(args.rnnguard)
    for name in args.only:
        path = export_onnx(name)
        if rnnguard:
            import_onnx(name, path, rnnguard)


if __name__ == "__main__":
    main()
