"""NLU speed: classifications/s (one process), p50/p99 latency, cold/warm start-up, peak RSS.

Run: .venv/bin/python benchmarks/nlu_bench.py [--messages 3000]
Every figure comes from a fresh subprocess, for the real knowledge base and a synthetic one 10x larger
(every intent copied 10 times with perturbed examples). Messages are knowledge examples with one
character dropped, so no message is an exact copy of an example.
  start s  process start -> engine ready (imports, knowledge loading, index); cold: empty index cache
  nlu s    of that, NluEngine construction alone (what the index cache speeds up)
  msg/s    wall clock; cpu = per CPU-second of this process (what an idle core would do; the machine
           is shared, so wall-clock figures move with other jobs)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

T0 = time.perf_counter()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _perturb(text: str, rng) -> str:  # noqa: ANN001 - random.Random
    if len(text) < 4:
        return text
    i = rng.randrange(len(text))
    return text[:i] + text[i + 1 :]


def prepare(directory: str, scale: int) -> None:
    """Write the synthetic knowledge (10x) and the benchmark messages as JSON, once."""
    import random

    from knowledge.loader import collect
    from nlu.evaluation import training_examples

    rng = random.Random(7)
    base = training_examples(collect()[0])
    messages = [_perturb(e.text, rng) for e in base]
    rows = [[_perturb(e.text, rng) if k else e.text, f"{e.intent}.v{k}", e.topic, e.audience]
            for k in range(scale) for e in base]
    with open(os.path.join(directory, "messages.json"), "w", encoding="utf-8") as handle:
        json.dump(messages, handle, ensure_ascii=False)
    with open(os.path.join(directory, f"examples-{scale}.json"), "w", encoding="utf-8") as handle:
        json.dump(rows, handle, ensure_ascii=False)


def child(mode: str, scale: int, data_dir: str, cache_dir: str, count: int) -> dict:
    import resource
    from pathlib import Path

    from nlu.engine import NluEngine
    from nlu.types import TrainingExample

    if scale == 1:
        from knowledge.loader import collect

        kb = collect()[0]
        t = time.perf_counter()
        engine = NluEngine.from_knowledge(kb, Path(cache_dir))
    else:
        with open(os.path.join(data_dir, f"examples-{scale}.json"), encoding="utf-8") as handle:
            examples = [TrainingExample(*row) for row in json.load(handle)]
        t = time.perf_counter()
        engine = NluEngine.from_examples(examples, cache_dir=Path(cache_dir))
    now = time.perf_counter()
    out: dict = {"ready_s": now - T0, "nlu_s": now - t, "intents": len(engine.index.intent_ids)}
    if mode == "run":
        with open(os.path.join(data_dir, "messages.json"), encoding="utf-8") as handle:
            messages = json.load(handle)
        messages = (messages * (count // max(len(messages), 1) + 1))[:count]
        out.update(_throughput(engine, messages))
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _throughput(engine, messages: list[str]) -> dict:  # noqa: ANN001 - NluEngine
    for m in messages[:50]:
        engine.classify(m)
    latencies = []
    start, cpu = time.perf_counter(), time.process_time()
    for m in messages:
        t = time.perf_counter()
        engine.classify(m)
        latencies.append(time.perf_counter() - t)
    total, cpu_total = time.perf_counter() - start, time.process_time() - cpu
    latencies.sort()
    return {"msg_s": len(messages) / total, "cpu_msg_s": len(messages) / cpu_total,
            "p50_ms": latencies[len(latencies) // 2] * 1e3, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3}


def _spawn(*args: str) -> dict:
    env = {**os.environ, "PYTHAINLP_OFFLINE": "1", "PYTHAINLP_READ_ONLY": "1"}
    done = subprocess.run([sys.executable, __file__, *args], cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--data", default="")
    parser.add_argument("--cache", default="")
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.data, args.scale)
        print("{}")
        return
    if args.child:
        print(json.dumps(child(args.child, args.scale, args.data, args.cache, args.messages)))
        return
    print(f"{'knowledge':<10}{'intents':>8}{'cold s':>8}{'nlu s':>7}{'warm s':>8}{'nlu s':>7}"
          f"{'msg/s':>8}{'cpu':>7}{'p50 ms':>8}{'p99 ms':>8}{'RSS MB':>8}")
    with tempfile.TemporaryDirectory() as data:
        for scale in (1, 10):
            _spawn("--prepare", "--scale", str(scale), "--data", data)
            with tempfile.TemporaryDirectory() as cache:
                common = ["--scale", str(scale), "--data", data, "--cache", cache]
                cold = _spawn("--child", "start", *common)  # empty cache: builds and writes the index
                warm = _spawn("--child", "start", *common)  # same cache: loads it
                run = _spawn("--child", "run", *common, "--messages", str(args.messages))
            name = "real" if scale == 1 else f"{scale}x"
            print(f"{name:<10}{run['intents']:>8}{cold['ready_s']:>8.2f}{cold['nlu_s']:>7.2f}{warm['ready_s']:>8.2f}"
                  f"{warm['nlu_s']:>7.2f}{run['msg_s']:>8.0f}{run['cpu_msg_s']:>7.0f}{run['p50_ms']:>8.2f}"
                  f"{run['p99_ms']:>8.2f}"
                  f"{run['rss_mb']:>8.0f}")


if __name__ == "__main__":
    sys.path.insert(0, REPO)
    main()
