"""A small client of the rnnguard sidecar (protocol v1, docs/protocol.md) over a pyzmq DEALER socket.

    from guard_client import GuardClient
    with GuardClient("tcp://127.0.0.1:5555") as guard:
        reply = guard.certify("digits-lstm", sequence=[[0.0] * 8] * 8)
        print(reply["prediction"]["label"], reply["certificate"]["radius"], reply["decision"]["action"])

Needs pyzmq (`pip install pyzmq`). Error replies are returned, not raised: check reply["status"] / reply["code"].
"""
import itertools
import json
import struct

import zmq


class GuardTimeout(Exception):
    """No reply within the client's timeout."""


class GuardClient:
    def __init__(self, endpoint="tcp://127.0.0.1:5555", timeout_ms=10_000, curve=None, context=None):
        """curve: optional (server_public_key, client_public_key, client_secret_key), Z85 text."""
        self._context = context or zmq.Context.instance()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.RCVTIMEO, timeout_ms)
        if curve:
            server_key, public_key, secret_key = curve
            self._socket.curve_serverkey = server_key.encode()
            self._socket.curve_publickey = public_key.encode()
            self._socket.curve_secretkey = secret_key.encode()
        self._socket.connect(endpoint)
        self._ids = itertools.count(1)

    # -- frames ---------------------------------------------------------------------------------------

    def send(self, op, model=None, sequence=None, tokens=None, text=None, deadline_ms=None, certify=None, id=None):
        """Send one request without waiting; returns its id. `sequence` is steps x features numbers."""
        header = {"v": 1, "id": id if id is not None else f"py{next(self._ids)}", "op": op}
        if model is not None:
            header["model"] = model
        frames = []
        if sequence is not None:
            steps, features = len(sequence), len(sequence[0]) if sequence else 0
            header.update(shape=[steps, features], dtype="f32")
            # Little-endian float32, row by row.
            frames.append(struct.pack(f"<{steps * features}f", *(x for row in sequence for x in row)))
        if tokens is not None:
            header["tokens"] = list(tokens)
        if text is not None:
            header["text"] = text
        if deadline_ms is not None:
            header["deadline_ms"] = deadline_ms
        if certify:
            header["certify"] = certify
        # DEALER: an empty delimiter frame first, as a REQ socket would add.
        self._socket.send_multipart([b"", json.dumps(header).encode()] + frames)
        return header["id"]

    def receive(self):
        """The next reply (a dict), in arrival order; match it to its request by reply["id"]."""
        try:
            frames = self._socket.recv_multipart()
        except zmq.Again:
            raise GuardTimeout("no reply from the sidecar") from None
        return json.loads(frames[-1])

    def call(self, op, **fields):
        sent = self.send(op, **fields)
        reply = self.receive()
        if reply.get("id") != sent:
            raise RuntimeError(f"reply {reply.get('id')!r} does not match request {sent!r}")
        return reply

    # -- operations -----------------------------------------------------------------------------------

    def health(self):
        return self.call("health")

    def models(self):
        return self.call("models")

    def predict(self, model, **input):
        """input: sequence=[[...]], tokens=[...] or text="..."."""
        return self.call("predict", model=model, **input)

    def certify(self, model, deadline_ms=None, certify=None, **input):
        """Prediction, certificate and decision. certify: overrides such as {"mode": "radius"}."""
        return self.call("certify", model=model, deadline_ms=deadline_ms, certify=certify, **input)

    def close(self):
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
