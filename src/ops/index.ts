// The ops namespace: one function per registry op (camelCase of the snake_case name), plus
// conveniences built from them. OP_NAMES mirrors native/ops.def; a test keeps them equal.
export { arange, type ArangeOptions } from './arange.js';
export { add, div, mul, sub } from './binary.js';
export { cast } from './cast.js';
export { contiguous, copy } from './copy.js';
export { fill, ones, zeros, type CreateOptions } from './fill.js';
export { matmul } from './matmul.js';
export { randomNormal, randomUniform, type RandomOptions } from './random.js';
// ---- section linear: GEMM: linear (issue 5) ----
export { linear } from './linear.js';
// ---- section nn: norms, RoPE, activations, softmax (issue 5) ----
export { addRmsNorm, layerNorm, rmsNorm } from './norm.js';
export { rope, ropeCosSin, visionRopeCosSin } from './rope.js';
export { gelu, silu, swiglu } from './activation.js';
export { softmax } from './softmax.js';
// ---- section data: data movement, decoding/sampling (issue 5) ----
export { embedding } from './embedding.js';
export { gather, indexSelect, scatterRows, type Indices } from './gather.js';
export { concat } from './concat.js';
export { argmax } from './argmax.js';
export { sample, type SampleOptions } from './sample.js';
// ---- section attn: attention (issue 6) ----
export { attention, attentionWithKvCache, type AttentionOptions, type KvCacheOptions } from './attention.js';

/** Registry op name -> [TS function name, file stem]. */
export const OP_NAMES = {
  cast: ['cast', 'cast'],
  copy: ['copy', 'copy'],
  fill: ['fill', 'fill'],
  arange: ['arange', 'arange'],
  random_uniform: ['randomUniform', 'random'],
  random_normal: ['randomNormal', 'random'],
  add: ['add', 'binary'],
  sub: ['sub', 'binary'],
  mul: ['mul', 'binary'],
  div: ['div', 'binary'],
  matmul: ['matmul', 'matmul'],
  // ---- section linear: GEMM: linear (issue 5) ----
  linear: ['linear', 'linear'],
  // ---- section nn: norms, RoPE, activations, softmax (issue 5) ----
  rms_norm: ['rmsNorm', 'norm'],
  layer_norm: ['layerNorm', 'norm'],
  add_rms_norm: ['addRmsNorm', 'norm'],
  rope: ['rope', 'rope'],
  rope_cos_sin: ['ropeCosSin', 'rope'],
  vision_rope_cos_sin: ['visionRopeCosSin', 'rope'],
  silu: ['silu', 'activation'],
  gelu: ['gelu', 'activation'],
  swiglu: ['swiglu', 'activation'],
  softmax: ['softmax', 'softmax'],
  // ---- section data: data movement, decoding/sampling (issue 5) ----
  embedding: ['embedding', 'embedding'],
  index_select: ['indexSelect', 'gather'],
  gather: ['gather', 'gather'],
  scatter_rows: ['scatterRows', 'gather'],
  concat: ['concat', 'concat'],
  argmax: ['argmax', 'argmax'],
  sample: ['sample', 'sample'],
  // ---- section attn: attention (issue 6) ----
  attention: ['attention', 'attention'],
  attention_with_kv_cache: ['attentionWithKvCache', 'attention'],
} as const satisfies Record<string, readonly [string, string]>;

export type OpName = keyof typeof OP_NAMES;
