// rms_norm / add_rms_norm / layer_norm at model shapes: Qwen2-7B-class hidden 3584 (bf16, 256 and
// 4096 tokens; the MiMo LLM's 4096 behaves the same), the vision tower's 1280 (f32 and bf16, 4096
// patches). Memory-bound: bytes = inputs read once + outputs written once.
import { Tensor, ops } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { input, numel, runner, shapeText, size, type BenchCase } from '../harness.js';

function rms(label: string, shape: number[], dtype: DType): BenchCase {
  const d = shape[shape.length - 1]!;
  return {
    name: `rms_norm ${dtype} ${label}`,
    op: 'rms_norm',
    shape: shapeText(shape),
    bytes: (2 * numel(shape) + d) * size(dtype),
    flops: 4 * numel(shape), // square+add, scale, weight product (rsqrt per row ignored)
    setup(device) {
      const x = input(device, shape, dtype, 1);
      const w = input(device, [d], dtype, 2, 0.5, 1.5);
      return runner(() => ops.rmsNorm(x, w, 1e-6), [x, w]);
    },
  };
}

function addRms(label: string, shape: number[], dtype: DType): BenchCase {
  const d = shape[shape.length - 1]!;
  return {
    name: `add_rms_norm ${dtype} ${label}`,
    op: 'add_rms_norm',
    shape: shapeText(shape),
    bytes: (4 * numel(shape) + d) * size(dtype), // x, residual read; residual', out written
    flops: 5 * numel(shape),
    setup(device) {
      const x = input(device, shape, dtype, 1);
      const r = input(device, shape, dtype, 3);
      const w = input(device, [d], dtype, 2, 0.5, 1.5);
      return runner(() => {
        const o = ops.addRmsNorm(x, r, w, 1e-6);
        o.residual.dispose();
        return o.out;
      }, [x, r, w]);
    },
  };
}

function layer(label: string, shape: number[], dtype: DType): BenchCase {
  const d = shape[shape.length - 1]!;
  return {
    name: `layer_norm ${dtype} ${label}`,
    op: 'layer_norm',
    shape: shapeText(shape),
    bytes: (2 * numel(shape) + 2 * d) * size(dtype),
    flops: 7 * numel(shape),
    setup(device) {
      const x = input(device, shape, dtype, 1);
      const w = input(device, [d], dtype, 2, 0.5, 1.5);
      const b: Tensor = input(device, [d], dtype, 4);
      return runner(() => ops.layerNorm(x, w, b, 1e-5), [x, w, b]);
    },
  };
}

export const cases: BenchCase[] = [
  rms('LLM prefill 256', [256, 3584], 'bf16'),
  rms('LLM prefill 4096', [4096, 3584], 'bf16'),
  rms('LLM decode', [1, 3584], 'bf16'),
  rms('vision 4096 patches', [4096, 1280], 'f32'),
  rms('vision 4096 patches', [4096, 1280], 'bf16'),
  addRms('LLM prefill 1024', [1024, 3584], 'bf16'),
  layer('vision-size rows', [4096, 1280], 'f32'),
];
