#!/usr/bin/env python3
"""Cross-language check of src/io/safetensors.ts (used by test/io/safetensors.test.ts).

    safetensors_check.py write DIR   writes DIR/fixture.safetensors (every dtype we read, F16
                                     included, 3 metadata keys) and DIR/plain.safetensors (only
                                     the dtypes we write, 1 metadata key: byte-comparable)
    safetensors_check.py read FILE   prints FILE as JSON: {"metadata": {...}, "order": [names in
                                     data order], "tensors": {name: {dtype, shape, data}}};
                                     int64 and non-finite floats are printed as strings

With the `safetensors` package installed this uses it (save_file / safe_open), so the test checks
against the reference implementation. Without it (pip cannot reach PyPI on our machines) it falls
back to a strict port of the reference's writer and reader (safetensors/src/tensor.rs: `prepare`,
`read_metadata`, `Metadata::validate`), written independently of the TypeScript.
Needs numpy.
"""
import json
import math
import os
import struct
import sys

import numpy as np

try:
    import safetensors.numpy as st_numpy
    from safetensors import safe_open
except ImportError:  # the usual case here
    st_numpy = None

NP_OF = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "U8": np.uint8,
}
NAME_OF = {np.dtype(v): k for k, v in NP_OF.items()}
# The reference's Dtype enum order (increasing alignment), restricted to numpy-representable ones.
RANK = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]


def fixture_tensors(with_f16):
    t = {
        "rnn.weight_ih_l0": (np.arange(12, dtype=np.float32) * 0.25 - 1).reshape(3, 4),
        "double": np.array([1 / 3, -2.5e300, 5e-324], dtype=np.float64),
        "ids": np.array([-1, 2**31 - 1, -(2**31)], dtype=np.int32),
        "steps": np.array([-(2**63), 2**63 - 1, 2**53 + 1], dtype=np.int64),
        "mask": np.array([[0, 1], [255, 7]], dtype=np.uint8),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "\u00fcn\u00ef\u2603.\U0001F600": np.array([-0.0], dtype=np.float32),
    }
    if with_f16:
        # 1, -2, max half, smallest subnormal, -inf, a NaN.
        t["half"] = np.array([1, -2, 65504, 2**-24, -np.inf, np.nan], dtype=np.float16)
    return t


def save(tensors, metadata, path):
    if st_numpy is not None:
        st_numpy.save_file(tensors, path, metadata=metadata)
        return
    items = sorted(
        tensors.items(),
        key=lambda kv: (-RANK.index(NAME_OF[kv[1].dtype]), kv[0].encode("utf-8")),
    )
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, arr in items:
        n = arr.nbytes
        header[name] = {
            "dtype": NAME_OF[arr.dtype], "shape": list(arr.shape),
            "data_offsets": [offset, offset + n],
        }
        offset += n
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, arr in items:
            f.write(np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes())


def load(path):
    """Returns (metadata, names in data order, {name: array})."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    assert 8 + n <= len(buf), "header length past end of file"
    text = buf[8:8 + n].decode("utf-8")
    assert text.startswith("{"), "header must start with '{'"
    assert (8 + n) % 8 == 0, f"data section starts at {8 + n}, not a multiple of 8"
    header = json.loads(text)
    metadata = header.pop("__metadata__", {}) or {}
    assert all(isinstance(v, str) for v in metadata.values()), "metadata values must be strings"
    order = sorted(header, key=lambda k: tuple(header[k]["data_offsets"]))
    if st_numpy is not None:
        with safe_open(path, "np") as f:
            metadata = f.metadata() or {}
            return metadata, order, {k: f.get_tensor(k) for k in f.keys()}
    data, start, tensors = buf[8 + n:], 0, {}
    for name in order:
        info = header[name]
        b, e = info["data_offsets"]
        dt = np.dtype(NP_OF[info["dtype"]]).newbyteorder("<")
        assert b == start and e >= b, f"{name}: offsets {b, e} not contiguous (expected {start})"
        assert e - b == math.prod(info["shape"]) * dt.itemsize, f"{name}: byte span mismatch"
        assert b % dt.itemsize == 0, f"{name}: offset {b} not aligned to {dt.itemsize}"
        tensors[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"])
        start = e
    assert start == len(data), f"data section has {len(data)} bytes, tensors cover {start}"
    return metadata, order, tensors


def to_json_value(x, dtype):
    if dtype == "I64":
        return str(int(x))
    if dtype in ("F16", "F32", "F64"):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x == 0 and math.copysign(1, x) < 0:
            return "-0"
        return x
    return int(x)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("write", "read"):
        sys.exit(__doc__)
    if argv[1] == "write":
        meta = {"format": "np", "config": '{"hidden": 8}', "\u043a\u043b\u044e\u0447": "\u2603"}
        save(fixture_tensors(True), meta, os.path.join(argv[2], "fixture.safetensors"))
        save(fixture_tensors(False), {"format": "np"}, os.path.join(argv[2], "plain.safetensors"))
        return
    metadata, order, tensors = load(argv[2])
    out = {"metadata": metadata, "order": order, "tensors": {}}
    for name, arr in tensors.items():
        dtype = NAME_OF[arr.dtype.newbyteorder("=")]
        out["tensors"][name] = {
            "dtype": dtype, "shape": list(arr.shape),
            "data": [to_json_value(x, dtype) for x in arr.reshape(-1)],
        }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv)
