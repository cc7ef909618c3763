import { invalidParameter } from '../errors.js';
import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';
import { contiguous } from './copy.js';

export interface SampleOptions {
  /** Seed of the counter-based Philox stream (required). */
  seed: number | bigint;
  /** Stream offset, e.g. the decoding step, so each step draws fresh numbers (default 0). */
  offset?: number | bigint;
  /** Logits are divided by it (f32); 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep the values >= the k-th largest (ties kept); 0 = off (default). */
  topK?: number;
  /** Keep a value when the probability mass strictly above it is < topP, in (0, 1]; 1 = off (default). */
  topP?: number;
  /** Keep p >= minP * p_max, in [0, 1]; 0 = off (default). */
  minP?: number;
}

function checkSeed(x: unknown, name: string): number | bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  throw invalidParameter(name, 'a non-negative safe integer or bigint', x);
}

function num(x: unknown, name: string, dflt: number): number {
  if (x === undefined) return dflt;
  if (typeof x !== 'number') throw invalidParameter(name, 'a number', x);
  return x;
}

/**
 * One token id per row of logits [B, V] -> i64 [B]. Filters as Hugging Face's warpers, in their
 * order: temperature, top-k, top-p (over the top-k survivors), min-p; then an exact draw from the
 * softmax of the survivors (Gumbel-max with Philox numbers from (seed, offset, row * V + i)).
 * Every backend draws the same token for the same logits, seed and offset.
 *
 * NaN logits count as -inf: never drawn, also at temperature 0 (unlike {@link argmax}, which
 * returns the first NaN). A row whose logits are all -inf or NaN has nothing to draw: the op
 * fails with KernelError INVALID_ARGUMENT naming the row, at the next sync. +inf logits share all
 * the probability equally.
 */
export function sample(logits: Tensor, options: SampleOptions): Tensor {
  if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an options object with a seed', options);
  const attrs = {
    seed: checkSeed(options.seed, 'seed'),
    offset: options.offset === undefined ? undefined : checkSeed(options.offset, 'offset'),
    temperature: num(options.temperature, 'temperature', 1),
    topK: num(options.topK, 'topK', 0),
    topP: num(options.topP, 'topP', 1),
    minP: num(options.minP, 'minP', 0),
  };
  const xs = contiguous(checkTensor(logits, 'logits'));
  try {
    return run1('sample', [xs], attrs);
  } finally {
    if (xs !== logits) xs.dispose();
  }
}
