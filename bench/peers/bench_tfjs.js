// Copied from the workplace's shared peer bench (/work/shared/bench/rnn/bench_tfjs.js) for `npm run bench`;
// driven by bench/run.mjs. Spec: bench/workloads.json (or $RNN_SPEC, which --quick uses for shorter timing).
'use strict';
// TensorFlow.js 4.22 RNN anchor: tf.sequential + tf.layers.{simpleRNN,lstm,gru},
// trained with model.trainOnBatch (the per-batch body of model.fit) and Adam.
// usage: node bench_tfjs.js --backend cpu|wasm --workload ID --mode train|infer [--threads N] [--emb onehot] [--out DIR]
// --emb onehot: replace tf.layers.embedding by one-hot input + dense(dim, no bias). Needed on the wasm
//   backend, which has no UnsortedSegmentSum kernel (the gradient of the embedding Gather).
const C = require('./common');

async function main() {
  const args = C.parseArgs(process.argv);
  const backend = args.backend || 'cpu';
  const threads = Number(args.threads || 1);
  const w = C.workload(args.workload);
  const mode = args.mode || 'train';
  const embOneHot = !!(w.embedding && args.emb === 'onehot');

  const tf = require('@tensorflow/tfjs');
  const notes = [];
  let wasm = null;
  if (backend === 'wasm') {
    wasm = require('@tensorflow/tfjs-backend-wasm');
    if (threads > 1) {
      // The wasm backend hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false under Node
      // (tfjs issue 3830). Force it on and ask for N threads; we record what it reports.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(threads);
      notes.push('forced WASM_HAS_MULTITHREAD_SUPPORT=true and setThreadsCount(' + threads + ')');
    }
  }
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error('backend ' + backend + ' failed to initialise');
  const base = {
    peer: 'tfjs',
    peer_version: tf.version.tfjs,
    backend,
    threads_requested: threads,
    threads,
    embedding_impl: w.embedding ? (embOneHot ? 'onehot-dense' : 'tf.layers.embedding') : undefined,
  };
  if (wasm) {
    base.wasm_simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    base.wasm_multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    base.threads = wasm.getThreadsCount();
  }

  // ---- data (identical generator to the other harnesses)
  const B = w.batch, T = w.seq, I = w.input, H = w.hidden, K = w.classes;
  let xs;
  if (embOneHot) notes.push('embedding replaced by one-hot input x dense(' + w.embedding.dim + ', useBias=false)');
  if (w.embedding) {
    const tok = C.genInts(B * T, w.embedding.vocab, C.spec.seed, 2);
    xs = embOneHot
      ? tf.tidy(() => tf.oneHot(tf.tensor1d(tok, 'int32'), w.embedding.vocab).toFloat().reshape([B, T, w.embedding.vocab]))
      : tf.tensor2d(Float32Array.from(tok), [B, T], 'float32');
  } else {
    xs = tf.tensor3d(C.genUniform(B * T * I), [B, T, I]);
  }
  const nLab = w.loss === 'every' ? B * T : B;
  const lab = C.genInts(nLab, K, C.spec.seed, 1);
  const ys = tf.tidy(() => {
    const oh = tf.oneHot(tf.tensor1d(lab, 'int32'), K).toFloat();
    return w.loss === 'every' ? oh.reshape([B, T, K]) : oh;
  });

  // ---- model
  const model = tf.sequential();
  if (embOneHot) {
    model.add(tf.layers.dense({ units: w.embedding.dim, useBias: false, inputShape: [T, w.embedding.vocab] }));
  } else if (w.embedding) {
    model.add(tf.layers.embedding({ inputDim: w.embedding.vocab, outputDim: w.embedding.dim, inputLength: T }));
  }
  const cfg = {
    units: H,
    returnSequences: w.loss === 'every',
    // orthogonal init (the default) is very slow in JS for 1024x4096; init is not timed but counts
    // against the run budget, so use glorotUniform for every cell (speed is unaffected).
    recurrentInitializer: 'glorotUniform',
  };
  if (!w.embedding) cfg.inputShape = [T, I];
  if (w.cell !== 'rnn') cfg.recurrentActivation = 'sigmoid'; // tfjs default is hardSigmoid; match PyTorch
  const layer = w.cell === 'rnn' ? tf.layers.simpleRNN(cfg) : w.cell === 'lstm' ? tf.layers.lstm(cfg) : tf.layers.gru(cfg);
  model.add(layer);
  model.add(tf.layers.dense({ units: K, activation: 'softmax' }));
  const opt = tf.train.adam(C.spec.optimizer.lr, C.spec.optimizer.beta1, C.spec.optimizer.beta2);
  model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });

  let firstLoss = null, lastLoss = null;
  let step;
  if (mode === 'train') {
    step = async () => {
      const l = await model.trainOnBatch(xs, ys);
      lastLoss = Array.isArray(l) ? l[0] : l;
      if (firstLoss === null) firstLoss = lastLoss;
    };
  } else {
    step = async () => {
      const out = model.predict(xs);
      const d = out.dataSync();
      lastLoss = d[0];
      out.dispose();
    };
  }
  const tensorsBefore = tf.memory().numTensors;
  const timing = await C.timeSteps(step);
  const r = C.summarize(base, w, mode, timing, 1);
  r.loss_first = firstLoss;
  r.loss_last = lastLoss;
  r.tensors_leaked_during_timing = tf.memory().numTensors - tensorsBefore;
  r.api = mode === 'train' ? 'model.trainOnBatch (Adam)' : 'model.predict + dataSync';
  r.notes = notes.join('; ');
  r.data_checksum = w.embedding ? C.checksum(C.genInts(B * T, w.embedding.vocab, C.spec.seed, 2)) : C.checksum(C.genUniform(B * T * I));
  C.emit(r, args.out, args.tag);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
