import { type Tensor } from '../tensor.js';
import { checkTensor, run1 } from './common.js';

/**
 * a [..., M, K] x b [..., K, N] -> [..., M, N] with broadcast batch dims (torch.matmul for
 * rank >= 2), f32 accumulation. Reference speed: use `linear` for the fast GEMM path.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return run1('matmul', [checkTensor(a, 'a'), checkTensor(b, 'b')]);
}
