// Copyright the threading for Deno authors. MIT license.
/**
 * What a thread costs: the time to start `n` threads that all stay alive waiting, and
 * the memory (RSS) each one holds, for this library and for the floors under it, in a
 * fresh process per measurement so that one measurement's memory does not blur the next.
 *
 *     deno run --allow-read bench/thread_cost.ts --impl=threading --threads=100
 *
 * prints one JSON line: `{ impl, threads, ms, msPerThread, mbPerThread, mbKept }`.
 *
 * | `--impl` | what starts `n` threads |
 * | --- | --- |
 * | `threading` | `new Thread({ target, args: [event] })` n times, then `start()` each (Python's rule: `start()` returns once the thread runs); every thread waits on one `Event` |
 * | `threading-loop` | the same, each thread made and started in one loop (`new Thread(…).start()`) |
 * | `threading-modules` | as `threading`, through the TypeScript modules (`src/threading.ts`) instead of `mod.ts` (which loads the bundle, one minified JavaScript file) |
 * | `web` | n bare web `Worker`s from a `data:` URL, all created at once, each posted one message (a SharedArrayBuffer); each counts itself in and waits with `Atomics.wait` |
 * | `web-serial` | the same, one after another: the next Worker is created once the previous one runs |
 * | `node` | n bare `node:worker_threads` Workers from a `data:` URL, all at once, one message each |
 * | `node-serial` | the same, one after another |
 * | `node-library` | n bare `node:worker_threads` Workers that each import `mod.ts` (the bundle) first (no thread runs): the node floor plus what loading the library costs a Worker |
 * | `node-modules` | the same, importing the TypeScript modules (`src/threading.ts`) |
 *
 * The library is imported dynamically, from the entry the case needs (a second copy in
 * the same thread is refused): `mod.ts` (the bundle), or `src/threading.ts`. This module imports neither, so
 * a thread's Worker that imports it for `waitOn` loads only the copy it booted from.
 *
 * CPython's figures come from `bench/thread_cost.py` (same output).
 *
 * - `ms`: from before the first thread object is made until every thread runs (for
 *   `threading`, until the last `start()` returned).
 * - `mbPerThread`: RSS growth per thread with every thread alive, after 300 ms of
 *   settling, in MB (10^6 bytes).
 * - `mbKept`: RSS growth per thread that is left after the threads ended and their
 *   Workers were closed (`shutdown()` for this library, `terminate()` for bare Workers),
 *   after 500 ms of settling: the memory not given back.
 *
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import type { Event, Thread } from "../mod.ts";
import type { Cost } from "./_thread_cost_report.ts";

/** Thread body of the `threading` case: waits on the shared event. */
export function waitOn(event: Event): void {
  event.wait();
}

/** The bare Worker's module: counts itself in word 0, waits until word 1 is set. */
const BARE_WEB = `
self.onmessage = (e) => {
  const w = new Int32Array(e.data);
  Atomics.add(w, 0, 1);
  Atomics.notify(w, 0);
  while (Atomics.load(w, 1) === 0) Atomics.wait(w, 1, 0);
  self.close();
};`;

const BARE_NODE = `
import { parentPort } from "node:worker_threads";
parentPort.once("message", (sab) => {
  const w = new Int32Array(sab);
  Atomics.add(w, 0, 1);
  Atomics.notify(w, 0);
  while (Atomics.load(w, 1) === 0) Atomics.wait(w, 1, 0);
  parentPort.close?.(); // Deno's parentPort has no close(): the Worker ends anyway
});`;

const dataUrl = (code: string) => `data:application/javascript;base64,${btoa(code)}`;

/** The `node-library` Worker: imports the library, then does what `BARE_NODE` does. */
const LIBRARY_NODE = `
import { workerData } from "node:worker_threads";
await import(workerData);
${BARE_NODE}`;

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rss = () => Deno.memoryUsage().rss;

/** Blocks until `w[0]` reaches `n`. */
function waitCount(w: Int32Array, n: number): void {
  for (let seen; (seen = Atomics.load(w, 0)) < n;) Atomics.wait(w, 0, seen, 1000);
}

/** The library's two forms: `mod.ts` (its bundle), and its TypeScript modules. */
const ENTRIES = {
  mod: new URL("../mod.ts", import.meta.url).href,
  modules: new URL("../src/threading.ts", import.meta.url).href,
};

async function library(
  n: number,
  loop: boolean,
  entry: keyof typeof ENTRIES,
): Promise<[number, number, number]> {
  const { Event, shutdown, Thread } = await import(
    ENTRIES[entry]
  ) as typeof import("../mod.ts");
  const before = rss();
  const event = new Event();
  const t0 = performance.now();
  let threads: Thread[];
  if (loop) {
    threads = [];
    for (let i = 0; i < n; i++) {
      const thread = new Thread({ target: waitOn, args: [event] });
      thread.start();
      threads.push(thread);
    }
  } else {
    threads = Array.from(
      { length: n },
      () => new Thread({ target: waitOn, args: [event] }),
    );
    for (const thread of threads) thread.start();
  }
  const ms = performance.now() - t0;
  await settle(300);
  const alive = rss();
  event.set();
  for (const thread of threads) thread.join();
  await shutdown();
  await settle(500);
  return [ms, alive - before, rss() - before];
}

async function bare(
  n: number,
  kind: "web" | "node" | "node-library" | "node-modules",
  serial: boolean,
): Promise<[number, number, number]> {
  const before = rss();
  const w = new Int32Array(new SharedArrayBuffer(8));
  const url = dataUrl(
    kind === "web" ? BARE_WEB : kind === "node" ? BARE_NODE : LIBRARY_NODE,
  );
  // The library's URL (the Worker's dynamic import of it is not type-checked again).
  const workerData = ENTRIES[kind === "node-modules" ? "modules" : "mod"];
  const ended: Promise<unknown>[] = [];
  const close: (() => void)[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (kind === "web") {
      const worker = new Worker(url, { type: "module" });
      worker.postMessage(w.buffer);
      close.push(() => worker.terminate());
    } else {
      const worker = new NodeWorker(new URL(url), { workerData });
      worker.postMessage(w.buffer);
      ended.push(new Promise((resolve) => worker.once("exit", resolve)));
      close.push(() => void worker.terminate());
    }
    if (serial) waitCount(w, i + 1);
  }
  waitCount(w, n);
  const ms = performance.now() - t0;
  await settle(300);
  const alive = rss();
  Atomics.store(w, 1, 1);
  Atomics.notify(w, 1);
  await settle(100);
  for (const c of close) c();
  await Promise.all(ended);
  await settle(500);
  return [ms, alive - before, rss() - before];
}

/**
 * Measures one case in this process.
 *
 * @param impl One of `threading`, `threading-loop`, `threading-modules`, `web`,
 *   `web-serial`, `node`, `node-serial`, `node-library`, `node-modules`.
 * @param threads Number of threads, at least 1.
 * @returns The figures.
 * @throws {RangeError} If `impl` is unknown or `threads` is not a positive integer.
 */
export async function measure(impl: string, threads: number): Promise<Cost> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(
      `Cannot measure thread cost: threads must be a positive integer, received ${threads}`,
    );
  }
  let figures: [number, number, number];
  if (impl === "threading" || impl === "threading-loop" || impl === "threading-modules") {
    figures = await library(
      threads,
      impl === "threading-loop",
      impl === "threading-modules" ? "modules" : "mod",
    );
  } else if (
    impl === "web" || impl === "node" || impl === "node-library" ||
    impl === "node-modules"
  ) {
    figures = await bare(threads, impl, false);
  } else if (impl === "web-serial" || impl === "node-serial") {
    figures = await bare(threads, impl === "web-serial" ? "web" : "node", true);
  } else {
    throw new RangeError(`Cannot measure thread cost: unknown impl, received ${impl}`);
  }
  const [ms, grown, kept] = figures;
  return {
    impl,
    threads,
    ms,
    msPerThread: ms / threads,
    mbPerThread: grown / threads / 1e6,
    mbKept: kept / threads / 1e6,
  };
}

if (import.meta.main) {
  const arg = (name: string, fallback: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ??
      fallback;
  console.log(
    JSON.stringify(
      await measure(arg("impl", "threading"), Number(arg("threads", "100"))),
    ),
  );
}
