"""Shared helpers for the golden-fixture generators.

Every fixture is one JSON file in test/fixtures/golden/<case>.json with the
uniform top-level layout

    {"case", "torch", "script", "description", "config",
     "inputs", "params", "outputs", "grads", "loss", ...}

where every tensor is {"shape": [...], "data": [...flat row-major...]} and
integer tensors additionally carry "dtype": "int64".

Float32 values are written as the shortest decimal that reads back (decimal ->
float64 -> float32, i.e. JSON.parse then Float32Array) to the exact same
float32; `f32` asserts that round trip for every value it writes.
"""
import json
import os
import zlib

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO, "test", "fixtures", "golden")


def setup_torch():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)


def seed_for(case):
    """Per-case seed, so a case does not depend on which cases ran before it."""
    return zlib.crc32(case.encode("utf-8")) & 0x7FFFFFFF


def f32(v):
    """Python float holding a float32 value; its repr round-trips through float32."""
    x = np.float32(v)
    if not np.isfinite(x):
        raise ValueError(f"non-finite value {x!r} cannot go into a JSON fixture")
    s = str(x)  # numpy: shortest string that uniquely identifies the float32
    out = float(s)
    if np.float32(out).tobytes() != x.tobytes():
        raise AssertionError(f"float32 round trip failed for {x!r} via {s!r}")
    return out


def tensor_json(t):
    """{"shape", "data"} for a float tensor, plus "dtype": "int64" for integer ones."""
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu()
        is_float = t.is_floating_point()
        arr = t.numpy()
    else:
        arr = np.asarray(t)
        is_float = np.issubdtype(arr.dtype, np.floating)
    shape = [int(d) for d in arr.shape]
    flat = arr.reshape(-1)
    if is_float:
        return {"shape": shape, "data": [f32(v) for v in flat]}
    return {"shape": shape, "dtype": "int64", "data": [int(v) for v in flat]}


def tensors_json(named):
    return {k: tensor_json(v) for k, v in named.items()}


def fixture(case, script, description, config, inputs=None, params=None,
            outputs=None, grads=None, loss=None, **extra):
    """Assemble one fixture dict in the uniform layout (tensors already converted)."""
    doc = {
        "case": case,
        "torch": torch.__version__,
        "script": f"tools/golden/{script}",
        "description": description,
        "config": config,
        "inputs": inputs or {},
        "params": params or {},
        "outputs": outputs or {},
        "grads": grads or {},
    }
    if loss is not None:
        doc["loss"] = f32(loss)
    doc.update(extra)
    return doc


def _is_scalar(v):
    return v is None or isinstance(v, (bool, int, float, str))


def dumps(obj, indent=0):
    """JSON text: nested dicts indented, tensors and flat lists on one line each."""
    pad = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if "data" in obj and "shape" in obj:
            return json.dumps(obj, separators=(",", ":"), allow_nan=False)
        body = ",\n".join(
            f"{pad}  {json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in obj.items())
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(_is_scalar(v) for v in obj):
            return json.dumps(list(obj), separators=(",", ":"), allow_nan=False)
        body = ",\n".join(f"{pad}  {dumps(v, indent + 1)}" for v in obj)
        return "[\n" + body + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


def write_fixture(doc, out_dir=OUT_DIR):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{doc['case']}.json")
    text = dumps(doc) + "\n"
    json.loads(text)  # must be valid JSON
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def assert_close(a, b, what, rtol=1e-5, atol=1e-6):
    if not torch.allclose(a, b, rtol=rtol, atol=atol):
        err = (a - b).abs().max().item()
        raise AssertionError(f"{what}: max abs diff {err:.3e}")
