#!/usr/bin/env node
// Builds the native kernels (DESIGN.md §3): csrc/ compiled for this machine (-O3 -march=native)
// plus native/recurrent.c (the N-API glue) into native/build/recurrent.node, which
// src/kernels/native/backend.ts loads when it exists. Runs as the package's `install` script, so
// it must never fail an install and never download anything: when something is missing (no C
// compiler, no Node.js headers, Windows, a compile error, an add-on that does not load or computes
// wrong results) it prints one line,
//
//   recurrent: native kernels not built (<reason>); using WebAssembly
//
// removes any previous build (it would no longer match the sources) and exits 0. It takes a few
// seconds (every step has a deadline; 28 s in all).
//
//   node tools/build/native.mjs             build (the install script)
//   node tools/build/native.mjs --strict    same, but exit 1 on failure (npm run build:native)
//   node tools/build/native.mjs --verbose   print the compiler commands and their output
//   node tools/build/native.mjs --hash      print the hash of the sources (tests compare it with
//                                           the built add-on's `sourceHash` to detect a stale build)
//
// Environment: CC (the compiler; default: cc, then gcc, then clang), RECURRENT_SKIP_NATIVE=1 (do
// not build: the library then uses WebAssembly). Node.js headers (node_api.h) are taken from the
// running Node's installation (<prefix>/include/node), $npm_config_nodedir, /usr/include/node,
// /usr/local/include/node, or node-gyp's cache, whichever has them first; nothing is fetched.
//
// The kernels are compiled with -march=native (arm: -mcpu=native); the glue is not, and refuses
// to load on a CPU that lacks an instruction set the kernels were compiled for (see
// native/recurrent.c), so a node_modules copied to another machine falls back to WebAssembly.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The csrc/ files the add-on exposes (native/recurrent.c declares their functions). */
const KERNELS = ['csrc/gemm.c', 'csrc/threads.c', 'csrc/recurrent.c', 'csrc/losses.c', 'csrc/optim.c', 'csrc/embedding.c', 'csrc/ctc.c', 'csrc/activations.c'];
/**
 * The files whose float arithmetic the compiler may fuse into FMA (GCC's default): the GEMM and
 * the recurrences, like the relaxed-SIMD wasm build. The others (optimizers, losses, embedding,
 * CTC, activations) are compiled with -ffp-contract=off, so they stay bit-identical to the
 * reference as their wasm build is (test/kernels/wasm_parity.test.ts).
 */
const FMA_OK = new Set(['csrc/gemm.c', 'csrc/threads.c', 'csrc/recurrent.c']);
const GLUE = 'native/recurrent.c';
const OUT_DIR = 'native/build';
const OUT = `${OUT_DIR}/recurrent.node`;
const DEADLINE_MS = 28_000;

const args = new Set(process.argv.slice(2));
const verbose = args.has('--verbose');
const strict = args.has('--strict');
const t0 = Date.now();

class Skip extends Error {}

/**
 * The most telling line of a tool's error output, at most ~200 characters: a JavaScript error
 * (`TypeError: ...`), else a compiler/linker error, else the first non-blank line.
 */
function oneLine(s) {
  const lines = String(s)
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
  const line =
    lines.find((l) => /^[A-Za-z]*Error: /.test(l)) ??
    lines.find((l) => /\b(error|fatal|undefined reference|cannot|not found|unsupported)\b/i.test(l)) ??
    lines[0] ??
    '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** sha256 over what goes into the add-on: KERNELS, every csrc/*.h, GLUE and this script (its flags). */
export function sourceHash() {
  const headers = readdirSync(join(ROOT, 'csrc'))
    .filter((f) => f.endsWith('.h'))
    .sort()
    .map((f) => `csrc/${f}`);
  const h = createHash('sha256');
  for (const f of [...KERNELS, ...headers, GLUE, 'tools/build/native.mjs']) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(ROOT, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

function remainingMs() {
  const left = DEADLINE_MS - (Date.now() - t0);
  if (left <= 0) throw new Skip('timed out');
  return left;
}

/**
 * Runs a command; returns its stdout; throws Skip(reason) on failure. With --verbose, echoes the
 * command (or `shown` in its place) and its output unless the output is data (`data`).
 */
function run(cmd, argv, what, { shown, data = false } = {}) {
  if (verbose) console.log(`$ ${shown ?? [...cmd, ...argv].join(' ')}`);
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...argv], { cwd: ROOT, encoding: 'utf8', timeout: remainingMs(), maxBuffer: 16 << 20 });
  if (verbose && ((r.stdout && !data) || r.stderr)) process.stdout.write(`${data ? '' : (r.stdout ?? '')}${r.stderr ?? ''}`);
  if (r.error) throw new Skip(r.error.code === 'ETIMEDOUT' ? `${what} timed out` : `${what}: ${r.error.message}`);
  if (r.signal) throw new Skip(`${what} was killed by ${r.signal}`);
  if (r.status !== 0) throw new Skip(`${what} failed: ${oneLine(r.stderr || r.stdout) || `exit code ${r.status}`}`);
  return r.stdout;
}

function findCompiler() {
  const candidates = process.env.CC ? [process.env.CC.trim().split(/\s+/)] : [['cc'], ['gcc'], ['clang']];
  for (const cmd of candidates) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), '--version'], { encoding: 'utf8', timeout: Math.min(5000, remainingMs()) });
    if (r.status === 0) return { cmd, version: (r.stdout.split('\n')[0] ?? '').trim() };
  }
  throw new Skip(process.env.CC ? `the compiler CC=${process.env.CC} does not run` : 'no C compiler found (cc, gcc, clang; or set CC)');
}

function findNodeHeaders() {
  const version = process.versions.node;
  const dirs = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    process.config?.variables?.node_prefix && join(process.config.variables.node_prefix, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
    join(homedir(), '.cache', 'node-gyp', version, 'include', 'node'),
    join(homedir(), 'Library', 'Caches', 'node-gyp', version, 'include', 'node'),
    join(homedir(), '.node-gyp', version, 'include', 'node'),
  ].filter(Boolean);
  const dir = dirs.find((d) => existsSync(join(d, 'node_api.h')));
  if (!dir) throw new Skip('Node.js headers (node_api.h) not found');
  return resolve(dir);
}

/** The flag that targets this CPU. */
function nativeArchFlag() {
  return ['arm64', 'arm', 'ppc64'].includes(process.arch) ? '-mcpu=native' : '-march=native';
}

/** -DRECURRENT_NEED_* for each x86 instruction set the compiler targets with `archFlag`. */
function cpuRequirements(cc, archFlag) {
  if (process.arch !== 'x64' && process.arch !== 'ia32') return [];
  const macros = run(cc, [archFlag, '-dM', '-E', '-x', 'c', process.platform === 'win32' ? 'NUL' : '/dev/null'], 'the compiler', { data: true });
  const features = ['SSE4_2', 'AVX', 'AVX2', 'FMA', 'BMI2', 'AVX512F', 'AVX512VL', 'AVX512BW', 'AVX512DQ'];
  return features.filter((f) => new RegExp(`^#define __${f}__ `, 'm').test(macros)).map((f) => `-DRECURRENT_NEED_${f}`);
}

/** A C string literal for -D (the compiler gets the argument as is, with no shell). */
function cString(s) {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Loads the add-on in a child process and checks a few products against a naive loop. */
function loadTest(file) {
  const code = `
const m = require(process.argv[1]);
const mem = new WebAssembly.Memory({ initial: 4, maximum: 64, shared: true });
const k = m.attach(new Uint8Array(mem.buffer), 0);
const f = new Float32Array(mem.buffer);
const args = new Float64Array(mem.buffer, 0, m.argsMax);
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
for (const [tA, tB, M, N, K] of [[0, 0, 3, 7, 5], [0, 1, 37, 70, 300], [1, 0, 70, 29, 33], [1, 1, 2, 40, 19]]) {
  const a = 1024, b = a + M * K * 4, c = b + K * N * 4;
  for (let i = 0; i < M * K + K * N; i++) f[a / 4 + i] = rnd();
  for (let i = 0; i < M * N; i++) f[c / 4 + i] = NaN;
  args.set([tA, tB, M, N, K, 1, a, tA ? M : K, b, tB ? K : N, 0, c, N]);
  k.sgemm();
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += f[a / 4 + (tA ? k * M + i : i * K + k)] * f[b / 4 + (tB ? j * K + k : k * N + j)];
      const got = f[c / 4 + i * N + j];
      if (!(Math.abs(got - s) <= 1e-4 * (1 + Math.abs(s)))) throw new Error('wrong result: C(' + i + ', ' + j + ') = ' + got + ', expected ' + s);
    }
}
// Split across 2 threads (columns, then rows), a GEMM gives the bits of 1 thread.
m.contentionGuard(false);
for (const [M, N] of [[64, 300], [300, 64]]) {
  const K = 64, a = 1024, b = a + M * K * 4, c = b + K * N * 4, n = M * N;
  for (let i = 0; i < M * K + K * N; i++) f[a / 4 + i] = rnd();
  const run = (threads) => {
    m.setThreads(threads);
    args.set([0, 0, M, N, K, 1, a, K, b, N, 0, c, N]);
    k.sgemm();
    return Array.from(new Uint32Array(mem.buffer, c, n));
  };
  const one = run(1), two = run(2);
  if (m.threadsSupported && m.threadStats().jobs !== 1) throw new Error('a ' + M + 'x' + N + 'x' + K + ' GEMM was not split across 2 threads');
  if (two.some((v, i) => v !== one[i])) throw new Error('2 threads changed a ' + M + 'x' + N + 'x' + K + ' GEMM');
}
m.stopThreads();
`;
  run([process.execPath], ['-e', code, file], 'the load test', { shown: `node -e <load test> ${file}` });
}

function build() {
  if (process.env.RECURRENT_SKIP_NATIVE && process.env.RECURRENT_SKIP_NATIVE !== '0') throw new Skip('RECURRENT_SKIP_NATIVE is set');
  if (process.platform === 'win32') throw new Skip('not supported on Windows yet');
  for (const f of [...KERNELS, GLUE]) if (!existsSync(join(ROOT, f))) throw new Skip(`${f} is missing`);
  const { cmd: cc, version } = findCompiler();
  const include = findNodeHeaders();
  const arch = nativeArchFlag();
  const needs = cpuRequirements(cc, arch);
  const hash = sourceHash();

  const tmp = join(ROOT, OUT_DIR, `tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const objects = [];
    for (const src of KERNELS) {
      const obj = join(tmp, `${src.replace(/[/\\]/g, '_')}.o`);
      // -w: csrc/ carries wasm-only attributes (export_name) and clang pragmas other compilers ignore.
      // GEMV_T_GROUPS=4: csrc/gemm.c's setting for FMA builds (native CPUs have ≥ 16 vector
      // registers; measured 12.4 → 15.6 GFLOP/s at 1×1024×256 NT; results are unchanged).
      // GEMM_WIDE: the 16-float-vector 4×64 GEMM micro-kernel (csrc/gemm.h), native builds only
      // (measured 1.5–2.5× the 4×8 one with AVX-512, see docs/decisions.md (i)).
      // -ffp-contract=off outside FMA_OK: see there.
      const contract = FMA_OK.has(src) ? [] : ['-ffp-contract=off'];
      run(cc, ['-O3', arch, '-fPIC', '-fvisibility=hidden', '-w', ...contract, '-DGEMV_T_GROUPS=4', '-DGEMM_WIDE', '-c', src, '-o', obj], `compiling ${src}`);
      objects.push(obj);
    }
    const glueObj = join(tmp, 'recurrent.o');
    const info = `${version}; ${arch} -O3; node ${process.version} ${process.platform}-${process.arch}`;
    // The glue's thread pool needs pthreads (-pthread); where that does not compile, the add-on is
    // built without it (RECURRENT_NO_THREADS: every kernel on the calling thread).
    const glue = (threads) => [
      ...(threads ? ['-pthread'] : ['-DRECURRENT_NO_THREADS']),
      '-O2',
      '-fPIC',
      '-fvisibility=hidden',
      '-Wall',
      '-Wextra',
      '-I',
      include,
      ...needs,
      `-DRECURRENT_BUILD_INFO=${cString(info)}`,
      `-DRECURRENT_SOURCE_HASH=${cString(hash)}`,
      '-c',
      GLUE,
      '-o',
      glueObj,
    ];
    let threads = true;
    try {
      run(cc, glue(true), `compiling ${GLUE}`);
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      threads = false;
      run(cc, glue(false), `compiling ${GLUE} without threads`);
    }
    objects.push(glueObj);
    const linkFlags = [...(process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared']), ...(threads ? ['-pthread'] : [])];
    const tmpOut = join(tmp, 'recurrent.node');
    run(cc, [...objects, ...linkFlags, '-o', tmpOut], 'linking');
    loadTest(tmpOut);
    renameSync(tmpOut, join(ROOT, OUT));
    return info;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  if (args.has('--hash')) {
    console.log(sourceHash());
    return;
  }
  try {
    const info = build();
    console.log(`recurrent: native kernels built (${info}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    const reason = e instanceof Skip ? e.message : `unexpected error: ${oneLine(e instanceof Error ? e.message : e)}`;
    try {
      rmSync(join(ROOT, OUT), { force: true });
    } catch {
      // nothing to remove, or not ours to remove: the backend then reports why it cannot load
    }
    console.log(`recurrent: native kernels not built (${reason}); using WebAssembly`);
    if (strict) process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
