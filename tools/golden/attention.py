"""Golden fixtures for masked pooling over time and attention (src/nn/pooling.ts, attention.ts).

Masks are (B, T) with 1 = real step, made from right-padding lengths; padded positions of x /
keys / values hold N(0,1) garbage like real ones, so the masking is what keeps them out.

    masked_softmax(s, m) = softmax(s filled with -inf where m = 0) * m
                           (a row with no real key is set to 0 instead of NaN)

Cases and their PyTorch computation (after torch.manual_seed(seed), tensors drawn in the
order written below, parameters ~ U(-0.8, 0.8) in state_dict order):

    pool_max_*          x (B,T,F), r_y          y = max_{t real} x_t   (0 for an empty row)
    pool_avg_*          x, r_y                   y = sum_{t real} x_t / max(n, 1)
    attention_pooling*  params, x, r_y, r_w      u = tanh(x W^T + b), a = masked_softmax(u c),
                                                 y = sum_t a_t x_t;  params weight (A,F),
                                                 bias (A), context (A)
    attention_bahdanau_* params, query, keys, [values], r_context, r_weights
                        s_ij = v^T tanh(W_q q_i + W_k k_j); query_proj.weight (U,Hq),
                        key_proj.weight (U,Hk), v.weight (1,U) -- nn.Linear, bias=False
    attention_luong_dot_*      s_ij = q_i . k_j
    attention_luong_general_*  s_ij = q_i^T W k_j, weight (Hq, Hk)
                        a = masked_softmax(s) over keys, context_i = sum_j a_ij values_j

The query is (B, Hq) for *_query cases and (B, Tq, Hq) for *_seq cases; values are the keys
unless config.separate_values. Recorded gradients are of

    L = sum(y * r_y) [+ sum(a * r_w)]     (pooling)
    L = sum(context * r_context) + sum(weights * r_weights)     (attention)

with respect to every input (x / query, keys, values) and parameter (state_dict names).
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import (assert_close, fixture, seed_for, setup_torch,  # noqa: E402
                    tensors_json, write_fixture)

SCRIPT = "attention.py"
B, T, F, A = 3, 5, 4, 6          # pooling
TQ, TK, HQ, HK, U, HV = 3, 5, 5, 6, 7, 3   # attention


def length_mask(lengths, t):
    return torch.arange(t)[None, :] < torch.tensor(lengths)[:, None]


def masked_softmax(s, m):
    """s (..., Tk), m bool broadcastable to s: exact zeros on padded keys and on empty rows."""
    filled = s.masked_fill(~m, float("-inf"))
    filled = torch.where(m.any(-1, keepdim=True), filled, torch.zeros_like(filled))
    return torch.softmax(filled, -1) * m.to(s.dtype)


def init_params(module):
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.8, 0.8)


class AttentionPool(nn.Module):
    def __init__(self, f, a):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(a, f))
        self.bias = nn.Parameter(torch.empty(a))
        self.context = nn.Parameter(torch.empty(a))

    def forward(self, x, m):
        u = torch.tanh(x @ self.weight.T + self.bias)
        a = masked_softmax(u @ self.context, m)
        return (a[..., None] * x).sum(1), a


class Bahdanau(nn.Module):
    def __init__(self, hq, hk, u):
        super().__init__()
        self.query_proj = nn.Linear(hq, u, bias=False)
        self.key_proj = nn.Linear(hk, u, bias=False)
        self.v = nn.Linear(u, 1, bias=False)

    def scores(self, q3, keys):
        e = torch.tanh(self.query_proj(q3)[:, :, None, :] + self.key_proj(keys)[:, None, :, :])
        return self.v(e).squeeze(-1)


class LuongDot(nn.Module):
    def scores(self, q3, keys):
        return q3 @ keys.transpose(1, 2)


class LuongGeneral(nn.Module):
    def __init__(self, hq, hk):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(hq, hk))

    def scores(self, q3, keys):
        s = q3 @ (keys @ self.weight.T).transpose(1, 2)
        assert_close(s, torch.einsum("bih,hk,bjk->bij", q3, self.weight, keys), "q^T W k")
        return s


def grads_of(named):
    return {k: v.grad for k, v in named.items()}


def run_pool(case, kind, lengths, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    x = torch.randn(B, T, F, requires_grad=True)
    r_y = torch.randn(B, F)
    m = length_mask(lengths, T)
    if kind == "max":
        mx = x.masked_fill(~m[..., None], float("-inf")).max(dim=1).values
        y = torch.where(m.any(1)[:, None], mx, torch.zeros_like(mx))
    else:
        n = m.sum(1, keepdim=True).clamp(min=1).to(x.dtype)
        y = (x * m[..., None].to(x.dtype)).sum(1) / n
    loss = (y * r_y).sum()
    loss.backward()
    assert (x.grad[~m] == 0).all(), "padded steps must get no gradient"
    config = {"pool": kind, "batch_size": B, "seq_len": T, "features": F,
              "lengths": lengths, "seed": seed}
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json({"x": x, "mask": m.long(), "r_y": r_y}),
                   outputs=tensors_json({"y": y}),
                   grads=tensors_json({"x": x.grad}),
                   loss=loss.item())


def run_attention_pooling(case, lengths, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    mod = AttentionPool(F, A)
    init_params(mod)
    x = torch.randn(B, T, F, requires_grad=True)
    r_y = torch.randn(B, F)
    r_w = torch.randn(B, T)
    m = length_mask(lengths, T) if lengths is not None else torch.ones(B, T, dtype=torch.bool)
    y, a = mod(x, m)
    loss = (y * r_y).sum() + (a * r_w).sum()
    loss.backward()
    assert (a[~m] == 0).all()
    config = {"pool": "attention", "batch_size": B, "seq_len": T, "features": F, "units": A,
              "lengths": lengths, "seed": seed}
    inputs = {"x": x, "r_y": r_y, "r_w": r_w}
    if lengths is not None:
        inputs["mask"] = m.long()
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json(inputs),
                   params=tensors_json(dict(mod.state_dict())),
                   outputs=tensors_json({"y": y, "weights": a}),
                   grads=tensors_json({"x": x.grad, **grads_of(dict(mod.named_parameters()))}),
                   loss=loss.item())


def run_attention(case, kind, query_seq, separate_values, lengths, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    hq = HK if kind == "luong-dot" else HQ
    if kind == "bahdanau":
        mod = Bahdanau(hq, HK, U)
    elif kind == "luong-general":
        mod = LuongGeneral(hq, HK)
    else:
        mod = LuongDot()
    init_params(mod)
    query = torch.randn(*((B, TQ, hq) if query_seq else (B, hq)), requires_grad=True)
    keys = torch.randn(B, TK, HK, requires_grad=True)
    values = torch.randn(B, TK, HV, requires_grad=True) if separate_values else keys
    m = length_mask(lengths, TK)
    q3 = query if query_seq else query[:, None, :]
    w = masked_softmax(mod.scores(q3, keys), m[:, None, :])
    context = w @ values
    if not query_seq:
        context, w = context[:, 0], w[:, 0]
    r_context = torch.randn(context.shape)
    r_weights = torch.randn(w.shape)
    loss = (context * r_context).sum() + (w * r_weights).sum()
    loss.backward()
    wm = w if query_seq else w[:, None, :]
    assert (wm.masked_select(~m[:, None, :].expand_as(wm)) == 0).all(), "padded keys get weight 0"
    config = {"type": kind, "batch_size": B, "query_is_sequence": query_seq,
              "query_len": TQ if query_seq else None, "key_len": TK, "query_features": hq,
              "key_features": HK, "separate_values": separate_values,
              "value_features": HV if separate_values else HK,
              "units": U if kind == "bahdanau" else None, "lengths": lengths, "seed": seed}
    inputs = {"query": query, "keys": keys}
    grads = {"query": query.grad, "keys": keys.grad}
    if separate_values:
        inputs["values"] = values
        grads["values"] = values.grad
    inputs.update({"mask": m.long(), "r_context": r_context, "r_weights": r_weights})
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json(inputs),
                   params=tensors_json(dict(mod.state_dict())),
                   outputs=tensors_json({"context": context, "weights": w}),
                   grads=tensors_json({**grads, **grads_of(dict(mod.named_parameters()))}),
                   loss=loss.item())


def main(out_dir=None):
    setup_torch()
    docs = [
        run_pool("pool_max_masked", "max", [5, 2, 0],
                 "max over real steps; row 2 has none (output 0, no gradient)"),
        run_pool("pool_avg_masked", "avg", [5, 2, 0],
                 "mean over real steps; row 2 has none (output 0, no gradient)"),
        run_attention_pooling("attention_pooling", None, "attention pooling, no mask"),
        run_attention_pooling("attention_pooling_masked", [5, 3, 0],
                              "attention pooling, right padding; row 2 has no real step"),
        run_attention("attention_bahdanau_query", "bahdanau", False, False, [5, 3, 1],
                      "Bahdanau attention, one query (B, Hq) per row, values = keys"),
        run_attention("attention_bahdanau_seq", "bahdanau", True, False, [5, 2, 0],
                      "Bahdanau attention, query sequence (B, Tq, Hq); row 2 has no real key"),
        run_attention("attention_luong_dot_query", "luong-dot", False, False, [5, 3, 1],
                      "Luong dot attention, one query per row, values = keys"),
        run_attention("attention_luong_dot_seq", "luong-dot", True, False, [4, 5, 2],
                      "Luong dot attention, query sequence, values = keys"),
        run_attention("attention_luong_general_query", "luong-general", False, False, [5, 3, 1],
                      "Luong general attention, one query per row, values = keys"),
        run_attention("attention_luong_general_seq_values", "luong-general", True, True,
                      [2, 5, 4], "Luong general attention, query sequence, separate values "
                      "(B, Tk, Hv)"),
    ]
    return [write_fixture(d, **({"out_dir": out_dir} if out_dir else {})) for d in docs]


if __name__ == "__main__":
    for p in main():
        print(p)
