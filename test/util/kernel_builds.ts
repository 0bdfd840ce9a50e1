/**
 * The builds of the csrc/ kernels a parity test runs against ref: the wasm module (simd128, and
 * relaxed-SIMD when the engine runs it) and the native add-on when it is built here (npm install /
 * npm run build:native; CI has a compiler). Each is a `KernelSet` for the wrappers of
 * src/kernels/wasm/; `enter`/`leave` switch the wasm variant for the wasm builds.
 */
import { NATIVE_KERNELS, nativeAvailable, nativeLoadError } from '../../src/kernels/native/backend.js';
import { type KernelSet, WASM_KERNELS, type WasmVariant, relaxedSimdSupported, setWasmVariant } from '../../src/kernels/wasm/backend.js';

export interface KernelBuild {
  name: string;
  ks: KernelSet;
  /** The wasm variant, null for native. */
  variant: WasmVariant | null;
}

/** Every build available here (logs why native is not, when it is not). */
export function kernelBuilds(): KernelBuild[] {
  const variants: WasmVariant[] = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];
  const builds: KernelBuild[] = variants.map((v) => ({ name: `wasm ${v}`, ks: WASM_KERNELS, variant: v }));
  if (nativeAvailable()) builds.push({ name: 'native', ks: NATIVE_KERNELS, variant: null });
  else console.log(`native kernels not tested: ${nativeLoadError()}`);
  return builds;
}

/** Makes `b` the build under test (selects its wasm variant) and returns its KernelSet. */
export function enterBuild(b: KernelBuild): KernelSet {
  if (b.variant !== null) setWasmVariant(b.variant);
  return b.ks;
}

/** Restores the default wasm variant after `b`; returns the default KernelSet (wasm). */
export function leaveBuild(b: KernelBuild): KernelSet {
  if (b.variant !== null) setWasmVariant(relaxedSimdSupported() ? 'relaxed-simd' : 'simd128');
  return WASM_KERNELS;
}
