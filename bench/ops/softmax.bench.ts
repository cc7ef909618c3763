// softmax over the last dim at attention-probability shapes: 28 heads x 256 queries over 4096
// keys (bf16 in, bf16 out) and 16 vision heads x 1024 over 1024 (f32), plus the HF eager path
// (bf16 scores, f32 probabilities). Memory-bound: bytes read + bytes written.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, numel, runner, shapeText, size, type BenchCase } from '../harness.js';

function sm(label: string, shape: number[], dtype: DType, out: DType = dtype): BenchCase {
  return {
    name: `softmax ${dtype}->${out} ${label}`,
    op: 'softmax',
    shape: shapeText(shape),
    bytes: numel(shape) * (size(dtype) + size(out)),
    flops: 4 * numel(shape),
    setup(device) {
      const x = input(device, shape, dtype, 1, -8, 8);
      return runner(() => ops.softmax(x, { dtype: out }), [x]);
    },
  };
}

export const cases: BenchCase[] = [
  sm('LLM 28x256 queries, 4096 keys', [28 * 256, 4096], 'bf16'),
  sm('LLM eager (f32 probs)', [28 * 256, 4096], 'bf16', 'f32'),
  sm('vision 16x1024, 1024 keys', [16 * 1024, 1024], 'f32'),
  sm('decode 28 heads, 4096 keys', [28, 4096], 'bf16'),
];
