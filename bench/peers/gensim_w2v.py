#!/usr/bin/python3
"""Train gensim 4.2 Word2Vec (Debian python3-gensim) and time the phases (the workplace's shared
harness /work/shared/bench/word2vec/gensim_train.py, copied; used by bench/w2v.mjs).

Run with /usr/bin/python3. Prints one line 'RESULT {json}' at the end.
  --mode iterable     : Text8Corpus(corpus) streamed from disk (the usual way to feed text8)
  --mode corpus_file  : Word2Vec(corpus_file=...) (gensim's file-based multi-worker path)
"""
import argparse, json, logging, re, sys, time

ap = argparse.ArgumentParser()
ap.add_argument('--corpus', required=True)
ap.add_argument('--sg', type=int, required=True)
ap.add_argument('--size', type=int, default=100)
ap.add_argument('--window', type=int, default=5)
ap.add_argument('--negative', type=int, default=5)
ap.add_argument('--min-count', type=int, default=5)
ap.add_argument('--sample', type=float, default=1e-4)
ap.add_argument('--epochs', type=int, default=1)
ap.add_argument('--workers', type=int, default=1)
ap.add_argument('--alpha', type=float, default=None, help='default: 0.025 sg, 0.05 cbow (= C tool defaults)')
ap.add_argument('--mode', choices=['iterable', 'corpus_file'], default='iterable')
ap.add_argument('--out-bin', default=None, help='save vectors in word2vec binary format')
ap.add_argument('--seed', type=int, default=1)
a = ap.parse_args()

log_lines = []
class H(logging.Handler):
    def emit(self, r):
        log_lines.append(self.format(r))
h = H(); h.setFormatter(logging.Formatter('%(message)s'))
logging.getLogger('gensim').addHandler(h)
logging.getLogger('gensim').setLevel(logging.INFO)

t_import0 = time.perf_counter()
import gensim
from gensim.models import Word2Vec
from gensim.models.word2vec import Text8Corpus, FAST_VERSION
t_import = time.perf_counter() - t_import0

alpha = a.alpha if a.alpha is not None else (0.025 if a.sg else 0.05)
params = dict(vector_size=a.size, window=a.window, min_count=a.min_count, sample=a.sample, sg=a.sg,
              hs=0, negative=a.negative, workers=a.workers, epochs=a.epochs, alpha=alpha,
              min_alpha=alpha * 1e-4, seed=a.seed)
res = {'gensim': gensim.__version__, 'FAST_VERSION': FAST_VERSION, 'params': params, 'mode': a.mode,
       'import_s': round(t_import, 3)}

if a.mode == 'iterable':
    sentences = Text8Corpus(a.corpus)
    model = Word2Vec(**params)
    t0 = time.perf_counter()
    model.build_vocab(sentences)
    res['vocab_s'] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    eff, raw = model.train(sentences, total_examples=model.corpus_count, epochs=a.epochs)
    res['train_s'] = round(time.perf_counter() - t0, 3)
else:
    model = Word2Vec(**params)
    t0 = time.perf_counter()
    model.build_vocab(corpus_file=a.corpus)
    res['vocab_s'] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    eff, raw = model.train(corpus_file=a.corpus, total_examples=model.corpus_count,
                           total_words=model.corpus_total_words, epochs=a.epochs)
    res['train_s'] = round(time.perf_counter() - t0, 3)

res['vocab_size'] = len(model.wv)
res['corpus_total_words'] = model.corpus_total_words
res['trained_effective_words'] = eff
res['trained_raw_words'] = raw
res['raw_words_per_s_wall'] = round(raw / res['train_s'])
res['effective_words_per_s_wall'] = round(eff / res['train_s'])
# gensim's own report: "EPOCH - i : training on N raw words (M effective words) took Ts, R effective words/s"
ep = []
for l in log_lines:
    m = re.search(r'EPOCH[ -]*(\d+)\s*: training on (\d+) raw words \((\d+) effective words\) took ([0-9.]+)s, (\d+) effective words/s', l)
    if m:
        ep.append({'epoch': int(m.group(1)), 'raw': int(m.group(2)), 'effective': int(m.group(3)),
                   'took_s': float(m.group(4)), 'reported_effective_words_per_s': int(m.group(5))})
res['epochs_reported'] = ep
res['reported_effective_words_per_s_last_epoch'] = ep[-1]['reported_effective_words_per_s'] if ep else None
res['log_tail'] = [l for l in log_lines if 'EPOCH' in l or 'training on' in l or 'effective' in l][-8:]
if a.out_bin:
    t0 = time.perf_counter()
    model.wv.save_word2vec_format(a.out_bin, binary=True)
    res['save_bin_s'] = round(time.perf_counter() - t0, 3)
print('RESULT ' + json.dumps(res))
