// Copyright the threading for Deno authors. MIT license.
/**
 * `SharedList.push`/`pop()` cost O(the item), not O(the list) (finding 6 of ut7: 16,000
 * pushes took 9.5 s when each call parsed and re-wrote the whole JSON text), and the
 * text they edit in place stays exactly the list an `Array` model holds.
 */
import assert from "node:assert/strict";
import { Thread } from "../src/thread.ts";
import { shutdown } from "../src/thread_functions.ts";
import { SharedList } from "../src/shared.ts";

/** Pushes `count` numbers, then pops `popCount` of them (a thread's target). */
export function pushPop(list: SharedList<number>, count: number, popCount: number): void {
  for (let i = 0; i < count; i++) list.push(i);
  for (let i = 0; i < popCount; i++) list.pop();
}

/**
 * Milliseconds per call of `push`, `length` and `pop()` on a list that holds `size`
 * numbers (built at once by the constructor), over `calls` rounds.
 */
function perCall(size: number, calls: number): number {
  const list = new SharedList<number>(Array.from({ length: size }, (_, i) => i), {
    maxBytes: 1 << 23,
  });
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    list.push(i);
    if (list.length !== size + 1) throw new Error("wrong length");
    list.pop();
  }
  return (performance.now() - t0) / calls;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];

Deno.test("SharedList push/pop/length cost O(1) in the list's length: at 100,000 items about what they cost at 1,000", () => {
  perCall(1000, 300); // warm up the JIT
  const small = median([perCall(1000, 300), perCall(1000, 300), perCall(1000, 300)]);
  const large = Math.min(perCall(100_000, 300), perCall(100_000, 300));
  // O(n) a call (the old code: parse and re-write the whole text) makes `large` 10 to
  // 100 times `small`; O(1) keeps them alike. The bound is generous for a loaded machine.
  assert.ok(
    large < 5 * small + 0.01,
    `per call: ${large.toFixed(4)} ms at 100,000 items vs ${
      small.toFixed(4)
    } ms at 1,000`,
  );
});

Deno.test("SharedList push/pop edit the text in place and keep the exact items", () => {
  const tricky: unknown[] = [
    'a"b',
    "\\",
    '\\"',
    "x,]}",
    "é😀",
    "",
    '"\\\\"',
    -1.5e-7,
    0,
    null,
    true,
    false,
    [],
    {},
    [[1, "]"], { 'k"]': ["[", "\\"] }],
    { a: { b: [null, "}"] } },
    ["\\\\"],
  ];
  const list = new SharedList<unknown>();
  const model: unknown[] = [];
  // Every item pushed alone, in pairs, then popped back, against the Array model.
  for (let round = 0; round < 3; round++) {
    for (const [i, item] of tricky.entries()) {
      if (i % 2 === 0) assert.equal(list.push(item), model.push(item));
      else assert.equal(list.push(item, tricky[i - 1]), model.push(item, tricky[i - 1]));
      assert.equal(list.length, model.length);
    }
    assert.deepEqual(list.toArray(), model);
    assert.equal(JSON.stringify(list), JSON.stringify(model));
    for (let i = 0; i < tricky.length; i++) {
      assert.deepEqual(list.pop(), model.pop());
      assert.deepEqual(list.toArray(), model);
    }
  }
  assert.equal(list.push(), model.length); // pushing nothing changes nothing
  while (model.length > 0) assert.deepEqual(list.pop(-1), model.pop());
  assert.equal(list.length, 0);
  assert.deepEqual(list.toArray(), []);
  assert.throws(() => list.pop(), /Cannot pop from SharedList: pop from empty list/);
  list.push(1);
  list.shift();
  assert.throws(() => list.pop(), RangeError); // shift() keeps the count too
  list.update((items) => items.push(1, 2, 3)); // so does update()
  assert.equal(list.length, 3);
  assert.equal(list.pop(), 3);
  list.clear();
  assert.equal(list.length, 0);
});

Deno.test("SharedList push/pop in a thread: the count and the text reach the other thread", async () => {
  const list = new SharedList<number>([-1], { maxBytes: 1 << 20 });
  const t = new Thread({ target: pushPop, args: [list, 5000, 2000] });
  t.start();
  t.join();
  assert.equal(list.length, 3001);
  assert.equal(list.at(-1), 2999);
  assert.equal(list.pop(), 2999);
  assert.equal(list.push(7), 3001);
  assert.deepEqual(list.toArray().slice(0, 3), [-1, 0, 1]);
  await shutdown();
});
