// index_select / gather / scatter_rows at vision-tower and decoder shapes: the window reordering
// of 4096 merge units of Qwen2.5-VL's vision tower ([4096, 4 x 1280] bf16 rows permuted), the
// image-token scatter of 4096 image embeddings into an 8192-token [8192, 3584] bf16 sequence, and
// a per-row gather of 64 of 128 f32 columns. Bytes: what is read plus what is written.
import { Tensor, ops } from '../../src/index.js';
import { input, runner, shapeText, type BenchCase } from '../harness.js';

function permutation(n: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  let s = 12345;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

const windowReorder: BenchCase = {
  name: 'index_select bf16 window reorder',
  op: 'index_select',
  shape: `${shapeText([4096, 5120])} dim 0 x 4096 indices`,
  bytes: 2 * 4096 * 5120 * 2 + 4096 * 4,
  flops: 0,
  setup(device) {
    const x = input(device, [4096, 5120], 'bf16');
    const index = Tensor.from(permutation(4096), { dtype: 'i32', device });
    return runner(() => ops.indexSelect(x, 0, index), [x, index]);
  },
};

const imageScatter: BenchCase = {
  name: 'scatter_rows bf16 image tokens',
  op: 'scatter_rows',
  shape: `${shapeText([8192, 3584])} <- ${shapeText([4096, 3584])}`,
  bytes: (8192 * 3584 * 2 + 4096 * 3584) * 2 + 4096 * 4, // x rows kept + src rows read, every output row written
  flops: 0,
  setup(device) {
    const x = input(device, [8192, 3584], 'bf16');
    const src = input(device, [4096, 3584], 'bf16', 2);
    const index = Tensor.from(Int32Array.from({ length: 4096 }, (_, i) => 1000 + i), { dtype: 'i32', device });
    return runner(() => ops.scatterRows(x, index, src), [x, src, index]);
  },
};

const gatherCols: BenchCase = {
  name: 'gather f32 dim 1',
  op: 'gather',
  shape: `${shapeText([4096, 128])} x index ${shapeText([4096, 64])}`,
  bytes: 4096 * 64 * (4 + 4 + 4),
  flops: 0,
  setup(device) {
    const x = input(device, [4096, 128], 'f32');
    const index = Tensor.from(Int32Array.from({ length: 4096 * 64 }, (_, i) => (i * 37) % 128), { dtype: 'i32', shape: [4096, 64], device });
    return runner(() => ops.gather(x, 1, index), [x, index]);
  },
};

export const cases: BenchCase[] = [windowReorder, imageScatter, gatherCols];
