// Copyright the threading for Deno authors. MIT license.
/**
 * Large plain arrays in the codec's column form (`src/_codec_columns.ts`): every shape
 * of array round-trips exactly (holes, `-0`, `NaN`, `undefined`, bigints, sparse
 * arrays, lone surrogates), records keep their identity wherever else they are met,
 * what cannot take the column form keeps the element-by-element road, and all of it
 * on every road: a thread's arguments (deep-frozen) and the four queue kinds (mutable
 * copies). Speed is measured in `bench/queue_bench.ts`, never here.
 */
import assert from "node:assert/strict";
import {
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  shutdown,
  SimpleQueue,
  Thread,
} from "../src/threading.ts";
import { decode, decodeBytes, encode, encodeBytes, kTravel } from "../src/_codec.ts";
import { COLUMNS_MIN } from "../src/_codec_columns.ts";

const N = 4096;

function sparse(): unknown[] {
  const a: unknown[] = [];
  a[5] = 1;
  a[N * 100] = "far";
  return a;
}

function holey(): unknown[] {
  const a: unknown[] = Array.from({ length: N }, (_, i) => i);
  delete a[3];
  delete a[N - 1];
  return a;
}

/** The shapes: each a fresh value per call. */
const SHAPES: Record<string, () => unknown[]> = {
  "numbers with -0, NaN, ±Infinity": () =>
    Array.from(
      { length: N },
      (_, i) => [i * 1.5, -0, NaN, Infinity, -Infinity, 2 ** 53][i % 6],
    ),
  "small integers": () => Array.from({ length: N }, (_, i) => i - 100),
  "strings (empty, astral, lone surrogates)": () =>
    Array.from({ length: N }, (_, i) => ["", "a", "é€", "😀", "\ud800", `s${i}`][i % 6]),
  "booleans": () => Array.from({ length: N }, (_, i) => i % 3 === 0),
  "mixed primitives with holes": () => {
    const a: unknown[] = Array.from(
      { length: N },
      (_, i) => [i, "x", true, false, null, undefined, 10n ** 30n, -0][i % 8],
    );
    delete a[7];
    delete a[100];
    return a;
  },
  "numbers with holes": holey,
  "a sparse array": sparse,
  "records of primitives": () =>
    Array.from(
      { length: N },
      (_, i) => ({ id: i, name: `n${i}`, ok: i % 2 === 0, no: null }),
    ),
  "records with undefined, -0 and bigint fields": () =>
    Array.from({ length: N }, (_, i) => ({ a: undefined, b: -0, c: BigInt(i) })),
  "records of different shapes": () =>
    Array.from({ length: N }, (_, i) => (i % 2 ? { a: i } : { b: String(i) })),
  "null-prototype records": () =>
    Array.from({ length: N }, (_, i) => Object.assign(Object.create(null), { id: i })),
  "records holding arrays": () =>
    Array.from({ length: N }, (_, i) => ({ id: i, tags: ["a"] })),
  "arrays of arrays": () => Array.from({ length: N }, (_, i) => [i, i + 1]),
  "just below the column size": () =>
    Array.from({ length: COLUMNS_MIN - 1 }, (_, i) => i),
};

/** What `value` arrives as, said so that holes, -0 and types show (deepStrictEqual is blind to a null prototype). */
function same(got: unknown, sent: unknown, where: string): void {
  assert.deepStrictEqual(
    JSON.stringify(shape(got)),
    JSON.stringify(shape(sent)),
    where,
  );
}

function shape(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [v.length];
    v.forEach((x, i) => out.push(i, shape(x)));
    return out;
  }
  if (typeof v === "object" && v !== null) {
    return Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]);
  }
  if (Object.is(v, -0)) return "-0";
  return `${typeof v}:${String(v)}`;
}

function deepFrozen(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return true;
  if (!Object.isFrozen(v)) return false;
  return Object.values(v).every(deepFrozen);
}

Deno.test("a large array of primitives or records takes the column form", () => {
  const wire = (value: unknown) => encode(value, "", "test", { detach: true }).wire;
  const numbers = wire(Array.from({ length: N }, (_, i) => i)) as Record<string, unknown>;
  assert.ok(numbers.nums instanceof Float64Array);
  const strings = wire(Array.from({ length: N }, (_, i) => `${i}`)) as Record<
    string,
    unknown
  >;
  assert.equal(typeof strings.text, "string");
  const records = wire(SHAPES["records of primitives"]()) as Record<string, unknown>;
  assert.deepEqual(records.keys, ["id", "name", "ok", "no"]);
  // Trees of plain objects and arrays that JSON carries exactly: JSON text.
  const tree = wire(SHAPES["records holding arrays"]()) as Record<string, unknown>;
  assert.equal(typeof tree.text, "string");
  // Too small, or not plain: element by element.
  assert.ok(Array.isArray(wire(SHAPES["just below the column size"]())));
  assert.ok(Array.isArray(wire(SHAPES["a sparse array"]())));
  const withUndefined = SHAPES["records holding arrays"]() as { tags: unknown[] }[];
  withUndefined[9].tags.push(undefined);
  assert.ok(Array.isArray(wire(withUndefined)));
});

Deno.test("every shape round-trips exactly on the codec's roads, frozen where it stands for the sender's", async (t) => {
  for (const [name, make] of Object.entries(SHAPES)) {
    await t.step(name, () => {
      const sent = make();
      const frozen = decode(
        encode([sent], "args", "test", { frozen: true }).wire,
      ) as unknown[];
      same(frozen[0], sent, "thread road");
      assert.ok(deepFrozen(frozen[0]), "thread road: deep-frozen");
      const item = decodeBytes(encodeBytes(sent, "the item", "test")) as unknown[];
      same(item, sent, "queue road");
      assert.ok(!Object.isFrozen(item), "queue road: the getter's own copy");
      item.push(1);
    });
  }
});

Deno.test("a record met again elsewhere in the value arrives as the same object", () => {
  const records = SHAPES["records of primitives"]();
  const dup = records.slice();
  dup[10] = dup[20]; // twice in one array: element by element
  const value = { records, again: records[7], first: records, dup };
  const got = decodeBytes(encodeBytes(value, "the item", "test")) as typeof value;
  assert.equal(got.again, got.records[7]);
  assert.equal(got.first, got.records);
  assert.equal(got.dup[10], got.dup[20]);
  same(got.records, records, "records");
  // Met first, then in the array.
  const before = { one: records[3], records };
  const back = decodeBytes(encodeBytes(before, "the item", "test")) as typeof before;
  assert.equal(back.one, back.records[3]);
});

Deno.test("an object of a JSON tree met twice, or elsewhere in the value, arrives as one object", async (t) => {
  const make = () =>
    SHAPES["records holding arrays"]() as { id: number; tags: string[] }[];
  const roads = {
    "queue road": (v: unknown) => decodeBytes(encodeBytes(v, "the item", "test")),
    "thread road": (v: unknown) =>
      decode(encode(v, "args", "test", { frozen: true }).wire),
  };
  for (const [road, trip] of Object.entries(roads)) {
    await t.step(road, () => {
      const after = make();
      const a = trip({ list: after, again: after[3].tags }) as {
        list: typeof after;
        again: string[];
      };
      assert.equal(a.again, a.list[3].tags, "met after the tree: encoded again");
      same(a.list, after, "after");
      const before = make();
      const b = trip({ first: before[5], list: before }) as {
        first: unknown;
        list: typeof before;
      };
      assert.equal(b.first, b.list[5], "met before the tree");
      const twice = make();
      twice[1].tags = twice[0].tags;
      const c = trip(twice) as typeof twice;
      assert.equal(c[1].tags, c[0].tags, "twice in the tree");
      same(c, twice, "twice");
    });
  }
});

Deno.test("a large array keeps the codec's rules: library objects inside, refusals, depth", () => {
  const lock = new Lock();
  const withLock: unknown[] = Array.from({ length: N }, (_, i) => i);
  withLock[N - 1] = lock;
  const got = decodeBytes(
    encodeBytes([withLock, lock], "the item", "test"),
  ) as unknown[][];
  assert.equal(got[0][N - 1], lock);
  assert.equal(got[1], lock);
  const withSymbol: unknown[] = Array.from({ length: N }, (_, i) => i);
  withSymbol[N - 2] = Symbol("s");
  assert.throws(() => encodeBytes({ list: withSymbol }, "the item", "test"), {
    name: "TypeError",
    message: new RegExp(`the item\\.list\\[${N - 2}\\] is Symbol\\(s\\)`),
  });
  // A large array of records at the deepest level allowed (the records at level 1000,
  // under { args }, args and the wrapping arrays), and one level deeper.
  const wrapped = (levels: number, shape = "records of primitives") => {
    let deep: unknown = SHAPES[shape]();
    for (let i = 0; i < levels; i++) deep = [deep];
    return deep;
  };
  encode({ args: [wrapped(996)] }, "", "test", { frozen: true });
  assert.throws(
    // @ts-expect-error a nested array for describeArgs's Queue: its depth is refused first
    () => new Thread({ target: describeArgs, args: [wrapped(997)] }).start(),
    {
      name: "RangeError",
      message:
        /Cannot start thread "Thread-\d+ \(describeArgs\)": args\[0\]\[0\]\[0\].*… is nested more than 1000 levels deep/,
    },
  );
  // The same for a JSON tree (records holding arrays: one level more).
  encode({ args: [wrapped(995, "records holding arrays")] }, "", "test", {
    frozen: true,
  });
  assert.throws(
    () =>
      // @ts-expect-error a nested array for describeArgs's Queue: its depth is refused first
      new Thread({ target: describeArgs, args: [wrapped(996, "records holding arrays")] })
        .start(),
    {
      name: "RangeError",
      message: /args\[0\]\[0\].*… is nested more than 1000 levels deep/,
    },
  );
  // A plain record that travels by its own [kTravel]() keeps doing so: sent back to
  // its own thread, it arrives as itself (a copy would be another object).
  const records: object[] = SHAPES["records of primitives"]() as object[];
  const key = new Lock();
  records[5] = {
    id: 5,
    name: "n5",
    ok: false,
    no: null,
    [kTravel]: () => key[kTravel](),
  };
  const back = decodeBytes(encodeBytes(records, "the item", "test")) as unknown[];
  assert.equal(back[5], records[5]);
  same(back.slice(6), records.slice(6), "the other records");
  // Non-index properties would be lost in the column form: refused, not dropped.
  const named = Object.assign(Array.from({ length: N }, (_, i) => i), { extra: 1 });
  assert.throws(() => encodeBytes(named, "x", "test"), {
    name: "TypeError",
    message: /^test: x is an array with the property "extra" besides its items/,
  });
});

/** Thread target: describes each argument (its shape and whether it is deep-frozen). */
export function describeArgs(out: Queue<string>, ...args: unknown[]): void {
  out.put(JSON.stringify(args.map((a) => [shape(a), deepFrozen(a)])));
}

Deno.test("large arrays as a thread's arguments arrive exact and deep-frozen", async () => {
  const out = new Queue<string>();
  const args = Object.values(SHAPES).map((make) => make());
  const th = new Thread({ target: describeArgs, args: [out, ...args] });
  th.start();
  th.join();
  assert.equal(out.get(), JSON.stringify(args.map((a) => [shape(a), true])));
  await shutdown();
});

/** Thread target: echoes items of `inbox` to `outbox` until `null`. */
export function echo(
  inbox: Queue<unknown> | SimpleQueue<unknown>,
  outbox: Queue<unknown> | SimpleQueue<unknown>,
): void {
  for (;;) {
    const item = inbox.get();
    outbox.put(item);
    if (item === null) return;
  }
}

Deno.test("large arrays through every queue kind, across threads", async (t) => {
  for (const Q of [Queue, LifoQueue, PriorityQueue, SimpleQueue]) {
    await t.step(Q.name, () => {
      const inbox = new Q<unknown>();
      const outbox = new Q<unknown>();
      const th = new Thread({ target: echo, args: [inbox, outbox] });
      th.start();
      let n = 0;
      for (const make of Object.values(SHAPES)) {
        const sent = make();
        inbox.put(Q === PriorityQueue ? [n++, sent] : sent);
        const got = outbox.get(true, 60_000) as unknown[];
        same(Q === PriorityQueue ? got[1] : got, sent, Q.name);
      }
      inbox.put(null); // the queue is empty: nothing to compare it with
      th.join();
    });
  }
  await shutdown();
});
