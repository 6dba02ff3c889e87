// Copyright the threading for Deno authors. MIT license.
/**
 * The workloads every benchmark runs, in one place: their keys, the groups and names
 * under which the `Deno.bench` files register them, and how many operations one bench
 * iteration performs. `bench/report.ts` divides a bench's time per iteration by
 * {@linkcode Workload.ops} to get the time of one operation; `bench/cpython_bench.py`
 * and `bench/peers/` run the same batch sizes (keep the numbers in step with
 * `BATCH` in `cpython_bench.py`).
 *
 * @module
 */

/** Acquire/release pairs per iteration of an uncontended bench. */
export const UNCONTENDED_OPS = 1000;
/** Objects made per iteration of a creation bench. */
export const CREATE_OPS = 100;
/** Increments of the shared counter per iteration of a contended-counter bench (all threads together). */
export const COUNTER_OPS = 20_000;
/** Acquire/release pairs per iteration of the Semaphore(2) × 4 threads bench (all threads together). */
export const SEM2X4_OPS = 8_000;
/** Round trips per iteration of a ping-pong bench. */
export const PINGPONG_ROUNDS = 200;
/** Barrier generations per iteration of a barrier bench. */
export const BARRIER_CYCLES = 200;
/** Thread counts of the contended-counter matrix (the machine has 2 cores). */
export const COUNTER_THREADS = [1, 2, 4, 8] as const;

/** How a workload's time reads in the report. */
export type Unit = "ns" | "µs" | "MB";

/** One workload of the suite. */
export interface Workload {
  /** Key shared with the CPython script and the peers (`lock.pair`, `counter.t4`, …). */
  key: string;
  /** What it measures, as the report's row label. */
  label: string;
  /** Operations one bench iteration performs. */
  ops: number;
  /** The unit the report prints the time of one operation in. */
  unit: Unit;
  /** The goal from the issues, as a minimum speed-up over CPython (`cpython / ours`). */
  goalVsCpython?: number;
  /** The goal as a maximum ratio to the raw-Atomics baseline (`ours / raw`). */
  goalVsRaw?: number;
  /** The raw-Atomics workload this one is compared with. */
  raw?: string;
  /** CPython 3.11 figure on this machine quoted in the issues, in `unit`, per operation. */
  cpythonQuoted?: number;
}

/** Every workload, in report order. */
export const WORKLOADS: readonly Workload[] = [
  {
    key: "lock.pair",
    label: "Lock acquire+release, uncontended",
    ops: UNCONTENDED_OPS,
    unit: "ns",
    goalVsCpython: 3,
    goalVsRaw: 1.3,
    raw: "raw.cas",
    cpythonQuoted: 77,
  },
  {
    key: "rlock.pair",
    label: "RLock acquire+release, uncontended",
    ops: UNCONTENDED_OPS,
    unit: "ns",
    goalVsCpython: 1,
    raw: "raw.cas",
  },
  {
    key: "sem1.pair",
    label: "Semaphore(1) acquire+release, uncontended",
    ops: UNCONTENDED_OPS,
    unit: "ns",
    goalVsCpython: 1,
    raw: "raw.cas",
    cpythonQuoted: 977,
  },
  {
    key: "bsem1.pair",
    label: "BoundedSemaphore(1) acquire+release, uncontended",
    ops: UNCONTENDED_OPS,
    unit: "ns",
    goalVsCpython: 1,
    raw: "raw.cas",
  },
  ...COUNTER_THREADS.map((t): Workload => ({
    key: `counter.t${t}`,
    label: `Contended counter, Lock, ${t} thread${t === 1 ? "" : "s"} (per increment)`,
    ops: COUNTER_OPS,
    unit: "ns",
    goalVsCpython: t === 1 ? 1 : 3,
    raw: `raw.counter.t${t}`,
  })),
  {
    key: "sem2x4",
    label: "Semaphore(2), 4 threads (per acquire+release)",
    ops: SEM2X4_OPS,
    unit: "ns",
    goalVsCpython: 1,
    cpythonQuoted: 1e9 / 0.62e6,
  },
  {
    key: "event.pingpong",
    label: "Event ping-pong, 2 threads (per round trip)",
    ops: PINGPONG_ROUNDS,
    unit: "µs",
    goalVsCpython: 1,
    goalVsRaw: 1.3,
    raw: "raw.pingpong",
    cpythonQuoted: 73.5,
  },
  {
    key: "event.pingpong.main",
    label: "Event ping-pong, main thread ↔ 1 thread (per round trip)",
    ops: PINGPONG_ROUNDS,
    unit: "µs",
    goalVsCpython: 1,
    raw: "raw.pingpong.main",
  },
  {
    key: "condition.pingpong",
    label: "Condition ping-pong, 2 threads (per round trip)",
    ops: PINGPONG_ROUNDS,
    unit: "µs",
    goalVsCpython: 1,
    goalVsRaw: 1.3,
    raw: "raw.pingpong",
    cpythonQuoted: 69,
  },
  {
    key: "barrier2.cycle",
    label: "Barrier(2) cycle, 2 threads",
    ops: BARRIER_CYCLES,
    unit: "µs",
    goalVsCpython: 1,
    goalVsRaw: 1.3,
    raw: "raw.pingpong",
    cpythonQuoted: 75,
  },
  {
    key: "barrier4.cycle",
    label: "Barrier(4) cycle, 4 threads",
    ops: BARRIER_CYCLES,
    unit: "µs",
    goalVsCpython: 1,
  },
  ...(
    [
      ["lock", "Lock()", 52],
      ["rlock", "RLock()", undefined],
      ["semaphore", "Semaphore()", undefined],
      ["boundedsemaphore", "BoundedSemaphore()", undefined],
      ["event", "Event()", 1800],
      ["condition", "Condition()", undefined],
      ["barrier", "Barrier(2)", undefined],
    ] as const
  ).map(([key, label, quoted]): Workload => ({
    key: `create.${key}`,
    label: `new ${label}`,
    ops: CREATE_OPS,
    unit: "ns",
    goalVsCpython: 1,
    raw: "raw.sab",
    cpythonQuoted: quoted,
  })),
  {
    key: "thread.start.warm",
    label: "Thread start→running, warm",
    ops: 1,
    unit: "µs",
    goalVsCpython: 0.5,
    cpythonQuoted: 64,
  },
  {
    key: "thread.startjoin.warm",
    label: "Thread start+join, warm",
    ops: 1,
    unit: "µs",
    goalVsCpython: 1,
    cpythonQuoted: 68,
  },
  {
    key: "thread.start.cold",
    label: "Thread start→running, cold",
    ops: 1,
    unit: "µs",
    raw: "raw.worker.boot",
    cpythonQuoted: 64,
  },
  {
    key: "thread.startjoin.cold",
    label: "Thread start+join, cold",
    ops: 1,
    unit: "µs",
    raw: "raw.worker.boot",
    cpythonQuoted: 68,
  },
  {
    key: "thread.mem.alive",
    label: "Memory per live idle thread (RSS)",
    ops: 1,
    unit: "MB",
  },
  {
    key: "thread.mem.pooled",
    label: "Memory per pooled idle Worker (RSS)",
    ops: 1,
    unit: "MB",
  },
];

/** Raw-Atomics baselines (no library): the floor each library figure is compared with. */
export const RAW_WORKLOADS: readonly Workload[] = [
  {
    key: "raw.cas",
    label: "raw Atomics.compareExchange + store pair",
    ops: UNCONTENDED_OPS,
    unit: "ns",
  },
  {
    key: "v8.mutex",
    label: "V8 Atomics.Mutex.lock (one isolate)",
    ops: UNCONTENDED_OPS,
    unit: "ns",
  },
  ...COUNTER_THREADS.map((t): Workload => ({
    key: `raw.counter.t${t}`,
    label: `raw CAS+futex lock counter, ${t} threads`,
    ops: COUNTER_OPS,
    unit: "ns",
  })),
  {
    key: "raw.pingpong",
    label: "raw futex ping-pong, 2 threads",
    ops: PINGPONG_ROUNDS,
    unit: "µs",
  },
  {
    key: "raw.pingpong.main",
    label: "raw futex ping-pong, main thread ↔ 1 thread",
    ops: PINGPONG_ROUNDS,
    unit: "µs",
  },
  {
    key: "raw.sab",
    label: "new SharedArrayBuffer(64)",
    ops: CREATE_OPS,
    unit: "ns",
  },
  {
    key: "raw.worker.boot",
    label: "bare node:worker_threads Worker boot",
    ops: 1,
    unit: "µs",
  },
];

/** Looks a workload up by key. */
export function workload(key: string): Workload {
  const found = WORKLOADS.find((w) => w.key === key) ??
    RAW_WORKLOADS.find((w) => w.key === key);
  if (found === undefined) {
    throw new RangeError(`Cannot find workload: unknown key, received ${key}`);
  }
  return found;
}

/**
 * The bench name under which a workload registers: its key, so that the report can map
 * `deno bench --json` output back to workloads.
 */
export function benchName(key: string, impl = "threading"): string {
  return `${impl}: ${key}`;
}
