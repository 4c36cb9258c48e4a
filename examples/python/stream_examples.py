"""Stream the bundled example inputs (examples/models/*/inputs.json) through a running rnnguard sidecar and
print one row per input: model, input, label, certified radius, decision, round-trip latency.

    rnnguard serve --config config/guard.yaml &        # from the repository root
    python3 examples/python/stream_examples.py --limit 5

Only models the sidecar serves are streamed (it is asked with op "models"); their folders are found under
--models (default: examples/models next to this script).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guard_client import GuardClient, GuardTimeout  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://127.0.0.1:5555")
    parser.add_argument("--models", default=os.path.join(HERE, "..", "models"), help="folder of model folders")
    parser.add_argument("--limit", type=int, default=5, help="inputs per model")
    parser.add_argument("--op", default="certify", choices=["certify", "predict"])
    args = parser.parse_args()

    rows = [("model", "input", "label", "radius", "decision", "ms")]
    with GuardClient(args.endpoint, timeout_ms=30_000) as guard:
        try:
            served = guard.models()
        except GuardTimeout:
            sys.exit(f"no sidecar answers at {args.endpoint} (start one: rnnguard serve --config config/guard.yaml)")
        for model in served.get("models", []):
            path = os.path.join(args.models, model["name"], "inputs.json")
            if not os.path.exists(path):
                print(f"{model['name']}: no {path}; skipped", file=sys.stderr)
                continue
            with open(path) as f:
                examples = json.load(f)
            for index, example in enumerate(examples[: args.limit]):
                if "sequence" in example:
                    given, shown = {"sequence": example["sequence"]}, f"#{index}"
                elif "text" in example:
                    text = example["text"]
                    given, shown = {"text": text}, '"' + (text if len(text) <= 34 else text[:33] + "…") + '"'
                else:
                    given, shown = {"tokens": example["tokens"]}, f"#{index} tokens"
                started = time.perf_counter()
                reply = guard.call(args.op, model=model["name"], **given)
                ms = (time.perf_counter() - started) * 1000
                rows.append(row(model["name"], shown, reply, ms))
    print(table(rows))


def row(model, shown, reply, ms):
    if reply.get("status") != "ok":
        return (model, shown, "error", "-", reply.get("code", "?"), f"{ms:.1f}")
    prediction = reply["prediction"]
    label = f"{prediction['label']} {prediction.get('label_name') or ''}".strip()
    certificate, decision = reply.get("certificate"), reply.get("decision")
    if not certificate:
        return (model, shown, label, "-", "-", f"{ms:.1f}")
    radius = f"{certificate['radius']:.4f}" + ("" if certificate["complete"] else "*")
    verdict = decision["action"] + (f" ({','.join(decision['flags'])})" if decision["flags"] else "")
    return (model, shown, label, radius, verdict, f"{ms:.1f}")


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n\nradius: certified l_p radius (threshold mode: the largest threshold proven); * = partial"


if __name__ == "__main__":
    main()
