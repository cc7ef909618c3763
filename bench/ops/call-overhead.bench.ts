// Cost of one op call from JS on a 1-element tensor, where the kernel itself is negligible:
// (a) enqueue only — what a model's forward pass pays per op on the JS thread;
// (b) round trip — enqueue, run, and read the value back through the Promise boundary.
import { ops, synchronize, Tensor } from '../../src/index.js';
import { formatHeader, fmtTime, hostTime, type CustomBench } from '../harness.js';

const TARGET_US = 5; // CPU backend target for (a)
const CALLS = 100_000;

export const custom: CustomBench = {
  async run({ device, quick, header }) {
    const a = Tensor.from([1], { device });
    const b = Tensor.from([2], { device });
    try {
      // (a): the loop is timed on the JS side only; the queue drains afterwards, untimed
      for (let i = 0; i < 10_000; i++) ops.add(a, b).dispose(); // JIT warm-up
      await synchronize(device);
      const perCall: number[] = [];
      for (let r = 0; r < (quick ? 3 : 7); r++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < CALLS; i++) ops.add(a, b).dispose();
        perCall.push(Number(process.hrtime.bigint() - t0) / 1e3 / CALLS);
        await synchronize(device);
      }
      perCall.sort((x, y) => x - y);
      const enqueueUs = perCall[perCall.length >> 1]!;
      const minUs = perCall[0]!;

      // (b)
      const rt = await hostTime('add round trip', async () => {
        const c = ops.add(a, b);
        await c.toArray();
        c.dispose();
      }, quick);

      const verdict =
        device === 'cpu'
          ? enqueueUs < TARGET_US ? `met (< ${TARGET_US} µs)` : `NOT met (target < ${TARGET_US} µs)`
          : `target is defined for the cpu backend only`;
      const markdown = [
        formatHeader(header),
        '',
        '| measurement | per call | notes |',
        '|---|--:|---|',
        `| (a) enqueue only: \`ops.add(a, b).dispose()\` ×${CALLS}, median of ${perCall.length} loops | ${fmtTime(enqueueUs / 1e3)} | min ${fmtTime(minUs / 1e3)}; target ${verdict} |`,
        `| (b) round trip: \`await ops.add(a, b).toArray()\` (benchmark.js) | ${fmtTime(rt.meanMs)} | ±${rt.rmePct.toFixed(1)}% |`,
      ].join('\n');
      return { markdown, data: { device, calls: CALLS, enqueueUs, enqueueMinUs: minUs, enqueueLoopsUs: perCall, targetUs: TARGET_US, targetMet: device === 'cpu' ? enqueueUs < TARGET_US : null, roundTripUs: rt.meanMs * 1e3, roundTripRmePct: rt.rmePct } };
    } finally {
      a.dispose();
      b.dispose();
    }
  },
};
