// The only import of the native addon. Declares its raw surface as types and hands it the error
// classes so that native code throws our KernelError / DisposedError.
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { DisposedError, KernelError } from './errors.js';

export interface NativeTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly device: string;
  readonly isContiguous: boolean;
  readonly isDisposed: boolean;
  /** [storage address, byte offset of this view, storage bytes] */
  readonly storage: [bigint, number, number];
  dispose(): void;
  slice(dim: number, start: number, end: number, step?: number): NativeTensor;
  permute(order: number[]): NativeTensor;
  reshape(shape: number[]): NativeTensor;
  expand(shape: number[]): NativeTensor;
  transpose(dim0: number, dim1: number): NativeTensor;
  read(): Promise<ArrayBuffer>;
  to(device: string): NativeTensor;
}

/** Cancellation token of staged uploads (set from JS, read by the queue thread). */
export interface NativeUploadCancel {
  readonly __uploadCancel: unique symbol;
}

/** Opaque read-only file mapping (kept alive by the tensors made from it). */
export interface NativeMapping {
  readonly __mapping: unique symbol;
}

/** Opaque queue-ordered timing event. */
export interface NativeEvent {
  readonly __event: unique symbol;
}

export interface NativeDeviceInfo {
  id: string;
  backend: 'cpu' | 'cuda' | 'cuda-emu';
  index: number;
  name: string;
  computeCapability?: string;
  totalMemory?: number;
  smCount?: number;
  threads?: number;
  isa?: string;
  bestIsa?: string;
}

export interface NativeDeviceReport {
  devices: NativeDeviceInfo[];
  cuda: { compiled: boolean; available: boolean; reason: string; runtimeVersion: string; driverVersion: string };
}

export interface NativeMemoryStats {
  allocated: number;
  peak: number;
  reserved: number;
  allocCount: number;
  cacheHits: number;
}

export type Attr = number | bigint | boolean | string | number[] | undefined;

export interface Binding {
  init(classes: { KernelError: typeof KernelError; DisposedError: typeof DisposedError }): void;
  devices(): NativeDeviceReport;
  ops(): { name: string; stem: string; devices: string[] }[];
  runOp(name: string, inputs: NativeTensor[], attrs?: Record<string, Attr>, device?: string): NativeTensor[];
  supports(name: string, inputs: NativeTensor[], attrs: Record<string, Attr>, device?: string): KernelError | null;
  fromHost(device: string, dtype: string, shape: number[], bytes: ArrayBufferView): NativeTensor;
  synchronize(device: string): Promise<void>;
  memoryStats(device: string): NativeMemoryStats;
  releaseCache(device: string): void;
  guardViolations(): string[];
  guardEnabled(): boolean;
  debugPoke(t: NativeTensor, byteOffset: number, value: number): void;
  eventRecord(device: string): NativeEvent;
  eventElapsed(start: NativeEvent, end: NativeEvent): Promise<number>;
  devicePeaks(device: string): Promise<{ readGBs: number; gflops: number; threads: number; label: string }>;
  primProbe(device: string, which: number, seed: number): Promise<ArrayBuffer>;
  primProbeNames: string[];
  mapFile(path: string): { mapping: NativeMapping; size: number; address: bigint };
  /** Maps the open regular file `fd` (the caller closes it); `label` names it in messages. */
  mapFd(fd: number, label: string): { mapping: NativeMapping; size: number; address: bigint };
  /** Drops this handle's reference to the mapping; tensors made from it keep theirs. */
  releaseMapping(mapping: NativeMapping): void;
  mappingTensor(mapping: NativeMapping, offset: number, dtype: string, shape: number[], device: string): NativeTensor;
  uploadCancel(): NativeUploadCancel;
  cancelUpload(token: NativeUploadCancel): void;
  /** Staged upload to a non-CPU device; `done` settles once the queue has run it (KernelError CANCELLED when cancelled). */
  mappingUpload(
    mapping: NativeMapping,
    offset: number,
    dtype: string,
    shape: number[],
    device: string,
    cancel?: NativeUploadCancel | null,
    chunkBytes?: number,
  ): { tensor: NativeTensor; done: Promise<void> };
  /** GB/s of a plain pinned host-to-device copy (host devices: memcpy), for benchmarks. */
  h2dBandwidth(device: string, bytes: number, reps: number): Promise<number>;
  NativeTensor: abstract new () => NativeTensor;
}

function load(): Binding {
  const require = createRequire(import.meta.url);
  // src/ and dist/ both sit one level below the package root, beside build/. XEMB_ADDON points
  // at another build (development: several build dirs side by side); relative to the cwd.
  const override = process.env['XEMB_ADDON'];
  const path = override ? resolvePath(override) : '../build/Release/xembodied.node';
  let b: Binding;
  try {
    b = require(path) as Binding;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(
      `xembodied: could not load the native addon (${path}): ${reason}\n` +
        'Build it with `npm run build:native` (set XEMB_CUDA=off on machines without nvcc).',
    );
  }
  b.init({ KernelError, DisposedError });
  return b;
}

export const binding: Binding = load();
