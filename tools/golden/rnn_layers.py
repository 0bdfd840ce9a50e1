"""Golden fixtures for nn.RNN / nn.LSTM / nn.GRU, nn.Linear and nn.Embedding.

Per RNN case, after torch.manual_seed(seed) in this order: the module (PyTorch
default init, uniform(-1/sqrt(H), 1/sqrt(H))), x ~ N(0,1) (B, T, I), h0 and c0
~ N(0,1) (num_layers*D, B, H) when given, then r_y, r_h, r_c ~ N(0,1).

    L = sum(y * r_y) + sum(h_n * r_h) (+ sum(c_n * r_c) for LSTM)

With config.lengths the batch goes through pack_padded_sequence(enforce_sorted=
False) and pad_packed_sequence(batch_first=True, total_length=T): padded rows of
y are 0, h_n/c_n hold each sequence's state after its last real step (backward
direction: after reading step 0), x's padded positions hold N(0,1) garbage and
get zero gradient.
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from common import (assert_close, fixture, seed_for, setup_torch,  # noqa: E402
                    tensor_json, tensors_json, write_fixture)

SCRIPT = "rnn_layers.py"
B, T, I, H = 3, 5, 4, 6

# (case, mode, num_layers, bidirectional, bias, has_h0, lengths, description)
RNN_CASES = [
    ("rnn_tanh", "RNN_TANH", 1, False, True, True, None, "Elman RNN, tanh, h0 given"),
    ("rnn_relu", "RNN_RELU", 1, False, True, True, None, "Elman RNN, relu, h0 given"),
    ("lstm", "LSTM", 1, False, True, True, None, "LSTM, h0 and c0 given"),
    ("gru", "GRU", 1, False, True, True, None, "GRU, h0 given"),
    ("lstm_nobias_noh0", "LSTM", 1, False, False, False, None,
     "LSTM with bias=False and no initial state (zeros)"),
    ("rnn_tanh_2layer", "RNN_TANH", 2, False, True, True, None, "2-layer tanh RNN"),
    ("lstm_2layer", "LSTM", 2, False, True, True, None, "2-layer LSTM"),
    ("gru_2layer", "GRU", 2, False, True, True, None, "2-layer GRU"),
    ("lstm_bidir", "LSTM", 1, True, True, True, None, "bidirectional LSTM"),
    ("gru_bidir", "GRU", 1, True, True, True, None, "bidirectional GRU"),
    ("rnn_tanh_bidir", "RNN_TANH", 1, True, True, True, None, "bidirectional tanh RNN"),
    ("lstm_bidir_2layer", "LSTM", 2, True, True, True, None, "2-layer bidirectional LSTM"),
    ("lstm_packed", "LSTM", 1, False, True, True, [5, 3, 2],
     "LSTM over a packed batch, lengths sorted descending"),
    ("gru_packed", "GRU", 1, False, True, True, [3, 5, 2],
     "GRU over a packed batch, lengths unsorted (enforce_sorted=False)"),
    ("lstm_bidir_packed", "LSTM", 1, True, True, True, [3, 5, 2],
     "bidirectional LSTM over a packed batch, lengths unsorted"),
    ("gru_bidir_packed", "GRU", 1, True, True, True, [3, 5, 2],
     "bidirectional GRU over a packed batch, lengths unsorted"),
    ("lstm_bidir_2layer_packed", "LSTM", 2, True, True, True, [2, 5, 4],
     "2-layer bidirectional LSTM over a packed batch, lengths unsorted"),
]


def make_rnn(mode, num_layers, bidirectional, bias):
    kw = dict(input_size=I, hidden_size=H, num_layers=num_layers, bias=bias,
              batch_first=True, bidirectional=bidirectional)
    if mode == "LSTM":
        return nn.LSTM(**kw)
    if mode == "GRU":
        return nn.GRU(**kw)
    return nn.RNN(nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kw)


def rnn_case(case, mode, num_layers, bidirectional, bias, has_h0, lengths, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    is_lstm = mode == "LSTM"
    D = 2 if bidirectional else 1
    m = make_rnn(mode, num_layers, bidirectional, bias)
    x = torch.randn(B, T, I)
    h0 = torch.randn(num_layers * D, B, H) if has_h0 else None
    c0 = torch.randn(num_layers * D, B, H) if has_h0 and is_lstm else None
    r_y = torch.randn(B, T, D * H)
    r_h = torch.randn(num_layers * D, B, H)
    r_c = torch.randn(num_layers * D, B, H) if is_lstm else None

    xg = x.clone().requires_grad_()
    h0g = h0.clone().requires_grad_() if h0 is not None else None
    c0g = c0.clone().requires_grad_() if c0 is not None else None
    hx = None
    if has_h0:
        hx = (h0g, c0g) if is_lstm else h0g

    if lengths is not None:
        packed = pack_padded_sequence(xg, torch.tensor(lengths), batch_first=True,
                                      enforce_sorted=False)
        out, state = m(packed, hx)
        y, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
    else:
        y, state = m(xg, hx)
    h_n, c_n = state if is_lstm else (state, None)

    loss = (y * r_y).sum() + (h_n * r_h).sum()
    if is_lstm:
        loss = loss + (c_n * r_c).sum()
    loss.backward()

    if lengths is not None:
        for b, n in enumerate(lengths):
            assert torch.all(y[b, n:] == 0), case
            assert torch.all(xg.grad[b, n:] == 0), case
            assert torch.any(x[b, n:] != 0) or n == T, case
        # h_n of the forward direction = y at each sequence's last real step.
        for b, n in enumerate(lengths):
            assert_close(h_n[(num_layers - 1) * D, b], y[b, n - 1, :H], f"{case} h_n fwd")
            if bidirectional:
                assert_close(h_n[(num_layers - 1) * D + 1, b], y[b, 0, H:], f"{case} h_n bwd")

    inputs = {"x": x}
    if h0 is not None:
        inputs["h0"] = h0
    if c0 is not None:
        inputs["c0"] = c0
    inputs["r_y"] = r_y
    inputs["r_h"] = r_h
    if r_c is not None:
        inputs["r_c"] = r_c

    outputs = {"y": y, "h_n": h_n}
    if c_n is not None:
        outputs["c_n"] = c_n

    grads = {"x": xg.grad}
    if h0g is not None:
        grads["h0"] = h0g.grad
    if c0g is not None:
        grads["c0"] = c0g.grad
    for name, p in m.named_parameters():
        grads[name] = p.grad

    config = {
        "mode": mode,
        "input_size": I,
        "hidden_size": H,
        "num_layers": num_layers,
        "bias": bias,
        "bidirectional": bidirectional,
        "batch_first": True,
        "dropout": 0.0,
        "batch_size": B,
        "seq_len": T,
        "lengths": lengths,
        "enforce_sorted": False if lengths is not None else None,
        "has_h0": has_h0,
        "seed": seed,
    }
    if mode.startswith("RNN"):
        config["nonlinearity"] = "tanh" if mode == "RNN_TANH" else "relu"
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json(inputs),
                   params=tensors_json(dict(m.state_dict())),
                   outputs=tensors_json(outputs),
                   grads=tensors_json(grads),
                   loss=loss.item())


def linear_case(case, x_shape, in_features, out_features, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    m = nn.Linear(in_features, out_features)
    x = torch.randn(*x_shape)
    r = torch.randn(*x_shape[:-1], out_features)
    xg = x.clone().requires_grad_()
    y = m(xg)
    loss = (y * r).sum()
    loss.backward()
    grads = {"x": xg.grad, "weight": m.weight.grad, "bias": m.bias.grad}
    config = {"in_features": in_features, "out_features": out_features, "bias": True,
              "seed": seed}
    return fixture(case, SCRIPT, description, config,
                   inputs=tensors_json({"x": x, "r": r}),
                   params=tensors_json(dict(m.state_dict())),
                   outputs=tensors_json({"y": y}),
                   grads=tensors_json(grads),
                   loss=loss.item())


def embedding_case():
    case = "embedding_padding_idx"
    seed = seed_for(case)
    torch.manual_seed(seed)
    V, E = 10, 4
    m = nn.Embedding(V, E, padding_idx=0)
    # Repeated ids (3 three times, 7 twice) and the padding id 0 twice.
    ids = torch.tensor([[3, 1, 3, 0, 7, 9],
                        [7, 3, 0, 2, 5, 2]], dtype=torch.int64)
    r = torch.randn(*ids.shape, E)
    y = m(ids)
    loss = (y * r).sum()
    loss.backward()
    assert torch.all(m.weight[0] == 0) and torch.all(m.weight.grad[0] == 0)
    config = {"num_embeddings": V, "embedding_dim": E, "padding_idx": 0,
              "scale_grad_by_freq": False, "seed": seed}
    return fixture(case, SCRIPT,
                   "Embedding(padding_idx=0): row 0 initialised to 0 and never gets gradient; "
                   "repeated ids accumulate gradient",
                   config,
                   inputs=tensors_json({"ids": ids, "r": r}),
                   params=tensors_json(dict(m.state_dict())),
                   outputs=tensors_json({"y": y}),
                   grads=tensors_json({"weight": m.weight.grad}),
                   loss=loss.item())


def main(out_dir=None):
    setup_torch()
    docs = [rnn_case(*c) for c in RNN_CASES]
    docs.append(linear_case("linear", (5, 4), 4, 3, "Linear on (N, I) input"))
    docs.append(linear_case("linear_3d", (2, 3, 4), 4, 3,
                            "Linear on (B, T, I) input, applied over the last dimension"))
    docs.append(embedding_case())
    return [write_fixture(d, **({"out_dir": out_dir} if out_dir else {})) for d in docs]


if __name__ == "__main__":
    for p in main():
        print(p)
