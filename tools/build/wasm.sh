#!/usr/bin/env bash
# Builds the wasm kernels (DESIGN.md §3): csrc/*.c -> src/kernels/wasm/kernels.wasm (SIMD128) and
# src/kernels/wasm/kernels_relaxed.wasm (+ relaxed-SIMD FMA), plus src/kernels/wasm/kernels_wasm.ts,
# the same bytes as base64 (so Node and browsers load them without fs, and tsc carries them into
# dist/). All three are committed; `npm ci` needs no clang.
#
#   tools/build/wasm.sh           rebuild the three files in place
#   tools/build/wasm.sh --check   rebuild into a temp dir and fail unless the committed files
#                                 are byte-identical (CI)
#
# Needs clang + wasm-ld + llvm-objdump (Debian: apt-get install -y clang lld llvm), clang 14 for
# byte-identical output with the committed module. Override the tools with CLANG=, OBJDUMP=.
#
# The module imports the tensor heap's memory (src/tensor/heap.ts: shared, maximum 65536 pages)
# and must not touch linear memory it does not own: no data segments, no globals in memory, no C
# stack. The stack pointer starts at 0 (--stack-first, stack size 0), so accidental stack use
# traps instead of corrupting tensors, and this script rejects any code that reads the stack
# pointer.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=build
case "${1:-}" in
  '') ;;
  --check) mode=check ;;
  *) echo "usage: tools/build/wasm.sh [--check]" >&2; exit 2 ;;
esac

find_tool() {
  for t in "$@"; do
    if command -v "$t" >/dev/null 2>&1; then echo "$t"; return 0; fi
  done
  return 1
}
CLANG=${CLANG:-$(find_tool clang-14 clang || true)}
OBJDUMP=${OBJDUMP:-$(find_tool llvm-objdump-14 llvm-objdump || true)}
if [ -z "$CLANG" ] || [ -z "$OBJDUMP" ] || ! command -v wasm-ld >/dev/null 2>&1; then
  echo "build:wasm: needs clang, wasm-ld and llvm-objdump (Debian: apt-get install -y clang lld llvm)" >&2
  exit 1
fi
version=$("$CLANG" --version | head -n 1)
case "$version" in
  *"clang version 14."*) ;;
  *) echo "build:wasm: warning: $version is not clang 14; the output will differ from the committed module" >&2 ;;
esac

out=src/kernels/wasm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Two modules from the same source: kernels.wasm (SIMD128, runs everywhere) and
# kernels_relaxed.wasm (+ relaxed-SIMD FMA, chosen at run time when the engine validates it).
# -ffile-prefix-map keeps the bytes independent of the checkout location.
# Every csrc/*.c, in a fixed (C locale) order, linked into one module.
sources=$(LC_ALL=C ls csrc/*.c)
compile() { # <out.wasm> <extra clang flags...>
  local out=$1
  shift
  "$CLANG" --target=wasm32 -msimd128 -matomics -mbulk-memory "$@" -O3 -ffreestanding -nostdlib \
    -fno-ident -ffile-prefix-map="$PWD"=. -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory \
    -Wl,--initial-memory=65536 -Wl,--max-memory=4294967296 \
    -Wl,-z,stack-size=0 -Wl,--stack-first -Wl,--strip-all \
    -o "$out" $sources
  "$OBJDUMP" -d "$out" >"$out.dis"
  # No access to the stack pointer (the only global), no data segments, no start function.
  if grep -Eq 'global\.(get|set)' "$out.dis"; then
    echo "build:wasm: $(basename "$out") uses the C stack in linear memory (global.get/set of __stack_pointer);" >&2
    echo "  csrc/ must not take the address of locals, use local arrays or index vectors with a variable (see csrc/common.h)" >&2
    exit 1
  fi
  if "$OBJDUMP" -h "$out" | grep -Eq '^ *[0-9]+ (DATA|DATACOUNT|START) '; then
    echo "build:wasm: $(basename "$out") has static data or a start function; csrc/ must have no globals" >&2
    exit 1
  fi
}
compile "$tmp/kernels.wasm"
compile "$tmp/relaxed.pre.wasm" -mrelaxed-simd -DRELAXED_SIMD
node tools/build/relax-wasm.mjs "$tmp/relaxed.pre.wasm" "$tmp/relaxed.pre.wasm.dis" "$tmp/kernels.wasm.dis" \
  "$tmp/kernels_relaxed.wasm"
node tools/build/embed-wasm.mjs "$tmp/kernels.wasm" "$tmp/kernels_relaxed.wasm" "$tmp/kernels_wasm.ts"

files="kernels.wasm kernels_relaxed.wasm kernels_wasm.ts"
if [ "$mode" = check ]; then
  for f in $files; do
    if ! cmp -s "$tmp/$f" "$out/$f"; then
      echo "build:wasm: $out/$f is not what csrc/ builds to: run 'npm run build:wasm' and commit the result" >&2
      exit 1
    fi
  done
  echo "build:wasm: $out/{kernels.wasm,kernels_relaxed.wasm,kernels_wasm.ts} are current"
else
  mkdir -p "$out"
  for f in $files; do
    cp "$tmp/$f" "$out/$f"
    chmod 644 "$out/$f"
  done
  echo "build:wasm: wrote $out/kernels.wasm ($(wc -c <"$out/kernels.wasm") bytes), $out/kernels_relaxed.wasm ($(wc -c <"$out/kernels_relaxed.wasm") bytes), $out/kernels_wasm.ts"
fi
