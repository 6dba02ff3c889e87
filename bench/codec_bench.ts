// Copyright the threading for Deno authors. MIT license.
/**
 * The codec's cost for large arguments and items: a thread started (and joined) with
 * one 256K-element argument, and a put+get of the same data through a `Queue`, for a
 * `number[]`, a `string[]`, a `boolean[]`, a mixed array of primitives, an array of
 * 32K small records (of primitives, and holding a small array), and a `Float64Array` of the same numbers (the typed-array floor),
 * with `structuredClone` of each as the platform's own copy.
 *
 *     deno bench --allow-read bench/codec_bench.ts
 *     deno bench --allow-read --filter "args:" bench/codec_bench.ts   # one group
 *
 * Measure one group per process when comparing builds: after 256K-element values have
 * crossed both roads, V8's own `structuredClone` of a `number[]` in the same process
 * runs up to 6 times slower (its deserializer allocates large values in old space,
 * whose state the earlier groups changed), and the later groups inherit that noise.
 *
 * Large plain arrays travel in column form (`src/_codec_columns.ts`); before it, a
 * 256K `number[]` argument cost 74–107 ms a start against 5.5 ms for the typed array.
 *
 * @module
 */
import { Queue, Thread } from "../mod.ts";

/** Thread target: receives its argument and ends. */
export function take(_value: unknown): void {}

const N = 256 * 1024;
const numbers = Array.from({ length: N }, (_, i) => i * 1.5);
const SHAPES: Record<string, unknown> = {
  "number[]": numbers,
  "string[]": Array.from({ length: N }, (_, i) => `s${i}`),
  "boolean[]": Array.from({ length: N }, (_, i) => i % 2 === 0),
  "mixed primitives": Array.from({ length: N }, (_, i) => [i, "x", true, null][i % 4]),
  "32K records {id, name, ok}": Array.from(
    { length: N / 8 },
    (_, i) => ({ id: i, name: `n${i}`, ok: i % 2 === 0 }),
  ),
  "32K records {id, tags: [2 strings]}": Array.from(
    { length: N / 8 },
    (_, i) => ({ id: i, tags: ["a", `t${i}`] }),
  ),
  "Float64Array (floor)": new Float64Array(numbers),
};

for (const [name, value] of Object.entries(SHAPES)) {
  Deno.bench({
    group: "structuredClone (the platform's copy)",
    name: `clone: ${name}`,
    baseline: name === "Float64Array (floor)",
    n: 20,
    warmup: 3,
    fn() {
      structuredClone(value);
    },
  });
}
for (const [name, value] of Object.entries(SHAPES)) {
  Deno.bench({
    group: "thread start + join, one 256K-element argument",
    name: `args: ${name}`,
    baseline: name === "Float64Array (floor)",
    n: 20,
    warmup: 3,
    fn() {
      const t = new Thread({ target: take, args: [value] });
      t.start();
      t.join();
    },
  });
}

const queue = new Queue();
for (const [name, value] of Object.entries(SHAPES)) {
  Deno.bench({
    group: "Queue put + get, one 256K-element item",
    name: `queue: ${name}`,
    baseline: name === "Float64Array (floor)",
    n: 20,
    warmup: 3,
    fn() {
      queue.put(value);
      queue.get();
    },
  });
}
