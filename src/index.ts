// xembodied public API.
export { KernelError, DisposedError, type KernelErrorCode } from './errors.js';
export { DTYPES, isDType, type DType, type StorageArray, type ValueArray } from './dtype.js';
export {
  devices,
  cudaStatus,
  hasCuda,
  synchronize,
  memoryStats,
  releaseCache,
  type DeviceId,
  type DeviceInfo,
  type CudaStatus,
  type MemoryStats,
} from './device.js';
export { Tensor, tensorStats, type TensorData, type TensorOptions } from './tensor.js';
export * as ops from './ops/index.js';
export { supports } from './supports.js';
export { guardBandsEnabled, guardViolations } from './debug.js';
export { recordEvent, elapsedMs, cpuPeaks, devicePeaks, type TimingEvent, type CpuPeaks, type DevicePeaks } from './profile.js';
export {
  SafetensorsError,
  SafetensorsFile,
  openSafetensors,
  loadCheckpoint,
  saveSafetensors,
  type SafetensorsErrorCode,
  type SafetensorsDType,
  type TensorInfo as SafetensorsTensorInfo,
  type LoadOptions as SafetensorsLoadOptions,
  type LoadCheckpointOptions,
  type CheckpointProgress,
} from './io/safetensors/index.js';
