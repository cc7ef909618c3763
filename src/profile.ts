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

export interface CpuPeaks {
  /** Streaming read bandwidth on all pool threads, GB/s (1e9 bytes). */
  readGBs: number;
  /** f32 FMA throughput on all pool threads, GFLOP/s. */
  fmaGflops: number;
  threads: number;
  isa: string;
}

/** Measures this CPU's peaks (about a second; runs on the CPU queue, not the JS thread). */
export function cpuPeaks(bytes = 2 ** 30): Promise<CpuPeaks> {
  return binding.cpuPeaks(bytes);
}
