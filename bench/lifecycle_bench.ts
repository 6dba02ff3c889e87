// Copyright the threading for Deno authors. MIT license.
/**
 * Thread lifecycles with a 1 MiB argument: the time of one start+join, and (not a
 * `Deno.bench`) the memory of many: 10,000 lifecycles, sequential and 8 at a time, in a
 * loop that never awaits, the heap after gc of the main thread and of the reused Workers
 * and the process's RSS sampled every 1,000. Nothing of a finished thread may stay: the
 * figures are flat after the first 1,000.
 *
 *     deno bench --allow-read bench/lifecycle_bench.ts
 *     deno run --allow-read --v8-flags=--expose-gc bench/lifecycle_bench.ts --memory [lifecycles]
 *
 * @module
 */
import { shutdown, Thread } from "../mod.ts";
import { benchName } from "./_workloads.ts";

const MIB = 1 << 20;

/** A new 1 MiB string, shared with no other. */
function mib(n: number): string {
  return String(n % 10).repeat(MIB - 16) + String(n).padStart(16, "0");
}

/** Thread body: checks its argument; when asked, samples this Worker's heap after gc. */
export function use(data: string, heaps: Float64Array, index: number): void {
  if (data.length !== MIB) throw new Error("lost data");
  if (index >= 0) {
    (globalThis as unknown as { gc: () => void }).gc();
    heaps[index] = Deno.memoryUsage().heapUsed;
  }
}

const nowhere = new Float64Array(new SharedArrayBuffer(8));

Deno.bench({
  name: benchName("thread.lifecycle.1mib"),
  group: "lifecycle",
  fn(b) {
    const data = mib(1);
    b.start();
    const t = new Thread({ target: use, args: [data, nowhere, -1] });
    t.start();
    t.join();
    b.end();
  },
});

/** Runs `lifecycles` lifecycles, `atOnce` at a time, sampling every `every`. */
function measure(lifecycles: number, atOnce: number, every: number) {
  const samples = Math.floor(lifecycles / every);
  const workers = new Float64Array(new SharedArrayBuffer(samples * 8));
  const rows: {
    lifecycles: number;
    mainHeap: number;
    rss: number;
    workerHeap: number;
  }[] = [];
  const t0 = performance.now();
  let done = 0;
  let next = every;
  while (done < lifecycles) {
    const batch: Thread[] = [];
    for (let k = 0; k < atOnce && done < lifecycles; k++, done++) {
      const sample = (done + 1) % every === 0 ? (done + 1) / every - 1 : -1;
      batch.push(new Thread({ target: use, args: [mib(done), workers, sample] }));
    }
    for (const t of batch) t.start();
    for (const t of batch) t.join();
    if (done >= next) {
      (globalThis as unknown as { gc: () => void }).gc();
      const usage = Deno.memoryUsage();
      rows.push({
        lifecycles: next,
        mainHeap: usage.heapUsed / MIB,
        rss: usage.rss / MIB,
        workerHeap: workers[next / every - 1] / MIB,
      });
      next += every;
    }
  }
  const ms = (performance.now() - t0) / lifecycles;
  return { lifecycles, atOnce, msPerLifecycle: ms, rows };
}

if (import.meta.main && Deno.args.includes("--memory")) {
  const lifecycles = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 10_000);
  const every = Math.max(1, Math.floor(lifecycles / 10));
  const results = [];
  for (const atOnce of [1, 8]) {
    const r = measure(lifecycles, atOnce, every);
    results.push(r);
    console.error(
      `${lifecycles} lifecycles, ${atOnce} at a time, ${
        r.msPerLifecycle.toFixed(2)
      } ms each`,
    );
    console.error("lifecycles | main heap MiB | RSS MiB | Worker heap MiB");
    for (const row of r.rows) {
      console.error(
        `${row.lifecycles} | ${row.mainHeap.toFixed(1)} | ${row.rss.toFixed(0)} | ${
          row.workerHeap.toFixed(1)
        }`,
      );
    }
  }
  console.log(JSON.stringify(results));
  await shutdown();
}
