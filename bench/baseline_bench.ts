// Copyright the threading for Deno authors. MIT license.
/**
 * The floors of an uncontended lock, with no library in them: the raw
 * `Atomics.compareExchange` + `store` loop, and V8's own `Atomics.Mutex` (a JS shared
 * struct mutex, behind `--v8-flags=--harmony-struct`; it lives in one isolate and cannot
 * be posted to a Worker, so it has no threaded figure). Without the flag the
 * `Atomics.Mutex` bench is skipped.
 *
 *     deno bench --v8-flags=--harmony-struct bench/baseline_bench.ts
 *
 * @module
 */
import { rawPairs, slots } from "./_raw.ts";
import { benchName, UNCONTENDED_OPS } from "./_workloads.ts";

const N = UNCONTENDED_OPS;

/** V8's `Atomics.Mutex`, present only under `--harmony-struct`. */
interface V8Mutex {
  new (): object;
  lock(mutex: object, body: () => void): void;
}
const Mutex = (Atomics as unknown as { Mutex?: V8Mutex }).Mutex;

const words = slots(1);
Deno.bench({
  name: benchName("raw.cas", "raw"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  baseline: true,
  fn() {
    rawPairs(words, 0, N);
  },
});

const mutex = Mutex === undefined ? undefined : new Mutex();
const body = () => {};
Deno.bench({
  name: benchName("v8.mutex", "v8"),
  group: `uncontended pair (time per batch of ${UNCONTENDED_OPS} pairs)`,
  ignore: Mutex === undefined,
  fn() {
    for (let i = 0; i < N; i++) Mutex!.lock(mutex!, body);
  },
});
