// Copyright the threading for Deno authors. MIT license.
/**
 * An object met twice in what crosses (`[shared, shared]`) arrives as one object on
 * every road, as structured clone and pickle keep it: whether the value is pure JSON
 * data (the JSON fast road) or not.
 */
import assert from "node:assert/strict";
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  shutdown,
  SimpleQueue,
  Thread,
} from "../src/threading.ts";

type Shared = { v: number };

/** Thread target: reports which of its received objects are one. */
export function identities(
  pair: Shared[],
  record: { x: Shared; y: Shared },
  big: Shared[],
  out: Queue<unknown>,
  kwargs: { again: Shared },
): void {
  out.put([
    pair[0] === pair[1],
    record.x === record.y,
    big[0] === big[199],
    pair[0] === kwargs.again,
  ]);
  // Back to the sender, through a queue.
  const s = { v: 2 };
  out.put({ a: s, b: [s] });
}

export class Holder extends Thread {
  first: Shared;
  second: Shared;
  out: Queue<unknown>;
  constructor(shared: Shared, out: Queue<unknown>) {
    super();
    this.first = shared;
    this.second = shared;
    this.out = out;
  }
  override run(): void {
    this.out.put(this.first === this.second);
  }
}

Deno.test("an object met twice arrives as one object on every road, JSON data or not", async () => {
  const shared: Shared = { v: 1 };
  for (const Q of [Queue, LifoQueue, SimpleQueue]) {
    const q = new Q<Shared[]>();
    q.put([shared, shared]);
    const got = q.get();
    assert.equal(got[0], got[1], Q.name);
    assert.deepEqual(got[0], { v: 1 });
  }
  const pq = new PriorityQueue<[number, Shared[]]>();
  pq.put([2, [shared, shared]]);
  pq.put([1, [{ v: 0 }, shared]]);
  const first = pq.get();
  const second = pq.get();
  assert.equal(first[0], 1);
  assert.equal(second[1][0], second[1][1]);
  // A large array of one record (the column road) and a plain tree.
  const q = new Queue<unknown>();
  const big = new Array(200).fill(shared);
  q.put(big);
  const gotBig = q.get() as Shared[];
  assert.equal(gotBig[0], gotBig[199]);
  // Args, kwargs, and across them; then a queue back from the thread.
  const out = new Queue<unknown>();
  const t = new Thread({
    target: identities,
    args: [[shared, shared], { x: shared, y: shared }, big, out],
    kwargs: { again: shared },
  });
  t.start();
  t.join();
  assert.deepEqual(out.get(), [true, true, true, true]);
  const back = out.get() as { a: Shared; b: Shared[] };
  assert.equal(back.a, back.b[0]);
  // A Thread subclass's fields.
  const h = new Holder(shared, out);
  h.start();
  h.join();
  assert.equal(out.get(), true);
  await shutdown();
});
