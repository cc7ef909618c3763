// rope at model shapes: the LLM's q (28 heads x 128, bf16 tables: HF's text path) for 256 and
// 4096 tokens, the vision tower's q (16 heads x 80, f32 tables: HF's vision path) for 4096
// patches; and the table ops for M-RoPE positions [3, 4096] and vision positions [2, 4096].
import { Tensor, ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, numel, runner, shapeText, size, type BenchCase } from '../harness.js';

function apply(label: string, shape: number[], dtype: DType, tableDtype: DType): BenchCase {
  const s = shape[0]!;
  const d = shape[shape.length - 1]!;
  return {
    name: `rope ${dtype} (tables ${tableDtype}) ${label}`,
    op: 'rope',
    shape: shapeText(shape, [s, d]),
    bytes: 2 * numel(shape) * size(dtype) + 2 * s * d * size(tableDtype),
    flops: 3 * numel(shape), // two products and a sum per element
    setup(device) {
      const x = input(device, shape, dtype, 1);
      const c = input(device, [s, d], tableDtype, 2);
      const sn = input(device, [s, d], tableDtype, 3);
      return runner(() => ops.rope(x, c, sn), [x, c, sn]);
    },
  };
}

function table(label: string, axes: number, seq: number, dim: number, vision: boolean): BenchCase {
  return {
    name: `${vision ? 'vision_rope_cos_sin' : 'rope_cos_sin'} ${label}`,
    op: vision ? 'vision_rope_cos_sin' : 'rope_cos_sin',
    shape: shapeText([axes, seq]),
    bytes: axes * seq * 8 + 2 * seq * dim * 4,
    flops: 0,
    setup(device) {
      const pos = Tensor.from(BigInt64Array.from({ length: axes * seq }, (_, i) => BigInt(i % seq)), { shape: [axes, seq], dtype: 'i64', device });
      return runner(() => {
        const t = vision ? ops.visionRopeCosSin(pos, { theta: 10000, dim }) : ops.ropeCosSin(pos, { theta: 1e6, dim, mropeSection: [16, 24, 24] });
        t.sin.dispose();
        return t.cos;
      }, [pos]);
    },
  };
}

export const cases: BenchCase[] = [
  apply('LLM q prefill 256', [256, 28, 128], 'bf16', 'bf16'),
  apply('LLM q prefill 4096', [4096, 28, 128], 'bf16', 'bf16'),
  apply('vision q 4096 patches', [4096, 16, 80], 'bf16', 'f32'),
  apply('vision q 4096 patches', [4096, 16, 80], 'f32', 'f32'),
  table('M-RoPE [16,24,24] D 128', 3, 4096, 128, false),
  table('vision D 80', 2, 4096, 80, true),
];
