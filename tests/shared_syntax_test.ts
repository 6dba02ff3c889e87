// Copyright the threading for Deno authors. MIT license.
// The syntax a Python or JavaScript user writes on a shared value (`list[i]`,
// `list[i] = v`, `doc.key = v`, `cell.vlaue = 1`): it works on the shared data, or it
// throws a TypeError/RangeError that says what to call, on the main thread and in a
// thread alike; never a plain property of the local object that no other thread sees.
import assert from "node:assert/strict";
import { Thread } from "../src/thread.ts";
import { shutdown } from "../src/thread_functions.ts";
import {
  Shareable,
  SharedBigInt64,
  SharedBoolean,
  SharedFloat64,
  SharedInt32,
  SharedJSON,
  SharedList,
} from "../src/shared.ts";

// ---- Thread targets and Shareables (exported: code travels by reference) ----

/** Shared values as fields of a Shareable (which arrives frozen in a thread). */
export class Holder extends Shareable {
  items = new SharedList<number>([1, 2, 3]);
  doc = new SharedJSON<Record<string, unknown>>({ a: 1, list: [1] });
  count = new SharedInt32(5);
}

// deno-lint-ignore no-explicit-any
type Any = any;

/** What one step does: `ok <JSON of its result>`, or `<ErrorClass>: <message>`. */
function outcome(step: () => unknown): string {
  try {
    return `ok ${JSON.stringify(step() ?? null)}`;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/**
 * Tries each piece of syntax on fresh shared values (`[1, 2, 3]`, `{ a: 1, list: [1] }`,
 * `5`, `false`, `1.5`, `1n`) and gives what each one did, in order.
 */
export function trySyntax(
  list: Any,
  doc: Any,
  cells: { i: Any; b: Any; f: Any; n: Any },
): Record<string, string> {
  const out: Record<string, string> = {};
  const step = (name: string, f: () => unknown) => (out[name] = outcome(f));
  step("list[0]", () => list[0]);
  step("list[-1]", () => list[-1]);
  step("list['1']", () => list["1"]);
  step("list[-3]", () => list[-3]);
  step("list[3]", () => list[3]);
  step("list[-4]", () => list[-4]);
  step("list[1.5]", () => list[1.5]);
  step("list[0] = 10", () => (list[0] = 10));
  step("list[-1] = 30", () => (list[-1] = 30));
  step("list[3] = 4", () => (list[3] = 4));
  step("list[-4] = 4", () => (list[-4] = 4));
  step("list[0.5] = 4", () => (list[0.5] = 4));
  step("list[0] = undefined", () => (list[0] = undefined));
  step("list[0] = a function", () => (list[0] = () => 1));
  step("after the writes", () => list.toArray());
  step("Object.assign(list, [7])", () => Object.assign(list, [7]).at(0));
  step("list.name = 'x'", () => (list.name = "x"));
  step("0 in list", () => 0 in list);
  step("'push' in list", () => "push" in list);
  step(
    "Array.prototype.map.call(list, f)",
    () => Array.prototype.map.call(list, (x) => x),
  );
  step("for...in list", () => {
    const keys = [];
    for (const key in list) keys.push(key);
    return keys;
  });
  step("[...list]", () => [...list]);
  step("JSON.stringify(list)", () => JSON.stringify(list));
  step("list.length = 2.5", () => (list.length = 2.5));
  step("list.length = 9", () => (list.length = 9));
  step("list.length = 1", () => (list.length = 1));
  step("after the length", () => list.toArray());
  step(
    "own keys of list",
    () => Reflect.ownKeys(list).filter((k) => typeof k === "string"),
  );
  step("doc.a", () => doc.a);
  step("doc['list']", () => doc["list"]);
  step("doc.missing", () => doc.missing);
  step("'a' in doc", () => "a" in doc);
  step("doc.b = 2", () => (doc.b = 2));
  step("Object.assign(doc, {c: 3})", () => Object.assign(doc, { c: 3 }));
  step("for...in doc", () => {
    const keys = [];
    for (const key in doc) keys.push(key);
    return keys;
  });
  step("doc.value.a = 3", () => (doc.value.a = 3));
  step("doc.value", () => doc.value);
  step(
    "own keys of doc",
    () => Reflect.ownKeys(doc).filter((k) => typeof k === "string"),
  );
  for (const [name, cell] of Object.entries(cells)) {
    step(`${name}.vlaue = 1`, () => (cell.vlaue = 1));
    step(`${name} own keys`, () => Object.keys(cell));
  }
  return out;
}

const REFUSED_LIST_PROPERTY =
  `TypeError: Cannot add property "name" to a SharedList: it would stay on this thread's object, unshared (no other thread would see it); keep data in its items (push, set, list[i] = item)`;
const REFUSED_DOC_PROPERTY = (key: string) =>
  `TypeError: Cannot add property "${key}" to a SharedJSON: it would stay on this thread's object, unshared (no other thread would see it); set the whole value (doc.value = ...), or change it in one atomic step (doc.update((v) => { v.key = ...; }))`;
const REFUSED_CELL = (name: string) =>
  `TypeError: Cannot add property "vlaue" to a ${name}: it would stay on this thread's object, unshared (no other thread would see it); its one shared datum is .value (cell.value = ...)`;

/** What {@linkcode trySyntax} gives, on the main thread and in a thread alike. */
const EXPECTED: Record<string, string | RegExp> = {
  "list[0]": "ok 1",
  "list[-1]": "ok 3",
  "list['1']": "ok 2",
  "list[-3]": "ok 1",
  "list[3]":
    "RangeError: Cannot read SharedList item: index out of range for a list of length 3, received 3",
  "list[-4]":
    "RangeError: Cannot read SharedList item: index out of range for a list of length 3, received -4",
  "list[1.5]":
    "TypeError: Cannot read SharedList item: index must be an integer, received 1.5",
  "list[0] = 10": "ok 10",
  "list[-1] = 30": "ok 30",
  "list[3] = 4":
    "RangeError: Cannot set SharedList item: index out of range for a list of length 3, received 3 (a list does not grow by assignment: append with push(item))",
  "list[-4] = 4":
    "RangeError: Cannot set SharedList item: index out of range for a list of length 3, received -4",
  "list[0.5] = 4":
    "TypeError: Cannot set SharedList item: index must be an integer, received 0.5",
  "list[0] = undefined": /^TypeError: Cannot set SharedList item: .*undefined/,
  "list[0] = a function": /^TypeError: Cannot set SharedList item: .*function/,
  "after the writes": "ok [10,2,30]",
  "Object.assign(list, [7])": "ok 7",
  "list.name = 'x'": REFUSED_LIST_PROPERTY,
  "0 in list":
    "TypeError: Cannot test 0 in a SharedList: `in` tests properties, and its items are not properties; test an index with i < list.length, an item with list.includes(item) (and call an Array method, which asks this, on list.toArray())",
  "'push' in list": "ok true",
  "Array.prototype.map.call(list, f)":
    /^TypeError: Cannot test 0 in a SharedList: .*list\.toArray\(\)\)$/,
  // Not refused: for...in asks each prototype's own keys without the object, as the
  // walks over a class's methods do (the codec's, a mixin's), which must keep working.
  "for...in list": "ok []",
  "[...list]": "ok [7,2,30]",
  "JSON.stringify(list)": `ok "[7,2,30]"`,
  "list.length = 2.5":
    "RangeError: Cannot set SharedList length: a list can only be shortened, to an integer from 0 to its length 3 (it has no holes: push items to lengthen it), received 2.5",
  "list.length = 9":
    "RangeError: Cannot set SharedList length: a list can only be shortened, to an integer from 0 to its length 3 (it has no holes: push items to lengthen it), received 9",
  "list.length = 1": "ok 1",
  "after the length": "ok [7]",
  "own keys of list": "ok []",
  "doc.a":
    `TypeError: Cannot read "a" of a SharedJSON: the SharedJSON holds its value, it is not the value; read doc.value.a`,
  "doc['list']":
    `TypeError: Cannot read "list" of a SharedJSON: the SharedJSON holds its value, it is not the value; read doc.value.list`,
  "doc.missing": "ok null",
  "'a' in doc": "ok false",
  "doc.b = 2": REFUSED_DOC_PROPERTY("b"),
  "Object.assign(doc, {c: 3})": REFUSED_DOC_PROPERTY("c"),
  "for...in doc": "ok []",
  "doc.value.a = 3": /^TypeError: Cannot assign to read only property 'a'/,
  "doc.value": `ok {"a":1,"list":[1]}`,
  "own keys of doc": "ok []",
  "i.vlaue = 1": REFUSED_CELL("SharedInt32"),
  "i own keys": "ok []",
  "b.vlaue = 1": REFUSED_CELL("SharedBoolean"),
  "b own keys": "ok []",
  "f.vlaue = 1": REFUSED_CELL("SharedFloat64"),
  "f own keys": "ok []",
  "n.vlaue = 1": REFUSED_CELL("SharedBigInt64"),
  "n own keys": "ok []",
};

function checkOutcomes(got: Record<string, string>, where: string): void {
  assert.deepEqual(Object.keys(got), Object.keys(EXPECTED), where);
  for (const [name, expected] of Object.entries(EXPECTED)) {
    if (typeof expected === "string") {
      assert.equal(got[name], expected, `${where}: ${name}`);
    } else assert.match(got[name], expected, `${where}: ${name}`);
  }
}

function fresh() {
  return {
    list: new SharedList<number>([1, 2, 3]),
    doc: new SharedJSON<Record<string, unknown>>({ a: 1, list: [1] }),
    cells: {
      i: new SharedInt32(5),
      b: new SharedBoolean(false),
      f: new SharedFloat64(1.5),
      n: new SharedBigInt64(1n),
    },
  };
}

/** Runs {@linkcode trySyntax} in this thread and puts what it gave into `out`. */
export function trySyntaxInto(
  out: SharedJSON<Record<string, string> | null>,
  list: SharedList<number>,
  doc: SharedJSON<Record<string, unknown>>,
  cells: { i: SharedInt32; b: SharedBoolean; f: SharedFloat64; n: SharedBigInt64 },
): void {
  out.value = trySyntax(list, doc, cells);
}

/** Writes by index through a Shareable's field and through an argument. */
export function writeByIndex(holder: Holder, list: SharedList<number>): void {
  holder.items[0] = holder.items[-1] * 10; // 3 * 10
  list[1] = list[0] + 1; // the same list, as an argument: 31
  holder.items.length = 2;
}

/** Sets `list[index] = index` `times` times, each a checked, atomic `set`. */
export function setOwnIndex(
  list: SharedList<number>,
  index: number,
  times: number,
): void {
  for (let i = 0; i < times; i++) list[index] = index;
}

/** Pushes and pops at the end of `list` `times` times. */
export function pushPop(list: SharedList<number>, times: number): void {
  for (let i = 0; i < times; i++) {
    list.push(-1);
    list.pop();
  }
}

// ---- Tests ----

Deno.test("the syntax a Python or JS user writes on shared values: the same outcome on the main thread and in a thread", async () => {
  const here = fresh();
  checkOutcomes(trySyntax(here.list, here.doc, here.cells), "main thread");
  // Nothing of it landed as a plain property of the objects: the shared data is all.
  assert.deepEqual(here.list.toArray(), [7]);
  assert.deepEqual(here.doc.value, { a: 1, list: [1] });

  const there = fresh();
  const out = new SharedJSON<Record<string, string> | null>(null, { maxBytes: 1 << 16 });
  const t = new Thread({
    target: trySyntaxInto,
    args: [out, there.list, there.doc, there.cells],
  });
  t.start();
  t.join();
  assert.ok(out.value, "the thread ran");
  checkOutcomes(out.value, "in a thread");
  // The thread's index writes and its `length = 1` reached this thread's list.
  assert.deepEqual(there.list.toArray(), [7]);
  assert.equal(there.list[0], 7);
  await shutdown();
});

Deno.test("list[i] = v in a thread, through a Shareable's field and an argument, is seen by the main thread and back", async () => {
  const holder = new Holder();
  holder.items[1] = 20; // before it crosses: the thread sees it
  const t = new Thread({ target: writeByIndex, args: [holder, holder.items] });
  t.start();
  t.join();
  assert.deepEqual(holder.items.toArray(), [30, 31]);
  assert.equal(holder.items[0], 30);
  assert.equal(holder.items[-1], 31);
  await shutdown();
});

Deno.test("list[i] = v is set(): atomic against pushes and pops from other threads, no write lost", async () => {
  const list = new SharedList<number>([-9, -9, -9, -9]);
  const writers = [0, 1, 2, 3].map((i) =>
    new Thread({ target: setOwnIndex, args: [list, i, 200] })
  );
  const churn = [0, 1].map(() => new Thread({ target: pushPop, args: [list, 200] }));
  const all = [...writers, ...churn];
  for (const t of all) t.start();
  for (const t of all) t.join();
  // A write that went around the lock would have been undone by a concurrent rewrite
  // of the text; an unshared property would leave -9s.
  assert.deepEqual(list.toArray(), [0, 1, 2, 3]);
  await shutdown();
});

Deno.test("the guard leaves the rest ordinary: conversions, await, instanceof, subclasses, symbols, identity across threads", async () => {
  const list = new SharedList(["a"]);
  const doc = new SharedJSON({ then: 1, a: [1] });
  const cell = new SharedInt32(3);
  assert.equal(`${list}`, "['a']");
  assert.equal(String(doc), "{'then': 1, 'a': [1]}");
  assert.equal(+cell + 1, 4);
  assert.equal(`${cell}`, "3");
  assert.equal(await Promise.resolve(doc), doc); // `then` of its value is not read
  assert.ok(list instanceof Object && doc instanceof Object && cell instanceof Object);
  assert.equal(typeof (list as Any).hasOwnProperty, "function"); // inherited, through it
  assert.equal(list.constructor, SharedList);
  const key = Symbol("mine");
  (list as Any)[key] = 1; // symbols pass: the codec keeps its ids under them
  assert.equal((list as Any)[key], 1);

  class Named extends SharedList<number> {
    label = "kept"; // a field is defined, not assigned: allowed
  }
  const named = new Named([4, 5]);
  named[0] = 40;
  assert.equal(named.label, "kept");
  assert.deepEqual([named[0], named[-1]], [40, 5]);
  assert.throws(() => ((named as Any).other = 1), TypeError);
  // The prototype itself is no list: its index reads are an ordinary object's.
  assert.equal((SharedList.prototype as Any)[0], undefined);
  // A walk over each class's prototype chain (the codec's, `_reference.ts`'s, a
  // mixin's) reads every prototype's own keys without an instance: it keeps working.
  for (const Class of [SharedList, SharedJSON, SharedInt32, SharedBoolean, Named]) {
    const names: string[] = [];
    for (
      let p = Class.prototype;
      p && p !== Object.prototype;
      p = Object.getPrototypeOf(p)
    ) {
      for (const name of Object.getOwnPropertyNames(p)) {
        if (Object.getOwnPropertyDescriptor(p, name)) names.push(name);
      }
    }
    assert.ok(names.includes("toString"), Class.name);
  }

  // The same list sent twice arrives as one object, and index syntax works there.
  const holder = new Holder();
  const t = new Thread({ target: writeByIndex, args: [holder, holder.items] });
  t.start();
  t.join();
  assert.deepEqual(holder.items.toArray(), [30, 31]);
  await shutdown();
});

Deno.test("a refused syntax's stack starts at the user's line", () => {
  const list = new SharedList([1]);
  const doc = new SharedJSON({ a: 1 });
  const cases: [string, () => unknown][] = [
    ["list[5]", () => (list as Any)[5]],
    ["list[5] = 1", () => ((list as Any)[5] = 1)],
    ["list.x = 1", () => ((list as Any).x = 1)],
    ["doc.a", () => (doc as Any).a],
    ["0 in list", () => 0 in list],
  ];
  for (const [name, f] of cases) {
    let stack = "";
    try {
      f();
    } catch (e) {
      stack = (e as Error).stack ?? "";
    }
    const first = stack.split("\n").find((line) => line.trimStart().startsWith("at "));
    assert.match(first ?? "", /shared_syntax_test\.ts/, `${name}: ${stack}`);
  }
});
