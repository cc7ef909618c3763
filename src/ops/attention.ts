import { invalidParameter } from '../errors.js';
import { binding, type Attr } from '../binding.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './common.js';
import { copy } from './copy.js';

/** Segment boundaries of packed (varlen) inputs: host values, or an i32 tensor on q's device. */
export type CuSeqlens = Tensor | Int32Array | readonly number[];

export interface AttentionOptions {
  /** Causal mask, bottom-right aligned when Sq != Sk (FlashAttention-2 >= 2.1). */
  causal?: boolean;
  /** Logit scale (default 1 / sqrt(D)). */
  scale?: number;
  /** Sliding window [left, right] around the (bottom-right aligned) diagonal; -1 = unbounded. */
  window?: readonly [number, number];
  /** Logit soft-capping: s -> softcap * tanh(s / softcap); 0 or absent = off. */
  softcap?: number;
  /** Also return the log-sum-exp of each row's logits (f32 [B, H, Sq], varlen [H, Tq]). */
  returnLse?: boolean;
  /**
   * Packed form: q [Tq, H, D], k/v [Tk, Hkv, D] and both boundary arrays [B + 1]. Host arrays are
   * validated at the call (start 0, non-decreasing, end at Tq / Tk) and uploaded to q's device;
   * tensors are used as they are (the kernels clamp bad device values, see params/attention.h).
   */
  cuSeqlensQ?: CuSeqlens;
  cuSeqlensK?: CuSeqlens;
}

/** Fresh contiguous operand whose data start is 16-byte aligned (what cp.async needs). */
function operand(x: Tensor): Tensor {
  const h = x.handle;
  return h.isContiguous && h.offset % 8 === 0 ? x : copy(x);
}

function cuOperand(x: unknown, name: string, q: Tensor, owned: Tensor[]): { t: Tensor; host?: number[] } {
  if (x instanceof Tensor) return { t: x };
  if (x instanceof Int32Array || (Array.isArray(x) && x.every((v) => Number.isSafeInteger(v)))) {
    const host = Array.from(x as ArrayLike<number>);
    if (host.some((v) => v < -2147483648 || v > 2147483647)) throw invalidParameter(name, 'int32 values', x);
    const t = Tensor.from(Int32Array.from(host), { dtype: 'i32', device: q.device });
    owned.push(t);
    return { t, host };
  }
  throw invalidParameter(name, 'a Tensor, an Int32Array or an array of integers', x);
}

/**
 * Fused scaled-dot-product attention, FlashAttention semantics: q [B, Sq, H, D], k/v
 * [B, Sk, Hkv, D] (GQA/MQA when H is a multiple of Hkv), or the packed varlen form with
 * cuSeqlensQ/cuSeqlensK. Head dims 64, 72, 80, 96, 128, 256. f32/f16/bf16 on the CPU, f16/bf16
 * on CUDA; f32 accumulation. Rows that see no key give 0 (lse -inf). Returns the output
 * (q's shape and dtype), plus `lse` when `returnLse` is set.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions & { returnLse?: false }): Tensor;
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions & { returnLse: true }): { out: Tensor; lse: Tensor };
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor | { out: Tensor; lse: Tensor } {
  if (opts === null || typeof opts !== 'object') throw invalidParameter('opts', 'an object', opts);
  const owned: Tensor[] = [];
  try {
    const qs = operand(checkTensor(q, 'q'));
    if (qs !== q) owned.push(qs);
    const ks = operand(checkTensor(k, 'k'));
    if (ks !== k) owned.push(ks);
    const vs = operand(checkTensor(v, 'v'));
    if (vs !== v) owned.push(vs);
    const inputs = [qs.handle, ks.handle, vs.handle];
    const attrs: Record<string, Attr> = {};
    if (opts.causal !== undefined) {
      if (typeof opts.causal !== 'boolean') throw invalidParameter('causal', 'a boolean', opts.causal);
      attrs.causal = opts.causal;
    }
    if (opts.scale !== undefined) {
      if (typeof opts.scale !== 'number') throw invalidParameter('scale', 'a number', opts.scale);
      attrs.scale = opts.scale;
    }
    if (opts.softcap !== undefined) {
      if (typeof opts.softcap !== 'number') throw invalidParameter('softcap', 'a number', opts.softcap);
      attrs.softcap = opts.softcap;
    }
    if (opts.window !== undefined) {
      const w = opts.window as unknown;
      if (!Array.isArray(w) || w.length !== 2 || !w.every((x) => Number.isSafeInteger(x))) throw invalidParameter('window', 'an array [left, right] of integers', w);
      attrs.window_left = w[0] as number;
      attrs.window_right = w[1] as number;
    }
    if (opts.returnLse !== undefined) {
      if (typeof opts.returnLse !== 'boolean') throw invalidParameter('returnLse', 'a boolean', opts.returnLse);
      attrs.return_lse = opts.returnLse;
    }
    if ((opts.cuSeqlensQ === undefined) !== (opts.cuSeqlensK === undefined)) {
      throw invalidParameter(opts.cuSeqlensQ === undefined ? 'cuSeqlensQ' : 'cuSeqlensK', 'cuSeqlensQ and cuSeqlensK given together', undefined);
    }
    if (opts.cuSeqlensQ !== undefined) {
      const cq = cuOperand(opts.cuSeqlensQ, 'cuSeqlensQ', qs, owned);
      const ck = cuOperand(opts.cuSeqlensK, 'cuSeqlensK', qs, owned);
      inputs.push(cq.t.handle, ck.t.handle);
      if (cq.host) attrs.cu_seqlens_q_host = cq.host;
      if (ck.host) attrs.cu_seqlens_k_host = ck.host;
    }
    const outs = binding.runOp('attention', inputs, attrs);
    const out = new Tensor(outs[0]!);
    if (opts.returnLse) return { out, lse: new Tensor(outs[1]!) };
    return out;
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** Host values of an i32 vector or matrix (flattened), for validation and upload. */
function hostInts(x: unknown, name: string): number[] {
  const flat: unknown[] = x instanceof Int32Array ? Array.from(x) : Array.isArray(x) ? (x as unknown[]).flat() : [];
  if ((!(x instanceof Int32Array) && !Array.isArray(x)) || !flat.every((v) => Number.isSafeInteger(v) && (v as number) >= -2147483648 && (v as number) <= 2147483647)) {
    throw invalidParameter(name, 'an Int32Array or an array of int32 values', x);
  }
  return flat as number[];
}

export interface KvCacheOptions {
  /** Tokens already in the cache, per sequence ([B], host values: validated and uploaded). */
  cacheSeqlens: Int32Array | readonly number[];
  /** New keys/values [B, Snew, Hkv, D], written into the cache (in place) before attending. */
  kNew?: Tensor;
  vNew?: Tensor;
  /** Paged cache: pages of each sequence, [B][maxPages] (or flattened), host values. */
  blockTable?: Int32Array | readonly (readonly number[])[] | readonly number[];
  causal?: boolean;
  scale?: number;
  window?: readonly [number, number];
  softcap?: number;
  returnLse?: boolean;
  /** Split-KV blocks per KV head on CUDA (flash-decoding); 0 or absent = automatic. */
  numSplits?: number;
}

/**
 * Decode / chunked prefill against a KV cache (flash_attn_with_kvcache semantics): q
 * [B, Sq, H, D]; kCache/vCache [B, Smax, Hkv, D], or paged [pages, P, Hkv, D] (16 <= P <= 256)
 * with `blockTable`. When kNew/vNew are given they are WRITTEN INTO kCache/vCache (in place, on
 * the device queue, before the attention reads them) at positions cacheSeqlens[b] ..; q then
 * attends to cacheSeqlens[b] + Snew keys (causal: bottom-right, the queries are the newest
 * positions). A cache too small for the append, or a page id out of range, is a KernelError.
 */
export function attentionWithKvCache(q: Tensor, kCache: Tensor, vCache: Tensor, opts: KvCacheOptions & { returnLse?: false }): Tensor;
export function attentionWithKvCache(q: Tensor, kCache: Tensor, vCache: Tensor, opts: KvCacheOptions & { returnLse: true }): { out: Tensor; lse: Tensor };
export function attentionWithKvCache(q: Tensor, kCache: Tensor, vCache: Tensor, opts: KvCacheOptions): Tensor | { out: Tensor; lse: Tensor } {
  if (opts === null || typeof opts !== 'object') throw invalidParameter('opts', 'an object', opts);
  const owned: Tensor[] = [];
  try {
    const qs = operand(checkTensor(q, 'q'));
    if (qs !== q) owned.push(qs);
    const kc = checkTensor(kCache, 'kCache');
    const vc = checkTensor(vCache, 'vCache');
    const seq = hostInts(opts.cacheSeqlens, 'cacheSeqlens');
    const seqT = Tensor.from(Int32Array.from(seq), { dtype: 'i32', device: qs.device });
    owned.push(seqT);
    const inputs = [qs.handle, kc.handle, vc.handle, seqT.handle];
    const attrs: Record<string, Attr> = { cache_seqlens_host: seq };
    if ((opts.kNew === undefined) !== (opts.vNew === undefined)) throw invalidParameter(opts.kNew === undefined ? 'kNew' : 'vNew', 'kNew and vNew given together', undefined);
    if (opts.kNew !== undefined) {
      const kn = operand(checkTensor(opts.kNew, 'kNew'));
      if (kn !== opts.kNew) owned.push(kn);
      const vn = operand(checkTensor(opts.vNew, 'vNew'));
      if (vn !== opts.vNew) owned.push(vn);
      inputs.push(kn.handle, vn.handle);
    }
    if (opts.blockTable !== undefined) {
      const bt = hostInts(opts.blockTable, 'blockTable');
      const b = seq.length;
      if (b === 0 || bt.length % b !== 0) throw invalidParameter('blockTable', `${b} rows of equal length`, opts.blockTable);
      const t = Tensor.from(Int32Array.from(bt), { dtype: 'i32', device: qs.device, shape: [b, bt.length / b] });
      owned.push(t);
      inputs.push(t.handle);
      attrs.block_table_host = bt;
    }
    if (opts.causal !== undefined) attrs.causal = opts.causal;
    if (opts.scale !== undefined) attrs.scale = opts.scale;
    if (opts.softcap !== undefined) attrs.softcap = opts.softcap;
    if (opts.window !== undefined) {
      const w = opts.window as unknown;
      if (!Array.isArray(w) || w.length !== 2 || !w.every((x) => Number.isSafeInteger(x))) throw invalidParameter('window', 'an array [left, right] of integers', w);
      attrs.window_left = w[0] as number;
      attrs.window_right = w[1] as number;
    }
    if (opts.returnLse !== undefined) attrs.return_lse = opts.returnLse;
    if (opts.numSplits !== undefined) attrs.num_splits = opts.numSplits;
    const outs = binding.runOp('attention_with_kv_cache', inputs, attrs);
    // outputs past out (and lse) are the split-KV workspace: the queued kernels keep it alive
    const keep = opts.returnLse ? 2 : 1;
    for (const w of outs.slice(keep)) w.dispose();
    const out = new Tensor(outs[0]!);
    if (opts.returnLse) return { out, lse: new Tensor(outs[1]!) };
    return out;
  } finally {
    for (const t of owned) t.dispose();
  }
}
