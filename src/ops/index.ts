// The ops namespace: one function per registry op (camelCase of the snake_case name), plus
// conveniences built from them. OP_NAMES mirrors native/ops.def; a test keeps them equal.
export { arange, type ArangeOptions } from './arange.js';
export { add, div, mul, sub } from './binary.js';
export { cast } from './cast.js';
export { copy } from './copy.js';
export { fill, ones, zeros, type CreateOptions } from './fill.js';
export { matmul } from './matmul.js';
export { randomNormal, randomUniform, type RandomOptions } from './random.js';

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
} as const satisfies Record<string, readonly [string, string]>;

export type OpName = keyof typeof OP_NAMES;
