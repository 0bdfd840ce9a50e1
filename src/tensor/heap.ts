/**
 * The one linear memory every tensor lives in (DESIGN.md §4).
 *
 * Storage is a `WebAssembly.Memory`, so wasm kernels read and write tensors in place with no
 * copies. Two allocators share it:
 * - `Heap.alloc/free` — long-lived blocks (parameters, gradients, optimizer state): first-fit
 *   free list with coalescing, 64-byte aligned.
 * - `Arena` — per-step bump allocation (activations, BPTT caches, temporary gradients), released
 *   with `mark()/release()` in stack order after each optimizer step or predict call.
 *
 * Typed-array views are re-derived when the memory grows (growth detaches the old buffer).
 */

const PAGE = 65536;
const ALIGN = 64;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

interface FreeBlock {
  start: number;
  size: number;
}

function canShare(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: unknown };
  if (g.crossOriginIsolated === false && !g.process) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** A linear memory with a first-fit free-list allocator. */
export class Heap {
  readonly memory: WebAssembly.Memory;
  /** True when the memory is a SharedArrayBuffer (growth does not detach views). */
  readonly shared: boolean;
  private free_: FreeBlock[] = [];
  private sizes = new Map<number, number>();
  private end: number;
  private bufferCache: ArrayBuffer | SharedArrayBuffer;
  private f32Cache: Float32Array;
  private f64Cache: Float64Array;
  private i32Cache: Int32Array;
  private u8Cache: Uint8Array;
  /** Every buffer object of `memory` seen so far (a shared memory gets a new one on each growth). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Bytes handed out and not yet freed (long-lived blocks + arena chunks). */
  bytesInUse = 0;

  constructor(initialBytes = 16 * PAGE) {
    const pages = Math.max(1, Math.ceil(initialBytes / PAGE));
    // Shared memory when the platform allows it (Node; browsers when cross-origin isolated):
    // growing a shared memory never detaches existing views, so a typed array taken before an
    // allocation stays valid after it, and worker threads can later share the same bytes.
    this.shared = canShare();
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: this.shared });
    // Offset 0 is reserved so that 0 can mean "null pointer" for wasm kernels.
    this.end = pages * PAGE;
    this.free_.push({ start: ALIGN, size: this.end - ALIGN });
    this.bufferCache = this.memory.buffer;
    this.buffers.add(this.bufferCache);
    this.f32Cache = new Float32Array(this.bufferCache);
    this.f64Cache = new Float64Array(this.bufferCache);
    this.i32Cache = new Int32Array(this.bufferCache);
    this.u8Cache = new Uint8Array(this.bufferCache);
  }

  private refresh(): void {
    if (this.bufferCache !== this.memory.buffer) {
      this.bufferCache = this.memory.buffer;
      this.buffers.add(this.bufferCache);
      this.f32Cache = new Float32Array(this.bufferCache);
      this.f64Cache = new Float64Array(this.bufferCache);
      this.i32Cache = new Int32Array(this.bufferCache);
      this.u8Cache = new Uint8Array(this.bufferCache);
    }
  }

  /** The current buffer (changes when memory grows). */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    this.refresh();
    return this.bufferCache;
  }
  get f32(): Float32Array {
    this.refresh();
    return this.f32Cache;
  }
  get f64(): Float64Array {
    this.refresh();
    return this.f64Cache;
  }
  get i32(): Int32Array {
    this.refresh();
    return this.i32Cache;
  }
  get u8(): Uint8Array {
    this.refresh();
    return this.u8Cache;
  }

  /**
   * True when `buf` is (a buffer object of) this heap's memory, so a view on it can be handed to
   * wasm kernels as byte offsets. Views taken before a shared memory grew keep their old buffer
   * object, which stays valid and is still recognised.
   */
  owns(buf: ArrayBufferLike): boolean {
    if (buf === this.bufferCache) return true;
    this.refresh();
    return this.buffers.has(buf);
  }

  /** Total bytes of the linear memory. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Allocates `bytes` (rounded up to 64) and returns the byte offset. Contents are unspecified. */
  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (let i = 0; i < this.free_.length; i++) {
      const b = this.free_[i]!;
      if (b.size >= size) {
        const ptr = b.start;
        if (b.size === size) this.free_.splice(i, 1);
        else {
          b.start += size;
          b.size -= size;
        }
        this.sizes.set(ptr, size);
        this.bytesInUse += size;
        return ptr;
      }
    }
    this.growFor(size);
    return this.alloc(bytes);
  }

  private growFor(size: number): void {
    const last = this.free_[this.free_.length - 1];
    const tailFree = last && last.start + last.size === this.end ? last.size : 0;
    const need = size - tailFree;
    // Grow geometrically so repeated growth stays amortised O(1).
    const pages = Math.max(Math.ceil(need / PAGE), Math.ceil(this.end / PAGE / 4));
    try {
      this.memory.grow(pages);
    } catch {
      throw new Error(`recurrent: out of memory: cannot grow the tensor heap by ${pages * PAGE} bytes (now ${this.end} bytes)`);
    }
    const added = pages * PAGE;
    if (tailFree > 0) last!.size += added;
    else this.free_.push({ start: this.end, size: added });
    this.end += added;
  }

  /** Returns a block from `alloc` to the free list. */
  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`recurrent: internal error: free of unknown block ${ptr}`);
    this.sizes.delete(ptr);
    this.bytesInUse -= size;
    // Insert sorted by start, then coalesce with neighbours.
    let lo = 0;
    let hi = this.free_.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free_[mid]!.start < ptr) lo = mid + 1;
      else hi = mid;
    }
    this.free_.splice(lo, 0, { start: ptr, size });
    const next = this.free_[lo + 1];
    const cur = this.free_[lo]!;
    if (next && cur.start + cur.size === next.start) {
      cur.size += next.size;
      this.free_.splice(lo + 1, 1);
    }
    const prev = this.free_[lo - 1];
    if (prev && prev.start + prev.size === cur.start) {
      prev.size += cur.size;
      this.free_.splice(lo, 1);
    }
  }

  /** Number of live long-lived blocks (for leak tests). */
  get liveBlocks(): number {
    return this.sizes.size;
  }
}

/** A position in an arena, returned by `mark()` and consumed by `release()`. */
export interface ArenaMark {
  readonly chunk: number;
  readonly offset: number;
}

/**
 * Per-step bump allocator over chunks taken from the heap. After the first step of a loop the
 * chunks are big enough, and steady-state steps allocate nothing from the heap.
 */
export class Arena {
  private chunks: { ptr: number; size: number }[] = [];
  private chunk = 0;
  private offset = 0;
  /** Highest number of bytes ever in use at once; used to size a merged chunk. */
  private highWater = 0;
  private inUseBefore = 0;

  constructor(private readonly heap: Heap, private readonly minChunk = 1 << 20) {}

  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    for (;;) {
      const c = this.chunks[this.chunk];
      if (c && this.offset + size <= c.size) {
        const ptr = c.ptr + this.offset;
        this.offset += size;
        const used = this.inUseBefore + this.offset;
        if (used > this.highWater) this.highWater = used;
        return ptr;
      }
      if (c && this.chunk + 1 < this.chunks.length) {
        this.inUseBefore += c.size;
        this.chunk++;
        this.offset = 0;
        continue;
      }
      const chunkSize = Math.max(size, this.minChunk, this.highWater);
      const ptr = this.heap.alloc(chunkSize);
      if (c) {
        this.inUseBefore += c.size;
        this.chunk++;
      }
      this.chunks.push({ ptr, size: chunkSize });
      this.offset = 0;
    }
  }

  mark(): ArenaMark {
    return { chunk: this.chunk, offset: this.offset };
  }

  release(m: ArenaMark): void {
    this.chunk = m.chunk;
    this.offset = m.offset;
    let before = 0;
    for (let i = 0; i < m.chunk; i++) before += this.chunks[i]!.size;
    this.inUseBefore = before;
    if (m.chunk === 0 && m.offset === 0 && this.chunks.length > 1) this.consolidate();
  }

  /** Replaces several chunks by one that holds the high-water mark, so the next pass needs one. */
  private consolidate(): void {
    for (const c of this.chunks) this.heap.free(c.ptr);
    const size = alignUp(this.highWater, ALIGN);
    this.chunks = [{ ptr: this.heap.alloc(size), size }];
  }

  /** Bytes reserved from the heap by this arena. */
  get reservedBytes(): number {
    let s = 0;
    for (const c of this.chunks) s += c.size;
    return s;
  }
}
