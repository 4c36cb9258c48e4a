#!/usr/bin/env python3
"""Export a PyTorch recurrent classifier to an rnnguard model folder.

A model folder holds:

* ``model.safetensors`` -- the model's ``state_dict`` under PyTorch's own tensor
  names (``rnn.weight_ih_l0``, ``rnn.bias_hh_l1``, ``fc.weight``, ``embedding.weight``...),
  float32.
* ``model.json`` -- the manifest: ``architecture`` ("rnn" | "lstm" | "gru"),
  ``nonlinearity`` (rnn only), ``input_size``, ``hidden_size``, ``num_layers``,
  ``num_classes``, ``rnn_prefix``, ``head_prefix`` and, when present, ``embedding``,
  ``vocab``, ``unknown_token``, ``tokenizer``, ``labels`` plus any extra keys.
* ``vocab.json`` (text models) -- a JSON list of token strings, index = token id.
* ``inputs.json`` (optional, see :func:`write_inputs`) -- held-out inputs with the
  logits PyTorch computes for them.

The supported model is: an optional ``nn.Embedding``, one ``nn.RNN`` / ``nn.LSTM`` /
``nn.GRU`` with ``batch_first=True`` (unidirectional, no projection, h0 = c0 = 0), and
one ``nn.Linear`` head applied to the top layer's hidden state at the LAST time step:
``logits = head(h_T)``.

Usage as a module::

    from export import export, write_inputs
    export(model, "models/my-model", labels=[...], extra={"test_accuracy": 0.97})
    write_inputs(model, "models/my-model", sequences=[...], labels=[...])

Usage as a CLI (for a whole model pickled with ``torch.save(model, path)``, whose class
must be importable)::

    python export.py model.pt out_folder --labels 0 1 2 --extra test_accuracy=0.9
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from torch import nn
from safetensors.torch import save_file

# Tokenizer "lower-alnum": lowercase the text; tokens = maximal runs of [a-z0-9']; unknown tokens -> id of unknown_token.
TOKEN_PATTERN = re.compile(r"[a-z0-9']+")
TOKENIZER_NAME = "lower-alnum"
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"

_ARCHITECTURES = {nn.RNN: "rnn", nn.LSTM: "lstm", nn.GRU: "gru"}


def tokenize(text: str) -> list[str]:
    """The "lower-alnum" tokenizer (see the comment above TOKEN_PATTERN)."""
    return TOKEN_PATTERN.findall(text.lower())


def encode(text: str, vocab: Sequence[str] | dict[str, int], unknown_token: str = UNK_TOKEN) -> list[int]:
    """Token ids of ``text``; tokens missing from ``vocab`` map to ``unknown_token``'s id."""
    index = vocab if isinstance(vocab, dict) else {tok: i for i, tok in enumerate(vocab)}
    unk = index[unknown_token]
    return [index.get(tok, unk) for tok in tokenize(text)]


def _find_modules(model: nn.Module, kinds: tuple[type, ...]) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules() if name and isinstance(m, kinds)]


def _one(found: list[tuple[str, nn.Module]], what: str, given: str | None, optional: bool = False):
    """Pick the module named ``given`` (a prefix like "fc." or a name like "fc"), or the only one found."""
    if given is not None:
        name = given[:-1] if given.endswith(".") else given
        for n, m in found:
            if n == name:
                return n, m
        raise ValueError(f"no {what} module named {name!r}; found {[n for n, _ in found]}")
    if not found:
        if optional:
            return None, None
        raise ValueError(f"the model has no {what} module")
    if len(found) > 1:
        raise ValueError(f"the model has several {what} modules {[n for n, _ in found]}: name the one to use")
    return found[0]


def describe(
    model: nn.Module,
    *,
    rnn_prefix: str | None = None,
    head_prefix: str | None = None,
    embedding: str | None = None,
) -> dict[str, Any]:
    """Detect the embedding / recurrent / head modules of ``model`` and build the manifest core.

    ``rnn_prefix`` / ``head_prefix`` (e.g. "encoder.", "out.") and ``embedding`` (a module
    name or its tensor name, e.g. "embedding.weight") are only needed when the model has
    more than one candidate module.
    """
    rnn_name, rnn = _one(_find_modules(model, (nn.RNN, nn.LSTM, nn.GRU)), "nn.RNN/nn.LSTM/nn.GRU", rnn_prefix)
    head_name, head = _one(_find_modules(model, (nn.Linear,)), "nn.Linear head", head_prefix)
    emb_given = embedding[: -len(".weight")] if embedding and embedding.endswith(".weight") else embedding
    emb_name, emb = _one(_find_modules(model, (nn.Embedding,)), "nn.Embedding", emb_given, optional=True)

    arch = _ARCHITECTURES[type(rnn)]
    if not rnn.batch_first:
        raise ValueError(f"{rnn_name}: batch_first must be True")
    if rnn.bidirectional:
        raise ValueError(f"{rnn_name}: bidirectional recurrent layers are not supported")
    if arch == "lstm" and getattr(rnn, "proj_size", 0):
        raise ValueError(f"{rnn_name}: LSTM projections (proj_size) are not supported")
    if head.in_features != rnn.hidden_size:
        raise ValueError(f"head {head_name} takes {head.in_features} features, hidden size is {rnn.hidden_size}")
    if emb is not None and emb.embedding_dim != rnn.input_size:
        raise ValueError(f"embedding dim {emb.embedding_dim} != recurrent input size {rnn.input_size}")

    info: dict[str, Any] = {"architecture": arch}
    if arch == "rnn":
        info["nonlinearity"] = rnn.nonlinearity
    info.update(
        input_size=rnn.input_size,
        hidden_size=rnn.hidden_size,
        num_layers=rnn.num_layers,
        num_classes=head.out_features,
        rnn_prefix=rnn_name + ".",
        head_prefix=head_name + ".",
    )
    if emb is not None:
        info["embedding"] = emb_name + ".weight"
    return info


def export(
    model: nn.Module,
    folder: str,
    *,
    rnn_prefix: str | None = None,
    head_prefix: str | None = None,
    embedding: str | None = None,
    architecture: str | None = None,
    nonlinearity: str | None = None,
    vocab: Sequence[str] | None = None,
    unknown_token: str | None = None,
    labels: Sequence[str] | None = None,
    extra: dict[str, Any] | None = None,
    strict: bool = True,
) -> dict[str, Any]:
    """Write ``model.safetensors``, ``model.json`` (and ``vocab.json``) for ``model`` into ``folder``.

    The structure is detected from the modules; ``architecture`` / ``nonlinearity``, when
    given, are checked against it. With ``strict`` the model may hold no parameters
    beyond the embedding, the recurrent layer and the head (they could not be
    reproduced from the manifest). Returns the manifest written.
    """
    info = describe(model, rnn_prefix=rnn_prefix, head_prefix=head_prefix, embedding=embedding)
    if architecture is not None and architecture != info["architecture"]:
        raise ValueError(f"architecture {architecture!r} given, the model is {info['architecture']!r}")
    if nonlinearity is not None and nonlinearity != info.get("nonlinearity"):
        raise ValueError(f"nonlinearity {nonlinearity!r} given, the model has {info.get('nonlinearity')!r}")

    prefixes = [info["rnn_prefix"], info["head_prefix"]]
    if "embedding" in info:
        prefixes.append(info["embedding"][: -len("weight")])
    tensors: dict[str, torch.Tensor] = {}
    for name, value in model.state_dict().items():
        if any(name.startswith(p) for p in prefixes):
            tensors[name] = value.detach().to(torch.float32).cpu().contiguous().clone()
        elif strict:
            raise ValueError(f"tensor {name!r} belongs to no exported module (pass strict=False to drop it)")

    if "embedding" in info:
        if vocab is not None:
            vocab = list(vocab)
            rows = tensors[info["embedding"]].shape[0]
            if len(vocab) != rows:
                raise ValueError(f"vocab has {len(vocab)} tokens, the embedding {rows} rows")
            if len(set(vocab)) != len(vocab):
                raise ValueError("vocab tokens must be unique")
            unknown_token = unknown_token or UNK_TOKEN
            if unknown_token not in vocab:
                raise ValueError(f"unknown token {unknown_token!r} is not in the vocab")
    elif vocab is not None:
        raise ValueError("a vocab only makes sense for a model with an nn.Embedding")

    if labels is not None:
        labels = [str(x) for x in labels]
        if len(labels) != info["num_classes"]:
            raise ValueError(f"{len(labels)} labels for {info['num_classes']} classes")

    os.makedirs(folder, exist_ok=True)
    weights = os.path.join(folder, "model.safetensors")
    save_file(tensors, weights)
    os.chmod(weights, 0o644)  # save_file creates it readable by its owner only
    manifest = dict(info)
    if vocab is not None:
        with open(os.path.join(folder, "vocab.json"), "w") as f:
            json.dump(vocab, f, ensure_ascii=False)
        manifest["vocab"] = "vocab.json"
        manifest["unknown_token"] = unknown_token
        manifest["tokenizer"] = TOKENIZER_NAME
    if labels is not None:
        manifest["labels"] = labels
    for key, value in (extra or {}).items():
        if key in manifest:
            raise ValueError(f"extra key {key!r} would overwrite a manifest key")
        manifest[key] = value
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def as_float32_lists(x: Any) -> list:
    """Nested Python lists of the float32 values of ``x`` (doubles that round-trip exactly)."""
    return np.asarray(x, dtype=np.float32).astype(np.float64).tolist()


@torch.no_grad()
def logits_for(model: nn.Module, x: Any, *, tokens: bool = False) -> np.ndarray:
    """float32 logits of one input: a (T, input_size) float array, or a list of token ids."""
    was_training = model.training
    model.eval()
    try:
        if tokens:
            inp = torch.tensor([list(x)], dtype=torch.long)
        else:
            inp = torch.tensor(np.asarray(x, dtype=np.float32)[None])
        return model(inp)[0].numpy().astype(np.float32)
    finally:
        model.train(was_training)


def write_inputs(
    model: nn.Module,
    folder: str,
    *,
    labels: Sequence[int],
    sequences: Iterable[Any] | None = None,
    tokens: Iterable[Sequence[int]] | None = None,
    texts: Iterable[str] | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Write ``inputs.json``: up to ``limit`` inputs that ``model`` classifies correctly.

    Each entry is ``{"label", "logits", "sequence"}`` or, for text models,
    ``{"label", "logits", "tokens", "text"}``. The logits are computed by the model in
    eval mode from exactly the float32 values stored. Returns the entries.
    """
    entries: list[dict[str, Any]] = []
    if sequences is not None:
        items = zip(labels, sequences)
        for label, seq in items:
            stored = as_float32_lists(seq)
            logits = logits_for(model, stored)
            if int(np.argmax(logits)) != int(label):
                continue
            entries.append({"label": int(label), "logits": as_float32_lists(logits), "sequence": stored})
            if len(entries) >= limit:
                break
    elif tokens is not None:
        texts_list = list(texts) if texts is not None else None
        for i, (label, ids) in enumerate(zip(labels, tokens)):
            ids = [int(t) for t in ids]
            if not ids:
                continue
            logits = logits_for(model, ids, tokens=True)
            if int(np.argmax(logits)) != int(label):
                continue
            entry: dict[str, Any] = {"label": int(label), "logits": as_float32_lists(logits), "tokens": ids}
            if texts_list is not None:
                entry["text"] = texts_list[i]
            entries.append(entry)
            if len(entries) >= limit:
                break
    else:
        raise ValueError("give sequences or tokens")
    with open(os.path.join(folder, "inputs.json"), "w") as f:
        json.dump(entries, f)
        f.write("\n")
    return entries


def _parse_extra(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--extra wants KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Export a pickled PyTorch RNN classifier to an rnnguard model folder.")
    p.add_argument("checkpoint", help="a whole model saved with torch.save(model, path)")
    p.add_argument("folder", help="output model folder")
    p.add_argument("--rnn-prefix", help='e.g. "rnn." (needed only if ambiguous)')
    p.add_argument("--head-prefix", help='e.g. "fc." (needed only if ambiguous)')
    p.add_argument("--embedding", help='e.g. "embedding.weight" (needed only if ambiguous)')
    p.add_argument("--vocab", help="a JSON list of tokens (index = token id)")
    p.add_argument("--unknown-token", default=UNK_TOKEN)
    p.add_argument("--labels", nargs="+", help="class names, in class order")
    p.add_argument("--extra", nargs="*", default=[], metavar="KEY=VALUE", help="extra manifest keys (JSON values)")
    p.add_argument("--lenient", action="store_true", help="drop tensors of other modules instead of failing")
    args = p.parse_args(argv)

    model = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    if isinstance(model, dict):
        raise SystemExit("the checkpoint is a state_dict: build the model in Python and call export() instead")
    vocab = None
    if args.vocab:
        with open(args.vocab) as f:
            vocab = json.load(f)
    manifest = export(
        model,
        args.folder,
        rnn_prefix=args.rnn_prefix,
        head_prefix=args.head_prefix,
        embedding=args.embedding,
        vocab=vocab,
        unknown_token=args.unknown_token if vocab is not None else None,
        labels=args.labels,
        extra=_parse_extra(args.extra),
        strict=not args.lenient,
    )
    print(json.dumps({k: v for k, v in manifest.items() if k != "labels"}, indent=1))


if __name__ == "__main__":
    main()
