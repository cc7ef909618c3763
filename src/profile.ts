// Timing and peak probes for benchmarks.
import { binding, type NativeEvent } from './binding.js';
import { checkDevice, type DeviceId } from './device.js';

export type TimingEvent = NativeEvent;

/** Marks the current end of `device`'s queue (CUDA: an event on the stream; CPU: queue-thread clock). */
export function recordEvent(device: DeviceId): TimingEvent {
  return binding.eventRecord(checkDevice(device));
}

/** Milliseconds between two events of one device, once the second has been reached. */
export function elapsedMs(start: TimingEvent, end: TimingEvent): Promise<number> {
  return binding.eventElapsed(start, end);
}

export interface DevicePeaks {
  /** CPU: streaming read on all pool threads; CUDA: device-to-device copy (read + write bytes). GB/s, 1e9 bytes. */
  readGBs: number;
  /** CPU: f32 FMA on all pool threads; CUDA: bf16 mma.sync tensor-core throughput. GFLOP/s. */
  gflops: number;
  /** CPU pool threads, or CUDA SMs. */
  threads: number;
  /** What `gflops` measured, e.g. "f32 FMA, avx512" or "bf16 mma.sync m16n8k16". */
  label: string;
}

/** Measures `device`'s peaks (seconds of work on the device's queue, never on the JS thread). */
export function devicePeaks(device: DeviceId): Promise<DevicePeaks> {
  return binding.devicePeaks(checkDevice(device));
}

export interface CpuPeaks {
  readGBs: number;
  fmaGflops: number;
  threads: number;
  isa: string;
}

/** The CPU's peaks in the shape the benchmark harness reports. */
export async function cpuPeaks(): Promise<CpuPeaks> {
  const p = await devicePeaks('cpu');
  return { readGBs: p.readGBs, fmaGflops: p.gflops, threads: p.threads, isa: p.label };
}
