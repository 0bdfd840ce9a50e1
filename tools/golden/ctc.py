"""Golden fixtures for CTC (src/kernels/ref/ctc.ts, src/nn/ctc.ts) from PyTorch's nn.CTCLoss.

Ours takes logits (B, T, C) batch-first with log-softmax fused; PyTorch takes log-probabilities
(T, B, C). Each case:

    torch.manual_seed(seed)
    logits = torch.randn(B, T, C) * scale                       # (B, T, C)
    log_probs = logits.log_softmax(-1).transpose(0, 1)           # (T, B, C)
    loss = nn.CTCLoss(blank, reduction, zero_infinity)(log_probs, targets_for_torch,
                                                       input_lengths, target_lengths)
    L = loss if reduction != 'none' else (loss * r).sum()       # r in inputs for 'none'
    L.backward()  ->  grads["logits"] = dL/dlogits

Targets are stored (B, S) right-padded with -1 (our format; torch gets the padding as 0).
The float64 loss is asserted equal to the float32 one (to 1e-4 relative).
Fixture: inputs {"logits", "targets" int64, "input_lengths" int64, "target_lengths" int64, ["r"]},
outputs {"loss"} (scalar, or (B) for 'none'), grads {"logits"}, "loss" = L.
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import fixture, seed_for, setup_torch, tensors_json, write_fixture  # noqa: E402

SCRIPT = "ctc.py"


def run(case, description, C, input_lengths, targets, T=None, blank=0, reduction="mean",
        zero_infinity=False, scale=1.0):
    seed = seed_for(case)
    torch.manual_seed(seed)
    B = len(input_lengths)
    T = T or max(input_lengths)
    S = max(1, max(len(t) for t in targets))
    logits = torch.randn(B, T, C) * scale
    tgt = torch.full((B, S), -1, dtype=torch.long)
    for b, t in enumerate(targets):
        if t:
            tgt[b, :len(t)] = torch.tensor(t)
    il = torch.tensor(input_lengths, dtype=torch.long)
    tl = torch.tensor([len(t) for t in targets], dtype=torch.long)
    r = torch.randn(B) if reduction == "none" else None

    def loss_of(x):
        fn = nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
        return fn(x.log_softmax(-1).transpose(0, 1), tgt.clamp_min(0), il, tl)

    x = logits.clone().requires_grad_()
    loss = loss_of(x)
    total = loss if r is None else (loss * r).sum()
    total.backward()
    ref = loss_of(logits.double())
    ref_total = ref if r is None else (ref * r.double()).sum()
    assert abs(ref_total.item() - total.item()) <= 1e-4 * max(1.0, abs(ref_total.item())), \
        (case, ref_total.item(), total.item())
    inputs = {"logits": logits, "targets": tgt, "input_lengths": il, "target_lengths": tl}
    if r is not None:
        inputs["r"] = r
    config = {"B": B, "T": T, "C": C, "S": S, "blank": blank, "reduction": reduction,
              "zero_infinity": zero_infinity, "seed": seed}
    return fixture(case, SCRIPT, description, config, inputs=tensors_json(inputs),
                   outputs=tensors_json({"loss": loss.detach()}),
                   grads=tensors_json({"logits": x.grad}), loss=total.item())


CASES = [
    dict(case="ctc_mean", description="3 rows, different input and target lengths, repeated labels",
         C=6, input_lengths=[12, 9, 7], targets=[[1, 2, 2, 3], [4, 4, 4], [5]]),
    dict(case="ctc_sum", description="reduction sum, T padded beyond every input length",
         C=5, input_lengths=[8, 6], T=10, targets=[[1, 3, 1], [2, 2]], reduction="sum"),
    dict(case="ctc_none", description="reduction none (gradient of sum r_b * loss_b)",
         C=4, input_lengths=[6, 5, 4, 3], targets=[[1, 2], [3], [1, 1], [2, 3, 1]], reduction="none"),
    dict(case="ctc_empty_targets", description="empty targets (blank-only paths) next to a non-empty one",
         C=4, input_lengths=[5, 3, 6], targets=[[], [2], []]),
    dict(case="ctc_blank_last", description="blank = C - 1, sharp (scaled) logits",
         C=5, input_lengths=[10, 10], targets=[[0, 1, 0, 3], [2, 2, 1]], blank=4, scale=3.0),
    dict(case="ctc_zero_infinity", description="a row with too few frames (inf loss) zeroed by zero_infinity",
         C=4, input_lengths=[4, 8, 3], targets=[[1, 2], [3, 3, 3], [1, 1, 1]], zero_infinity=True),
    dict(case="ctc_long", description="long sequences: T = 60, 12 labels",
         C=7, input_lengths=[60, 45], targets=[[1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1], [3, 3, 1, 2, 5, 5]]),
]


def main():
    setup_torch()
    return [write_fixture(run(**c)) for c in CASES]


if __name__ == "__main__":
    for p in main():
        print(p)
