// concat at decoder shapes: text and image embeddings along the sequence ([2048, 3584] + [4096,
// 3584] bf16, dim 0), and appending one step to a KV cache ([28, 4, 1024, 128] + [28, 4, 1, 128]
// bf16 along dim 2: many short runs). Bytes: read once, written once.
import { ops } from '../../src/index.js';
import { input, numel, runner, shapeText, type BenchCase } from '../harness.js';

function concat(name: string, shapes: number[][], dim: number): BenchCase {
  const total = shapes.reduce((a, s) => a + numel(s), 0);
  return {
    name: `concat bf16 ${name}`,
    op: 'concat',
    shape: `${shapes.map((s) => shapeText(s)).join(' + ')} dim ${dim}`,
    bytes: 2 * total * 2,
    flops: 0,
    setup(device) {
      const xs = shapes.map((s, i) => input(device, s, 'bf16', i + 1));
      return runner(() => ops.concat(xs, dim), xs);
    },
  };
}

export const cases: BenchCase[] = [
  concat('sequence', [[2048, 3584], [4096, 3584]], 0),
  concat('kv append', [[28, 4, 1024, 128], [28, 4, 1, 128]], 2),
];
