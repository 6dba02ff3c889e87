// Copyright the threading for Deno authors. MIT license.
/**
 * Semaphore: Semaphore(1) and BoundedSemaphore(1) uncontended against the raw
 * compareExchange + store loop, and Semaphore(2) shared by 4 threads.
 *
 *     deno bench --allow-read bench/semaphore_bench.ts
 *
 * @module
 */
import { BoundedSemaphore, Semaphore, shutdown } from "../mod.ts";
import { crewFor, crewLoop } from "./_crew.ts";
import { rawPairs, slots } from "./_raw.ts";
import { launch } from "./_threads.ts";
import { benchName, SEM2X4_OPS, UNCONTENDED_OPS } from "./_workloads.ts";

const N = UNCONTENDED_OPS;

const rawWords = slots(1);
Deno.bench({
  name: benchName("raw.cas", "raw"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  baseline: true,
  fn() {
    rawPairs(rawWords, 0, N);
  },
});

const sem1 = new Semaphore(1);
Deno.bench({
  name: benchName("sem1.pair"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  fn() {
    for (let i = 0; i < N; i++) {
      sem1.acquire();
      sem1.release();
    }
  },
});

const bsem1 = new BoundedSemaphore(1);
Deno.bench({
  name: benchName("bsem1.pair"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  fn() {
    for (let i = 0; i < N; i++) {
      bsem1.acquire();
      bsem1.release();
    }
  },
});

/** Thread body: `per` acquire/release pairs of `sem` per batch (nothing inside, as in CPython's). */
export function cycle(ctl: Int32Array, sem: Semaphore, per: number): void {
  crewLoop(ctl, () => {
    for (let i = 0; i < per; i++) {
      sem.acquire();
      sem.release();
    }
  });
}

const sem2 = new Semaphore(2);
Deno.bench({
  name: benchName("sem2x4"),
  group: `Semaphore(2), 4 threads (time per batch of ${SEM2X4_OPS} pairs)`,
  fn() {
    const crew = crewFor(
      "sem2x4",
      () => launch(import.meta.url, 4, cycle, (ctl) => [ctl, sem2, SEM2X4_OPS / 4]),
    );
    crew.batch();
  },
});

globalThis.addEventListener("unload", () => void shutdown());
