#!/usr/bin/env python3
"""Export a PyTorch recurrent classifier to an rnnguard model folder.

A model folder holds (docs/model-format.md is the full specification):

* ``model.safetensors`` -- the model's ``state_dict`` under PyTorch's own tensor
  names (``rnn.weight_ih_l0``, ``rnn.bias_hh_l1_reverse``, ``fc.weight``, ``mlp.0.weight``,
  ``embedding.weight``...), float32.
* ``model.json`` -- the manifest: ``architecture`` ("rnn" | "lstm" | "gru"),
  ``nonlinearity`` (rnn only), ``input_size``, ``hidden_size``, ``num_layers``,
  ``num_classes``, ``rnn_prefix``; ``bidirectional`` and ``pooling`` when the model is
  bidirectional or pools by ``mean`` / ``max``; the head as ``head_prefix`` (one
  ``nn.Linear``, the original format) or ``head`` (a list of ``{"prefix", "activation"}``
  layers); and, when present, ``embedding``, ``vocab``, ``unknown_token``, ``tokenizer``,
  ``labels`` plus any extra keys.
* ``vocab.json`` (text models) -- a JSON list of token strings, index = token id.
* ``inputs.json`` (optional, see :func:`write_inputs`) -- held-out inputs with the
  logits PyTorch computes for them.

The supported model is: an optional ``nn.Embedding``; one ``nn.RNN`` / ``nn.LSTM`` /
``nn.GRU`` with ``batch_first=True`` (1 or more layers, unidirectional or bidirectional,
no ``proj_size``, h0 = c0 = 0); the top layer's outputs pooled over time by

* ``last``: unidirectional ``out[:, -1]`` or ``h_n[-1]``; bidirectional PyTorch's ``h_n``
  convention ``torch.cat([h_n[-2], h_n[-1]], dim=1)`` (the forward direction after the last
  step, the backward direction after the first);
* ``mean``: ``out.mean(dim=1)``;
* ``max``: ``out.max(dim=1).values`` / ``out.amax(dim=1)``;

and a head that is one ``nn.Linear`` or ``nn.Linear`` layers with ``nn.ReLU`` / ``nn.Tanh``
between them (an ``nn.Sequential``, or separate modules applied in a chain). Dropout is
skipped (export is for eval mode). Anything else (LayerNorm, attention, convolutions,
``proj_size``, an activation after the last Linear, extra parameters...) is refused with a
``ValueError`` naming the module or forward step.

The pooling is found by tracing the model's forward with ``torch.fx``; give
``pooling="last" | "mean" | "max"`` when the forward cannot be traced. After building the
manifest, :func:`export` runs the model's real forward and a re-implementation from the
manifest and the exported tensors on random inputs, and refuses if they differ.

Usage as a module::

    from export import export, write_inputs
    export(model, "models/my-model", labels=[...], extra={"test_accuracy": 0.97})
    export(model, "models/my-model", pooling="mean")    # when the forward is not traceable
    write_inputs(model, "models/my-model", sequences=[...], labels=[...])

Usage as a CLI (for a whole model pickled with ``torch.save(model, path)``, whose class
must be importable)::

    python export.py model.pt out_folder --labels 0 1 2 --extra test_accuracy=0.9 [--pooling mean]
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import re
from typing import Any, Iterable, Sequence

import numpy as np
import torch
import torch.fx
import torch.nn.functional as F
from torch import nn
from safetensors.torch import save_file

# Tokenizer "lower-alnum": lowercase the text; tokens = maximal runs of [a-z0-9']; unknown tokens -> id of unknown_token.
TOKEN_PATTERN = re.compile(r"[a-z0-9']+")
TOKENIZER_NAME = "lower-alnum"
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"

POOLINGS = ("last", "mean", "max")
_ARCHITECTURES = {nn.RNN: "rnn", nn.LSTM: "lstm", nn.GRU: "gru"}
_ACTIVATIONS = {nn.ReLU: "relu", nn.Tanh: "tanh"}
# identity in eval mode: skipped at export
_SKIPPED = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout, nn.Identity)
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
_SUPPORTED = (nn.RNN, nn.LSTM, nn.GRU, nn.Embedding, nn.Linear, nn.ReLU, nn.Tanh) + _SKIPPED + _CONTAINERS
_SUPPORTED_TEXT = ("an optional nn.Embedding, one nn.RNN/nn.LSTM/nn.GRU, pooling over time (last, mean, max) and a "
                   "head of nn.Linear layers with nn.ReLU/nn.Tanh between (dropout is skipped)")
# forward steps that are the identity in eval mode
_SKIPPED_FUNCTIONS = {F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout,
                      torch.dropout, torch.alpha_dropout, torch.feature_dropout, torch.feature_alpha_dropout}
_SKIPPED_METHODS = {"contiguous"}
_ACTIVATION_FUNCTIONS = {torch.relu: "relu", F.relu: "relu", torch.tanh: "tanh", F.tanh: "tanh"}
_ACTIVATION_METHODS = {"relu": "relu", "tanh": "tanh", "relu_": "relu", "tanh_": "tanh"}


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


def _check_modules(model: nn.Module) -> None:
    """Refuse every PyTorch module type rnnguard cannot run (custom container classes are fine)."""
    for name, m in model.named_modules():
        if not name or isinstance(m, _SUPPORTED):
            continue
        if type(m).__module__.startswith("torch."):
            kind = f"nn.{type(m).__name__}" if type(m).__module__.startswith("torch.nn.") else (
                f"{type(m).__module__}.{type(m).__name__}")
            raise ValueError(f"module {name!r} ({kind}) is not supported: "
                             f"rnnguard exports {_SUPPORTED_TEXT}")


def _flatten_head(name: str, module: nn.Module) -> list[list]:
    """[[linear name, activation or None], ...] of a Linear or a (nested) Sequential of Linear / ReLU / Tanh / dropout."""
    if isinstance(module, nn.Linear):
        return [[name, None]]
    if not isinstance(module, nn.Sequential):
        raise ValueError(f"head {name!r} ({type(module).__name__}) must be an nn.Linear or an nn.Sequential")
    layers: list[list] = []
    for child_name, child in module.named_children():
        full = f"{name}.{child_name}"
        if isinstance(child, nn.Sequential):
            inner = _flatten_head(full, child)
            layers.extend(inner)
        elif isinstance(child, nn.Linear):
            layers.append([full, None])
        elif isinstance(child, tuple(_ACTIVATIONS)):
            act = "relu" if isinstance(child, nn.ReLU) else "tanh"
            if not layers:
                raise ValueError(f"head module {full!r}: an activation before the first nn.Linear is not supported")
            if layers[-1][1] is not None:
                raise ValueError(f"head module {full!r}: two activations in a row are not supported")
            layers[-1][1] = act
        elif isinstance(child, _SKIPPED):
            continue
        else:
            raise ValueError(f"head module {full!r} ({type(child).__name__}) is not supported: "
                             "the head is nn.Linear layers with nn.ReLU or nn.Tanh between")
    if not layers:
        raise ValueError(f"head {name!r} holds no nn.Linear")
    return layers


def _head_from_modules(model: nn.Module, head_prefix: str | None) -> list[list]:
    """The head found from the module structure alone (when the forward cannot be traced)."""
    if head_prefix is not None:
        name = head_prefix[:-1] if head_prefix.endswith(".") else head_prefix
        try:
            module = model.get_submodule(name)
        except AttributeError:
            raise ValueError(f"no head module named {name!r}") from None
        return _flatten_head(name, module)
    linears = _find_modules(model, (nn.Linear,))
    if not linears:
        raise ValueError("the model has no nn.Linear head module")
    if len(linears) == 1:
        return [[linears[0][0], None]]
    # several Linear layers: they must all sit in one nn.Sequential (the nearest common one)
    parts = [n.split(".") for n, _ in linears]
    common = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    while common:
        name = ".".join(common)
        if isinstance(model.get_submodule(name), nn.Sequential):
            return _flatten_head(name, model.get_submodule(name))
        common.pop()
    raise ValueError(f"the model has several nn.Linear modules {[n for n, _ in linears]} outside one nn.Sequential: "
                     "the forward could not be traced to find the head's order, so give head_prefix=")


def _node_text(node: torch.fx.Node, modules: dict[str, nn.Module]) -> str:
    if node.op == "call_module":
        return f"self.{node.target} ({type(modules[node.target]).__name__})"
    if node.op == "call_method":
        return f".{node.target}() (step {node.name!r})"
    if node.op == "call_function":
        return f"{getattr(node.target, '__name__', node.target)}() (step {node.name!r})"
    if node.op == "get_attr":
        return f"self.{node.target} (a tensor used directly)"
    return f"{node.op} {node.name!r}"


def _arg(node: torch.fx.Node, position: int, keyword: str, default: Any = None) -> Any:
    if len(node.args) > position:
        return node.args[position]
    return node.kwargs.get(keyword, default)


def _time_dim(dim: Any) -> bool:
    """dim (an int or a one-element list/tuple) is the time dimension of a (batch, time, features) tensor."""
    if isinstance(dim, (list, tuple)) and len(dim) == 1:
        dim = dim[0]
    return dim in (1, -2)


def _is_last_step_index(idx: Any) -> bool:
    """out[:, -1] or out[:, -1, :]."""
    full = slice(None, None, None)
    return isinstance(idx, tuple) and idx[:2] == (full, -1) and all(i == full for i in idx[2:]) and len(idx) <= 3


class _TraceError(Exception):
    """The forward is not the supported chain; ``traced`` is False when torch.fx could not trace it at all."""

    def __init__(self, message: str, traced: bool = True) -> None:
        super().__init__(message)
        self.traced = traced


def _trace_forward(model: nn.Module, rnn_name: str, rnn: nn.Module, emb_name: str | None) -> dict[str, Any]:
    """Follow the model's forward (torch.fx) from the input to the logits.

    Returns {"pooling": ..., "head": [[linear name, activation], ...]}; raises _TraceError
    (with the reason) when the forward is not the supported chain
    [embedding] -> recurrent layer -> pooling -> Linear (-> activation -> Linear)*.
    """
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as e:  # noqa: BLE001 -- any tracing failure means "cannot tell"
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise _TraceError(f"torch.fx cannot trace {type(model).__name__}.forward ({type(e).__name__}: {first})",
                          traced=False) from None
    modules = dict(model.named_modules())
    nodes = list(graph.nodes)
    output = next(n for n in nodes if n.op == "output")
    live: set = set()
    stack = [output]
    while stack:
        n = stack.pop()
        if n not in live:
            live.add(n)
            stack.extend(n.all_input_nodes)

    layers = rnn.num_layers
    bidirectional = rnn.bidirectional
    slots = layers * (2 if bidirectional else 1)
    is_lstm = isinstance(rnn, nn.LSTM)
    kind: dict = {}  # node -> (kind, payload)
    head: list[list] = []
    pooling = None
    placeholders = [n for n in nodes if n.op == "placeholder"]

    def fail(n, why):
        raise _TraceError(f"{type(model).__name__}.forward: {_node_text(n, modules)} {why}")

    def source(n):
        """The one tensor-valued input of n (its kind), other arguments must be constants."""
        srcs = [a for a in n.all_input_nodes]
        for a in srcs:
            if kind[a][0] == "unknown":  # report the first unsupported step, where it happens
                raise kind[a][1]
        if len(srcs) != 1:
            fail(n, "combines several tensors, which is not supported")
        return srcs[0], kind[srcs[0]]

    def set_pooled(n, how):
        nonlocal pooling
        if pooling is not None:
            fail(n, f"pools a second time (already pooled by {pooling!r})")
        pooling = how
        kind[n] = ("pooled", None)

    def activation(n, src_kind, act):
        if src_kind[0] == "pooled":
            fail(n, "applies an activation to the pooled features before any nn.Linear, which is not supported")
        if src_kind[0] == "head_act":
            fail(n, "applies a second activation in a row, which is not supported")
        if src_kind[0] != "head" or src_kind[1] != len(head) - 1:
            fail(n, "is not part of the head chain (Linear -> activation -> Linear)")
        head[-1][1] = act
        kind[n] = ("head_act", len(head) - 1)

    def step(n):
        if n.op == "placeholder":
            if n is not placeholders[0]:
                fail(n, "is a second forward argument used in the computation; only the input sequence is supported")
            kind[n] = ("input", None)
            return
        if n.op == "get_attr":
            fail(n, "is not supported (only the recurrent layer, embedding and head modules may hold tensors)")
        if n.op == "call_module":
            m = modules[n.target]
            if isinstance(m, (nn.RNN, nn.LSTM, nn.GRU)) and (len(n.args) > 1 or n.kwargs):
                fail(n, "is given an initial state; rnnguard runs from h0 = c0 = 0")
            src, sk = source(n)
            if isinstance(m, _SKIPPED):
                kind[n] = sk
            elif isinstance(m, nn.Embedding):
                if n.target != emb_name or sk[0] != "input":
                    fail(n, "is not the embedding of the input tokens")
                kind[n] = ("embedded", None)
            elif isinstance(m, (nn.RNN, nn.LSTM, nn.GRU)):
                if n.target != rnn_name:
                    fail(n, f"is a second recurrent layer besides {rnn_name!r}")
                want = "embedded" if emb_name is not None else "input"
                if sk[0] != want:
                    fail(n, f"does not read the {'embedded ' if emb_name else ''}input directly")
                kind[n] = ("rnn", None)
            elif isinstance(m, nn.Linear):
                if sk[0] == "pooled" and not head:
                    pass
                elif sk[0] in ("head", "head_act") and sk[1] == len(head) - 1:
                    pass
                else:
                    fail(n, "is not applied to the pooled recurrent outputs or the previous head layer")
                head.append([n.target, None])
                kind[n] = ("head", len(head) - 1)
            elif isinstance(m, (nn.ReLU, nn.Tanh)):
                activation(n, sk, "relu" if isinstance(m, nn.ReLU) else "tanh")
            else:
                fail(n, "is not supported")
            return

        # call_function / call_method
        target = n.target
        if n.op == "call_function" and target in _SKIPPED_FUNCTIONS or n.op == "call_method" and target in _SKIPPED_METHODS:
            _, sk = source(n)
            kind[n] = sk
            return
        if n.op == "call_function" and target in (torch.cat, torch.concat, getattr(torch, "concatenate", torch.cat)):
            parts = _arg(n, 0, "tensors")
            dim = _arg(n, 1, "dim", 0)
            ks = [kind.get(p) for p in parts] if isinstance(parts, (list, tuple)) else []
            for k in ks:
                if k and k[0] == "unknown":
                    raise k[1]
            if (bidirectional and len(ks) == 2 and all(k and k[0] == "hn_layer" for k in ks) and dim in (1, -1)):
                got = [k[1] for k in ks]
                if got == [slots - 2, slots - 1]:
                    set_pooled(n, "last")
                    return
                fail(n, f"concatenates h_n entries {got}; rnnguard's `last` pooling is torch.cat([h_n[-2], h_n[-1]], "
                        "dim=1): the top layer's forward then backward direction")
            fail(n, "is not supported (the only concatenation is torch.cat([h_n[-2], h_n[-1]], dim=1))")
        src, sk = source(n)
        if n.op == "call_function" and target is operator.getitem:
            idx = n.args[1]
            if sk[0] == "rnn" and idx in (0, 1):
                kind[n] = ("seq", None) if idx == 0 else (("hc", None) if is_lstm else ("hn", None))
            elif sk[0] == "hc" and idx in (0, 1):
                kind[n] = ("hn", None) if idx == 0 else ("cn", None)
            elif sk[0] == "maxtuple" and idx == 0:
                set_pooled(n, "max")
            elif sk[0] == "seq" and _is_last_step_index(idx):
                if bidirectional:
                    fail(n, "takes out[:, -1] of a bidirectional layer, where the backward direction has seen one "
                            "step only; rnnguard's `last` pooling is PyTorch's h_n convention, "
                            "torch.cat([h_n[-2], h_n[-1]], dim=1)")
                set_pooled(n, "last")
            elif sk[0] == "hn" and isinstance(idx, int) and -slots <= idx < slots:
                layer = idx % slots
                if not bidirectional and layer == slots - 1:
                    set_pooled(n, "last")
                elif not bidirectional:
                    fail(n, f"reads h_n[{idx}], not the top layer's state")
                else:
                    kind[n] = ("hn_layer", layer)
            else:
                fail(n, f"indexes with {idx!r}, which is not a supported step")
            return
        if n.op == "call_function" and target is getattr:
            if sk[0] == "maxtuple" and n.args[1] == "values":
                set_pooled(n, "max")
                return
            fail(n, f"reads .{n.args[1]}, which is not supported")
        name = target if n.op == "call_method" else getattr(target, "__name__", "")
        is_torch = n.op == "call_method" or target in (getattr(torch, name, None), getattr(torch.Tensor, name, None))
        if is_torch and name in ("mean", "max", "amax") and sk[0] == "seq":
            dim = _arg(n, 1, "dim")
            keepdim = _arg(n, 2, "keepdim", False)
            if dim is None or not _time_dim(dim) or keepdim or len(n.args) > 3 or set(n.kwargs) - {"dim", "keepdim"}:
                fail(n, "is not a mean / max over the time dimension (dim=1) of the recurrent outputs")
            if name == "max":
                kind[n] = ("maxtuple", None)
            else:
                set_pooled(n, "mean" if name == "mean" else "max")
            return
        if is_torch and name == "squeeze" and sk[0] == "hn" and slots == 1 and _arg(n, 1, "dim") in (0, (0,)):
            set_pooled(n, "last")
            return
        act = (_ACTIVATION_FUNCTIONS.get(target) if n.op == "call_function" else _ACTIVATION_METHODS.get(target))
        if act is not None:
            activation(n, sk, act)
            return
        fail(n, "is not supported")

    for n in nodes:
        if n in live and n.op != "output":
            try:
                step(n)
            except _TraceError as e:  # an unsupported step: reported when (and if) its value is used
                kind[n] = ("unknown", e)

    result = output.args[0]
    if not isinstance(result, torch.fx.Node):
        raise _TraceError(f"{type(model).__name__}.forward returns {type(result).__name__}, not one logits tensor")
    rk = kind.get(result)
    if rk is not None and rk[0] == "unknown":
        raise rk[1]
    if rk is None or rk[0] not in ("head", "head_act"):
        raise _TraceError(f"{type(model).__name__}.forward does not end with an nn.Linear head")
    if rk[0] == "head_act":
        fail(result, "comes after the last nn.Linear; the logits must be the last nn.Linear's output")
    if rk[1] != len(head) - 1:
        raise _TraceError(f"{type(model).__name__}.forward: the head layers do not form one chain")
    return {"pooling": pooling, "head": head}


def describe(
    model: nn.Module,
    *,
    rnn_prefix: str | None = None,
    head_prefix: str | None = None,
    embedding: str | None = None,
    pooling: str | None = None,
) -> dict[str, Any]:
    """Detect the embedding / recurrent / pooling / head structure of ``model`` and build the manifest core.

    ``rnn_prefix`` / ``head_prefix`` (e.g. "encoder.", "out.", or an nn.Sequential's name
    "mlp.") and ``embedding`` (a module name or its tensor name, e.g. "embedding.weight")
    are only needed when the model has more than one candidate module. ``pooling`` is
    found by tracing the forward; it must be given when the forward cannot be traced.
    """
    if pooling is not None and pooling not in POOLINGS:
        raise ValueError(f"pooling {pooling!r} is not one of {list(POOLINGS)}")
    _check_modules(model)
    rnn_name, rnn = _one(_find_modules(model, (nn.RNN, nn.LSTM, nn.GRU)), "nn.RNN/nn.LSTM/nn.GRU", rnn_prefix)
    emb_given = embedding[: -len(".weight")] if embedding and embedding.endswith(".weight") else embedding
    emb_name, emb = _one(_find_modules(model, (nn.Embedding,)), "nn.Embedding", emb_given, optional=True)

    arch = _ARCHITECTURES[type(rnn)]
    if not rnn.batch_first:
        raise ValueError(f"{rnn_name}: batch_first must be True")
    if arch == "lstm" and getattr(rnn, "proj_size", 0):
        raise ValueError(f"{rnn_name}: LSTM projections (proj_size) are not supported")
    if emb is not None and emb.embedding_dim != rnn.input_size:
        raise ValueError(f"embedding dim {emb.embedding_dim} != recurrent input size {rnn.input_size}")
    if emb is not None and emb.max_norm is not None:
        raise ValueError(f"{emb_name}: nn.Embedding with max_norm (renormalized rows) is not supported")

    try:
        traced = _trace_forward(model, rnn_name, rnn, emb_name)
        failure = None
    except _TraceError as e:
        traced, failure = None, e

    if traced is not None:
        if pooling is not None and pooling != traced["pooling"]:
            raise ValueError(f"pooling={pooling!r} given, but {type(model).__name__}.forward pools with "
                             f"{traced['pooling']!r}")
        pooling = traced["pooling"]
        head = traced["head"]
        if head_prefix is not None:
            name = head_prefix[:-1] if head_prefix.endswith(".") else head_prefix
            if not all(layer[0] == name or layer[0].startswith(name + ".") for layer in head):
                raise ValueError(f"head_prefix {head_prefix!r} given, but the forward's head is "
                                 f"{[layer[0] for layer in head]}")
    else:
        if pooling is None and not failure.traced:
            raise ValueError(f"cannot determine the pooling over time from the model's forward: {failure}. "
                             "Pass pooling='last', 'mean' or 'max' (CLI: --pooling).")
        if pooling is None:
            raise ValueError(f"unsupported model: {failure}. rnnguard exports {_SUPPORTED_TEXT}. (If this step is "
                             "only an unusual way of writing one of them, pass pooling='last' | 'mean' | 'max': the "
                             "export is then checked by running the forward.)")
        head = _head_from_modules(model, head_prefix)

    width = rnn.hidden_size * (2 if rnn.bidirectional else 1)
    for k, (name, act) in enumerate(head):
        linear = model.get_submodule(name)
        if not isinstance(linear, nn.Linear):
            raise ValueError(f"head layer {name!r} is not an nn.Linear")
        if linear.in_features != width:
            what = "the pooled features" if k == 0 else f"head layer {head[k - 1][0]!r}"
            raise ValueError(f"head layer {name!r} takes {linear.in_features} features, {what} have {width}")
        width = linear.out_features
    if head[-1][1] is not None:
        raise ValueError(f"head layer {head[-1][0]!r} is followed by an activation: the logits must be the last "
                         "nn.Linear's output")

    info: dict[str, Any] = {"architecture": arch}
    if arch == "rnn":
        info["nonlinearity"] = rnn.nonlinearity
    info.update(
        input_size=rnn.input_size,
        hidden_size=rnn.hidden_size,
        num_layers=rnn.num_layers,
        num_classes=width,
        rnn_prefix=rnn_name + ".",
    )
    if rnn.bidirectional or pooling != "last":  # plain models keep the original manifest
        if rnn.bidirectional:
            info["bidirectional"] = True
        info["pooling"] = pooling
    if len(head) == 1:
        info["head_prefix"] = head[0][0] + "."
    else:
        info["head"] = [{"prefix": name + ".", **({"activation": act} if act else {})} for name, act in head]
    if emb is not None:
        info["embedding"] = emb_name + ".weight"
    return info


def head_layers(manifest: dict[str, Any]) -> list[tuple[str, str | None]]:
    """[(prefix, activation or None), ...] of a manifest's head, either format."""
    if "head" in manifest:
        return [(layer["prefix"], layer.get("activation")) for layer in manifest["head"]]
    return [(manifest["head_prefix"], None)]


def manifest_forward(manifest: dict[str, Any], tensors: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Logits (batch, classes) in float64 from the manifest and the exported tensors alone.

    ``x`` is (batch, time, input_size) floats, or (batch, time) token ids for a model with
    an embedding. This is what a loader of the folder computes (PyTorch's own recurrent
    kernels, h0 = c0 = 0).
    """
    t = {k: v.to(torch.float64) for k, v in tensors.items()}
    if "embedding" in manifest:
        x = t[manifest["embedding"]][x]
    else:
        x = x.to(torch.float64)
    arch, prefix = manifest["architecture"], manifest["rnn_prefix"]
    bidirectional = bool(manifest.get("bidirectional", False))
    kwargs: dict[str, Any] = dict(num_layers=manifest["num_layers"], batch_first=True, bidirectional=bidirectional,
                                  bias=f"{prefix}bias_ih_l0" in t)
    if arch == "rnn":
        kwargs["nonlinearity"] = manifest.get("nonlinearity", "tanh")
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[arch]
    rnn = cls(manifest["input_size"], manifest["hidden_size"], **kwargs).to(torch.float64)
    rnn.load_state_dict({k[len(prefix):]: v for k, v in t.items() if k.startswith(prefix)}, strict=True)
    out, h = rnn(x)
    if isinstance(h, tuple):
        h = h[0]
    pooling = manifest.get("pooling", "last")
    if pooling == "mean":
        z = out.mean(dim=1)
    elif pooling == "max":
        z = out.amax(dim=1)
    elif bidirectional:
        z = torch.cat([h[-2], h[-1]], dim=1)
    else:
        z = out[:, -1, :]
    for p, act in head_layers(manifest):
        z = F.linear(z, t[p + "weight"], t.get(p + "bias"))
        if act == "relu":
            z = torch.relu(z)
        elif act == "tanh":
            z = torch.tanh(z)
    return z


@torch.no_grad()
def _verify(model: nn.Module, manifest: dict[str, Any], tensors: dict[str, torch.Tensor]) -> float:
    """Run the model's forward and :func:`manifest_forward` on random inputs; raise if they differ."""
    gen = torch.Generator().manual_seed(0)
    was_training = model.training
    model.eval()
    try:
        worst = 0.0
        for length in (1, 2, 5, 9):
            if "embedding" in manifest:
                rows = tensors[manifest["embedding"]].shape[0]
                x = torch.randint(0, rows, (3, length), generator=gen)
                x_model = x
            else:
                x = torch.randn(3, length, manifest["input_size"], generator=gen, dtype=torch.float64)
                dtype = next(model.parameters()).dtype
                x_model = x.to(dtype)
                x = x_model.to(torch.float64)
            try:
                got = model(x_model)
            except Exception as e:  # noqa: BLE001
                raise ValueError(f"could not run {type(model).__name__}.forward on a (batch, time"
                                 f"{'' if 'embedding' in manifest else ', features'}) tensor to check the export "
                                 f"({type(e).__name__}: {e}); pass verify=False (CLI: --no-verify) to skip the "
                                 "check") from None
            if not isinstance(got, torch.Tensor) or tuple(got.shape) != (3, manifest["num_classes"]):
                raise ValueError(f"{type(model).__name__}.forward returns {getattr(got, 'shape', type(got))}, "
                                 f"not (batch, {manifest['num_classes']}) logits")
            want = manifest_forward(manifest, tensors, x)
            diff = float(((got.to(torch.float64) - want).abs() / want.abs().clamp(min=1.0)).max())
            worst = max(worst, diff)
            if not diff <= 1e-4:
                raise ValueError(
                    f"the exported manifest does not reproduce {type(model).__name__}.forward (logits differ by "
                    f"{diff:.3g} on random inputs of length {length}): the forward computes something besides "
                    f"{_SUPPORTED_TEXT}; the manifest says pooling={manifest.get('pooling', 'last')!r}, head "
                    f"{[p for p, _ in head_layers(manifest)]}")
        return worst
    finally:
        model.train(was_training)


def export(
    model: nn.Module,
    folder: str,
    *,
    pooling: str | None = None,
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
    verify: bool = True,
) -> dict[str, Any]:
    """Write ``model.safetensors``, ``model.json`` (and ``vocab.json``) for ``model`` into ``folder``.

    The structure is detected from the modules and the traced forward (see :func:`describe`);
    ``pooling`` ("last" | "mean" | "max") is needed only when the forward cannot be traced,
    and ``architecture`` / ``nonlinearity`` / ``pooling``, when given, are checked against
    the model. With ``strict`` the model may hold no parameters beyond the embedding, the
    recurrent layer and the head (they could not be reproduced from the manifest). With
    ``verify`` the model's forward is compared with the manifest's semantics on random
    inputs before anything is written. Returns the manifest written.
    """
    info = describe(model, rnn_prefix=rnn_prefix, head_prefix=head_prefix, embedding=embedding, pooling=pooling)
    if architecture is not None and architecture != info["architecture"]:
        raise ValueError(f"architecture {architecture!r} given, the model is {info['architecture']!r}")
    if nonlinearity is not None and nonlinearity != info.get("nonlinearity"):
        raise ValueError(f"nonlinearity {nonlinearity!r} given, the model has {info.get('nonlinearity')!r}")

    prefixes = [info["rnn_prefix"]] + [p for p, _ in head_layers(info)]
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
    for key in extra or {}:
        if key in info or key in ("vocab", "unknown_token", "tokenizer", "labels"):
            raise ValueError(f"extra key {key!r} would overwrite a manifest key")
    if verify:
        _verify(model, info, tensors)

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
    p.add_argument("--head-prefix", help='e.g. "fc." or an nn.Sequential head "mlp." (needed only if ambiguous)')
    p.add_argument("--pooling", choices=POOLINGS, help="last | mean | max (needed only if the forward cannot be traced)")
    p.add_argument("--embedding", help='e.g. "embedding.weight" (needed only if ambiguous)')
    p.add_argument("--vocab", help="a JSON list of tokens (index = token id)")
    p.add_argument("--unknown-token", default=UNK_TOKEN)
    p.add_argument("--labels", nargs="+", help="class names, in class order")
    p.add_argument("--extra", nargs="*", default=[], metavar="KEY=VALUE", help="extra manifest keys (JSON values)")
    p.add_argument("--no-verify", action="store_true", help="do not compare the forward with the manifest")
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
        pooling=args.pooling,
        verify=not args.no_verify,
    )
    print(json.dumps({k: v for k, v in manifest.items() if k != "labels"}, indent=1))


if __name__ == "__main__":
    main()
