import { Arena, Heap } from './heap.js';

/** Element types a tensor can hold. Float64 exists for gradient checks. */
export type DType = 'float32' | 'float64' | 'int32';
/** The float arrays kernels are generic over. */
export type FloatArray = Float32Array | Float64Array;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/** The process-wide heap and per-step arena. */
export const heap = new Heap();
export const arena = new Arena(heap);

const registry = new FinalizationRegistry<number>((ptr) => heap.free(ptr));

/** Product of the dimensions. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `(2, 3, 4)`: a shape as error messages print it. */
export function fmtShape(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/**
 * A shape plus a block of the shared heap. Tensors are internal: the public API hands out plain
 * typed arrays. `persistent` tensors (parameters, optimizer state) are freed when garbage
 * collected; arena tensors are valid until the arena is released past them.
 */
export class Tensor {
  readonly size: number;
  private view: FloatArray | Int32Array | null = null;
  private viewBuffer: ArrayBufferLike | null = null;

  private constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly ptr: number,
    readonly persistent: boolean,
  ) {
    this.size = shapeSize(shape);
  }

  /** A long-lived tensor, zero-filled. */
  static persistent(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const size = shapeSize(shape);
    const ptr = heap.alloc(size * BYTES[dtype]);
    const t = new Tensor([...shape], dtype, ptr, true);
    registry.register(t, ptr);
    t.raw().fill(0);
    return t;
  }

  /** A per-step tensor from the arena; contents unspecified. */
  static temp(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const size = shapeSize(shape);
    const ptr = arena.alloc(size * BYTES[dtype]);
    return new Tensor([...shape], dtype, ptr, false);
  }

  /** A per-step tensor from the arena, zero-filled. */
  static zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const t = Tensor.temp(shape, dtype);
    t.raw().fill(0);
    return t;
  }

  /** A per-step tensor holding a copy of `values`. */
  static from(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const t = Tensor.temp(shape, dtype);
    if (values.length !== t.size) throw new Error(`Tensor.from: ${values.length} values for shape ${fmtShape(shape)}`);
    t.raw().set(values);
    return t;
  }

  /** A view of the same storage with another shape (same element count). */
  reshape(shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== this.size) throw new Error(`reshape: cannot view ${fmtShape(this.shape)} as ${fmtShape(shape)}`);
    const t = new Tensor([...shape], this.dtype, this.ptr, false);
    if (this.persistent) keepAlive.set(t, this);
    return t;
  }

  /** The typed-array view of the data (re-derived after the heap grows). */
  raw(): FloatArray | Int32Array {
    const buf = heap.buffer;
    if (this.viewBuffer !== buf || this.view === null) {
      this.viewBuffer = buf;
      const n = this.size;
      this.view =
        this.dtype === 'float32'
          ? new Float32Array(buf, this.ptr, n)
          : this.dtype === 'float64'
            ? new Float64Array(buf, this.ptr, n)
            : new Int32Array(buf, this.ptr, n);
    }
    return this.view;
  }

  /** The float data (throws for int32 tensors). */
  get data(): FloatArray {
    if (this.dtype === 'int32') throw new Error('recurrent: internal error: float view of an int32 tensor');
    return this.raw() as FloatArray;
  }

  /** The int32 data (throws for float tensors). */
  get ints(): Int32Array {
    if (this.dtype !== 'int32') throw new Error('recurrent: internal error: int view of a float tensor');
    return this.raw() as Int32Array;
  }

  /** A fresh Float32Array (or Float64Array/Int32Array) copy that outlives the arena. */
  toArray(): FloatArray | Int32Array {
    return this.raw().slice();
  }

  /** A persistent copy of this tensor. */
  clonePersistent(): Tensor {
    const t = Tensor.persistent(this.shape, this.dtype);
    t.raw().set(this.raw());
    return t;
  }
}

// Reshaped views of persistent tensors keep their owner alive so the block is not freed early.
const keepAlive = new WeakMap<Tensor, Tensor>();

/** Runs `fn` and releases every arena tensor it allocated; return plain arrays, not Tensors. */
export function withArena<R>(fn: () => R): R {
  const m = arena.mark();
  try {
    return fn();
  } finally {
    arena.release(m);
  }
}
