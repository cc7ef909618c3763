// sample over a 151,936-token vocabulary: plain softmax sampling (every token scored), the usual
// filters (temperature 0.7, top-k 50, top-p 0.9, min-p 0.05), top-p alone (fixed-point mass and
// the radix threshold over the whole vocabulary), batch 1 and 8. Logits are N(0, 3): the spread
// of real LM logits. Bytes: the logits read once (the op re-reads them per pass).
import { ops } from '../../src/index.js';
import { runner, shapeText, type BenchCase } from '../harness.js';

const V = 151936;

function sample(name: string, b: number, o: { temperature?: number; topK?: number; topP?: number; minP?: number }): BenchCase {
  return {
    name: `sample f32 ${name} batch ${b}`,
    op: 'sample',
    shape: shapeText([b, V]),
    bytes: b * V * 4 + b * 8,
    flops: 0,
    setup(device) {
      const x = ops.randomNormal([b, V], { seed: 1, std: 3, device });
      let step = 0;
      return runner(() => ops.sample(x, { ...o, seed: 42, offset: step++ }), [x]);
    },
  };
}

export const cases: BenchCase[] = [
  sample('plain', 1, {}),
  sample('T 0.7 top-k 50 top-p 0.9 min-p 0.05', 1, { temperature: 0.7, topK: 50, topP: 0.9, minP: 0.05 }),
  sample('top-p 0.9', 1, { topP: 0.9 }),
  sample('greedy (T 0)', 1, { temperature: 0 }),
  sample('T 0.7 top-k 50 top-p 0.9 min-p 0.05', 8, { temperature: 0.7, topK: 50, topP: 0.9, minP: 0.05 }),
];
