"""Golden fixtures for the attentional encoder-decoder (src/apps/seq2seq/model.ts).

One teacher-forced training step of a tiny model on a right-padded batch: the loss, the logits,
the attention weights of every decoder step, and the gradient of the loss for every parameter.

    encoder   e = src_embed(x) (padding_idx 0); packed (enforce_sorted=False) bidirectional
              GRU/LSTM -> memory M (B, S, 2He), zeros at padding; h_n [, c_n]
    bridge    h0 = tanh(bridge_h([h_n fwd; h_n bwd])), c0 = tanh(bridge_c([c_n fwd; c_n bwd]))
              (c0 = 0 when the encoder is a GRU)
    decoder   for t: x_t = [tgt_embed(y_in[:, t]); h~_{t-1}]  (input feeding, h~_0 = 0)
              q_t, state = decoder_lstm(x_t, state)
              a_t = masked_softmax(score(q_t, M)), c_t = a_t @ M
              h~_t = tanh(attn_out([c_t; q_t]))          (attn_out: Linear, bias=False)
    output    logits = generator(stack_t h~_t)   (tied: generator.weight is tgt_embed.weight)
    loss      cross_entropy(logits, y_out, ignore_index=0)   (mean over non-padding targets)
    score     bahdanau: v^T tanh(query_proj(q) + key_proj(M_j)); luong-general: q^T W M_j

Token ids: 0 <pad>, 1 <unk>, 2 <sos>, 3 <eos>; sources end with <eos> (as the model's
sourceBatch appends it), decoder inputs start with <sos>, targets end with <eos>. Parameters are
~ U(-0.5, 0.5) in named_parameters order after torch.manual_seed(seed).
"""
import sys

sys.dont_write_bytecode = True

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from common import fixture, seed_for, setup_torch, tensors_json, write_fixture  # noqa: E402

SCRIPT = "seq2seq.py"


def masked_softmax(s, m):
    return torch.softmax(s.masked_fill(~m, float("-inf")), -1)


class Bahdanau(nn.Module):
    def __init__(self, hq, hk, u):
        super().__init__()
        self.query_proj = nn.Linear(hq, u, bias=False)
        self.key_proj = nn.Linear(hk, u, bias=False)
        self.v = nn.Linear(u, 1, bias=False)

    def forward(self, q, memory, m):
        e = torch.tanh(self.query_proj(q)[:, None, :] + self.key_proj(memory))
        return masked_softmax(self.v(e).squeeze(-1), m)


class LuongGeneral(nn.Module):
    def __init__(self, hq, hk):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(hq, hk))

    def forward(self, q, memory, m):
        s = torch.einsum("bh,hk,bjk->bj", q, self.weight, memory)
        return masked_softmax(s, m)


class Seq2Seq(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        he, hd, e = cfg["units"], cfg["decoder_units"], cfg["embedding_dim"]
        rnn = nn.GRU if cfg["encoder_cell"] == "gru" else nn.LSTM
        self.src_embed = nn.Embedding(cfg["src_vocab"], e, padding_idx=0)
        self.encoder = rnn(e, he, batch_first=True, bidirectional=True)
        self.bridge_h = nn.Linear(2 * he, hd)
        if cfg["encoder_cell"] == "lstm":
            self.bridge_c = nn.Linear(2 * he, hd)
        self.tgt_embed = nn.Embedding(cfg["tgt_vocab"], e, padding_idx=0)
        self.decoder = nn.LSTM(e + hd, hd, batch_first=True)
        if cfg["attention"] == "bahdanau":
            self.attention = Bahdanau(hd, 2 * he, cfg["attention_units"])
        else:
            self.attention = LuongGeneral(hd, 2 * he)
        self.attn_out = nn.Linear(2 * he + hd, hd, bias=False)
        self.generator = nn.Linear(hd, cfg["tgt_vocab"])
        if cfg["tie_embeddings"]:
            self.generator.weight = self.tgt_embed.weight

    def forward(self, src, tgt_in):
        b, s = src.shape
        m = src != 0
        lengths = m.sum(1)
        packed = pack_padded_sequence(self.src_embed(src), lengths, batch_first=True, enforce_sorted=False)
        out, state = self.encoder(packed)
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=s)
        h_n = state[0] if isinstance(state, tuple) else state
        h = torch.tanh(self.bridge_h(torch.cat([h_n[0], h_n[1]], -1)))[None]
        if isinstance(state, tuple):
            c_n = state[1]
            c = torch.tanh(self.bridge_c(torch.cat([c_n[0], c_n[1]], -1)))[None]
        else:
            c = torch.zeros_like(h)
        feed = torch.zeros(b, self.cfg["decoder_units"])
        outs, alphas = [], []
        for t in range(tgt_in.shape[1]):
            x = torch.cat([self.tgt_embed(tgt_in[:, t]), feed], -1)[:, None, :]
            q, (h, c) = self.decoder(x, (h, c))
            q = q[:, 0]
            a = self.attention(q, memory, m)
            context = torch.einsum("bj,bjk->bk", a, memory)
            feed = torch.tanh(self.attn_out(torch.cat([context, q], -1)))
            outs.append(feed)
            alphas.append(a)
        return self.generator(torch.stack(outs, 1)), torch.stack(alphas, 1)


def run(case, cfg, src, tgt_in, tgt_out, description):
    seed = seed_for(case)
    torch.manual_seed(seed)
    model = Seq2Seq(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)
    src = torch.tensor(src)
    tgt_in = torch.tensor(tgt_in)
    tgt_out = torch.tensor(tgt_out)
    logits, alphas = model(src, tgt_in)
    loss = nn.functional.cross_entropy(logits.reshape(-1, cfg["tgt_vocab"]), tgt_out.reshape(-1), ignore_index=0)
    loss.backward()
    assert (alphas.masked_select(~(src != 0)[:, None, :].expand_as(alphas)) == 0).all()
    named = dict(model.named_parameters())
    return fixture(case, SCRIPT, description, {**cfg, "seed": seed},
                   inputs=tensors_json({"src": src, "tgt_in": tgt_in, "tgt_out": tgt_out}),
                   params=tensors_json({k: v for k, v in named.items()}),
                   outputs=tensors_json({"logits": logits, "attention": alphas}),
                   grads=tensors_json({k: v.grad for k, v in named.items()}),
                   loss=loss.item())


# Three sentences of different lengths, right-padded with 0.
SRC = [[4, 5, 6, 4, 3], [6, 3, 0, 0, 0], [5, 5, 4, 3, 0]]
TGT_IN = [[2, 4, 5, 6, 0], [2, 7, 0, 0, 0], [2, 6, 6, 4, 5]]
TGT_OUT = [[4, 5, 6, 3, 0], [7, 3, 0, 0, 0], [6, 6, 4, 5, 3]]


def main(out_dir=None):
    setup_torch()
    docs = [
        run("seq2seq_bigru_bahdanau_feed",
            {"src_vocab": 7, "tgt_vocab": 8, "embedding_dim": 5, "units": 4, "decoder_units": 6,
             "encoder_cell": "gru", "attention": "bahdanau", "attention_units": 3,
             "tie_embeddings": False},
            SRC, TGT_IN, TGT_OUT,
            "bi-GRU encoder, dense bridge (c0 = 0), LSTM decoder with input feeding, Bahdanau score"),
        run("seq2seq_bilstm_luong_general_tied",
            {"src_vocab": 7, "tgt_vocab": 8, "embedding_dim": 5, "units": 3, "decoder_units": 5,
             "encoder_cell": "lstm", "attention": "luong-general", "attention_units": None,
             "tie_embeddings": True},
            SRC, TGT_IN, TGT_OUT,
            "bi-LSTM encoder, dense bridges for h and c, LSTM decoder with input feeding, Luong "
            "general score, output projection tied to the target embedding"),
    ]
    return [write_fixture(d, **({"out_dir": out_dir} if out_dir else {})) for d in docs]


if __name__ == "__main__":
    for p in main():
        print(p)
