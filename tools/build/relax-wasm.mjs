// Turns clang 14's relaxed-SIMD build of the kernels into a module V8 accepts (DESIGN.md §3):
// clang 14 emits the pre-standard opcode f32x4.fma (0xfd 0xaf 0x01); the standard
// f32x4.relaxed_madd (a·b + c, same operand order) is 0xfd 0x85 0x02, the same length, so each
// one is rewritten in place at the offsets llvm-objdump reports. Called by tools/build/wasm.sh.
//
//   node tools/build/relax-wasm.mjs <in.wasm> <in.dis> <plain.dis> <out.wasm>
//
// <in.dis>, <plain.dis>: `llvm-objdump -d` of the relaxed build and of the plain SIMD128 build.
// The relaxed build may differ from the plain one only by f32x4.fma (checked on the mnemonics),
// so no other pre-standard relaxed opcode slips through.

import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

const [input, dis, plainDis, output] = process.argv.slice(2);
if (!output) {
  console.error('usage: node tools/build/relax-wasm.mjs <in.wasm> <in.dis> <plain.dis> <out.wasm>');
  process.exit(2);
}
const fail = (msg) => {
  console.error(`relax-wasm: ${msg}`);
  process.exit(1);
};

const bytes = readFileSync(input);

// File offset of the code section's contents (llvm-objdump addresses are relative to it).
function leb(pos) {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = bytes[pos.p++];
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
}
let codeStart = -1;
for (const pos = { p: 8 }; pos.p < bytes.length; ) {
  const id = bytes[pos.p++];
  const size = leb(pos);
  if (id === 10) codeStart = pos.p;
  pos.p += size;
}
if (codeStart < 0) fail('no code section');

const INSN = /^\s*([0-9a-f]+):((?: [0-9a-f]{2})+)\s+(\S+)/;
function mnemonics(text) {
  const set = new Set();
  for (const line of text.split('\n')) {
    const m = INSN.exec(line);
    if (m) set.add(m[3]);
  }
  return set;
}

const disText = readFileSync(dis, 'utf8');
const extra = [...mnemonics(disText)].filter((m) => !mnemonics(readFileSync(plainDis, 'utf8')).has(m));
if (extra.join() !== 'f32x4.fma') fail(`expected f32x4.fma to be the only new instruction, got [${extra.join(', ')}]`);

let patched = 0;
for (const line of disText.split('\n')) {
  const m = INSN.exec(line);
  if (!m || m[3] !== 'f32x4.fma') continue;
  const at = codeStart + parseInt(m[1], 16);
  if (m[2].trim() !== 'fd af 01' || bytes[at] !== 0xfd || bytes[at + 1] !== 0xaf || bytes[at + 2] !== 0x01) {
    fail(`unexpected encoding of f32x4.fma at code offset 0x${m[1]}: ${m[2].trim()}`);
  }
  bytes[at + 1] = 0x85;
  bytes[at + 2] = 0x02;
  patched++;
}
if (patched === 0) fail('no f32x4.fma found: the relaxed build has nothing to gain');

// Node 20 (V8 11.3) validates relaxed SIMD only behind a flag; later versions ship it.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
if (!WebAssembly.validate(bytes)) fail('the rewritten module does not validate');
writeFileSync(output, bytes);
