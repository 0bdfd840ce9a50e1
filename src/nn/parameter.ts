import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/tensor.js';
import { Var } from '../autograd/tape.js';

/**
 * A trainable tensor: persistent value and persistent gradient (accumulated by backward, zeroed by
 * the optimizer). `name` is the PyTorch `state_dict` name inside its layer, e.g. `weight_ih_l0`.
 */
export class Parameter extends Var {
  constructor(
    readonly name: string,
    shape: readonly number[],
    dtype: Exclude<DType, 'int32'> = 'float32',
    trainable = true,
  ) {
    super(Tensor.persistent(shape, dtype), trainable);
    this.grad = Tensor.persistent(shape, dtype);
  }

  /** Frozen parameters get no gradient and are skipped by optimizers. */
  get trainable(): boolean {
    return this.requiresGrad;
  }
  set trainable(v: boolean) {
    this.requiresGrad = v;
  }

  /** Number of elements. */
  get size(): number {
    return this.value.size;
  }

  zeroGrad(): void {
    this.grad!.data.fill(0);
  }
}
