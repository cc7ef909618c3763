// Checkpoints: one safetensors file, a directory with model.safetensors, or a sharded directory
// with model.safetensors.index.json ({"metadata": {...}, "weight_map": {tensor: shard}}).
//
// openCheckpoint() opens every shard's header and checks the index against them before any tensor
// is read: shard names must stay inside the directory (no "..", no absolute path, no URL), every
// shard must exist, every mapped tensor must be in its shard, and every shard tensor must be mapped
// (to that shard: a tensor in two shards is an error). loadCheckpoint() then reads the tensors
// file by file in data order, with progress per file and an AbortSignal checked between tensors
// (and between the staging chunks of an upload).
import { open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type DeviceId } from '../../device.js';
import { type DType } from '../../dtype.js';
import { invalidParameter } from '../../errors.js';
import { type Tensor } from '../../tensor.js';
import { SafetensorsError, quoteName } from './errors.js';
import { type TensorInfo } from './format.js';
import { article, decodeUtf8, scanObjectDocument } from './json.js';
import { isFloatingSafetensorsDType, openSafetensors, type SafetensorsFile } from './reader.js';

export const SINGLE_FILE_NAME = 'model.safetensors';
export const INDEX_FILE_NAME = 'model.safetensors.index.json';
/** Indexes of the largest public checkpoints are ~60 MB; anything past this is not an index. */
const MAX_INDEX_BYTES = 100_000_000;
/** The hub client's cap on distinct shards. */
const MAX_SHARDS = 10_000;
/** Loads issued ahead of the one awaited: enough to keep a device queue busy, bounded in memory. */
const WINDOW_TENSORS = 32;
const WINDOW_BYTES = 256 * 2 ** 20;

export interface CheckpointTensor {
  readonly name: string;
  /** The shard (or single file) holding it. */
  readonly file: SafetensorsFile;
  readonly info: TensorInfo;
}

export interface Checkpoint {
  readonly kind: 'file' | 'sharded';
  /** The path given. */
  readonly path: string;
  /** The index file, for sharded checkpoints. */
  readonly indexPath: string | null;
  /** The index's "metadata" object (e.g. total_size), for sharded checkpoints. */
  readonly indexMetadata: Readonly<Record<string, unknown>> | null;
  /** The open files, in shard-name order. */
  readonly files: readonly SafetensorsFile[];
  /** Every tensor, by file then data order. */
  readonly tensors: readonly CheckpointTensor[];
  close(): Promise<void>;
}

/** A shard name from an index, as a path inside `dir`; the name is untrusted. */
function shardPath(dir: string, shard: string, indexPath: string): string {
  const bad =
    shard === '' ? 'is empty'
    : shard.includes('\0') ? 'contains a NUL byte'
    : shard.includes('://') ? 'is a URL'
    : isAbsolute(shard) || /^[a-zA-Z]:/.test(shard) || shard.startsWith('\\') ? 'is an absolute path'
    : shard.includes('..') ? 'contains ".."'
    : null;
  if (bad !== null) throw new SafetensorsError('PATH_TRAVERSAL', indexPath, null, `shard name ${quoteName(shard)} ${bad}`);
  const full = resolve(dir, shard);
  const rel = relative(resolve(dir), full);
  if (rel === '' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new SafetensorsError('PATH_TRAVERSAL', indexPath, null, `shard name ${quoteName(shard)} resolves outside ${dir}`);
  }
  return full;
}

async function kindOf(p: string): Promise<'file' | 'dir' | null> {
  try {
    const st = await stat(p);
    return st.isDirectory() ? 'dir' : 'file';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new SafetensorsError('IO', p, null, `cannot stat: ${(e as Error).message}`, { cause: e });
  }
}

async function closeAll(files: readonly SafetensorsFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.close().catch(() => undefined)));
}

function single(path: string, file: SafetensorsFile): Checkpoint {
  return {
    kind: 'file',
    path,
    indexPath: null,
    indexMetadata: null,
    files: [file],
    tensors: file.tensors.map((info) => ({ name: info.name, file, info })),
    close: () => closeAll([file]),
  };
}

async function readIndex(indexPath: string): Promise<{ weightMap: Map<string, string>; metadata: Record<string, unknown> | null }> {
  let bytes: Uint8Array;
  try {
    const fh = await open(indexPath, 'r');
    try {
      const { size } = await fh.stat();
      if (size > MAX_INDEX_BYTES) throw new SafetensorsError('INVALID_INDEX', indexPath, null, `index is ${size} bytes, over the ${MAX_INDEX_BYTES}-byte limit`);
      // read what stat promised and no more, should the file grow meanwhile
      bytes = new Uint8Array(size);
      let done = 0;
      while (done < size) {
        const { bytesRead } = await fh.read(bytes, done, size - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      bytes = bytes.subarray(0, done);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    throw new SafetensorsError('IO', indexPath, null, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  const text = decodeUtf8(bytes);
  if (text === null) throw new SafetensorsError('INVALID_INDEX', indexPath, null, 'index is not valid UTF-8');
  // walked with the schema in hand (see json.ts): weight_map kept as name -> shard, "metadata"
  // kept only for its scalar members (total_size, ...), everything else checked and dropped
  const weightMap = new Map<string, string>();
  let metadata: Record<string, unknown> | null = null;
  let sawMap = false;
  let pending: SafetensorsError | null = null;
  const bad = (tensor: string | null, reason: string) => {
    pending ??= new SafetensorsError('INVALID_INDEX', indexPath, tensor, reason);
  };
  scanObjectDocument(
    text,
    (sc, key) => {
      const vk = sc.kind();
      if (key === 'weight_map') {
        sawMap = true;
        if (vk !== 'object') {
          bad(null, `"weight_map" is ${article(vk)}, not an object`);
          return sc.skip(2);
        }
        sc.object(2, (name) => {
          const sk = sc.kind();
          if (pending === null && sk === 'string') weightMap.set(name, sc.string());
          else {
            bad(name, `weight_map value is ${article(sk)}, not a shard file name`);
            sc.skip(3);
          }
        });
      } else if (key === 'metadata' && vk === 'object') {
        const md = Object.create(null) as Record<string, unknown>;
        metadata = md;
        sc.object(2, (mk) => {
          const mvk = sc.kind();
          if (mvk === 'string') md[mk] = sc.string();
          else if (mvk === 'number') {
            sc.number();
            md[mk] = Number(sc.numberText());
          } else if (mvk === 'boolean' || mvk === 'null') md[mk] = sc.literal();
          else sc.skip(3);
        });
      } else if (key === 'metadata' && vk !== 'null') {
        bad(null, `"metadata" is ${article(vk)}, not an object`);
        sc.skip(2);
      } else sc.skip(2);
    },
    {
      notObject: (k) => new SafetensorsError('INVALID_INDEX', indexPath, null, `index is ${article(k)}, not a JSON object`),
      // keep DUPLICATE_KEY: it is the precise reason; any other syntax error is a malformed index
      syntax: (e) => new SafetensorsError(e.duplicate ? 'DUPLICATE_KEY' : 'INVALID_INDEX', indexPath, null, e.duplicate ? e.message : `not JSON: ${e.message}`),
      tooComplex: (e) => new SafetensorsError('INVALID_INDEX', indexPath, null, `index too complex: ${e.message}`),
    },
  );
  if (pending !== null) throw pending;
  if (!sawMap) throw new SafetensorsError('INVALID_INDEX', indexPath, null, '"weight_map" is missing');
  return { weightMap, metadata };
}

async function sharded(dir: string, indexPath: string): Promise<Checkpoint> {
  const { weightMap, metadata } = await readIndex(indexPath);
  const shardNames = [...new Set(weightMap.values())].sort();
  if (shardNames.length > MAX_SHARDS) throw new SafetensorsError('INVALID_INDEX', indexPath, null, `${shardNames.length} shards, over the limit of ${MAX_SHARDS}`);
  const paths = new Map(shardNames.map((s) => [s, shardPath(dir, s, indexPath)]));
  const files: SafetensorsFile[] = [];
  try {
    for (const s of shardNames) {
      const p = paths.get(s)!;
      if ((await kindOf(p)) !== 'file') throw new SafetensorsError('MISSING_SHARD', indexPath, null, `shard ${quoteName(s)} (${p}) does not exist`);
      files.push(await openSafetensors(p));
    }
    const byShard = new Map(shardNames.map((s, i) => [s, files[i]!]));
    for (const [name, s] of weightMap) {
      if (!byShard.get(s)!.has(name)) throw new SafetensorsError('INVALID_INDEX', indexPath, name, `the index maps it to ${quoteName(s)}, which does not contain it`);
    }
    const tensors: CheckpointTensor[] = [];
    for (const [i, file] of files.entries()) {
      for (const info of file.tensors) {
        const mapped = weightMap.get(info.name);
        if (mapped === undefined) throw new SafetensorsError('INVALID_INDEX', indexPath, info.name, `shard ${quoteName(shardNames[i]!)} contains it but the index does not list it`);
        if (mapped !== shardNames[i]) throw new SafetensorsError('INVALID_INDEX', indexPath, info.name, `it is in shards ${quoteName(shardNames[i]!)} and ${quoteName(mapped)}`);
        tensors.push({ name: info.name, file, info });
      }
    }
    return { kind: 'sharded', path: dir, indexPath, indexMetadata: metadata, files, tensors, close: () => closeAll(files) };
  } catch (e) {
    await closeAll(files);
    throw e;
  }
}

/**
 * Opens a checkpoint without reading tensor data: a .safetensors file, a directory holding
 * model.safetensors, a directory holding model.safetensors.index.json (model.safetensors wins
 * when both exist, as in transformers), or an index .json file itself. close() when done.
 */
export async function openCheckpoint(dirOrFile: string): Promise<Checkpoint> {
  if (typeof dirOrFile !== 'string') throw invalidParameter('dirOrFile', 'a path (string)', dirOrFile);
  const kind = await kindOf(dirOrFile);
  if (kind === null) throw new SafetensorsError('NOT_FOUND', dirOrFile, null, 'no such file or directory');
  // the index file itself names a sharded checkpoint
  if (kind === 'file' && dirOrFile.endsWith('.json')) return sharded(dirname(dirOrFile), dirOrFile);
  if (kind === 'file') return single(dirOrFile, await openSafetensors(dirOrFile));
  const one = join(dirOrFile, SINGLE_FILE_NAME);
  if ((await kindOf(one)) === 'file') return single(dirOrFile, await openSafetensors(one));
  const index = join(dirOrFile, INDEX_FILE_NAME);
  if ((await kindOf(index)) === 'file') return sharded(dirOrFile, index);
  throw new SafetensorsError('NOT_FOUND', dirOrFile, null, `directory has neither ${SINGLE_FILE_NAME} nor ${INDEX_FILE_NAME}`);
}

export interface CheckpointProgress {
  /** The file being read. */
  file: string;
  /** Bytes of this file's selected tensors read so far. */
  loadedBytes: number;
  /** Bytes of this file's selected tensors. */
  totalBytes: number;
}

export interface LoadCheckpointOptions {
  device?: DeviceId;
  /**
   * Compute dtype for floating-point tensors (integer and bool tensors keep theirs), or a function
   * choosing per tensor (undefined = natural dtype).
   */
  dtype?: DType | ((info: TensorInfo) => DType | undefined);
  /** Load only the tensors for which this returns true. */
  filter?: (name: string, info: TensorInfo) => boolean;
  /** Called when a file starts (loadedBytes 0) and after each of its tensors. */
  onProgress?: (progress: CheckpointProgress) => void;
  /** Checked before each tensor and each upload chunk; on abort the tensors loaded so far are disposed. */
  signal?: AbortSignal;
}

/**
 * Loads a checkpoint (see openCheckpoint) into name -> Tensor. On any failure, abort included,
 * the tensors already loaded are disposed and the files closed before the error is thrown.
 */
export async function loadCheckpoint(dirOrFile: string, options: LoadCheckpointOptions = {}): Promise<Map<string, Tensor>> {
  if (options === null || typeof options !== 'object') throw invalidParameter('options', 'an object', options);
  const { device, dtype, filter, onProgress, signal } = options;
  if (filter !== undefined && typeof filter !== 'function') throw invalidParameter('filter', 'a function', filter);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidParameter('onProgress', 'a function', onProgress);
  const aborted = (): SafetensorsError =>
    new SafetensorsError('ABORTED', dirOrFile, null, 'loading was aborted', { cause: signal?.reason });
  if (signal?.aborted) throw aborted();
  const ckpt = await openCheckpoint(dirOrFile);
  const out = new Map<string, Tensor>();
  // Loads are issued ahead of the one being awaited (up to a window) so that a device queue
  // always has the next upload while JS handles the previous one; CPU views resolve at once.
  const inflight: { t: CheckpointTensor; p: Promise<Tensor> }[] = [];
  let inflightBytes = 0;
  try {
    for (const file of ckpt.files) {
      const selected = ckpt.tensors.filter((t) => t.file === file && (filter === undefined || filter(t.name, t.info)));
      if (selected.length === 0) continue;
      const totalBytes = selected.reduce((a, t) => a + t.info.byteSize, 0);
      let loadedBytes = 0;
      onProgress?.({ file: file.path, loadedBytes, totalBytes });
      const settleOldest = async () => {
        if (signal?.aborted) throw aborted();
        const { t, p } = inflight.shift()!;
        inflightBytes -= t.info.byteSize;
        out.set(t.name, await p);
        loadedBytes += t.info.byteSize;
        onProgress?.({ file: file.path, loadedBytes, totalBytes });
      };
      for (const t of selected) {
        while (inflight.length > 0 && (inflight.length >= WINDOW_TENSORS || inflightBytes + t.info.byteSize > WINDOW_BYTES)) await settleOldest();
        if (signal?.aborted) throw aborted();
        const target = typeof dtype === 'function' ? dtype(t.info) : dtype !== undefined && isFloatingSafetensorsDType(t.info.dtype) ? dtype : undefined;
        const p = file.load(t.name, { device, dtype: target, signal });
        p.catch(() => undefined); // awaited in order below, or settled in the cleanup
        inflight.push({ t, p });
        inflightBytes += t.info.byteSize;
      }
      while (inflight.length > 0) await settleOldest();
    }
    return out;
  } catch (e) {
    for (const r of await Promise.allSettled(inflight.map((x) => x.p))) if (r.status === 'fulfilled') r.value.dispose();
    for (const t of out.values()) t.dispose();
    out.clear();
    throw e;
  } finally {
    await ckpt.close();
  }
}
