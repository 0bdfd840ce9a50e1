"""Golden fixture for a small char-LSTM trained 10 steps with Adam (llm.c-style check).

    CharLSTM: embed = Embedding(V=20, E=8)           ids (B, T) -> (B, T, E)
              lstm  = LSTM(8, 16, num_layers=2, batch_first=True), zero initial state
              fc    = Linear(16, V)                   -> logits (B, T, V)
    loss = CrossEntropyLoss(mean)(logits.reshape(B*T, V), targets.reshape(B*T))

After torch.manual_seed(seed): the model (PyTorch default init, in the order embed,
lstm, fc), then a token stream of B*(T+1) ids ~ randint(V); row b of the stream is
split into ids[b] = s[:-1] and targets[b] = s[1:] (next-token targets).
Training: 10 x (zero_grad, forward, loss, backward, Adam(lr=0.01).step()).

Fixture: inputs {ids, targets} (int64), params = initial state_dict, outputs
{logits} and grads {every param} of step 1 (before any update), "losses" [10]
(loss before each step; losses[0] == "loss"), "params_final" = state_dict after
step 10.
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402

from common import (f32, fixture, seed_for, setup_torch, tensors_json,  # noqa: E402
                    write_fixture)

SCRIPT = "char_lstm.py"
V, E, H, LAYERS = 20, 8, 16, 2
B, T = 4, 12
LR, STEPS = 0.01, 10


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, E)
        self.lstm = nn.LSTM(E, H, num_layers=LAYERS, batch_first=True)
        self.fc = nn.Linear(H, V)

    def forward(self, ids):  # (B, T) -> (B, T, V)
        y, _ = self.lstm(self.embed(ids))
        return self.fc(y)


def main(out_dir=None):
    setup_torch()
    case = "char_lstm_adam"
    seed = seed_for(case)
    torch.manual_seed(seed)
    model = CharLSTM()
    stream = torch.randint(0, V, (B, T + 1))
    ids, targets = stream[:, :-1].contiguous(), stream[:, 1:].contiguous()
    params0 = {k: v.clone() for k, v in model.state_dict().items()}

    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for step in range(STEPS):
        opt.zero_grad()
        logits = model(ids)
        loss = loss_fn(logits.reshape(B * T, V), targets.reshape(B * T))
        loss.backward()
        if step == 0:
            logits0 = logits.detach().clone()
            grads0 = {n: p.grad.clone() for n, p in model.named_parameters()}
        losses.append(loss.item())
        opt.step()
    assert losses[-1] < losses[0], losses

    config = {
        "vocab_size": V, "embed_dim": E, "hidden_size": H, "num_layers": LAYERS,
        "batch_size": B, "seq_len": T, "batch_first": True,
        "modules": {"embed": "Embedding(20, 8)",
                    "lstm": "LSTM(8, 16, num_layers=2, batch_first=True)",
                    "fc": "Linear(16, 20)"},
        "loss": "CrossEntropyLoss(reduction='mean') over B*T positions",
        "optimizer": "Adam", "hyper": {"lr": LR}, "hyper_full": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.defaults.items()},
        "steps": STEPS, "seed": seed,
    }
    doc = fixture(case, SCRIPT,
                  "2-layer char-LSTM, 10 Adam steps; losses recorded before each step",
                  config,
                  inputs=tensors_json({"ids": ids, "targets": targets}),
                  params=tensors_json(params0),
                  outputs=tensors_json({"logits": logits0}),
                  grads=tensors_json(grads0),
                  loss=losses[0],
                  losses=[f32(v) for v in losses],
                  params_final=tensors_json(dict(model.state_dict())))
    return [write_fixture(doc, **({"out_dir": out_dir} if out_dir else {}))]


if __name__ == "__main__":
    for p in main():
        print(p)
