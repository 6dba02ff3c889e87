// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { DeadlockError, shutdown, Thread } from "../src/threading.ts";
import { putBoxes, QBox } from "./fixtures/queue_box.ts";
import { runDeno } from "./_subprocess.ts";
import { coreOf } from "../src/_queue_ops.ts";
import { Lock } from "../src/lock.ts";
import {
  LifoQueue,
  PriorityQueue,
  Q_DONE_WAITERS,
  Q_LOCK,
  Q_NE_WAITERS,
  Q_NF_WAITERS,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  queueWords,
  SimpleQueue,
} from "../src/queue.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Puts `count` items `[id, i, {text}]` into `q`. */
export function producer(q: Queue, id: number, count: number) {
  for (let i = 0; i < count; i++) q.put([id, i, { text: `p${id}-${i}` }]);
}

/** Gets items until `null`, forwarding each to `out`; marks each done. */
export function consumer(q: Queue, out: Queue) {
  for (;;) {
    const item = q.get();
    q.taskDone();
    if (item === null) return;
    out.put(item);
  }
}

/** Puts the numbers `id * 100000 + i`, then nothing else. */
export function numberProducer(q: Queue<number>, id: number, count: number) {
  for (let i = 0; i < count; i++) q.put(id * 100_000 + i);
}

/** Gets numbers until `Infinity`, forwarding them to `out`. */
export function numberConsumer(q: Queue<number>, out: Queue<number>) {
  for (let x = q.get(); x !== Infinity; x = q.get()) out.put(x);
}

/** As `numberConsumer`, with the async twins. */
export async function asyncNumberConsumer(q: Queue<number>, out: Queue<number>) {
  for (let x = await q.getAsync(); x !== Infinity; x = await q.getAsync()) {
    await out.putAsync(x);
  }
}

/** Gets `count` items, counting them in `done[0]`, and marks each done. */
export function worker(q: Queue, done: Int32Array, count: number) {
  for (let i = 0; i < count; i++) {
    q.get();
    Atomics.add(done, 0, 1);
    q.taskDone();
  }
}

/** Puts the numbers `0..count-1` (blocking when the queue is full). */
export function putNumbers(q: Queue, count: number) {
  for (let i = 0; i < count; i++) q.put(i);
}

/** Records in `out[0]` how a timed get ended: 1 QueueEmpty, 2 an item. */
export function timedGet(q: Queue, out: Int32Array, ms: number) {
  try {
    q.get(true, ms);
    out[0] = 2;
  } catch (e) {
    out[0] = e instanceof QueueEmpty ? 1 : 3;
  }
}

/** Records in `out[0]` how a timed put ended: 1 QueueFull, 2 put. */
export function timedPut(q: Queue, out: Int32Array, ms: number) {
  try {
    q.put("x", true, ms);
    out[0] = 2;
  } catch (e) {
    out[0] = e instanceof QueueFull ? 1 : 3;
  }
}

/** Records in `out[0]` how a blocking get ended: 1 QueueShutDown, 2 an item. */
export function getUntilShutDown(q: Queue, out: Int32Array) {
  try {
    q.get();
    out[0] = 2;
  } catch (e) {
    out[0] = e instanceof QueueShutDown ? 1 : 3;
  }
}

/** A custom error class, to check that its name crosses. */
export class AppError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppError";
  }
}

/** The seed's ExcThread: reports its exception through the bucket queue. */
export class ExcThread extends Thread {
  bucket: Queue;
  constructor(bucket: Queue) {
    super();
    this.bucket = bucket;
  }
  override run() {
    try {
      throw new Error("An error occured here.");
    } catch (e) {
      this.bucket.put(e);
    }
    try {
      throw new AppError("custom");
    } catch (e) {
      this.bucket.put({ type: (e as Error).name, error: e });
    }
  }
}

/** Records whether the arguments arrived as the same queues of the right classes. */
export function sameQueues(
  a: Queue,
  b: { again: Queue },
  p: PriorityQueue,
  s: SimpleQueue,
  out: Int32Array,
) {
  out[0] = a === b.again ? 1 : 2;
  out[1] = a instanceof Queue && !(a instanceof LifoQueue) ? 1 : 2;
  out[2] = p instanceof PriorityQueue ? 1 : 2;
  out[3] = s instanceof SimpleQueue ? 1 : 2;
  s.put("from thread");
}

/** Gets `count` items with getAsync and puts them, doubled, into `out`. */
export async function asyncDoubler(q: Queue<number>, out: Queue<number>, count: number) {
  for (let i = 0; i < count; i++) await out.putAsync(2 * (await q.getAsync()));
}

function ints(n = 4) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/** Waits (polling, with a generous limit) until the queue's `word` reaches `count`. */
function until(q: Queue | SimpleQueue, word: number, count: number) {
  const words = queueWords(q);
  const deadline = performance.now() + 20_000;
  while (Atomics.load(words, word) < count && performance.now() < deadline) {
    Atomics.wait(ints(1), 0, 0, 1);
  }
  assert.equal(Atomics.load(words, word), count);
}

function drain<T>(q: Queue<T> | SimpleQueue<T>): T[] {
  const out: T[] = [];
  while (!q.empty()) out.push(q.get());
  return out;
}

// ---- Single thread ----

Deno.test("Queue, LifoQueue and PriorityQueue keep their orders", async (t) => {
  const items = [5, 3, 8, 1, 9, 2, 7];
  const cases: [string, Queue<number>, number[]][] = [
    ["Queue", new Queue(), items],
    ["LifoQueue", new LifoQueue(), [...items].reverse()],
    ["PriorityQueue", new PriorityQueue(), [...items].sort((a, b) => a - b)],
    ["SimpleQueue", new SimpleQueue() as never, items],
  ];
  for (const [name, q, expected] of cases) {
    await t.step(name, () => {
      for (const n of items) q.put(n);
      assert.equal(q.qsize(), items.length);
      assert.deepEqual(drain(q), expected);
      assert.equal(q.empty(), true);
    });
  }
});

Deno.test("PriorityQueue compares arrays like Python tuples, strings by text", () => {
  const q = new PriorityQueue<[number, string] | [number, string, number]>();
  for (
    const item of [[2, "b"], [1, "z"], [2, "a"], [1, "z", 0], [0, "x"]] as const
  ) q.put([...item] as never);
  assert.deepEqual(drain(q), [[0, "x"], [1, "z"], [1, "z", 0], [2, "a"], [2, "b"]]);
  const s = new PriorityQueue<string>();
  for (const w of ["pear", "apple", "fig"]) s.put(w);
  assert.deepEqual(drain(s), ["apple", "fig", "pear"]);
});

Deno.test("PriorityQueue.put() refuses an item it cannot order, and keeps the queue", () => {
  const q = new PriorityQueue<unknown>();
  q.put([1, { a: 1 }]);
  q.put([1, { a: 1 }]); // equal: no comparison of the objects needed
  assert.throws(() => q.put("x"), {
    name: "TypeError",
    message: /'<' is not supported between string and array/,
  });
  assert.throws(() => q.put([1, { a: 2 }]), TypeError);
  assert.equal(q.qsize(), 2);
  assert.equal(q.unfinishedTasks, 2);
  assert.deepEqual(drain(q), [[1, { a: 1 }], [1, { a: 1 }]]);
});

Deno.test("PriorityQueue stays ordered through interleaved puts, gets and arena reuse", () => {
  const q = new PriorityQueue<[number, string]>();
  const model: [number, string][] = [];
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 3000; i++) {
    if (model.length === 0 || rand(10) < 6) {
      const item: [number, string] = [rand(100), "pad".repeat(rand(30))];
      q.put(item);
      model.push(item);
    } else {
      model.sort((a, b) => a[0] - b[0]);
      assert.equal(q.get()[0], model.shift()![0]);
    }
  }
  model.sort((a, b) => a[0] - b[0]);
  assert.deepEqual(drain(q).map((x) => x[0]), model.map((x) => x[0]));
});

Deno.test("getNowait() and putNowait() throw QueueEmpty and QueueFull", () => {
  const q = new Queue<string>(2);
  assert.equal(q.maxsize, 2);
  assert.throws(() => q.getNowait(), QueueEmpty);
  assert.throws(() => q.get(false), {
    name: "QueueEmpty",
    message: "Cannot get from the queue: it is empty",
  });
  q.putNowait("a");
  q.put("b", false);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait("c"), {
    name: "QueueFull",
    message: "Cannot put into the queue: it is full (maxsize 2)",
  });
  assert.ok(new QueueFull() instanceof Error);
  assert.equal(q.getNowait(), "a");
  assert.equal(q.full(), false);
});

Deno.test("timed get() and put() give up after the timeout", () => {
  const q = new Queue<number>(1);
  const t0 = performance.now();
  assert.throws(() => q.get(true, 30), {
    name: "QueueEmpty",
    message: "Cannot get from the queue: it stayed empty for 30 ms",
  });
  assert.ok(performance.now() - t0 >= 25);
  q.put(1);
  assert.throws(() => q.put(2, true, 10), QueueFull);
  assert.equal(q.get(true, 0), 1);
});

Deno.test("argument rules follow CPython's", () => {
  const q = new Queue();
  assert.throws(() => q.get(true, -1), {
    name: "RangeError",
    message:
      "Cannot get from the queue: 'timeout' must be a non-negative number, received -1",
  });
  assert.throws(() => q.put(1, true, -5), {
    name: "RangeError",
    message: /'timeout' must be a non-negative number, received -5/,
  });
  assert.throws(() => q.get(true, NaN), RangeError);
  assert.throws(() => q.get(true, 2 ** 40), RangeError);
  assert.throws(() => q.get(true, "1" as never), TypeError);
  assert.throws(() => q.get(1 as never), TypeError);
  // A timeout is ignored without blocking, as in Python.
  assert.throws(() => q.get(false, -1), QueueEmpty);
  q.put(1, false, -1);
  assert.throws(() => new Queue(1.5), TypeError);
  assert.throws(() => new Queue(0, { maxBytes: 0 }), RangeError);
  assert.equal(new Queue(-3).maxsize, 0);
});

Deno.test("taskDone() counts down; too many calls throw RangeError", () => {
  const q = new Queue();
  q.put("a");
  q.put("b");
  assert.equal(q.unfinishedTasks, 2);
  q.get();
  q.taskDone();
  q.get();
  q.taskDone();
  assert.equal(q.unfinishedTasks, 0);
  q.join(); // returns at once
  assert.throws(() => q.taskDone(), {
    name: "RangeError",
    message: /task_done\(\) called too many times/,
  });
});

Deno.test("items keep their value and type through a queue", async (t) => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const cases: [string, unknown][] = [
    ["null", null],
    ["string", "héllo \u{1F600} \ud800"],
    ["number", 3.25],
    ["JSON data", { a: [1, "two", { b: null, c: true }], d: {} }],
    ["undefined", undefined],
    ["NaN", NaN],
    ["-0", -0],
    ["Infinity", [Infinity]],
    ["bigint", 2n ** 70n],
    ["Map", new Map<unknown, unknown>([[1, { x: 1 }], ["k", [2]]])],
    ["Set", new Set([1, "a"])],
    ["Date", new Date(1_700_000_000_000)],
    ["RegExp", /ab+c/gi],
    ["Uint8Array", new Uint8Array([1, 2, 3])],
    ["Float64Array", new Float64Array([1.5, -2])],
    ["ArrayBuffer", new Uint16Array([7, 8]).buffer],
    ["sparse array", [1, , 3]],
    ["object with undefined", { a: undefined, b: 1 }],
    ["cycle", cyclic],
  ];
  const q = new Queue();
  for (const [name, value] of cases) {
    await t.step(name, () => {
      q.put(value);
      assert.deepEqual(q.get(), value);
    });
  }
  await t.step("Error subclasses keep name, message, stack and cause", () => {
    const e = new AppError("bad");
    (e as { cause?: unknown }).cause = new RangeError("inner");
    q.put([e, new TypeError("t")]);
    const [got, te] = q.get() as [Error, Error];
    assert.ok(got instanceof Error);
    assert.equal(got.name, "AppError");
    assert.equal(got.message, "bad");
    assert.equal(got.stack, e.stack);
    assert.ok(got.cause instanceof RangeError);
    assert.ok(te instanceof TypeError);
  });
  await t.step("an object holding a Lock gets the same Lock", () => {
    const lock = new Lock();
    q.put({ lock, again: [lock] });
    const got = q.get() as { lock: Lock; again: Lock[] };
    assert.equal(got.lock, lock);
    assert.equal(got.again[0], lock);
  });
  await t.step("a SharedArrayBuffer and a view of one arrive as the same memory", () => {
    const sab = new SharedArrayBuffer(16);
    q.put({ sab, view: new Int32Array(sab, 4, 2) });
    const got = q.get() as { sab: SharedArrayBuffer; view: Int32Array };
    got.view[0] = 5;
    assert.equal(new Int32Array(sab)[1], 5);
    assert.equal(got.view.length, 2);
    new Int32Array(got.sab)[3] = 9;
    assert.equal(new Int32Array(sab)[3], 9);
  });
  await t.step("a PriorityQueue orders items that hold shared objects", () => {
    const pq = new PriorityQueue<[number, { lock: Lock }]>();
    const locks = [new Lock(), new Lock(), new Lock()];
    for (const i of [2, 0, 1]) pq.put([i, { lock: locks[i] }]);
    for (let i = 0; i < 3; i++) {
      const [p, { lock }] = pq.get();
      assert.equal(p, i);
      assert.equal(lock, locks[i]);
    }
  });
  await t.step("an item is a copy, taken when it is put", () => {
    const item = { n: 1 };
    q.put(item);
    item.n = 2;
    const got = q.get() as { n: number };
    assert.equal(got.n, 1);
    assert.notEqual(got, item);
  });
});

Deno.test("put() refuses what cannot go through a queue, saying what to do", async (t) => {
  class Point {
    constructor(public x: number) {}
    norm() {
      return Math.abs(this.x);
    }
  }
  const cases: [string, unknown, RegExp][] = [
    [
      "function",
      { f: () => 1 },
      /the item\.f is an arrow function in a field \(`f = \(…\) => …`\), which cannot travel to another thread.*in a plain object, pass an exported function/,
    ],
    ["symbol", [Symbol("s")], /the item\[0\] is Symbol\(s\)/],
    [
      "class instance",
      new Point(1),
      /the item is an instance of class Point, which has methods.*make Point extend Shareable/,
    ],
    ["promise", new Map([[1, Promise.resolve()]]), /is an instance of Promise/],
  ];
  const q = new Queue();
  for (const [name, value, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => q.put(value), { name: "TypeError", message });
    });
  }
  assert.equal(q.qsize(), 0);
  assert.equal(q.unfinishedTasks, 0);
});

Deno.test("a queue grows for many and large items, up to its maxBytes", () => {
  const q = new Queue<{ i: number; s: string }>();
  for (let i = 0; i < 20_000; i++) q.put({ i, s: "x".repeat(i % 64) });
  for (let i = 0; i < 20_000; i++) assert.equal(q.get().i, i);
  const big = "y".repeat(1 << 20);
  q.put({ i: -1, s: big });
  assert.equal(q.get().s.length, big.length);
  const small = new Queue<string>(0, { maxBytes: 1000 });
  small.put("z".repeat(900));
  // No room for the item's bytes: full, as a bounded queue is (Python's Full).
  assert.throws(() => small.putNowait("z".repeat(200)), {
    name: "QueueFull",
    message:
      /it is full \(its items leave no room for 202 more bytes \(maxBytes 1000\)\)/,
  });
  assert.throws(() => small.put("z".repeat(200), true, 30), {
    name: "QueueFull",
    message: /stayed full .* for 30 ms/,
  });
  // An item that can never fit: a RangeError at once, blocking or not.
  for (
    const put of [
      () => small.put("z".repeat(2000)),
      () => small.putNowait("z".repeat(2000)),
    ]
  ) {
    assert.throws(put, {
      name: "RangeError",
      message: /the item takes 2002 bytes, more than the queue's maxBytes 1000/,
    });
  }
  assert.equal(small.qsize(), 1);
  assert.equal(small.unfinishedTasks, 1);
  assert.equal(small.get().length, 900);
  small.put("z".repeat(990)); // room again once emptied
  assert.equal(small.get().length, 990);
});

export function putMany(q: Queue<[number, Uint8Array]>, count: number, size: number) {
  for (let i = 0; i < count; i++) q.put([i, new Uint8Array(size).fill(i)]); // waits for room
  q.put([count, new Uint8Array(0)]);
}

Deno.test("a blocking put into a queue whose maxBytes are taken waits for room (all kinds, sync and async)", async () => {
  // Ten items of ~4 KiB through 10 KiB: the producer is ahead and must wait, not fail.
  const opts = { maxBytes: 10_000 };
  for (
    const q of [
      new Queue(0, opts),
      new LifoQueue(0, opts),
      new PriorityQueue(0, opts),
      new SimpleQueue(opts),
    ] as Queue<[number, Uint8Array]>[]
  ) {
    const t = new Thread({ target: putMany, args: [q, 10, 4000] });
    t.start();
    const got: number[] = [];
    for (let i = 0; i < 11; i++) {
      const [n, bytes] = i % 2 ? q.get() : await q.getAsync();
      if (bytes.length > 0) got.push(bytes[0] === n ? n : -1);
    }
    t.join();
    assert.deepEqual(
      got.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      String(q),
    );
  }
  // putAsync waits too.
  const q = new Queue<string>(0, { maxBytes: 100 });
  q.put("x".repeat(90));
  let done = false;
  const p = q.putAsync("y".repeat(50)).then(() => done = true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done, false);
  assert.equal(q.get().length, 90);
  await p;
  assert.equal(q.get().length, 50);
});

Deno.test("a blocking put that waits for room nobody can make is a deadlock, reported", () => {
  const q = new Queue<string>(0, { maxBytes: 100 });
  q.put("x".repeat(90));
  assert.throws(() => q.put("y".repeat(50)), DeadlockError);
  assert.equal(q.qsize(), 1);
});

Deno.test("a get that cannot decode its item leaves it at the head, and getAsync() gets it (all kinds)", async () => {
  const fifo = new Queue<unknown>();
  const lifo = new LifoQueue<unknown>();
  const prio = new PriorityQueue<unknown>();
  const simple = new SimpleQueue<unknown>();
  const t = new Thread({ target: putBoxes, args: [fifo, lifo, prio, simple] });
  t.start();
  t.join();
  // QBox's module has a top-level await: a blocking get cannot load it to revive it.
  const refused = {
    name: "TypeError",
    message:
      /Cannot receive a QBox from another thread: its module file:.*queue_box\.ts cannot be loaded synchronously in this thread \(a blocking get loads only a local file: module without a top-level await\).*the item stays at the head of the queue; get it with getAsync\(\)/,
  };
  assert.equal(fifo.get(), "a");
  for (const q of [fifo, lifo, prio]) {
    const before = [q.qsize(), q.unfinishedTasks];
    assert.throws(() => q.get(), refused);
    assert.throws(() => q.getNowait(), refused);
    assert.deepEqual([q.qsize(), q.unfinishedTasks], before);
  }
  assert.throws(() => simple.get(), refused);
  assert.throws(() => simple.getNowait(), refused);
  assert.equal(simple.qsize(), 1);
  // The retry the message advises: the same item, its shared memory intact.
  const box = await fifo.getAsync() as QBox;
  assert.ok(box instanceof QBox);
  assert.equal(box.n.value, 1);
  assert.equal(fifo.get(), "c");
  assert.equal(((await lifo.getAsync()) as QBox).n.value, 2);
  assert.equal(lifo.get(), "a");
  const [p, pbox] = prio.get() as [number, QBox]; // the module is loaded now
  assert.deepEqual([p, pbox.n.value, pbox instanceof QBox], [1, 3, true]);
  assert.deepEqual(prio.get(), [2, "b"]);
  assert.equal(((await simple.getAsync()) as QBox).n.value, 4);
  for (const q of [fifo, lifo, prio]) {
    assert.equal(q.qsize(), 0);
    while (q.unfinishedTasks > 0) q.taskDone();
    q.join(); // returns: no task was lost
  }
});

Deno.test("shutdown() refuses puts, lets gets drain, then refuses them", () => {
  const q = new Queue<number>();
  q.put(1);
  q.put(2);
  q.shutdown();
  assert.equal(q.isShutdown, true);
  assert.throws(() => q.put(3), QueueShutDown);
  assert.equal(q.get(), 1);
  assert.equal(q.get(), 2);
  assert.throws(() => q.get(), {
    name: "QueueShutDown",
    message: "Cannot get from the queue: the queue was shut down",
  });
  const r = new Queue<number>();
  r.put(1);
  r.shutdown(true);
  assert.equal(r.qsize(), 0);
  assert.equal(r.unfinishedTasks, 0);
  assert.throws(() => r.getNowait(), QueueShutDown);
});

Deno.test("toString() and console.log show the class, size and bound", () => {
  const q = new LifoQueue(3);
  q.put(1);
  assert.equal(String(q), "<LifoQueue size=1 maxsize=3>");
  assert.equal(Deno.inspect(new SimpleQueue()), "<SimpleQueue size=0>");
});

Deno.test("getAsync() and putAsync() wait without blocking the event loop", async () => {
  const q = new Queue<number>(1);
  const got = q.getAsync();
  q.put(7); // a blocking call on the same thread does not deadlock with the async one
  assert.equal(await got, 7);
  await q.putAsync(1);
  const pending = q.putAsync(2);
  let settled = false;
  pending.then(() => settled = true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(settled, false);
  assert.equal(await q.getAsync(), 1);
  await pending;
  assert.equal(q.get(), 2);
  await assert.rejects(q.getAsync(true, 15), QueueEmpty);
  await assert.rejects(q.getAsync(false), QueueEmpty);
  await assert.rejects(q.getAsync(true, -1), RangeError);
  q.put(0);
  await assert.rejects(q.putAsync(1, true, 10), QueueFull);
  q.get();
  q.taskDone();
  q.taskDone();
  q.taskDone();
  const joined = q.joinAsync();
  q.taskDone();
  await joined;
  assert.equal(Atomics.load(queueWords(q), Q_LOCK), 0);
});

// ---- Across threads ----

Deno.test("producers and consumers in threads pass every item exactly once", async () => {
  const q = new Queue<unknown>(8);
  const out = new Queue<[number, number, { text: string }]>();
  const producers = [0, 1, 2].map((id) =>
    new Thread({ target: producer, args: [q, id, 300] })
  );
  const consumers = [0, 1].map(() => new Thread({ target: consumer, args: [q, out] }));
  for (const t of [...producers, ...consumers]) t.start();
  for (const t of producers) t.join();
  for (const _ of consumers) q.put(null);
  for (const t of consumers) t.join();
  q.join();
  const got = drain(out).map(([id, i, { text }]) => {
    assert.equal(text, `p${id}-${i}`);
    return id * 1000 + i;
  });
  assert.equal(got.length, 900);
  assert.deepEqual(
    got.sort((a, b) => a - b),
    [0, 1, 2].flatMap((id) => Array.from({ length: 300 }, (_, i) => id * 1000 + i)),
  );
  assert.equal(q.unfinishedTasks, 0);
  assert.equal(Atomics.load(queueWords(q), Q_LOCK), 0);
  await shutdown();
});

Deno.test("stress: blocking and async consumers drain bounded queues exactly", async (t) => {
  const cases: [string, () => Queue<number>][] = [
    ["Queue(1)", () => new Queue(1)],
    ["Queue(3)", () => new Queue(3)],
    ["PriorityQueue(2)", () => new PriorityQueue(2)],
    ["LifoQueue(0)", () => new LifoQueue()],
  ];
  for (const [name, make] of cases) {
    await t.step(name, () => {
      const q = make();
      const out = new Queue<number>();
      const producers = [0, 1, 2].map((id) =>
        new Thread({ target: numberProducer, args: [q, id, 400] })
      );
      const consumers = [
        new Thread({ target: numberConsumer, args: [q, out] }),
        new Thread({ target: numberConsumer, args: [q, out] }),
        new Thread({ target: asyncNumberConsumer, args: [q, out] }),
      ];
      for (const th of [...producers, ...consumers]) th.start();
      for (const th of producers) th.join();
      for (const _ of consumers) q.put(Infinity);
      for (const th of consumers) th.join();
      // A LifoQueue hands out the stop markers first: what is left counts too.
      const got = [...drain(out), ...drain(q)].sort((a, b) => a - b);
      const want = [0, 1, 2].flatMap((id) =>
        Array.from({ length: 400 }, (_, i) => id * 100_000 + i)
      );
      assert.deepEqual(got, want);
      const words = queueWords(q);
      assert.equal(q.qsize(), 0);
      assert.equal(Atomics.load(words, Q_LOCK), 0);
      assert.equal(Atomics.load(words, Q_NE_WAITERS), 0);
      assert.equal(Atomics.load(words, Q_NF_WAITERS), 0);
    });
  }
  await shutdown();
});

Deno.test("a thread's put() blocks while a bounded queue is full", async () => {
  const q = new Queue<number>(2);
  const t = new Thread({ target: putNumbers, args: [q, 10] });
  t.start();
  until(q, Q_NF_WAITERS, 1); // the producer sleeps: the queue is full
  assert.equal(q.qsize(), 2);
  assert.equal(q.full(), true);
  const got: number[] = [];
  for (let i = 0; i < 10; i++) got.push(q.get());
  t.join();
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await shutdown();
});

Deno.test("timed get() and put() in threads end with QueueEmpty and QueueFull", async () => {
  const q = new Queue(1);
  const a = ints();
  const t1 = new Thread({ target: timedGet, args: [q, a, 30] });
  t1.start();
  t1.join();
  assert.equal(a[0], 1);
  q.put("full");
  const b = ints();
  const t2 = new Thread({ target: timedPut, args: [q, b, 30] });
  t2.start();
  t2.join();
  assert.equal(b[0], 1);
  // A getter woken by a put before its timeout gets the item.
  q.get();
  const c = ints();
  const t3 = new Thread({ target: timedGet, args: [q, c, 20_000] });
  t3.start();
  until(q, Q_NE_WAITERS, 1);
  q.put("item");
  t3.join();
  assert.equal(c[0], 2);
  await shutdown();
});

Deno.test("LifoQueue and PriorityQueue keep their order across threads", async () => {
  const lifo = new LifoQueue<number>();
  const prio = new PriorityQueue<number>();
  const t1 = new Thread({ target: putNumbers, args: [lifo, 5] });
  const t2 = new Thread({ target: putNumbers, args: [prio, 5] });
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  assert.deepEqual(drain(lifo), [4, 3, 2, 1, 0]);
  assert.deepEqual(drain(prio), [0, 1, 2, 3, 4]);
  await shutdown();
});

Deno.test("join() returns once threads have marked every item done", async () => {
  const q = new Queue<number>();
  const done = ints();
  for (let i = 0; i < 60; i++) q.put(i);
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: worker, args: [q, done, 20] })
  );
  for (const t of threads) t.start();
  q.join();
  assert.equal(Atomics.load(done, 0), 60);
  assert.equal(Atomics.load(queueWords(q), Q_DONE_WAITERS), 0);
  for (const t of threads) t.join();
  await shutdown();
});

Deno.test("ExcThread: an Error put in a thread is got in the main thread", async () => {
  const bucket = new Queue();
  const thread = new ExcThread(bucket);
  thread.start();
  const got: unknown[] = [];
  for (;;) {
    try {
      got.push(bucket.get(false));
    } catch (e) {
      if (!(e instanceof QueueEmpty)) throw e;
    }
    thread.join(100);
    if (!thread.isAlive()) break;
  }
  while (!bucket.empty()) got.push(bucket.get(false));
  assert.equal(got.length, 2);
  const first = got[0] as Error;
  assert.ok(first instanceof Error);
  assert.equal(first.message, "An error occured here.");
  assert.match(first.stack!, /ExcThread\.run/);
  const second = got[1] as { type: string; error: Error };
  assert.equal(second.type, "AppError");
  assert.equal(second.error.name, "AppError");
  assert.equal(second.error.message, "custom");
  await shutdown();
});

Deno.test("a queue passed to a thread arrives as the same queue of its class", async () => {
  const q = new Queue();
  const p = new PriorityQueue();
  const s = new SimpleQueue<string>();
  const out = ints();
  const t = new Thread({ target: sameQueues, args: [q, { again: q }, p, s, out] });
  t.start();
  t.join();
  assert.deepEqual([...out], [1, 1, 1, 1]);
  assert.equal(s.get(), "from thread");
  await shutdown();
});

Deno.test("async twins in a thread interoperate with blocking callers", async () => {
  const q = new Queue<number>(2);
  const out = new Queue<number>(1);
  const t = new Thread({ target: asyncDoubler, args: [q, out, 20] });
  t.start();
  const got: number[] = [];
  for (let i = 0; i < 20; i++) {
    q.put(i);
    // The main thread waits without blocking its event loop.
    if (i % 2 === 1) got.push(await out.getAsync(), await out.getAsync());
  }
  t.join();
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => 2 * i));
  await shutdown();
});

Deno.test("shutdown() wakes a getter blocked in another thread", async () => {
  const q = new Queue();
  const out = ints();
  const t = new Thread({ target: getUntilShutDown, args: [q, out] });
  t.start();
  until(q, Q_NE_WAITERS, 1);
  q.shutdown();
  t.join();
  assert.equal(out[0], 1);
  await shutdown();
});

Deno.test("an async wait of the main thread that nothing can settle ends the program, not a silent hang", async () => {
  const fixture = new URL("./fixtures/async_forever.ts", import.meta.url).pathname;
  const run = (mode: string) =>
    runDeno(["run", "--no-lock", "--allow-read", fixture, mode], {
      timeoutMs: 60_000,
      stdin: "null",
    });
  for (const mode of ["event", "queue"]) {
    const r = await run(mode);
    assert.equal(r.killed, false, `${mode}: hung (${r.stdout}${r.stderr})`);
    assert.equal(r.code, 1, `${mode}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^main: awaits forever$/m);
    assert.match(r.stderr, /Top-level await promise never resolved/);
  }
  // A thread alive (daemon or not) may settle the wait: the program waits for it.
  for (const mode of ["daemon", "thread"]) {
    const r = await run(mode);
    assert.equal(r.code, 0, `${mode}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^main: waitAsync\(\) returned true$/m, mode);
  }
});

Deno.test("the main module's exports: refused with the reason before its first await (the item stays), found after", async () => {
  const fixture = new URL("./fixtures/queue_main_class.ts", import.meta.url).pathname;
  const r = await runDeno(["run", "--no-lock", "--allow-read", fixture], {
    timeoutMs: 60_000,
    stdin: "null",
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /^before an await: Cannot receive a Box from another thread: its module file:.*queue_main_class\.ts is the program's main module, whose exports a blocking get can look up only once the main module has reached its first await \(or finished\); the item stays at the head of the queue; get it with getAsync\(\)/m,
  );
  assert.match(r.stdout, /^qsize 2 unfinished 2$/m);
  assert.match(r.stdout, /^after an await: Box true 7$/m);
  assert.match(r.stdout, /^after an await: AppError true$/m);
});

Deno.test("an item put back after a failed decode takes its place while others came and went (index at 0, arena reused)", () => {
  // Under the lock, as a failing get does: take, then, after other puts, restore.
  const cases: [Queue<unknown>, unknown[]][] = [
    [new Queue<unknown>(), ["back", "x", "y"]],
    [new LifoQueue<unknown>(), ["back", "y", "x"]],
    [new PriorityQueue<unknown>(), [[0, "back"], [1, "x"], [2, "y"]]],
  ];
  for (const [q, order] of cases) {
    const isPrio = q instanceof PriorityQueue;
    const core = coreOf(q);
    q.put(isPrio ? [0, new Map([["k", "back"]])] : new Map([["k", "back"]]));
    const unfinished = q.unfinishedTasks;
    const raw = core.take() as Uint8Array; // the queue is empty now: offsets restart
    q.put(isPrio ? [2, "y"] : "x");
    q.put(isPrio ? [1, "x"] : "y");
    core.restore(raw, raw.length);
    assert.equal(q.qsize(), 3);
    assert.equal(q.unfinishedTasks, unfinished + 2, "no new task for the item put back");
    const got = [q.get(), q.get(), q.get()].map((v) =>
      v instanceof Map
        ? "back"
        : Array.isArray(v) && v[1] instanceof Map
        ? [0, "back"]
        : v
    );
    assert.deepEqual(got, order, q.toString());
    assert.equal(queueWords(q)[18], 0, "no room left reserved");
  }
});
