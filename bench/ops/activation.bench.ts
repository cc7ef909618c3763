// silu / gelu / swiglu at model shapes: the LLM MLP (intermediate 18944 for Qwen2-7B-class, bf16,
// 256 and 1024 tokens; split gate/up and one fused [.., 2I] tensor), the vision MLP (3456, 4096
// patches) and the merger's GELU (5120 wide, f32). Memory-bound: bytes read + bytes written.
import { ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, numel, runner, shapeText, size, type BenchCase } from '../harness.js';

function unary(fn: 'silu' | 'gelu' | 'gelu_tanh', label: string, shape: number[], dtype: DType): BenchCase {
  return {
    name: `${fn} ${dtype} ${label}`,
    op: fn === 'silu' ? 'silu' : 'gelu',
    shape: shapeText(shape),
    bytes: 2 * numel(shape) * size(dtype),
    flops: 4 * numel(shape),
    setup(device) {
      const x = input(device, shape, dtype, 1, -6, 6);
      return runner(() => (fn === 'silu' ? ops.silu(x) : ops.gelu(x, fn === 'gelu' ? 'none' : 'tanh')), [x]);
    },
  };
}

function swiglu(label: string, rows: number, inner: number, dtype: DType, fused: boolean): BenchCase {
  return {
    name: `swiglu ${dtype} ${fused ? '[.., 2I]' : 'gate, up'} ${label}`,
    op: 'swiglu',
    shape: fused ? shapeText([rows, 2 * inner]) : shapeText([rows, inner], [rows, inner]),
    bytes: 3 * rows * inner * size(dtype),
    flops: 5 * rows * inner,
    setup(device) {
      if (fused) {
        const x = input(device, [rows, 2 * inner], dtype, 1, -6, 6);
        return runner(() => ops.swiglu(x), [x]);
      }
      const g = input(device, [rows, inner], dtype, 1, -6, 6);
      const u = input(device, [rows, inner], dtype, 2, -6, 6);
      return runner(() => ops.swiglu(g, u), [g, u]);
    },
  };
}

export const cases: BenchCase[] = [
  swiglu('LLM prefill 256', 256, 18944, 'bf16', false),
  swiglu('LLM prefill 1024', 1024, 18944, 'bf16', false),
  swiglu('LLM prefill 256', 256, 18944, 'bf16', true),
  swiglu('vision 4096 patches', 4096, 3456, 'f32', false),
  unary('silu', 'LLM prefill 256', [256, 18944], 'bf16'),
  unary('gelu', 'merger 1024 units', [1024, 5120], 'f32'),
  unary('gelu_tanh', 'merger 1024 units', [1024, 5120], 'f32'),
  unary('gelu', 'merger 1024 units', [1024, 5120], 'bf16'),
];
