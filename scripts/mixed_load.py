"""Usage: python3 scripts/mixed_load.py tcp://127.0.0.1:5601 (against `rnnguard serve --config config/mixed-load.yaml`; needs pyzmq).

8 clients: 4 send radius searches to speech-gru, 4 send predictions to digits-lstm, each with a 200 ms
deadline; prints the predictions' latency percentiles and how many got `deadline`."""
import json, struct, sys, threading, time, zmq
endpoint = sys.argv[1]
digits = json.load(open("examples/models/digits-lstm/inputs.json"))[0]["sequence"]
speech = json.load(open("examples/models/speech-gru/inputs.json"))[0]["sequence"]
def frames(i, model, op, seq):
    header = {"v": 1, "id": f"{op}-{i}", "op": op, "model": model, "shape": [len(seq), len(seq[0])], "dtype": "f32", "deadline_ms": 200}
    return [json.dumps(header).encode(), struct.pack(f"<{len(seq)*len(seq[0])}f", *[x for row in seq for x in row])]
results = {"predict": [], "certify": []}
lock = threading.Lock()
def client(kind, n):
    ctx = zmq.Context.instance(); s = ctx.socket(zmq.DEALER); s.setsockopt(zmq.LINGER, 0); s.connect(endpoint)
    for i in range(n):
        model, op, seq = ("digits-lstm", "predict", digits) if kind == "predict" else ("speech-gru", "certify", speech)
        t = time.perf_counter(); s.send_multipart([b""] + frames(i, model, op, seq))
        if s.poll(30000) == 0: out = ("lost", 30.0)
        else:
            reply = json.loads(s.recv_multipart()[-1]); out = (reply.get("code") or "ok", time.perf_counter() - t)
        with lock: results[kind].append(out)
    s.close()
threads = [threading.Thread(target=client, args=("certify", 25)) for _ in range(4)] + [threading.Thread(target=client, args=("predict", 100)) for _ in range(4)]
start = time.perf_counter(); [t.start() for t in threads]; [t.join() for t in threads]
for kind in ("predict", "certify"):
    lat = sorted(x[1] * 1000 for x in results[kind]); codes = {}
    for c, _ in results[kind]: codes[c] = codes.get(c, 0) + 1
    print(f"{kind}: {len(lat)} replies, p50 {lat[len(lat)//2]:.1f} ms, p99 {lat[int(len(lat)*0.99)-1]:.1f} ms, codes {codes}")
print(f"wall {time.perf_counter()-start:.1f} s")
