// Copyright the threading for Deno authors. MIT license.
/**
 * Thread start: start→running (`start()` returns once the thread runs) and start+join,
 * warm (a pooled Worker is idle) and cold (the pool emptied by `shutdown()` first),
 * against the boot of a bare `node:worker_threads` Worker, the floor of a cold start.
 *
 *     deno bench --allow-read bench/thread_bench.ts
 *
 * Memory per idle thread (not a `Deno.bench`: RSS deltas) prints as JSON with:
 *
 *     deno run --allow-read bench/thread_bench.ts --memory
 *
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import { shutdown, Thread } from "../mod.ts";
import { benchName } from "./_workloads.ts";

/** Thread body that returns at once. */
export function noop(): void {}

/** Thread body: reports in `words[1]`, then parks until `words[0]` is non-zero. */
export function park(words: Int32Array): void {
  Atomics.add(words, 1, 1);
  Atomics.notify(words, 1);
  while (Atomics.load(words, 0) === 0) Atomics.wait(words, 0, 0);
}

Deno.bench({
  name: benchName("thread.start.warm"),
  group: "start→running",
  baseline: true,
  fn(b) {
    const thread = new Thread({ target: noop });
    b.start();
    thread.start();
    b.end();
    thread.join();
  },
});

Deno.bench({
  name: benchName("thread.start.cold"),
  group: "start→running",
  async fn(b) {
    await shutdown();
    const thread = new Thread({ target: noop });
    b.start();
    thread.start();
    b.end();
    thread.join();
  },
});

const probe = new URL("./_boot_probe.ts", import.meta.url);
Deno.bench({
  name: benchName("raw.worker.boot", "raw"),
  group: "start→running",
  async fn(b) {
    const sab = new SharedArrayBuffer(4);
    const word = new Int32Array(sab);
    b.start();
    const worker = new NodeWorker(probe, { workerData: sab });
    while (Atomics.load(word, 0) === 0) Atomics.wait(word, 0, 0, 1000);
    b.end();
    await new Promise((resolve) => worker.once("exit", resolve));
  },
});

Deno.bench({
  name: benchName("thread.startjoin.warm"),
  group: "start+join",
  baseline: true,
  // Times start() and join() only, as `cpython_bench.py` times CPython's (the Thread is
  // constructed before the clock starts in both).
  fn(b) {
    const thread = new Thread({ target: noop });
    b.start();
    thread.start();
    thread.join();
    b.end();
  },
});

Deno.bench({
  name: benchName("thread.startjoin.cold"),
  group: "start+join",
  async fn(b) {
    await shutdown();
    const thread = new Thread({ target: noop });
    b.start();
    thread.start();
    thread.join();
    b.end();
  },
});

/**
 * RSS per thread, in MB: `count` live threads parked in a wait, then the same number
 * of idle pooled Workers after they were joined.
 *
 * @param count Threads to start.
 * @returns `{ alive, pooled }` in MB per thread.
 */
export async function memoryPerThread(
  count = 16,
): Promise<{ alive: number; pooled: number }> {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  await shutdown();
  await settle();
  const before = Deno.memoryUsage().rss;
  const words = new Int32Array(new SharedArrayBuffer(8));
  const threads = Array.from(
    { length: count },
    () => new Thread({ target: park, args: [words] }),
  );
  for (const thread of threads) thread.start();
  while (Atomics.load(words, 1) < count) {
    Atomics.wait(words, 1, Atomics.load(words, 1), 100);
  }
  await settle();
  const alive = Deno.memoryUsage().rss;
  Atomics.store(words, 0, 1);
  Atomics.notify(words, 0);
  for (const thread of threads) thread.join();
  await settle();
  const pooled = Deno.memoryUsage().rss;
  await shutdown();
  return {
    alive: (alive - before) / count / 1e6,
    pooled: (pooled - before) / count / 1e6,
  };
}

if (import.meta.main && Deno.args.includes("--memory")) {
  console.log(JSON.stringify(await memoryPerThread()));
}

globalThis.addEventListener("unload", () => void shutdown());
