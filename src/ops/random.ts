import { type Tensor } from '../tensor.js';
import { checkDType, checkNumber, checkShape, create1 } from './common.js';
import { type CreateOptions } from './fill.js';

export interface RandomOptions extends CreateOptions {
  /** Seed of the counter-based Philox stream; the same seed gives the same values on every device. */
  seed: number | bigint;
  /** Selects an independent stream for the same seed (default 0). */
  offset?: number | bigint;
}

function checkSeed(x: unknown, name: string): number | bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  throw new TypeError(`Expected a non-negative safe integer or bigint for ${name} but received ${typeof x} ${String(x)}`);
}

/** Uniform values in [low, high) (24 random bits each), f32/f16/bf16. */
export function randomUniform(shape: readonly number[], options: RandomOptions & { low?: number; high?: number }): Tensor {
  return create1('random_uniform', options.device, {
    shape: checkShape(shape),
    dtype: checkDType(options.dtype ?? 'f32'),
    seed: checkSeed(options.seed, 'seed'),
    offset: options.offset === undefined ? undefined : checkSeed(options.offset, 'offset'),
    low: checkNumber(options.low ?? 0, 'low'),
    high: checkNumber(options.high ?? 1, 'high'),
  });
}

/** Normal values with `mean` and `std` (Box-Muller on the Philox stream), f32/f16/bf16. */
export function randomNormal(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number }): Tensor {
  return create1('random_normal', options.device, {
    shape: checkShape(shape),
    dtype: checkDType(options.dtype ?? 'f32'),
    seed: checkSeed(options.seed, 'seed'),
    offset: options.offset === undefined ? undefined : checkSeed(options.offset, 'offset'),
    mean: checkNumber(options.mean ?? 0, 'mean'),
    std: checkNumber(options.std ?? 1, 'std'),
  });
}
