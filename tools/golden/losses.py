"""Golden fixtures for loss functions: loss value and gradient of the input.

After torch.manual_seed(seed): input, target, then weight / pos_weight when used.
Fixture: inputs {"input", "target", ["weight"], ["pos_weight"]}, grads {"input"},
"loss" = the reduced scalar, config {"loss": class name, "kwargs": scalar kwargs}.

CrossEntropyLoss semantics (asserted below against a float64 formula), with
logp = log_softmax(x), w_c the class weight (1 without weights), y_i the target,
rows with y_i == ignore_index dropped, eps = label_smoothing, C classes:
    l_i = (1 - eps) * w_{y_i} * -logp_{i,y_i} + (eps / C) * sum_c w_c * -logp_{i,c}
    mean = sum_i l_i / sum_i w_{y_i};  sum = sum_i l_i
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import fixture, seed_for, setup_torch, tensors_json, write_fixture  # noqa: E402

SCRIPT = "losses.py"
N, C = 6, 5


def ce_reference(x, y, weight, ignore_index, eps, reduction):
    x, w = x.double(), (weight.double() if weight is not None else torch.ones(x.shape[1]).double())
    logp = torch.log_softmax(x, dim=1)
    keep = y != ignore_index
    yk = y[keep]
    nll = -logp[keep].gather(1, yk[:, None])[:, 0] * w[yk]
    smooth = -(logp[keep] * w[None, :]).sum(1) / x.shape[1]
    per_row = (1 - eps) * nll + eps * smooth
    return per_row.sum() / w[yk].sum() if reduction == "mean" else per_row.sum()


def run_loss(case, description, loss_cls, kwargs, make_data, check=None):
    seed = seed_for(case)
    torch.manual_seed(seed)
    data = make_data()  # dict: input, target, optional weight / pos_weight
    tensor_kwargs = {k: data[k] for k in ("weight", "pos_weight") if k in data}
    fn = loss_cls(**kwargs, **tensor_kwargs)
    xg = data["input"].clone().requires_grad_()
    loss = fn(xg, data["target"])
    loss.backward()
    if check is not None:
        ref = check(data, kwargs)
        assert abs(ref.item() - loss.item()) <= 1e-5 * max(1.0, abs(ref.item())), \
            (case, ref.item(), loss.item())
    config = {"loss": loss_cls.__name__, "kwargs": kwargs,
              "has_weight": "weight" in data, "has_pos_weight": "pos_weight" in data,
              "seed": seed}
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json(data),
                   outputs=tensors_json({"loss": loss}),
                   grads=tensors_json({"input": xg.grad}),
                   loss=loss.item())


def ce_data(ignore_rows=(), weighted=False):
    def make():
        x = torch.randn(N, C)
        y = torch.randint(0, C, (N,))
        for r in ignore_rows:
            y[r] = -100
        d = {"input": x, "target": y}
        if weighted:
            d["weight"] = torch.rand(C) + 0.5
        return d
    return make


def ce_check(data, kwargs):
    return ce_reference(data["input"], data["target"], data.get("weight"),
                        kwargs.get("ignore_index", -100), kwargs.get("label_smoothing", 0.0),
                        kwargs.get("reduction", "mean"))


def regression_data():
    # Differences spread over (-3, 3) so Huber hits both branches for delta 0.5 and 1.
    x = torch.randn(4, 3) * 1.5
    return {"input": x, "target": torch.randn(4, 3)}


def bce_data():
    p = torch.sigmoid(torch.randn(4, 3) * 2)
    t = (torch.rand(4, 3) > 0.5).to(torch.float32)
    t[0, 0] = 0.3  # soft targets are allowed
    t[2, 1] = 0.75
    return {"input": p, "target": t}


def bce_logits_data(pos_weight):
    def make():
        d = {"input": torch.randn(4, 3) * 2, "target": (torch.rand(4, 3) > 0.5).to(torch.float32)}
        d["target"][1, 2] = 0.4
        if pos_weight:
            d["pos_weight"] = torch.rand(3) * 2 + 0.5  # (C,), broadcast over the last dim
        return d
    return make


def main(out_dir=None):
    setup_torch()
    CE = nn.CrossEntropyLoss
    docs = [
        run_loss("loss_ce", "CrossEntropyLoss, mean", CE, {"reduction": "mean"},
                 ce_data(), ce_check),
        run_loss("loss_ce_ignore_index", "CrossEntropyLoss, rows 1 and 4 have target -100",
                 CE, {"reduction": "mean", "ignore_index": -100}, ce_data(ignore_rows=(1, 4)),
                 ce_check),
        run_loss("loss_ce_weight", "CrossEntropyLoss with class weights (mean divides by "
                 "sum of target weights)", CE, {"reduction": "mean"}, ce_data(weighted=True),
                 ce_check),
        run_loss("loss_ce_label_smoothing", "CrossEntropyLoss, label_smoothing=0.1", CE,
                 {"reduction": "mean", "label_smoothing": 0.1}, ce_data(), ce_check),
        run_loss("loss_ce_weight_ignore_smoothing",
                 "CrossEntropyLoss with class weights, two ignored rows and label_smoothing=0.1",
                 CE, {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.1},
                 ce_data(ignore_rows=(0, 3), weighted=True), ce_check),
        run_loss("loss_ce_sum", "CrossEntropyLoss, reduction='sum'", CE, {"reduction": "sum"},
                 ce_data(), ce_check),
        run_loss("loss_mse", "MSELoss, mean", nn.MSELoss, {"reduction": "mean"},
                 regression_data),
        run_loss("loss_l1", "L1Loss, mean", nn.L1Loss, {"reduction": "mean"}, regression_data),
        run_loss("loss_huber_delta1", "HuberLoss delta=1.0, mean", nn.HuberLoss,
                 {"reduction": "mean", "delta": 1.0}, regression_data),
        run_loss("loss_huber_delta05", "HuberLoss delta=0.5, mean", nn.HuberLoss,
                 {"reduction": "mean", "delta": 0.5}, regression_data),
        run_loss("loss_bce", "BCELoss on probabilities (log clamped at -100), mean",
                 nn.BCELoss, {"reduction": "mean"}, bce_data),
        run_loss("loss_bce_logits", "BCEWithLogitsLoss, mean", nn.BCEWithLogitsLoss,
                 {"reduction": "mean"}, bce_logits_data(False)),
        run_loss("loss_bce_logits_pos_weight",
                 "BCEWithLogitsLoss with pos_weight (C,): l = -[p*t*log sig(x) + (1-t)*log(1-sig(x))]",
                 nn.BCEWithLogitsLoss, {"reduction": "mean"}, bce_logits_data(True)),
    ]
    return [write_fixture(d, **({"out_dir": out_dir} if out_dir else {})) for d in docs]


if __name__ == "__main__":
    for p in main():
        print(p)
