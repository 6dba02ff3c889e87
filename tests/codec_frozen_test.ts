// Copyright the threading for Deno authors. MIT license.
/**
 * Frozen copies of the kinds `Object.freeze` leaves changeable (`src/_codec_frozen.ts`):
 * a `Map`, `Set` or `Date` that a thread receives as an argument, kwarg, field or a
 * `Shareable`'s plain field throws a `TypeError` from each of its mutators and reads as
 * before; a queue item's are the getter's own, changeable; a typed array's copy stays
 * changeable (V8 cannot freeze it), a view of a `SharedArrayBuffer` is shared.
 */
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { Queue, Shareable, shutdown, Thread } from "../src/threading.ts";

/** What a thread saw when it tried to change a received value, and how it read it. */
interface Report {
  /** The mutators that did not throw a TypeError (`"set"`, `"setFullYear"`). */
  silent: string[];
  /** The message of each TypeError, by mutator. */
  messages: Record<string, string>;
  /** What the thread read from the value (the same as from a fresh one of its kind). */
  reads: unknown;
  /** `Deno.inspect` of the value. */
  shown: string;
  /** Whether a copy of one's own (`structuredClone`, `new Map(m)`) can be changed. */
  ownCopyChanges: boolean;
}

/** The mutators of each kind, with arguments, as a thread would call them. */
function mutators(value: unknown): Record<string, () => unknown> {
  if (value instanceof Map) {
    return {
      set: () => value.set("b", 2),
      delete: () => value.delete("a"),
      clear: () => value.clear(),
    };
  }
  if (value instanceof Set) {
    return {
      add: () => value.add(9),
      delete: () => value.delete(1),
      clear: () => value.clear(),
    };
  }
  const date = value as Date;
  const all: Record<string, () => unknown> = {};
  for (const name of Object.getOwnPropertyNames(Date.prototype)) {
    if (!name.startsWith("set")) continue;
    const method = (date as unknown as Record<string, (...a: number[]) => number>)[name];
    all[name] = () => method.call(date, 1999, 1, 1);
  }
  return all;
}

/** What a thread reads from a Map, Set or Date (compared with the sender's reading). */
function reads(value: unknown): unknown {
  if (value instanceof Map) {
    const each: unknown[] = [];
    value.forEach((v, k) => each.push([k, v]));
    return {
      instance: true,
      ctor: value.constructor === Map,
      size: value.size,
      get: value.get("a"),
      has: value.has("a"),
      spread: [...value],
      keys: [...value.keys()],
      each,
      json: JSON.stringify(value),
      tag: Object.prototype.toString.call(value),
    };
  }
  if (value instanceof Set) {
    const each: unknown[] = [];
    value.forEach((v) => each.push(v));
    return {
      instance: true,
      ctor: value.constructor === Set,
      size: value.size,
      has: value.has(1),
      spread: [...value],
      each,
      json: JSON.stringify(value),
      tag: Object.prototype.toString.call(value),
    };
  }
  const date = value as Date;
  return {
    instance: date instanceof Date,
    ctor: date.constructor === Date,
    time: date.getTime(),
    year: date.getUTCFullYear(),
    iso: date.toISOString(),
    json: JSON.stringify(date),
    text: String(date),
    tag: Object.prototype.toString.call(date),
  };
}

/** Whether a copy of one's own of a received value can be changed. */
function ownCopyChanges(value: unknown): boolean {
  if (value instanceof Map) {
    const clone = structuredClone(value);
    clone.set("z", 1);
    const copy = new Map(value);
    copy.set("z", 1);
    return clone.size === value.size + 1 && copy.size === value.size + 1;
  }
  if (value instanceof Set) {
    const clone = structuredClone(value);
    clone.add(99);
    return clone.size === value.size + 1 &&
      new Set(value).add(99).size === value.size + 1;
  }
  const date = value as Date;
  const clone = structuredClone(date);
  clone.setTime(5);
  return clone.getTime() === 5 && new Date(date).setTime(5) === 5;
}

/** Tries every mutator of a received value and reads it. */
function probe(value: unknown): Report {
  const report: Report = {
    silent: [],
    messages: {},
    reads: null,
    shown: "",
    ownCopyChanges: false,
  };
  for (const [name, change] of Object.entries(mutators(value))) {
    try {
      change();
      report.silent.push(name);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      report.messages[name] = error.message;
    }
  }
  report.reads = reads(value);
  report.shown = Deno.inspect(value);
  report.ownCopyChanges = ownCopyChanges(value);
  return report;
}

/** A Shareable with plain fields of the three kinds. */
export class Ledger extends Shareable {
  totals: Map<string, number>;
  seen: Set<number>;
  since: Date;
  constructor(totals: Map<string, number>, seen: Set<number>, since: Date) {
    super();
    this.totals = totals;
    this.seen = seen;
    this.since = since;
  }
}

/** Thread target: probes every received Map, Set and Date, by where it arrived. */
export function probeAll(
  map: Map<string, unknown>,
  nested: { inner: [Set<number>, Map<string, Date>] },
  ledger: Ledger,
  out: Queue<Record<string, Report>>,
  { date }: { date: Date },
): void {
  out.put({
    "args[0]": probe(map),
    "args[1].inner[0]": probe(nested.inner[0]),
    "args[1].inner[1]": probe(nested.inner[1]),
    "args[1].inner[1] value": probe(nested.inner[1].get("a")),
    "kwargs.date": probe(date),
    "ledger.totals": probe(ledger.totals),
    "ledger.seen": probe(ledger.seen),
    "ledger.since": probe(ledger.since),
  });
}

/** A Thread subclass whose fields are a Map, a Set and a Date. */
export class Tallier extends Thread {
  counts = new Map([["a", 1]]);
  tags = new Set([1, 2]);
  at = new Date(0);
  out: Queue<Record<string, Report>>;
  constructor(out: Queue<Record<string, Report>>) {
    super();
    this.out = out;
  }
  override run(): void {
    this.out.put({
      "this.counts": probe(this.counts),
      "this.tags": probe(this.tags),
      "this.at": probe(this.at),
    });
  }
}

/** The report of a fresh value of the same kind and contents, in this thread. */
function expected(value: Map<unknown, unknown> | Set<unknown> | Date) {
  return { reads: reads(value), shown: Deno.inspect(value) };
}

function checkFrozen(
  reports: Record<string, Report>,
  fresh: Record<string, Map<unknown, unknown> | Set<unknown> | Date>,
) {
  for (const [where, report] of Object.entries(reports)) {
    assert.deepEqual(report.silent, [], `${where}: mutators that changed a frozen copy`);
    const names = Object.keys(report.messages);
    assert.ok(names.length >= 3, where);
    const value = fresh[where];
    const kind = value instanceof Map ? "Map" : value instanceof Set ? "Set" : "Date";
    if (kind === "Date") {
      // Every setter of Date.prototype: setFullYear … setTime, setUTC*, setYear.
      for (
        const name of [
          "setFullYear",
          "setMonth",
          "setDate",
          "setHours",
          "setTime",
          "setUTCDate",
          "setMilliseconds",
        ]
      ) {
        assert.ok(names.includes(name), `${where}: ${name}`);
      }
    }
    for (const [name, message] of Object.entries(report.messages)) {
      assert.match(
        message,
        new RegExp(
          `^Cannot call ${name}\\(\\) on a ${kind} that came from another thread: it is a frozen copy \\(a thread's arguments, kwargs and fields arrive frozen: a change would not reach the thread that sent them\\); `,
        ),
        where,
      );
      assert.match(
        message,
        kind === "Date" ? /SharedFloat64 .* or a Queue/ : /SharedJSON .* Queue/,
        where,
      );
    }
    const { reads, shown } = expected(value);
    assert.deepEqual(report.reads, reads, where);
    assert.equal(report.shown, shown, where);
    assert.ok(report.ownCopyChanges, `${where}: a copy of one's own can be changed`);
  }
}

Deno.test("a Map, Set or Date a thread receives is a frozen copy: each mutator throws a TypeError, reads and prints as before", async () => {
  const map = new Map<string, unknown>([["a", 1], ["b", { x: [1, 2] }]]);
  const set = new Set([1, 2, 3]);
  const inner = new Map([["a", new Date(86_400_000)]]);
  const date = new Date(Date.UTC(2026, 10, 30, 7, 45));
  const ledger = new Ledger(new Map([["a", 10]]), new Set([1]), new Date(0));
  const out = new Queue<Record<string, Report>>();
  const th = new Thread({
    target: probeAll,
    args: [map, { inner: [set, inner] }, ledger, out],
    kwargs: { date },
  });
  th.start();
  th.join();
  checkFrozen(out.get(), {
    "args[0]": map,
    "args[1].inner[0]": set,
    "args[1].inner[1]": inner,
    "args[1].inner[1] value": inner.get("a")!,
    "kwargs.date": date,
    "ledger.totals": ledger.totals,
    "ledger.seen": ledger.seen,
    "ledger.since": ledger.since,
  });
  // Nothing changed in the sender, and the sender's own are as changeable as ever.
  assert.deepEqual([...map.keys()], ["a", "b"]);
  assert.deepEqual([...set], [1, 2, 3]);
  map.set("c", 3);
  set.add(4);
  date.setTime(0);
  assert.equal(Object.getPrototypeOf(map), Map.prototype);

  const sub = new Tallier(out);
  sub.start();
  sub.join();
  checkFrozen(out.get(), {
    "this.counts": sub.counts,
    "this.tags": sub.tags,
    "this.at": sub.at,
  });
  await shutdown();
});

/**
 * Thread target: changes the Map, Set and Date of a queue item and sends them back, and
 * sends back its own frozen arguments too.
 */
export function changeItem(
  inbox: Queue<[Map<string, number>, Set<number>, Date]>,
  out: Queue<unknown>,
  frozen: [Map<string, number>, Set<number>, Date],
) {
  const [map, set, date] = inbox.get();
  map.set("b", 2);
  set.add(2);
  date.setUTCFullYear(1999);
  out.put([map, set, date]);
  out.put(frozen);
}

Deno.test("a queue item's Map, Set and Date are the getter's own, changeable, even when a frozen copy was put", async () => {
  const inbox = new Queue<[Map<string, number>, Set<number>, Date]>();
  const out = new Queue<unknown>();
  inbox.put([new Map([["a", 1]]), new Set([1]), new Date(0)]);
  const th = new Thread({
    target: changeItem,
    args: [inbox, out, [new Map([["x", 1]]), new Set([5]), new Date(3)]],
  });
  th.start();
  th.join();
  for (const expected of [[["a", 1], ["b", 2]], [["x", 1]]]) {
    const [map, set, date] = out.get() as [Map<string, number>, Set<number>, Date];
    assert.deepEqual([...map], expected);
    map.set("c", 3);
    set.clear();
    date.setTime(1);
    assert.equal(date.getTime(), 1);
    assert.equal(Object.getPrototypeOf(map), Map.prototype);
    assert.equal(Object.getPrototypeOf(set), Set.prototype);
    assert.equal(Object.getPrototypeOf(date), Date.prototype);
  }
  await shutdown();
});

/** Thread target: writes to a copied typed array and to a view of shared memory. */
export function writeBytes(copied: Uint8Array, shared: Int32Array, out: Queue<string>) {
  copied[0] = 9;
  copied.fill(7, 1);
  shared[0] = 42;
  out.put(`${copied}`);
}

Deno.test("a typed array copy stays changeable (V8 cannot freeze it); a view of a SharedArrayBuffer is shared", async () => {
  const copied = new Uint8Array([1, 2, 3]);
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const out = new Queue<string>();
  const th = new Thread({ target: writeBytes, args: [copied, shared, out] });
  th.start();
  th.join();
  // As the README's "Copies are not silent" says: the copy changed, the sender's did not.
  assert.equal(out.get(), "9,7,7");
  assert.deepEqual([...copied], [1, 2, 3]);
  assert.equal(shared[0], 42);
  assert.throws(() => Object.freeze(new Uint8Array(1)), TypeError);
  await shutdown();
});

Deno.test("a change to a frozen Map, uncaught in a thread: the report gives its own words once", async () => {
  const fixture = new URL("./fixtures/frozen_map.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await runDeno([
    "run",
    "--no-lock",
    "--allow-read",
    fixture,
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "");
  const header =
    "Exception in thread counter:\nTypeError: Cannot call set() on a Map that came from another thread: it is a frozen copy (";
  assert.ok(stderr.includes(header), stderr);
  assert.equal(stderr.split("it is a frozen copy").length, 2, stderr);
  assert.match(stderr, /\n\s+at count \(.*frozen_map\.ts:\d+:\d+\)/);
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert.match(readme, /The same holds for\s+`Map`, `Set` and `Date` copies/);
});
