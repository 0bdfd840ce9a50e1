#!/usr/bin/python3
"""PyTorch (Debian python3-torch 1.13, CPU) RNN anchor.

Copied from the workplace's shared peer bench (/work/shared/bench/rnn/bench_torch.py) for `npm run bench`;
driven by bench/run.mjs. Spec: bench/workloads.json (or $RNN_SPEC, which --quick uses for shorter timing).

usage: /usr/bin/python3 bench_torch.py --workload ID --mode train|infer --threads N [--out DIR]
Thread count is applied to OpenMP (torch.set_num_threads + OMP_NUM_THREADS) AND to
OpenBLAS (OPENBLAS_NUM_THREADS), because Debian's torch calls the system OpenBLAS
(pthreads build) for GEMM and OpenBLAS keeps its own thread pool.
"""
import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone

ap = argparse.ArgumentParser()
ap.add_argument("--workload", required=True)
ap.add_argument("--mode", default="train")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--out", default=None)
ap.add_argument("--tag", default=None)
ap.add_argument("--blas-threads", type=int, default=None,
                help="diagnostic: OpenBLAS pool size if different from --threads")
args = ap.parse_args()

# must be set before torch / OpenBLAS are loaded
for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[k] = str(args.threads)
if args.blas_threads is not None:
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = json.load(open(os.environ.get("RNN_SPEC", os.path.join(HERE, "..", "workloads.json"))))
W = next(w for w in SPEC["workloads"] if w["id"] == args.workload)
TIMING = SPEC["timing"]
GATES = {"rnn": 1, "gru": 3, "lstm": 4}

torch.set_num_threads(args.threads)
torch.manual_seed(SPEC["seed"])


def lowbias32(x):
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def hash_at(seed, stream, n):
    base = (seed + 0x9E3779B9 * (stream + 1)) & 0xFFFFFFFF
    i = (np.arange(n, dtype=np.uint64) + np.uint64(base)) & np.uint64(0xFFFFFFFF)
    with np.errstate(over="ignore"):
        return lowbias32(i.astype(np.uint32))


def gen_uniform(n, seed=SPEC["seed"], stream=0):
    return ((hash_at(seed, stream, n) >> np.uint32(8)).astype(np.float64) / 16777216.0 * 2 - 1).astype(np.float32)


def gen_ints(n, mod, seed=SPEC["seed"], stream=1):
    return (hash_at(seed, stream, n) % np.uint32(mod)).astype(np.int64)


class Net(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = w
        self.emb = nn.Embedding(w["embedding"]["vocab"], w["embedding"]["dim"]) if "embedding" in w else None
        cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[w["cell"]]
        self.rnn = cls(w["input"], w["hidden"], batch_first=True)
        self.head = nn.Linear(w["hidden"], w["classes"])

    def forward(self, x):
        if self.emb is not None:
            x = self.emb(x)
        out, _ = self.rnn(x)
        if self.w["loss"] == "last":
            out = out[:, -1]
        return self.head(out)


def blas_in_use():
    """The BLAS libraries mapped into this process (Debian's torch links the system libblas.so.3,
    whatever `update-alternatives` points it at: OpenBLAS, BLIS, or netlib's slow reference BLAS)."""
    libs = set()
    try:
        for line in open("/proc/self/maps"):
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path).lower()
            if "blas" in name or "blis" in name or "mkl" in name:
                libs.add(os.path.realpath(path))
    except OSError:
        return None, None
    kinds = []
    for lib in sorted(libs):
        low = lib.lower()
        kinds.append("openblas" if "openblas" in low else "blis" if "blis" in low else "mkl" if "mkl" in low
                     else "atlas" if "atlas" in low else "reference" if "/blas/libblas" in low else "unknown")
    kind = "reference" if kinds and all(k == "reference" for k in kinds) else ",".join(k for k in kinds if k != "reference") or None
    return kind, sorted(libs)


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return None
    return s[(n - 1) // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def quantile(xs, q):
    s = sorted(xs)
    if not s:
        return None
    pos = (len(s) - 1) * q
    lo, hi = int(pos // 1), int(-(-pos // 1))
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def proc_stat_busy():
    try:
        f = [int(v) for v in open("/proc/stat").readline().split()[1:]]
        return (sum(f) - f[3] - f[4]) / 100.0
    except OSError:
        return None


def time_steps(step):
    t0 = time.perf_counter()
    warm = []
    for _ in range(TIMING["warmup_steps"]):
        s = time.perf_counter()
        step()
        warm.append((time.perf_counter() - s) * 1e3)
        if warm[-1] > 5000:
            break
    times = []
    busy0, own0, wall0 = proc_stat_busy(), time.process_time(), time.perf_counter()
    budget = TIMING["budget_seconds"] * 1e3
    while True:
        if len(times) >= TIMING["max_timed_steps"]:
            break
        if len(times) >= TIMING["min_timed_steps"] and sum(times) >= TIMING["target_timed_seconds"] * 1e3:
            break
        est = median(times) if times else warm[-1]
        if (time.perf_counter() - t0) * 1e3 + est > budget:
            break
        s = time.perf_counter()
        step()
        times.append((time.perf_counter() - s) * 1e3)
    wall = time.perf_counter() - wall0
    own = (time.process_time() - own0) / wall if wall > 0 else None
    busy1 = proc_stat_busy()
    foreign = max(0.0, (busy1 - busy0) / wall - own) if busy0 is not None and wall > 0.05 else None
    status = "ok" if len(times) >= TIMING["min_timed_steps"] else ("partial(budget)" if times else "timeout(budget)")
    return warm, times, status, time.perf_counter() - t0, own, foreign


def main():
    w = W
    B, T, I, K = w["batch"], w["seq"], w["input"], w["classes"]
    if "embedding" in w:
        x = torch.from_numpy(gen_ints(B * T, w["embedding"]["vocab"], stream=2).reshape(B, T))
        checksum = float(x.sum())
    else:
        xn = gen_uniform(B * T * I)
        checksum = float(xn.astype(np.float64).sum())
        x = torch.from_numpy(xn.reshape(B, T, I))
    y = torch.from_numpy(gen_ints(B * T if w["loss"] == "every" else B, K, stream=1))
    model = Net(w)
    opt = torch.optim.Adam(model.parameters(), lr=SPEC["optimizer"]["lr"],
                           betas=(SPEC["optimizer"]["beta1"], SPEC["optimizer"]["beta2"]))
    losses = []

    if args.mode == "train":
        model.train()

        def step():
            opt.zero_grad(set_to_none=True)
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, K), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                out = model(x)
                losses.append(float(out.reshape(-1)[0]))

    warm, times, status, total, own_cores, foreign_cores = time_steps(step)
    med = median(times)
    blas_kind, blas_libs = blas_in_use()
    fwd = 2 * B * GATES[w["cell"]] * w["hidden"] * (I + w["hidden"]) * T
    flops = fwd * (SPEC["flops"]["train_factor"] if args.mode == "train" else 1)
    r = {
        "peer": "pytorch",
        "peer_version": torch.__version__,
        "backend": "cpu",
        "threads": torch.get_num_threads(),
        "threads_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "api": "nn.%s(batch_first=True)+nn.Linear, F.cross_entropy, optim.Adam" % {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[w["cell"]]
        if args.mode == "train" else "model(x) under torch.inference_mode()",
        "workload": w["id"], "mode": args.mode, "cell": w["cell"], "input": I, "hidden": w["hidden"],
        "batch": B, "seq": T, "status": status, "timed_unit": "batch", "n_timed": len(times),
        "unit_median_ms": med, "unit_p10_ms": quantile(times, 0.1), "unit_p90_ms": quantile(times, 0.9),
        "unit_min_ms": min(times) if times else None,
        "step_ms": med, "step_ms_is_derived": False,
        "seq_per_s": B / med * 1e3 if med else None,
        "timesteps_per_s": B * T / med * 1e3 if med else None,
        "gflop_per_step": flops / 1e9,
        "gflops_per_s": flops / 1e9 / (med / 1e3) if med else None,
        "warmup_ms": warm, "times_ms": times, "run_total_s": total,
        "own_cpu_cores": own_cores, "foreign_cpu_cores": foreign_cores,
        "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
        "data_checksum": checksum,
        "python": platform.python_version(), "mkldnn_enabled": torch.backends.mkldnn.enabled,
        "blas": blas_kind, "blas_libs": blas_libs,
        "note": ("PyTorch runs on the reference (netlib) BLAS %s, not OpenBLAS: GEMM is ~20x slower than the shared "
                 "anchors measured (e.g. apt-get install libopenblas0-pthread)" % ",".join(blas_libs or [])) if blas_kind == "reference" else "",
        "timestamp": datetime.now(timezone.utc).isoformat(),
    }
    line = json.dumps(r)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        name = args.tag or "__".join(["pytorch", "cpu", "t%d" % args.threads, w["id"], args.mode])
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            f.write(json.dumps(r, indent=1) + "\n")
    print(line)


if __name__ == "__main__":
    main()
