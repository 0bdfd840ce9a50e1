"""Regenerate every golden fixture in test/fixtures/golden/.

    /usr/bin/python3 tools/golden/make_all.py            # all groups
    /usr/bin/python3 tools/golden/make_all.py losses     # only some groups

Needs PyTorch 1.13 (fixtures record torch.__version__). Output is deterministic:
each case seeds itself (common.seed_for), deterministic algorithms, 1 thread.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attention  # noqa: E402
import audio_features  # noqa: E402
import char_lstm  # noqa: E402
import ctc  # noqa: E402
import keras_variants  # noqa: E402
import losses  # noqa: E402
import optim  # noqa: E402
import rnn_layers  # noqa: E402
import seq2seq  # noqa: E402
from common import OUT_DIR, setup_torch  # noqa: E402

GROUPS = {
    "rnn_layers": rnn_layers,
    "keras_variants": keras_variants,
    "losses": losses,
    "optim": optim,
    "char_lstm": char_lstm,
    "attention": attention,
    "ctc": ctc,
    "audio_features": audio_features,
    "seq2seq": seq2seq,
}


def main(argv):
    names = argv or list(GROUPS)
    unknown = [n for n in names if n not in GROUPS]
    if unknown:
        sys.exit(f"unknown group(s) {unknown}; expected some of {list(GROUPS)}")
    setup_torch()
    written = []
    for name in names:
        paths = GROUPS[name].main()
        written += paths
        print(f"{name}: {len(paths)} fixtures")
    if not argv:
        known = {os.path.basename(p) for p in written}
        stale = sorted(f for f in os.listdir(OUT_DIR) if f.endswith(".json") and f not in known)
        for f in stale:
            print(f"warning: stale fixture not produced by any generator: {f}")
    total = sum(os.path.getsize(p) for p in written)
    print(f"{len(written)} fixtures, {total / 1e6:.2f} MB in {os.path.relpath(OUT_DIR)}")


if __name__ == "__main__":
    main(sys.argv[1:])
