// Devices: what is present, why CUDA is not, and per-device sync and memory statistics.
import { binding, type NativeDeviceInfo, type NativeMemoryStats } from './binding.js';
import { invalidParameter } from './errors.js';

/** `"cpu"`, `"cuda"` (= `"cuda:0"`) or `"cuda:N"`; `"cuda-emu"` exists in tests only (XEMB_ENABLE_CUDA_EMU=1). */
export type DeviceId = 'cpu' | 'cuda' | `cuda:${number}` | 'cuda-emu';

export type DeviceInfo = NativeDeviceInfo;
export type MemoryStats = NativeMemoryStats;

export interface CudaStatus {
  /** CUDA kernels were compiled into this build. */
  compiled: boolean;
  /** At least one supported GPU and a driver were found. */
  available: boolean;
  /** Why CUDA is unavailable (empty when available). */
  reason: string;
  runtimeVersion: string;
  driverVersion: string;
}

/** Every device this process can use: the CPU always, then each CUDA GPU. */
export function devices(): DeviceInfo[] {
  return binding.devices().devices;
}

export function cudaStatus(): CudaStatus {
  return binding.devices().cuda;
}

export function hasCuda(): boolean {
  return binding.devices().cuda.available;
}

export function checkDevice(device: unknown, name = 'device'): DeviceId {
  if (typeof device !== 'string' || !/^(cpu|cuda(:\d+)?|cuda-emu)$/.test(device)) {
    throw invalidParameter(name, 'a device ("cpu", "cuda" or "cuda:N")', device);
  }
  return device as DeviceId;
}

/** Resolves once everything enqueued on `device` so far has run; rejects with the first failure. */
export async function synchronize(device: DeviceId = 'cpu'): Promise<void> {
  return binding.synchronize(checkDevice(device));
}

export function memoryStats(device: DeviceId = 'cpu'): MemoryStats {
  return binding.memoryStats(checkDevice(device));
}

/** Returns cached CUDA blocks to the driver (no-op on the CPU). */
export function releaseCache(device: DeviceId): void {
  binding.releaseCache(checkDevice(device));
}
