// embedding at the Qwen2 / MiMo-Embodied shape: a [151936, 3584] bf16 table (1.09 GB), one id
// (decode) and a 2048-token prefill. Bytes: the rows read and written plus the ids.
import { Tensor, ops } from '../../src/index.js';
import { runner, shapeText, type BenchCase } from '../harness.js';

const V = 151936;
const D = 3584;

function embedding(tokens: number): BenchCase {
  return {
    name: `embedding bf16 ${tokens === 1 ? 'decode' : 'prefill'}`,
    op: 'embedding',
    shape: `${shapeText([tokens])} ids x ${shapeText([V, D])} table`,
    bytes: tokens * D * 2 * 2 + tokens * 4,
    flops: 0,
    setup(device) {
      const table = ops.randomUniform([V, D], { seed: 1, dtype: 'bf16', device });
      const ids = Tensor.from(Int32Array.from({ length: tokens }, (_, i) => (i * 7919 + 13) % V), { dtype: 'i32', device });
      return runner(() => ops.embedding(ids, table), [ids, table]);
    },
  };
}

export const cases: BenchCase[] = [embedding(1), embedding(2048)];
