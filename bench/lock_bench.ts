// Copyright the threading for Deno authors. MIT license.
/**
 * Lock and RLock: the uncontended acquire/release pair against the raw
 * compareExchange + store loop, and the contended counter with 1, 2, 4 and 8 threads
 * (the machine has 2 cores) against a raw three-state futex mutex.
 *
 * Each lock sits in its own 64-byte slot, and each counter in a 64-byte slot of its
 * own. Threads are started once per bench, outside the measured part (see `_crew.ts`).
 *
 *     deno bench --allow-read bench/lock_bench.ts
 *
 * @module
 */
import { Lock, RLock, shutdown } from "../mod.ts";
import { crewFor, crewLoop } from "./_crew.ts";
import { rawLock, rawPairs, rawUnlock, SLOT, slots } from "./_raw.ts";
import { launch } from "./_threads.ts";
import {
  benchName,
  COUNTER_OPS,
  COUNTER_THREADS,
  UNCONTENDED_OPS,
} from "./_workloads.ts";

const N = UNCONTENDED_OPS;

// ---- Uncontended, on the main thread ----

const rawWords = slots(1);
Deno.bench({
  name: benchName("raw.cas", "raw"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  baseline: true,
  fn() {
    rawPairs(rawWords, 0, N);
  },
});

const lock = new Lock();
Deno.bench({
  name: benchName("lock.pair"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  fn() {
    for (let i = 0; i < N; i++) {
      lock.acquire();
      lock.release();
    }
  },
});

const rlock = new RLock();
Deno.bench({
  name: benchName("rlock.pair"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  fn() {
    for (let i = 0; i < N; i++) {
      rlock.acquire();
      rlock.release();
    }
  },
});

// ---- Contended counter ----

/** Thread body: `per` locked increments of `counter[0]` per batch. */
export function hammer(
  ctl: Int32Array,
  lock: Lock,
  counter: Int32Array,
  per: number,
): void {
  crewLoop(ctl, () => {
    for (let i = 0; i < per; i++) {
      lock.acquire();
      counter[0]++;
      lock.release();
    }
  });
}

/** Thread body: the same with the raw futex mutex at `words[0]`, counter at `words[SLOT]`. */
export function hammerRaw(ctl: Int32Array, words: Int32Array, per: number): void {
  crewLoop(ctl, () => {
    for (let i = 0; i < per; i++) {
      rawLock(words, 0);
      words[SLOT]++;
      rawUnlock(words, 0);
    }
  });
}

for (const threads of COUNTER_THREADS) {
  const per = COUNTER_OPS / threads;
  const group = `contended counter, ${threads} thread${
    threads === 1 ? "" : "s"
  } (time per batch of ${COUNTER_OPS} increments)`;

  let rawExpected = 0;
  const words = slots(2);
  Deno.bench({
    name: benchName(`raw.counter.t${threads}`, "raw"),
    group,
    baseline: true,
    fn() {
      const crew = crewFor(
        `raw.counter.t${threads}`,
        () => launch(import.meta.url, threads, hammerRaw, (ctl) => [ctl, words, per]),
      );
      crew.batch();
      rawExpected += per * threads;
      if (words[SLOT] !== rawExpected) {
        throw new Error(`Lost increments: ${words[SLOT]} of ${rawExpected}`);
      }
    },
  });

  let expected = 0;
  const counterLock = new Lock();
  const counter = slots(1);
  Deno.bench({
    name: benchName(`counter.t${threads}`),
    group,
    fn() {
      const crew = crewFor(
        `counter.t${threads}`,
        () =>
          launch(
            import.meta.url,
            threads,
            hammer,
            (ctl) => [ctl, counterLock, counter, per],
          ),
      );
      crew.batch();
      expected += per * threads;
      if (counter[0] !== expected) {
        throw new Error(`Lost increments: ${counter[0]} of ${expected}`);
      }
    },
  });
}

globalThis.addEventListener("unload", () => void shutdown());
