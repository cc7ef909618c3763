import { type Tensor } from '../tensor.js';
import { checkDType, checkNumber, create1 } from './common.js';
import { type CreateOptions } from './fill.js';

export interface ArangeOptions extends CreateOptions {
  step?: number;
}

/** start, start + step, ... below `end` (torch.arange): values computed in f64, rounded once. */
export function arange(start: number, end: number, options: ArangeOptions = {}): Tensor {
  return create1('arange', options.device, {
    start: checkNumber(start, 'start'),
    end: checkNumber(end, 'end'),
    step: checkNumber(options.step ?? 1, 'step'),
    dtype: checkDType(options.dtype ?? 'f32'),
  });
}
