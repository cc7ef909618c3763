// safetensors: strict reader, sharded checkpoints, writer.
export { SafetensorsError, type SafetensorsErrorCode } from './errors.js';
export {
  SAFETENSORS_DTYPES,
  DTYPE_BITS,
  MAX_HEADER_SIZE,
  isSafetensorsDType,
  parseHeader,
  type ParsedHeader,
  type SafetensorsDType,
  type TensorInfo,
} from './format.js';
export { LOAD_DTYPES, SafetensorsFile, openSafetensors, type LoadOptions } from './reader.js';
export {
  INDEX_FILE_NAME,
  SINGLE_FILE_NAME,
  loadCheckpoint,
  openCheckpoint,
  type Checkpoint,
  type CheckpointProgress,
  type CheckpointTensor,
  type LoadCheckpointOptions,
} from './checkpoint.js';
export { SAVE_DTYPES, saveSafetensors } from './writer.js';
