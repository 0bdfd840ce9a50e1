// One word2vec measurement of the recurrent library (child process of bench/w2v.mjs).
//
//   node bench/w2v_ours.mjs --corpus FILE --sg 0|1 --threads N [--epochs 1] [--tokens N]
//
// Builds the vocabulary, then times `train` (1 epoch by default) with the settings: dim
// 100, window 5, negative 5, sample 1e-4, min-count 5, seed 1. Prints one JSON line:
//   tokens_per_s  corpus tokens × epochs / training wall seconds (gensim's raw words/s)
//   words_per_s   in-vocabulary words / s, as Word2Vec's report counts them
//   train_s, vocab_s, vocab_size, backend (wasm kernel or JS ref loop), loss of the last epoch
// The backend follows RECURRENT_BACKEND (ref = the JS loop). Peak RSS is measured by the driver
// (/usr/bin/time -v), which covers the worker threads too.
const dist = (p) => new URL(`../dist/${p}`, import.meta.url);

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    out[a.slice(2)] = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  }
  return out;
}

const args = parseArgs(process.argv);
const { Word2Vec } = await import(dist('word2vec/train.js'));
const { getBackend } = await import(dist('kernels/gemm.js'));
const { wasmAvailable, wasmVariant } = await import(dist('kernels/wasm/backend.js'));
const sg = args.sg === '1';
const threads = Number(args.threads ?? 1);
const epochs = Number(args.epochs ?? 1);
const model = new Word2Vec({ sg, vectorSize: 100, window: 5, negative: 5, sample: 1e-4, minCount: 5, epochs, workers: threads, seed: 1 });
let t = performance.now();
await model.buildVocab(args.corpus);
const vocabS = (performance.now() - t) / 1000;
t = performance.now();
const rep = await model.train(args.corpus);
const trainS = (performance.now() - t) / 1000;
const tokens = Number(args.tokens);
const backend = getBackend() !== 'ref' && wasmAvailable() ? `wasm ${wasmVariant()}` : 'ref (JS loop)';
process.stdout.write(
  JSON.stringify({
    status: 'ok',
    impl: 'recurrent',
    backend,
    sg,
    threads: rep.workers,
    epochs,
    vocab_size: model.vocabSize,
    vocab_s: +vocabS.toFixed(3),
    train_s: +trainS.toFixed(3),
    tokens_per_s: tokens > 0 ? Math.round((tokens * epochs) / trainS) : null,
    words_per_s: Math.round(rep.words / trainS),
    loss: rep.epochs.at(-1)?.loss ?? null,
  }) + '\n',
);
