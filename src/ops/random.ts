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

function random(op: string, shape: readonly number[], options: RandomOptions, params: Record<string, number>): Tensor {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected an options object with a seed for ${op}`);
  const checked: Record<string, number> = {};
  for (const [k, v] of Object.entries(params)) checked[k] = checkNumber(v, k);
  return create1(op, options.device, {
    shape: checkShape(shape),
    dtype: checkDType(options.dtype ?? 'f32'),
    seed: checkSeed(options.seed, 'seed'),
    offset: options.offset === undefined ? undefined : checkSeed(options.offset, 'offset'),
    ...checked,
  });
}

/** Uniform values in [low, high) (24 random bits each), f32/f16/bf16. */
export function randomUniform(shape: readonly number[], options: RandomOptions & { low?: number; high?: number }): Tensor {
  return random('random_uniform', shape, options, { low: options?.low === undefined ? 0 : options.low, high: options?.high === undefined ? 1 : options.high });
}

/** Normal values with `mean` and `std` (Box-Muller on the Philox stream), f32/f16/bf16. */
export function randomNormal(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number }): Tensor {
  return random('random_normal', shape, options, { mean: options?.mean === undefined ? 0 : options.mean, std: options?.std === undefined ? 1 : options.std });
}
