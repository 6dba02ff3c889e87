// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { shutdown, Thread } from "../src/threading.ts";
import { Barrier, barrierIsIdle } from "../src/barrier.ts";
import { C_HEAD, C_TAIL, Condition, conditionWords } from "../src/condition.ts";
import { Event } from "../src/event.ts";
import { Lock, lockIsIdle } from "../src/lock.ts";
import { RLock, rlockIsIdle } from "../src/rlock.ts";
import {
  BoundedSemaphore,
  SEM_VALUE,
  SEM_WAITERS,
  semaphoreWords,
} from "../src/semaphore.ts";

type Mutex = Lock | RLock | BoundedSemaphore;

// ---- Thread targets (exported: code travels by reference) ----

/**
 * The stress worker: `iterations` times, takes `mutex`, reads `counts[index]`, does
 * `work` steps of busy work, writes the value back plus one, and releases (after all
 * threads have reached `gate`). A lost
 * update (two holders at once) shows as a short count.
 */
export function hammer(
  gate: Barrier,
  mutex: Mutex,
  counts: Int32Array,
  index: number,
  work: number,
  iterations: number,
) {
  let sink = 0;
  gate.wait(); // all threads start together, so that they contend
  for (let i = 0; i < iterations; i++) {
    mutex.acquire();
    const v = counts[index];
    for (let w = 0; w < work; w++) sink = (sink * 31 + w) | 0;
    counts[index] = v + 1;
    mutex.release();
  }
  return sink;
}

/** One side of the ping-pong: waits for its turn, passes it on with one notify. */
export function pingPong(cond: Condition, state: Int32Array, me: number, rounds: number) {
  const TURN = 0;
  const LATE = 1; // waits that ended by timeout: each would be a lost wakeup
  const NOTIFIES = 2;
  cond.with(() => {
    for (let i = 0; i < rounds; i++) {
      while (state[TURN] !== me) {
        if (!cond.wait(10_000)) state[LATE]++;
      }
      state[TURN] = 1 - me;
      state[NOTIFIES]++;
      cond.notify();
    }
  });
}

/** A barrier party for `rounds` generations, counting arrival indexes. */
export function barrierParty(b: Barrier, indexes: Int32Array, rounds: number) {
  for (let i = 0; i < rounds; i++) Atomics.add(indexes, b.wait(), 1);
}

/** Counts the barrier action's runs in the shared array the thread was given. */
let generations: Int32Array | undefined;
/** The barrier action of the generations test. */
export function countGeneration() {
  generations![8]++;
}
/** A party that also points the action at its counters. */
export function barrierPartyCounting(b: Barrier, indexes: Int32Array, rounds: number) {
  generations = indexes;
  barrierParty(b, indexes, rounds);
}

/** Holds a permit at a time and records the most holders ever seen at once. */
export function boundedWorker(
  s: BoundedSemaphore,
  stats: Int32Array,
  iterations: number,
) {
  const ACTIVE = 0;
  const MAX = 1;
  for (let i = 0; i < iterations; i++) {
    s.with(() => {
      const now = Atomics.add(stats, ACTIVE, 1) + 1;
      for (;;) {
        const max = Atomics.load(stats, MAX);
        if (now <= max || Atomics.compareExchange(stats, MAX, max, now) === max) break;
      }
      for (let w = 0; w < 50; w++) Atomics.load(stats, ACTIVE);
      Atomics.sub(stats, ACTIVE, 1);
    });
  }
}

/**
 * Hogs `lock` until `stop` is set: holds it for about 100 µs at a time and takes it
 * again right after each release (Go's TestMutexFairness).
 */
export function hog(lock: Lock, started: Event, stop: Event) {
  started.set();
  lock.acquire();
  while (!stop.isSet()) {
    const until = performance.now() + 0.1;
    while (performance.now() < until) { /* hold */ }
    // Release and take again at once: a waiter gets in only by a hand-off.
    lock.release();
    lock.acquire();
  }
  lock.release();
}

/**
 * Takes the hammered lock `FAIR_ROUNDS` times, giving up when the deadline passes;
 * records how many times it got it and how long that took, in ms.
 */
export function fairWaiter(lock: Lock, out: Int32Array) {
  const start = performance.now();
  const deadline = start + FAIR_DEADLINE_MS;
  for (let i = 0; i < FAIR_ROUNDS; i++) {
    const left = deadline - performance.now();
    if (left <= 0 || !lock.acquire(true, left)) break;
    out[0]++;
    lock.release();
  }
  out[1] = Math.round(performance.now() - start);
}

/** How many times the fairness waiter must get the lock, and within what time. */
const FAIR_ROUNDS = 20;
const FAIR_DEADLINE_MS = 10_000;

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

// ---- The parameterised driver ----

interface Config {
  threads: number;
  perLock: number;
  work: number;
  iterations: number;
}

const CONFIGS: Config[] = [
  { threads: 2, perLock: 2, work: 0, iterations: 20_000 },
  { threads: 4, perLock: 2, work: 10, iterations: 5_000 },
  { threads: 4, perLock: 4, work: 100, iterations: 2_000 },
  { threads: 3, perLock: 1, work: 0, iterations: 10_000 },
];

const KINDS: [string, () => Mutex, (m: Mutex) => boolean][] = [
  ["Lock", () => new Lock(), (m) => lockIsIdle(m as Lock)],
  ["RLock", () => new RLock(), (m) => rlockIsIdle(m as RLock)],
  ["BoundedSemaphore(1)", () => new BoundedSemaphore(1), (m) => {
    const w = semaphoreWords(m as BoundedSemaphore);
    return w[SEM_VALUE] === 1 && w[SEM_WAITERS] === 0;
  }],
];

/**
 * Runs `threads` threads, `perLock` of them on each mutex, each doing `iterations`
 * guarded increments with `work` steps inside; checks every count is exact and every
 * mutex's words are back to idle.
 */
async function drive(make: () => Mutex, idle: (m: Mutex) => boolean, c: Config) {
  const nLocks = Math.ceil(c.threads / c.perLock);
  const mutexes = Array.from({ length: nLocks }, make);
  const counts = ints(nLocks);
  const gate = new Barrier(c.threads);
  const threads = Array.from({ length: c.threads }, (_, i) =>
    new Thread({
      target: hammer,
      args: [gate, mutexes[i % nLocks], counts, i % nLocks, c.work, c.iterations],
    }));
  for (const t of threads) t.start();
  for (const t of threads) await t.joinAsync();
  for (let k = 0; k < nLocks; k++) {
    const users = threads.filter((_, i) => i % nLocks === k).length;
    assert.equal(counts[k], users * c.iterations, `count of mutex ${k}`);
    assert.ok(idle(mutexes[k]), `mutex ${k} is back to idle`);
  }
}

for (const [kind, make, idle] of KINDS) {
  Deno.test(`${kind} stress: exact counts and idle words afterwards`, async (t) => {
    for (const c of CONFIGS) {
      await t.step(
        `${c.threads} threads, ${c.perLock} per lock, work ${c.work}, ${c.iterations} iterations`,
        () => drive(make, idle, c),
      );
    }
    await shutdown();
  });
}

// ---- Wakeups, generations, bounds, fairness ----

Deno.test("Condition: 10^5 notifies in ping-pong without a lost wakeup", async () => {
  const cond = new Condition(new Lock());
  const state = ints();
  const rounds = 50_000;
  const a = new Thread({ target: pingPong, args: [cond, state, 0, rounds] });
  const b = new Thread({ target: pingPong, args: [cond, state, 1, rounds] });
  a.start();
  b.start();
  await a.joinAsync();
  await b.joinAsync();
  assert.equal(state[2], 2 * rounds);
  assert.equal(state[1], 0, "waits that timed out (lost wakeups)");
  const words = conditionWords(cond);
  assert.deepEqual([words[C_HEAD], words[C_TAIL]], [0, 0]);
  assert.ok(lockIsIdle(cond.lock as Lock));
  await shutdown();
});

Deno.test("Barrier: 1,000 generations across three threads and the main thread", async () => {
  const indexes = ints();
  generations = indexes;
  const rounds = 1_000;
  const b = new Barrier(4, countGeneration);
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: barrierPartyCounting, args: [b, indexes, rounds] })
  );
  for (const t of threads) t.start();
  barrierParty(b, indexes, rounds);
  for (const t of threads) await t.joinAsync();
  assert.deepEqual([...indexes.slice(0, 4)], [rounds, rounds, rounds, rounds]);
  assert.equal(indexes[8], rounds);
  assert.ok(barrierIsIdle(b));
  await shutdown();
});

Deno.test("BoundedSemaphore(2): the bound is never exceeded by four threads", async () => {
  const s = new BoundedSemaphore(2);
  const stats = ints();
  const threads = [0, 1, 2, 3].map(() =>
    new Thread({ target: boundedWorker, args: [s, stats, 5_000] })
  );
  for (const t of threads) t.start();
  for (const t of threads) await t.joinAsync();
  assert.ok(stats[1] <= 2, `at most 2 holders at once, saw ${stats[1]}`);
  assert.equal(stats[0], 0);
  const w = semaphoreWords(s);
  assert.deepEqual([w[SEM_VALUE], w[SEM_WAITERS]], [2, 0]);
  await shutdown();
});

Deno.test("Lock fairness: a waiter gets a hammered lock within the deadline", async (t) => {
  for (const where of ["main thread", "thread"]) {
    await t.step(`waiter in the ${where}`, async () => {
      const lock = new Lock();
      const started = new Event();
      const stop = new Event();
      const hogs = [new Thread({ target: hog, args: [lock, started, stop] })];
      for (const h of hogs) h.start();
      started.wait();
      const out = ints();
      if (where === "main thread") {
        fairWaiter(lock, out);
      } else {
        const w = new Thread({ target: fairWaiter, args: [lock, out] });
        w.start();
        await w.joinAsync();
      }
      stop.set();
      for (const h of hogs) await h.joinAsync();
      assert.equal(
        out[0],
        FAIR_ROUNDS,
        `the waiter got the lock ${out[0]} times in ${out[1]} ms`,
      );
      assert.ok(lockIsIdle(lock));
    });
  }
  await shutdown();
});
