// Copied from the workplace's shared peer bench (/work/shared/bench/rnn/bench_brain.js) for `npm run bench`;
// driven by bench/run.mjs. Spec: bench/workloads.json (or $RNN_SPEC, which --quick uses for shorter timing).
'use strict';
// brain.js RNN anchor (1.6.1 and 2.0.0-beta.24).
// brain.js trains ONE sequence at a time (no batching), uses its own RMSprop
// (decayRate 0.999, clipval 5, regc 1e-6) rather than Adam, and has two RNN flavours:
//   recurrent.{RNN,LSTM,GRU}            -> token input (embedding lookup), softmax over tokens at every step
//   recurrent.{RNN,LSTM,GRU}TimeStep    -> numeric vector input, linear output of size == input size,
//                                          squared-error "predict next vector" loss at every step
// Mapping used here:
//   char-rnn           -> recurrent.LSTM(inputSize=64 (embedding dim), inputRange=65, hidden [256], outputSize=65)
//                          trainPattern(tokens of length seq-1) = seq forward + seq backward steps
//   tiny/medium/large  -> recurrent.<Cell>TimeStep(inputSize=I, hidden [H], outputSize=I)
//                          trainPattern(seq vectors)            = seq forward + seq backward steps
//   infer / latency    -> <Cell>TimeStep.run(seq-1 vectors)       = seq forward steps (run() adds one end step)
// The timed unit is one sequence; a batch-equivalent step time is median * batch.
// usage: node bench_brain.js --pkg brain.js|brain.js-2 --workload ID --mode train|infer [--out DIR]
const C = require('./common');

async function main() {
  const args = C.parseArgs(process.argv);
  const pkg = args.pkg || 'brain.js';
  const w = C.workload(args.workload);
  const mode = args.mode || 'train';
  const brain = require(pkg);
  const version = require(pkg + '/package.json').version;
  const B = w.batch, T = w.seq, I = w.input, H = w.hidden;
  const lr = C.spec.optimizer.lr;
  const base = { peer: 'brain.js', peer_version: version, backend: 'js', threads: 1 };
  const notes = [];

  let net, step, first = null, last = null;
  let nSeq = Math.max(B, 1);
  if (w.embedding) {
    if (mode !== 'train') throw new Error('char-rnn is train only');
    net = new brain.recurrent.LSTM({
      inputSize: w.embedding.dim, inputRange: w.embedding.vocab, hiddenLayers: [H], outputSize: w.classes,
    });
    const tok = C.genInts(B * T, w.embedding.vocab, C.spec.seed, 2);
    const seqs = [];
    for (let b = 0; b < B; b++) seqs.push(Array.from(tok.subarray(b * T, b * T + T - 1))); // seq-1 tokens -> seq steps
    // train() initialises the model and sets trainOpts; then we call trainPattern directly
    net.train([seqs[0]], { iterations: 1, learningRate: lr, errorThresh: 1e-9, log: false });
    let k = 0;
    step = () => {
      const e = net.trainPattern(seqs[k++ % B], true);
      last = e; if (first === null) first = e;
    };
    base.api = 'recurrent.LSTM.trainPattern(number[]) (token ids; embedding + softmax every step)';
  } else {
    const cls = { rnn: 'RNNTimeStep', lstm: 'LSTMTimeStep', gru: 'GRUTimeStep' }[w.cell];
    net = new brain.recurrent[cls]({ inputSize: I, hiddenLayers: [H], outputSize: I });
    const x = C.genUniform(B * T * I);
    const seqs = [];
    for (let b = 0; b < B; b++) {
      const s = [];
      for (let t = 0; t < T; t++) s.push(x.slice((b * T + t) * I, (b * T + t + 1) * I));
      seqs.push(s);
    }
    // initialise with one pass over a 2-step sequence (plain arrays, as the public API expects)
    net.train([seqs[0].slice(0, 2).map((v) => Array.from(v))], { iterations: 1, learningRate: lr, errorThresh: 1e-9, log: false });
    let k = 0;
    if (mode === 'train') {
      step = () => {
        const e = net.trainPattern(seqs[k++ % B], true);
        last = e; if (first === null) first = e;
      };
      base.api = `recurrent.${cls}.trainPattern(Float32Array[]) (MSE next-vector loss every step)`;
    } else {
      const runSeqs = seqs.map((s) => s.slice(0, T - 1).map((v) => Array.from(v)));
      step = () => {
        const out = net.run(runSeqs[k++ % B]);
        last = out[0];
      };
      base.api = `recurrent.${cls}.run(number[][]) (seq-1 vectors + end step = seq forward steps)`;
    }
  }
  const timing = await C.timeSteps(step, { warmup_steps: 2 });
  const r = C.summarize(base, w, mode, timing, B);
  r.loss_first = first;
  r.loss_last = last;
  r.optimizer_actual = 'brain.js RMSprop (decayRate 0.999, smoothEps 1e-8, clipval 5, regc 1e-6), lr ' + lr;
  r.batching = 'none (one sequence per update); step_ms = median per-sequence time x batch';
  r.notes = notes.join('; ');
  C.emit(r, args.out, args.tag);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
