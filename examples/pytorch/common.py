"""Small helpers shared by the training scripts: the classifier module and a training loop."""

from __future__ import annotations

import os
import random
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.normpath(os.path.join(HERE, "..", "models"))
INPUTS_DIR = os.path.normpath(os.path.join(HERE, "..", "inputs"))
BUILD_DIR = os.path.join(HERE, "build")

_RNN_CLASSES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def setup(seed: int) -> None:
    """Fixed seeds, one CPU thread, deterministic kernels."""
    torch.set_num_threads(1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


class SeqClassifier(nn.Module):
    """[embedding ->] RNN/LSTM/GRU (batch_first) -> pooling over time -> linear or MLP head.

    ``pooling``: "last" (unidirectional: the last step's top hidden state; bidirectional:
    PyTorch's h_n convention, ``torch.cat([h_n[-2], h_n[-1]], dim=1)``), "mean" or "max"
    over the top layer's outputs. ``head_hidden`` (e.g. ``(32,)``) makes the head an
    nn.Sequential of Linear -> activation (-> Dropout) ... -> Linear.
    ``rnn_name`` / ``head_name`` / ``embedding_name`` set the attribute names, hence the
    state_dict prefixes ("rnn.", "fc.", "embedding.").
    """

    def __init__(
        self,
        architecture: str,
        input_size: int,
        hidden_size: int,
        num_classes: int,
        *,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        dropout: float = 0.0,
        vocab_size: int | None = None,
        rnn_name: str = "rnn",
        head_name: str = "fc",
        embedding_name: str = "embedding",
        bidirectional: bool = False,
        pooling: str = "last",
        head_hidden: tuple[int, ...] = (),
        head_activation: str = "relu",
        head_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        assert pooling in ("last", "mean", "max"), pooling
        self.rnn_name, self.head_name = rnn_name, head_name
        self.embedding_name = embedding_name if vocab_size else None
        self.bidirectional, self.pooling = bidirectional, pooling
        if vocab_size:
            self.add_module(embedding_name, nn.Embedding(vocab_size, input_size))
        kwargs = dict(num_layers=num_layers, bias=bias, batch_first=True, dropout=dropout if num_layers > 1 else 0.0)
        if bidirectional:
            kwargs["bidirectional"] = True
        if architecture == "rnn":
            kwargs["nonlinearity"] = nonlinearity
        self.add_module(rnn_name, _RNN_CLASSES[architecture](input_size, hidden_size, **kwargs))
        width = hidden_size * (2 if bidirectional else 1)
        if not head_hidden:
            self.add_module(head_name, nn.Linear(width, num_classes))
        else:
            layers: list[nn.Module] = []
            for size in head_hidden:
                layers += [nn.Linear(width, size), nn.ReLU() if head_activation == "relu" else nn.Tanh()]
                if head_dropout:
                    layers.append(nn.Dropout(head_dropout))
                width = size
            layers.append(nn.Linear(width, num_classes))
            self.add_module(head_name, nn.Sequential(*layers))

    def recurrent(self) -> nn.Module:
        return self.get_submodule(self.rnn_name)

    def head(self) -> nn.Module:
        return self.get_submodule(self.head_name)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.get_submodule(self.embedding_name)(x) if self.embedding_name else x

    def _last_state(self, h) -> torch.Tensor:
        """The top layer's final state from h_n (both directions, [forward, backward], when bidirectional)."""
        if isinstance(self.recurrent(), nn.LSTM):  # (h_n, c_n)
            h = h[0]
        return torch.cat([h[-2], h[-1]], dim=1) if self.bidirectional else h[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, h = self.recurrent()(self.embed(x))
        if self.pooling == "mean":
            z = out.mean(dim=1)
        elif self.pooling == "max":
            z = out.max(dim=1).values
        elif self.bidirectional:
            z = self._last_state(h)
        else:
            z = out[:, -1, :]
        return self.head()(z)

    def forward_packed(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Padded batch of token ids with true lengths: each sequence is pooled over its own steps only."""
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths, batch_first=True, enforce_sorted=False)
        out, h = self.recurrent()(packed)
        if self.pooling == "last":
            return self.head()(self._last_state(h))
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)  # (batch, longest, features)
        steps = torch.arange(out.shape[1])[None, :, None]
        valid = steps < lengths[:, None, None]
        if self.pooling == "mean":
            z = out.masked_fill(~valid, 0.0).sum(dim=1) / lengths[:, None].to(out.dtype)
        else:
            z = out.masked_fill(~valid, float("-inf")).max(dim=1).values
        return self.head()(z)


def train_dense(
    model: SeqClassifier,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    epochs: int,
    lr: float = 1e-2,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    seed: int = 0,
    clip: float = 5.0,
    label_smoothing: float = 0.0,
    log: str = "",
) -> None:
    """Adam + cosine schedule on fixed-length float sequences."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.tensor(x_train, dtype=torch.float32)
    y = torch.tensor(y_train, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    start = time.time()
    model.train()
    for epoch in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if log and (epoch + 1) % max(1, epochs // 4) == 0:
            print(f"  [{log}] epoch {epoch + 1}/{epochs} loss {total / len(x):.4f} ({time.time() - start:.1f}s)")
    model.eval()


@torch.no_grad()
def accuracy_dense(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    pred = model(torch.tensor(x, dtype=torch.float32)).argmax(1).numpy()
    return float((pred == np.asarray(y)).mean())


def file_size(folder: str) -> int:
    return os.path.getsize(os.path.join(folder, "model.safetensors"))
