"""Golden fixtures for optimizers: one (3, 4) parameter, 5 steps, known gradients.

After torch.manual_seed(seed): param0 ~ N(0,1), then grads[k] ~ N(0,1) * SCALES[k]
for k = 0..4 (the small 4th step makes AMSGrad's running max matter). Step k sets
p.grad = grads[k] and calls opt.step(); params[k] is the parameter after step k.

Fixture fields: "optimizer" (torch.optim class name), "hyper" (the kwargs
passed), "param0" [12], "grads" [5][12], "params" [5][12] (flat row-major);
config also holds "hyper_full" (optimizer.defaults: every hyper-parameter,
defaults included) and "shape". Here "params"/"grads" are per-step lists, not
the name -> tensor maps of the other fixtures.
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402

from common import f32, fixture, seed_for, setup_torch, tensor_json, write_fixture  # noqa: E402

SCRIPT = "optim.py"
SHAPE = (3, 4)
SCALES = [1.0, 0.5, 2.0, 0.1, 1.0]

# (case, class name, kwargs, description)
CASES = [
    ("optim_sgd", "SGD", {"lr": 0.1}, "SGD"),
    ("optim_sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.0},
     "SGD with momentum 0.9: buf = g on step 1, then buf = 0.9 buf + g"),
    ("optim_sgd_momentum_dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
     "SGD momentum 0.9 dampening 0.5: step 1 sets buf = g undampened"),
    ("optim_sgd_nesterov_wd", "SGD",
     {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
     "SGD nesterov momentum 0.9, weight_decay 0.01 (added to g before momentum)"),
    ("optim_adam", "Adam", {}, "Adam with all defaults (lr 1e-3)"),
    ("optim_adam_wd_amsgrad", "Adam", {"lr": 0.1, "weight_decay": 0.01, "amsgrad": True},
     "Adam, L2 weight_decay 0.01 added to g, amsgrad (lr 0.1 so the running max shows)"),
    ("optim_adamw", "AdamW", {"lr": 0.01, "weight_decay": 0.01},
     "AdamW, decoupled weight decay p *= 1 - lr*wd before the Adam update"),
    ("optim_rmsprop", "RMSprop", {}, "RMSprop with defaults (lr 0.01, alpha 0.99, eps 1e-8)"),
    ("optim_rmsprop_centered_momentum", "RMSprop",
     {"lr": 0.01, "centered": True, "momentum": 0.9},
     "RMSprop centered with momentum 0.9"),
    ("optim_adagrad_lrdecay_wd", "Adagrad",
     {"lr": 0.01, "lr_decay": 0.01, "weight_decay": 0.01},
     "Adagrad, clr = lr / (1 + (step-1) lr_decay), weight_decay 0.01"),
]


def json_scalar(v):
    if isinstance(v, tuple):
        return [json_scalar(u) for u in v]
    if isinstance(v, float):
        return v
    return v  # bool, int, None


def run(opt_name, kwargs, param0, grads):
    p = param0.clone().requires_grad_()
    opt = getattr(torch.optim, opt_name)([p], **kwargs)
    params = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        params.append(p.detach().clone())
    return params, opt.defaults


def optim_case(case, opt_name, kwargs, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    param0 = torch.randn(*SHAPE)
    grads = [torch.randn(*SHAPE) * s for s in SCALES]
    params, defaults = run(opt_name, kwargs, param0, grads)
    if kwargs.get("amsgrad"):
        plain, _ = run(opt_name, {**kwargs, "amsgrad": False}, param0, grads)
        effect = (plain[-1] - params[-1]).abs().max().item()
        assert effect > 1e-5, f"amsgrad changes the result by only {effect:.2e}"
    hyper_full = {k: json_scalar(v) for k, v in defaults.items()}
    config = {"optimizer": opt_name, "hyper": kwargs, "hyper_full": hyper_full,
              "shape": list(SHAPE), "steps": len(SCALES), "seed": seed}
    flat = lambda t: [f32(v) for v in t.reshape(-1).tolist()]  # noqa: E731
    return fixture(case, SCRIPT, description, config,
                   inputs={"param0": tensor_json(param0)},
                   optimizer=opt_name, hyper=kwargs, param0=flat(param0),
                   grads=[flat(g) for g in grads], params=[flat(p) for p in params])


def main(out_dir=None):
    setup_torch()
    docs = [optim_case(*c) for c in CASES]
    return [write_fixture(d, **({"out_dir": out_dir} if out_dir else {})) for d in docs]


if __name__ == "__main__":
    for p in main():
        print(p)
