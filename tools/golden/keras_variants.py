"""Golden fixtures for Keras-style recurrent variants PyTorch has no module for.

Written as plain torch-autograd loops over time with PyTorch's weight layout and
gate order (LSTM i,f,g,o; GRU r,z,n) and PyTorch's two biases b_ih, b_hh:

  LSTM   g = W_ih (x_t * x_mask) + b_ih + W_hh (h_{t-1} * h_mask) + b_hh
         c_t = sig(f) c_{t-1} + sig(i) tanh(g);  h_t = sig(o) tanh(c_t)
  GRU    r = sig(W_ir x' + b_ir + W_hr h' + b_hr),  z likewise,  x' = x_t * x_mask,
         h' = h_{t-1} * h_mask
         reset_after=True  (PyTorch, Keras default): n = tanh(W_in x' + b_in + r * (W_hn h' + b_hn))
         reset_after=False (Keras):                  n = tanh(W_in x' + b_in + W_hn (r * h') + b_hn)
         h_t = (1 - z) n + z h_{t-1}

The masks are fixed inputs (B, I) / (B, H), the same at every step, holding 0 or
1/(1-p) (inverted dropout, as Keras draws them). Only the recurrent matmul sees
the masked h; the carried h_{t-1} and c_{t-1} are unmasked. With all-ones masks
the loops are asserted equal to nn.LSTM / nn.GRU.

Params come from nn.LSTM / nn.GRU default init after torch.manual_seed(seed);
then x, h0, (c0), masks, r_y, r_h, (r_c) are drawn in that order.
L = sum(y * r_y) + sum(h_n * r_h) (+ sum(c_n * r_c)), h_n/c_n shaped (1, B, H).
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import (assert_close, fixture, seed_for, setup_torch,  # noqa: E402
                    tensors_json, write_fixture)

SCRIPT = "keras_variants.py"
B, T, I, H = 3, 5, 4, 6


def lstm_loop(x, h0, c0, w_ih, w_hh, b_ih, b_hh, x_mask=None, h_mask=None):
    """x (B, T, I), h0/c0 (B, H) -> y (B, T, H), h_T (B, H), c_T (B, H)."""
    h, c = h0, c0
    ys = []
    for t in range(x.shape[1]):
        xt = x[:, t] if x_mask is None else x[:, t] * x_mask
        hm = h if h_mask is None else h * h_mask
        gates = xt @ w_ih.T + b_ih + hm @ w_hh.T + b_hh  # (B, 4H)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        ys.append(h)
    return torch.stack(ys, dim=1), h, c


def gru_loop(x, h0, w_ih, w_hh, b_ih, b_hh, reset_after, x_mask=None, h_mask=None):
    """x (B, T, I), h0 (B, H) -> y (B, T, H), h_T (B, H)."""
    Hs = h0.shape[1]
    w_hrz, w_hn = w_hh[:2 * Hs], w_hh[2 * Hs:]
    b_hrz, b_hn = b_hh[:2 * Hs], b_hh[2 * Hs:]
    h = h0
    ys = []
    for t in range(x.shape[1]):
        xt = x[:, t] if x_mask is None else x[:, t] * x_mask
        hm = h if h_mask is None else h * h_mask
        gi = xt @ w_ih.T + b_ih  # (B, 3H)
        gi_r, gi_z, gi_n = gi.chunk(3, dim=1)
        gh_r, gh_z = (hm @ w_hrz.T + b_hrz).chunk(2, dim=1)
        r = torch.sigmoid(gi_r + gh_r)
        z = torch.sigmoid(gi_z + gh_z)
        if reset_after:
            n = torch.tanh(gi_n + r * (hm @ w_hn.T + b_hn))
        else:
            n = torch.tanh(gi_n + (r * hm) @ w_hn.T + b_hn)
        h = (1 - z) * n + z * h
        ys.append(h)
    return torch.stack(ys, dim=1), h


def dropout_mask(shape, p):
    keep = (torch.rand(*shape) >= p).to(torch.float32)
    assert 0 < keep.sum() < keep.numel(), "mask should mix kept and dropped units"
    return keep / (1 - p)


def check_loops_match_torch():
    """With no masks (== all-ones masks) the loops reproduce nn.LSTM / nn.GRU."""
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 1e-5)):
        torch.manual_seed(0)
        lstm = nn.LSTM(I, H, batch_first=True).to(dtype)
        gru = nn.GRU(I, H, batch_first=True).to(dtype)
        x = torch.randn(B, T, I, dtype=dtype)
        h0 = torch.randn(1, B, H, dtype=dtype)
        c0 = torch.randn(1, B, H, dtype=dtype)
        ones_x = torch.ones(B, I, dtype=dtype)
        ones_h = torch.ones(B, H, dtype=dtype)

        y_ref, (h_ref, c_ref) = lstm(x, (h0, c0))
        y, h, c = lstm_loop(x, h0[0], c0[0], *lstm.parameters(), x_mask=ones_x, h_mask=ones_h)
        for a, b_, what in ((y, y_ref, "y"), (h, h_ref[0], "h"), (c, c_ref[0], "c")):
            assert_close(a, b_, f"lstm loop {what} {dtype}", rtol=tol, atol=tol)

        y_ref, h_ref = gru(x, h0)
        y, h = gru_loop(x, h0[0], *gru.parameters(), reset_after=True,
                        x_mask=ones_x, h_mask=ones_h)
        assert_close(y, y_ref, f"gru loop y {dtype}", rtol=tol, atol=tol)
        assert_close(h, h_ref[0], f"gru loop h {dtype}", rtol=tol, atol=tol)
        y_before, _ = gru_loop(x, h0[0], *gru.parameters(), reset_after=False)
        assert (y_before - y_ref).abs().max() > 1e-3, "reset_after=False should differ"

        # Input dropout equals nn.LSTM on the pre-masked sequence.
        mask = dropout_mask((B, I), 0.5).to(dtype)
        y_ref, _ = lstm(x * mask[:, None, :], (h0, c0))
        y, _, _ = lstm_loop(x, h0[0], c0[0], *lstm.parameters(), x_mask=mask)
        assert_close(y, y_ref, f"lstm input dropout {dtype}", rtol=tol, atol=tol)


def variant_case(case, mode, description, reset_after=True, x_drop=0.0, h_drop=0.0):
    seed = seed_for(case)
    torch.manual_seed(seed)
    is_lstm = mode == "LSTM"
    m = nn.LSTM(I, H, batch_first=True) if is_lstm else nn.GRU(I, H, batch_first=True)
    x = torch.randn(B, T, I)
    h0 = torch.randn(1, B, H)
    c0 = torch.randn(1, B, H) if is_lstm else None
    x_mask = dropout_mask((B, I), x_drop) if x_drop > 0 else None
    h_mask = dropout_mask((B, H), h_drop) if h_drop > 0 else None
    r_y = torch.randn(B, T, H)
    r_h = torch.randn(1, B, H)
    r_c = torch.randn(1, B, H) if is_lstm else None

    names = list(dict(m.named_parameters()).keys())
    leaves = {n: p.detach().clone().requires_grad_() for n, p in m.named_parameters()}
    w = [leaves[n] for n in names]  # weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0
    xg = x.clone().requires_grad_()
    h0g = h0.clone().requires_grad_()
    c0g = c0.clone().requires_grad_() if is_lstm else None

    if is_lstm:
        y, h, c = lstm_loop(xg, h0g[0], c0g[0], *w, x_mask=x_mask, h_mask=h_mask)
        h_n, c_n = h[None], c[None]
    else:
        y, h = gru_loop(xg, h0g[0], *w, reset_after=reset_after, x_mask=x_mask, h_mask=h_mask)
        h_n, c_n = h[None], None
    loss = (y * r_y).sum() + (h_n * r_h).sum()
    if is_lstm:
        loss = loss + (c_n * r_c).sum()
    loss.backward()

    inputs = {"x": x, "h0": h0}
    if c0 is not None:
        inputs["c0"] = c0
    if x_mask is not None:
        inputs["x_mask"] = x_mask
    if h_mask is not None:
        inputs["h_mask"] = h_mask
    inputs["r_y"] = r_y
    inputs["r_h"] = r_h
    if r_c is not None:
        inputs["r_c"] = r_c
    outputs = {"y": y, "h_n": h_n}
    if c_n is not None:
        outputs["c_n"] = c_n
    grads = {"x": xg.grad, "h0": h0g.grad}
    if c0g is not None:
        grads["c0"] = c0g.grad
    grads.update({n: leaves[n].grad for n in names})

    config = {
        "mode": mode,
        "input_size": I,
        "hidden_size": H,
        "num_layers": 1,
        "bias": True,
        "bidirectional": False,
        "batch_first": True,
        "batch_size": B,
        "seq_len": T,
        "lengths": None,
        "has_h0": True,
        "dropout": x_drop,
        "recurrent_dropout": h_drop,
        "seed": seed,
    }
    if not is_lstm:
        config["reset_after"] = reset_after
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json(inputs),
                   params=tensors_json({n: leaves[n] for n in names}),
                   outputs=tensors_json(outputs),
                   grads=tensors_json(grads),
                   loss=loss.item())


def main(out_dir=None):
    setup_torch()
    check_loops_match_torch()
    docs = [
        variant_case("keras_gru_reset_before", "GRU",
                     "GRU with reset_after=False: reset gate applied to h before W_hn",
                     reset_after=False),
        variant_case("keras_lstm_recurrent_dropout", "LSTM",
                     "LSTM with a fixed recurrent-dropout mask h_mask (B, H) on h_{t-1} "
                     "in the W_hh term only", h_drop=0.25),
        variant_case("keras_lstm_input_dropout", "LSTM",
                     "LSTM with a fixed input-dropout mask x_mask (B, I) on every x_t",
                     x_drop=0.5),
        variant_case("keras_lstm_both_dropout", "LSTM",
                     "LSTM with both x_mask (B, I) and h_mask (B, H)",
                     x_drop=0.5, h_drop=0.25),
        variant_case("keras_gru_recurrent_dropout", "GRU",
                     "GRU (reset_after=True) with a fixed recurrent-dropout mask h_mask "
                     "on h_{t-1} in the W_hh terms only", h_drop=0.25),
        variant_case("keras_gru_reset_before_recurrent_dropout", "GRU",
                     "GRU reset_after=False with h_mask: n uses W_hn (r * (h * h_mask))",
                     reset_after=False, h_drop=0.25),
    ]
    return [write_fixture(d, **({"out_dir": out_dir} if out_dir else {})) for d in docs]


if __name__ == "__main__":
    for p in main():
        print(p)
