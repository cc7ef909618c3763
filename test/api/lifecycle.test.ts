// Disposal, the GC safety net, memory accounting, and the async execution model.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, Tensor, memoryStats, ops, synchronize, tensorStats } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Lets earlier tests' garbage be collected and finalized so that byte counts are exact.
async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  await synchronize('cpu');
}

describe('disposal', () => {
  it('use after dispose throws DisposedError everywhere, dispose twice is a no-op', async () => {
    const t = Tensor.from([1, 2, 3]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(String(t)).toBe('Tensor(disposed)');
    for (const fn of [() => t.shape, () => t.slice(0, 0, 1), () => ops.add(t, t), () => t.to('cpu'), () => t.cast('i32')]) {
      expect(fn).toThrow(DisposedError);
    }
    await expect(t.toArray()).rejects.toThrow(DisposedError);
  });

  it('Symbol.dispose and `using` free the tensor at scope exit', () => {
    let escaped: Tensor;
    {
      using t = Tensor.from([1, 2, 3]);
      escaped = t;
      expect(t.isDisposed).toBe(false);
    }
    expect(escaped.isDisposed).toBe(true);
    const u = Tensor.from([1]);
    u[Symbol.dispose]();
    expect(u.isDisposed).toBe(true);
  });

  it('a view keeps its storage alive after the base is disposed', async () => {
    const base = Tensor.from([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    const v = base.slice(1, 1, 3);
    base.dispose();
    expect(Array.from((await v.toArray()) as Float32Array)).toEqual([2, 3, 5, 6]);
  });

  it('disposing an input right after enqueueing an op is safe (queued work holds a reference)', async () => {
    const a = ops.randomUniform([1 << 16], { seed: 5 });
    const b = ops.mul(a, 2);
    const copy = a.clone();
    a.dispose();
    const expected = Float32Array.from((await copy.toArray()) as Float32Array, (x) => Math.fround(x * 2));
    expect(await b.toArray()).toEqual(expected);
    copy.dispose();
    b.dispose();
  });

  it('memory statistics follow allocations and disposals', async () => {
    await settle();
    const before = memoryStats('cpu').allocated;
    const t = ops.zeros([1024, 256]);
    expect(memoryStats('cpu').allocated - before).toBe(1024 * 256 * 4);
    t.dispose();
    await synchronize('cpu');
    expect(memoryStats('cpu').allocated).toBe(before);
    expect(memoryStats('cpu').peak).toBeGreaterThanOrEqual(before + 1024 * 256 * 4);
  });

  it('the FinalizationRegistry frees tensors that were never disposed', async () => {
    await settle();
    const before = memoryStats('cpu').allocated;
    const collectedBefore = tensorStats().collectedWithoutDispose;
    (() => {
      for (let i = 0; i < 8; i++) ops.zeros([1 << 16]);
    })();
    expect(memoryStats('cpu').allocated).toBeGreaterThanOrEqual(before + 8 * (1 << 18));
    for (let i = 0; i < 20 && memoryStats('cpu').allocated > before; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
      await synchronize('cpu');
    }
    expect(memoryStats('cpu').allocated).toBe(before);
    expect(tensorStats().collectedWithoutDispose - collectedBefore).toBe(8);
  });
});

describe('execution model', () => {
  it('ops enqueue in order; toArray sees every earlier op', async () => {
    let x = ops.zeros([1000]);
    for (let i = 0; i < 200; i++) {
      const y = ops.add(x, 1);
      x.dispose();
      x = y;
    }
    expect((await x.toArray()).every((v) => v === 200)).toBe(true);
    x.dispose();
  });

  it('op calls return before the work is done (the JS thread never waits for a kernel)', async () => {
    const a = ops.randomUniform([512, 512], { seed: 1 });
    // 40 matmuls of 512^3 take seconds on two cores; enqueueing them does not
    const outs: Tensor[] = [];
    let pendingSeen = false;
    const done = synchronize('cpu').then(() => {
      pendingSeen = true;
    });
    for (let i = 0; i < 40; i++) outs.push(ops.matmul(a, a));
    await Promise.resolve();
    expect(pendingSeen).toBe(false);
    await done;
    await synchronize('cpu');
    for (const o of outs) o.dispose();
    a.dispose();
  });

  it('synchronize rejects unknown devices with a typed error', async () => {
    await expect(synchronize('tpu' as never)).rejects.toThrow(TypeError);
    await expect(synchronize('cuda:7')).rejects.toThrow(KernelError);
  });
});
