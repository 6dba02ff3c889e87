// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { Thread } from "../src/thread.ts";
import { shutdown } from "../src/thread_functions.ts";
import { Lock } from "../src/lock.ts";
import {
  Shareable,
  shared,
  SharedBigInt64,
  SharedBoolean,
  SharedFloat64,
  SharedInt32,
  SharedJSON,
  SharedList,
} from "../src/shared.ts";

// ---- Shareable classes and thread targets (exported: code travels by reference) ----

/** The seeds' Counter: a lock, a shared value, `increment()`. */
export class Counter extends Shareable {
  lock = new Lock();
  @shared
  accessor value = 0;

  increment(): void {
    this.lock.acquire();
    try {
      this.value = this.value + 1;
    } finally {
      this.lock.release();
    }
  }
}

/** The seeds' ActivePool: a lock and a shared list of names. */
export class ActivePool extends Shareable {
  active = new SharedList<string>();
  lock = new Lock();
  seen = new SharedList<string>();

  makeActive(name: string): void {
    using _ = this.lock.hold();
    this.active.push(name);
    this.seen.push(`Running: ${this.active}`);
  }

  makeInactive(name: string): void {
    using _ = this.lock.hold();
    this.active.remove(name);
    this.seen.push(`Running: ${this.active}`);
  }
}

/** A Shareable holding other shared things and plain data. */
export class Box extends Shareable {
  hits = new SharedInt32(0);
  big = new SharedBigInt64(0n);
  ratio = new SharedFloat64(0);
  flag = new SharedBoolean(false);
  doc = new SharedJSON<{ names: string[] }>({ names: [] });
  label: string;
  inner: Counter;

  constructor(label: string, inner: Counter) {
    super();
    this.label = label;
    this.inner = inner;
  }

  describe(): string {
    return `${this.label}:${this.inner.value}`;
  }
}

/** A Thread subclass with a Shareable field. */
export class CountingThread extends Thread {
  counter: Counter;
  times: number;

  constructor(counter: Counter, times: number) {
    super();
    this.counter = counter;
    this.times = times;
  }

  override run(): void {
    for (let i = 0; i < this.times; i++) this.counter.increment();
  }
}

/** Increments `counter` `times` times. */
export function worker(counter: Counter, times: number): void {
  for (let i = 0; i < times; i++) counter.increment();
}

/** Adds to the cells without a lock, using their atomic operations. */
export function atomics(box: Box, times: number): void {
  for (let i = 0; i < times; i++) {
    box.hits.add(1);
    box.big.add(2n);
    box.ratio.add(0.5);
  }
}

/** Checks what arrived: classes, identity, sharing; writes 1s into `out` for each pass. */
export function inspect(
  out: Int32Array,
  nested: { boxes: Box[]; counter: Counter },
  again: Counter,
): void {
  const box = nested.boxes[0];
  out[0] = box instanceof Box ? 1 : 0;
  out[1] = nested.counter instanceof Counter ? 1 : 0;
  out[2] = nested.counter === again ? 1 : 0;
  out[3] = box.inner === again ? 1 : 0;
  out[4] = box.inner.lock === again.lock ? 1 : 0;
  out[5] = box.describe() === "plain:7" ? 1 : 0;
  out[6] = nested.boxes[1] === box ? 1 : 0;
  again.increment();
  box.flag.value = true;
  box.doc.update((d) => {
    d.names.push("from thread");
  });
  try {
    box.label = "changed in thread";
  } catch (e) {
    // A plain field is a read-only copy: the change would be silent, so it throws.
    out[7] = e instanceof TypeError ? 1 : 0;
  }
}

/** Pushes big strings so that the list's buffer grows inside this thread. */
export function grow(list: SharedList<string>, count: number, size: number): void {
  for (let i = 0; i < count; i++) list.push(String(i).padEnd(size, "."));
}

/** Runs a pool member: in, check, out. */
export function member(pool: ActivePool, name: string): void {
  pool.makeActive(name);
  pool.makeInactive(name);
}

/** Not exported from this module: cannot travel. */
class Hidden extends Shareable {
  n = new SharedInt32(0);
}

/** Has methods but does not opt in. */
class Plain {
  n = 1;
  get double(): number {
    return this.n * 2;
  }
}

/** A Shareable with a field that cannot travel. */
export class WithCallback extends Shareable {
  callback = () => 1;
}

/** Does nothing. */
export function noop(..._args: unknown[]): void {}

function ints(n = 16): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

function runAll(threads: Thread[]): void {
  for (const t of threads) t.start();
  for (const t of threads) t.join();
}

// ---- Across threads ----

Deno.test("Counter.increment() from 4 threads gives an exact total", async () => {
  const counter = new Counter();
  const threads = Array.from(
    { length: 4 },
    () => new Thread({ target: worker, args: [counter, 250] }),
  );
  runAll(threads);
  assert.equal(counter.value, 1000);
  await shutdown();
});

Deno.test("Counter as a field of a Thread subclass is the shared counter", async () => {
  const counter = new Counter();
  runAll([new CountingThread(counter, 50), new CountingThread(counter, 70)]);
  assert.equal(counter.value, 120);
  await shutdown();
});

Deno.test("atomic cell operations from 4 threads give exact totals", async () => {
  const box = new Box("b", new Counter());
  runAll(
    Array.from({ length: 4 }, () => new Thread({ target: atomics, args: [box, 500] })),
  );
  assert.equal(box.hits.value, 2000);
  assert.equal(box.big.value, 4000n);
  assert.equal(box.ratio.value, 1000);
  await shutdown();
});

Deno.test("Shareables nested in arrays and objects arrive as their classes, one object each", async () => {
  const counter = new Counter();
  counter.value = 7;
  const box = new Box("plain", counter);
  const out = ints();
  runAll([
    new Thread({ target: inspect, args: [out, { boxes: [box, box], counter }, counter] }),
  ]);
  assert.deepEqual([...out.slice(0, 8)], [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(counter.value, 8);
  assert.equal(box.flag.value, true);
  assert.deepEqual(box.doc.value, { names: ["from thread"] });
  // Plain fields are read-only copies: the thread's change threw, nothing changed here.
  assert.equal(box.label, "plain");
  await shutdown();
});

Deno.test("ActivePool: the shared list prints as a Python list and ends empty", async () => {
  const pool = new ActivePool();
  runAll(
    ["0", "1", "2", "3"].map((name) =>
      new Thread({ target: member, args: [pool, name], name })
    ),
  );
  assert.equal(pool.active.length, 0);
  assert.equal(String(pool.active), "[]");
  const lines = pool.seen.toArray();
  assert.equal(lines.length, 8);
  for (const line of lines) assert.match(line, /^Running: \[('\d'(, )?)*\]$/);
  await shutdown();
});

Deno.test("a SharedList grows in one thread and is read whole in another", async () => {
  const list = new SharedList<string>([], { maxBytes: 1 << 20 });
  runAll([new Thread({ target: grow, args: [list, 200, 1000] })]);
  assert.equal(list.length, 200);
  assert.equal(list.at(199), "199".padEnd(1000, "."));
  list.push("main");
  assert.equal(list.length, 201);
  await shutdown();
});

Deno.test("start() refuses what cannot travel, naming it and saying what to do", async () => {
  assert.throws(
    () => new Thread({ target: noop, args: [{ p: new Plain() }] }).start(),
    (e: Error) =>
      e instanceof TypeError && e.message.includes("args[0].p") &&
      e.message.includes("extend Shareable"),
  );
  assert.throws(
    () => new Thread({ target: noop, args: [new WithCallback()] }).start(),
    (e: Error) => e instanceof TypeError && e.message.includes("args[0].callback"),
  );
  assert.throws(
    () => new Thread({ target: noop, args: [new Hidden()] }).start(),
    (e: Error) => e.message.includes("does not export a Shareable class named Hidden"),
  );
  await shutdown();
});

// ---- One thread ----

Deno.test("@shared fields read like fields; the cell's own fields stay out of Object.keys", () => {
  const c = new Counter();
  assert.equal(c.value, 0);
  c.increment();
  c.increment();
  assert.equal(c.value, 2);
  assert.deepEqual(Object.keys(c), ["lock"]);
  assert.throws(() => {
    (c as unknown as { value: string }).value = "x";
  }, TypeError);
});

Deno.test("SharedInt32 checks its values and returns previous values", () => {
  const n = new SharedInt32(5);
  assert.equal(n.add(2), 5);
  assert.equal(n.sub(), 7);
  assert.equal(n.exchange(1), 6);
  assert.equal(n.compareExchange(1, 9), 1);
  assert.equal(n.compareExchange(1, 3), 9);
  assert.equal(n.value, 9);
  assert.equal(+n, 9);
  assert.equal(JSON.stringify({ n }), '{"n":9}');
  assert.throws(() => new SharedInt32(2 ** 31), RangeError);
  assert.throws(() => new SharedInt32(1.5), TypeError);
  assert.throws(() => {
    n.value = "1" as never;
  }, /Cannot set SharedInt32: expected an integer, received "1"/);
});

Deno.test("SharedFloat64, SharedBigInt64 and SharedBoolean hold their types", () => {
  const f = new SharedFloat64(-0);
  assert.ok(Object.is(f.value, -0));
  assert.equal(f.compareExchange(0, 1), -0);
  assert.ok(Object.is(f.value, -0), "0 and -0 differ in compareExchange");
  f.value = NaN;
  assert.ok(Number.isNaN(f.exchange(2.5)));
  assert.equal(f.sub(0.5), 2.5);
  assert.equal(f.value, 2);
  const b = new SharedBigInt64(2n ** 62n);
  assert.equal(b.add(1n), 2n ** 62n);
  assert.throws(() => new SharedBigInt64(2n ** 63n), RangeError);
  assert.throws(() => new SharedBigInt64(1 as never), TypeError);
  const flag = new SharedBoolean(true);
  assert.equal(flag.compareExchange(true, false), true);
  assert.equal(flag.value, false);
  assert.throws(() => new SharedBoolean(1 as never), TypeError);
});

Deno.test("SharedList has the list methods and prints as Python prints a list", () => {
  const list = new SharedList<string | number | null | boolean>(["a", 1]);
  assert.equal(list.push("it's", null, true), 5);
  assert.equal(String(list), `['a', 1, "it's", None, True]`);
  assert.equal(Deno.inspect(list), String(list));
  list.insert(0, "first");
  list.insert(-1, "before last");
  assert.deepEqual(list.toArray(), ["first", "a", 1, "it's", null, "before last", true]);
  list.remove("it's");
  assert.equal(list.indexOf(null), 3);
  assert.equal(list.includes("zzz"), false);
  assert.deepEqual(list.splice(1, 2, "x"), ["a", 1]);
  assert.equal(list.pop(), true);
  assert.equal(list.shift(), "first");
  assert.equal(list.unshift("u"), 4);
  list.set(-1, "end");
  assert.equal(list.at(-1), "end");
  assert.deepEqual([...list], ["u", "x", null, "end"]);
  assert.equal(JSON.stringify(list), '["u","x",null,"end"]');
  assert.equal(list.update((items) => items.splice(0).length), 4);
  assert.equal(list.length, 0);
  list.push(1);
  list.clear();
  assert.equal(list.length, 0);
  assert.throws(
    () => list.remove("nope"),
    /Cannot remove from SharedList: "nope" is not in the list/,
  );
  assert.throws(() => list.set(3, 1), RangeError);
});

Deno.test("SharedList's index arguments follow Python's list: pop(i), index(x, start, end)", () => {
  // CPython: [10, 20, 30].pop(0) == 10; pop(-2) is the 2nd from the end; an index out of
  // range, or any index on an empty list, raises IndexError (here RangeError).
  const list = new SharedList<number>([10, 20, 30, 40]);
  assert.equal(list.pop(0), 10);
  assert.equal(list.pop(-2), 30);
  assert.deepEqual(list.toArray(), [20, 40]);
  assert.throws(() => list.pop(2), /Cannot pop from SharedList: index out of range/);
  assert.throws(() => list.pop(-3), RangeError);
  assert.throws(() => list.pop(1.5), TypeError);
  assert.throws(() => list.pop("0" as never), TypeError);
  assert.deepEqual(list.toArray(), [20, 40]);
  assert.equal(list.pop(), 40);
  assert.equal(list.pop(0), 20);
  assert.throws(() => list.pop(0), /the list is empty/);
  // Without an index too, as CPython's [].pop(): IndexError, "pop from empty list".
  assert.throws(() => list.pop(), /Cannot pop from SharedList: pop from empty list/);
  assert.throws(() => list.pop(-1), RangeError);
  assert.throws(() => list.pop(0.5), TypeError); // the index is checked first
  assert.equal(list.shift(), undefined); // shift() is Array's: undefined when empty
  // pop() returns T, so that a port of `x: int = lst.pop()` type-checks.
  list.push(7);
  const popped: number = list.pop();
  assert.equal(popped, 7);
  // A search's start, as Array's indexOf(x, fromIndex) and Python's list.index(x, start).
  list.push(1, 2, 1, 2);
  assert.equal(list.indexOf(1, 1), 2);
  assert.equal(list.indexOf(1, -1), -1);
  assert.equal(list.indexOf(2, -1), 3);
  assert.equal(list.includes(1, 3), false);
  assert.equal(list.includes(1, -10), true);
  assert.throws(() => list.indexOf(1, 0.5), TypeError);
  // Python's list.index(x, start, end): throws where indexOf gives -1 (ValueError).
  assert.equal(list.index(1), 0);
  assert.equal(list.index(1, 1), 2);
  assert.equal(list.index(2, -1), 3);
  assert.equal(list.index(2, -10, 100), 1);
  assert.throws(() => list.index(3), /Cannot find in SharedList: 3 is not in list/);
  assert.throws(() => list.index(1, 0, 0), RangeError);
  assert.throws(() => list.index(1, 3), RangeError);
  assert.throws(() => list.index(1, 0.5), TypeError);
  assert.throws(() => list.index(1, 0, 1.5), TypeError);
});

Deno.test("SharedList refuses data that is not JSON and data that does not fit", () => {
  const list = new SharedList<string[]>([], { maxBytes: 64 });
  assert.throws(
    () => list.push([1, () => 2] as never),
    /Cannot push to SharedList: items\[0\]\[1\] is function/,
  );
  assert.throws(() => list.push([NaN] as never), TypeError);
  assert.throws(() => list.push(["x".repeat(100)]), /more than maxBytes 64/);
  assert.equal(list.length, 0);
  assert.throws(() => new SharedList([], { maxBytes: 1 }), RangeError);
  assert.throws(
    () => list.update((items) => items.push([new Date()] as never)),
    TypeError,
  );
  assert.equal(list.length, 0);
});

Deno.test("items read from a SharedList are frozen copies; pushed objects stay the caller's", () => {
  const mine = { n: 1 };
  const list = new SharedList<{ n: number }>([mine]);
  assert.ok(!Object.isFrozen(mine));
  const read = list.at(0)!;
  assert.ok(Object.isFrozen(read));
  assert.notEqual(read, mine);
  assert.equal(list.indexOf({ n: 1 }), 0);
});

Deno.test("SharedJSON replaces and updates its value as a whole", () => {
  const doc = new SharedJSON<{ a: number; b?: string[] }>({ a: 1 });
  assert.equal(String(doc), "{'a': 1}");
  doc.value = { a: 2, b: ["x"] };
  assert.deepEqual(doc.update((d) => ({ ...d, a: d.a + 1 })), { a: 3, b: ["x"] });
  assert.ok(Object.isFrozen(doc.value.b));
  assert.throws(() => {
    doc.value = { a: 1n } as never;
  }, TypeError);
});

Deno.test("large values in SharedJSON and SharedList: exact, deep-frozen, refusals name the element", () => {
  const N = 256 * 1024;
  const numbers = Array.from({ length: N }, (_, i) => i * 1.5);
  const records = Array.from({ length: 1024 }, (_, i) => ({ id: i, tags: [`t${i}`] }));
  const doc = new SharedJSON<unknown>(null, { maxBytes: 16 << 20 });
  doc.value = { numbers, records };
  const read = doc.value as { numbers: number[]; records: typeof records };
  assert.deepEqual(read, { numbers, records });
  assert.ok(Object.isFrozen(read.numbers) && Object.isFrozen(read.records[1023].tags));
  const bad: unknown[] = numbers.slice();
  bad[N - 1] = NaN;
  assert.throws(
    () => {
      doc.value = { numbers: bad };
    },
    /Cannot set SharedJSON: the value\.numbers\[262143\] is NaN, which is not JSON data/,
  );
  const nested: unknown[] = records.slice();
  nested[700] = { id: 700, tags: ["x", undefined] };
  assert.throws(
    () => new SharedList(nested, { maxBytes: 16 << 20 }),
    /Cannot create SharedList: items\[700\]\.tags\[1\] is undefined/,
  );
  const list = new SharedList(numbers, { maxBytes: 16 << 20 });
  assert.equal(list.length, N);
  assert.equal(list.at(-1), numbers[N - 1]);
  list.clear();
  assert.equal(list.length, 0);
  // Non-ASCII text above the native-conversion size round-trips.
  const text = "é€😀".repeat(4000);
  doc.value = [text];
  assert.deepEqual(doc.value, [text]);
});

Deno.test("SharedInt32 and SharedBigInt64 never wrap around: add() and sub() past the range throw", () => {
  const i = new SharedInt32(0x7fff_fffe);
  assert.equal(i.add(1), 0x7fff_fffe);
  assert.throws(() => i.add(1), {
    name: "RangeError",
    message:
      /Cannot add to SharedInt32: the result would be 2147483648, out of its range/,
  });
  assert.equal(i.value, 0x7fff_ffff, "the value is left unchanged");
  const low = new SharedInt32(-0x8000_0000);
  assert.throws(() => low.sub(1), {
    name: "RangeError",
    message: /Cannot subtract from/,
  });
  assert.equal(low.value, -0x8000_0000);
  const b = new SharedBigInt64((1n << 63n) - 1n);
  assert.throws(() => b.add(1n), { name: "RangeError", message: /SharedBigInt64/ });
  assert.equal(b.value, (1n << 63n) - 1n);
  assert.equal(b.sub(1n), (1n << 63n) - 1n);
});

Deno.test("SharedList.at() refuses a non-integer index as insert() does; -0 is stored as 0", () => {
  const list = new SharedList<number>([1, 2, 3]);
  assert.throws(() => list.at(1.5), {
    name: "TypeError",
    message: /index must be an integer, received 1.5/,
  });
  assert.throws(() => list.insert(1.5, 0), { name: "TypeError" });
  assert.equal(list.at(-1), 3);
  assert.equal(list.at(5), undefined);
  list.push(-0);
  assert.ok(Object.is(list.at(-1), 0), "the documented rule: JSON text keeps no -0");
});

/** Thread target: tries to change a Shareable's plain field and its array. */
export function changeShareable(box: Tagged, out: SharedList<string>): void {
  for (const change of [() => (box.tag = "changed"), () => box.tags.push("x")]) {
    try {
      change();
      out.push("changed");
    } catch (e) {
      out.push((e as Error).name);
    }
  }
}

/** A Shareable with plain fields: copies in every thread that receives it. */
export class Tagged extends Shareable {
  tag = "first";
  tags: string[] = [];
}

Deno.test("a Shareable's plain fields are read-only frozen copies in the receiving thread", async () => {
  const out = new SharedList<string>();
  const t = new Thread({ target: changeShareable, args: [new Tagged(), out] });
  t.start();
  t.join();
  assert.deepEqual(out.toArray(), ["TypeError", "TypeError"]);
  await shutdown();
});
