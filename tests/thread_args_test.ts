// Copyright the threading for Deno authors. MIT license.
/**
 * A thread's arguments, kwargs and fields arrive the same whichever road its start job
 * takes: JSON data as its text or the codec's bytes, in the mailbox of a warm Worker or
 * on the channel (a job too big for the mailbox), started by the main thread or asked
 * by a thread. Each arrives deep-frozen (objects and arrays), with -0, NaN, holes and
 * `undefined` kept.
 */
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { CASES } from "./fixtures/args_roads.ts";
import {
  currentThread,
  Queue,
  SharedFloat64,
  shutdown,
  Thread,
} from "../src/threading.ts";

const FIXTURE = new URL("./fixtures/args_roads.ts", import.meta.url);

/** The sender's description as the thread should see it: copies are plain objects. */
function expected(sender: string): string {
  return sender.replaceAll("null-proto{", "Object{");
}

Deno.test("a thread's arguments arrive the same by every road of a start: JSON or codec, mailbox or channel, from main or from a thread", async () => {
  const { code, stdout, stderr } = await runDeno([
    "run",
    "--allow-read",
    FIXTURE.pathname,
  ], {
    timeoutMs: 120_000,
  });
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  const seen = new Map<string, { sender?: string; thread?: string }>();
  for (const line of lines) {
    const match = /^(.*) (sender|thread) (.*)$/.exec(line);
    assert.ok(match, `unexpected line: ${line}`);
    const [, label, who, text] = match;
    const entry = seen.get(label) ?? {};
    entry[who as "sender" | "thread"] = text;
    seen.set(label, entry);
  }
  // Four roads (args, kwargs, fields, a start asked by a thread) per case.
  assert.equal(seen.size, CASES.length * 4);
  for (const [label, { sender, thread }] of seen) {
    assert.ok(
      sender !== undefined && thread !== undefined,
      `${label}: ${sender} / ${thread}`,
    );
    assert.equal(thread.replaceAll("frozen ", ""), expected(sender), label);
    // Every array, object, Map, Set and Date inside the arguments is frozen (the list of
    // args itself, the first bracket of an args line, is the thread's own).
    const inner = /(fields)$/.test(label) ? thread : thread.replace(/^\[/, "");
    const containers = (inner.match(/[[{]|\b(?:Date|Map|Set)\(/g) ?? []).length;
    const frozen = (inner.match(/frozen /g) ?? []).length;
    assert.equal(frozen, containers, `${label}: not deep-frozen: ${thread}`);
  }
});

/** A subclass that tries to keep a result on itself, as Python code does. */
export class SumThread extends Thread {
  items: number[] = [];
  result = 0;
  total = new SharedFloat64(0);
  out: Queue<string> = new Queue();
  override run(): void {
    const sum = this.items.reduce((a, b) => a + b, 0);
    for (
      const change of [
        () => (this.result = sum),
        () => ((this as { extra?: number }).extra = 1),
      ]
    ) {
      try {
        change();
        this.out.put("changed");
      } catch (error) {
        this.out.put(`${(error as Error).name}`);
      }
    }
    this.total.value = sum; // a shared field: the way back
    this.setName("renamed"); // an accessor of the class, not a field
  }
}

/** A plain thread may tag its own Thread object (Python: current_thread().tag = 1). */
export function tagSelf(out: Queue<string>): void {
  (currentThread() as unknown as { tag: number }).tag = 1;
  out.put(String((currentThread() as unknown as { tag: number }).tag));
}

Deno.test("a Thread subclass's fields are a read-only copy in its thread: a result kept on `this` throws instead of being lost; a shared field carries it back", async () => {
  const t = new SumThread();
  t.items = [1, 2, 3];
  t.start();
  t.join();
  assert.deepEqual([t.out.get(), t.out.get()], ["TypeError", "TypeError"]);
  assert.equal(t.result, 0);
  assert.equal(t.total.value, 6);
  assert.equal(t.name, "renamed");
  const out = new Queue<string>();
  const plain = new Thread({ target: tagSelf, args: [out] });
  plain.start();
  plain.join();
  assert.equal(out.get(), "1");
  await shutdown();
});

export function receives(_value: unknown): void {}

Deno.test("a copy loses nothing silently: extra properties of an array, a Map, a Set, a Date, a RegExp and symbol keys are refused on every road, saying where and what to pass", () => {
  const big = Array.from({ length: 300 }, (_, i) => i); // the column road
  const records = Array.from({ length: 300 }, (_, i) => ({ i })); // the records road
  const tree = Array.from({ length: 300 }, (_, i) => ({ i, tags: [i, "x"] })); // JSON tree
  const cases: [string, unknown, RegExp][] = [
    [
      "array",
      Object.assign([1, 2], { label: "x" }),
      /is an array with the property "label" besides its items, which cannot cross threads; a copy keeps only the items, so the property would be lost: pass an object that holds both instead \(`\{ items, "label": … \}`\)/,
    ],
    [
      "large array",
      Object.assign(big, { label: "x" }),
      /is an array with the property "label" besides its items/,
    ],
    [
      "array of records",
      Object.assign(records, { n: 1 }),
      /is an array with the property "n" besides its items/,
    ],
    [
      "nested in a JSON tree",
      (tree[7].tags as unknown as Record<string, unknown>).extra = 1,
      /unused/,
    ],
    [
      "map",
      Object.assign(new Map([[1, 2]]), { label: "x" }),
      /is an instance of Map with the property "label", which cannot cross threads; a copy keeps only its contents/,
    ],
    [
      "set",
      Object.assign(new Set([1]), { label: "x" }),
      /is an instance of Set with the property "label"/,
    ],
    [
      "date",
      Object.assign(new Date(0), { label: "x" }),
      /is an instance of Date with the property "label"/,
    ],
    [
      "regexp",
      Object.assign(/a/g, { label: "x" }),
      /is an instance of RegExp with the property "label"/,
    ],
    [
      "symbol key",
      { a: 1, [Symbol("s")]: 2 },
      /is an object with the symbol key Symbol\(s\), which cannot cross threads; a symbol is its thread's own/,
    ],
    [
      "symbol key in a record",
      Array.from({ length: 300 }, (_, i) => i === 9 ? { i, [Symbol("t")]: 1 } : { i }),
      /\[9\] is an object with the symbol key Symbol\(t\)/,
    ],
    [
      "array with a symbol key",
      Object.assign([1], { [Symbol("u")]: 1 }),
      /is an array with the symbol key Symbol\(u\)/,
    ],
  ];
  cases[3] = [
    "nested in a JSON tree",
    tree,
    /\[7\]\.tags is an array with the property "extra" besides its items/,
  ];
  const queue = new Queue();
  /** Asserts a TypeError whose message names the place `at` and says `message`. */
  const refused = (label: string, at: string, message: RegExp, fn: () => unknown) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof TypeError, `${label} at ${at}: ${error}`);
    assert.ok(error.message.includes(`${at}`), `${label}: ${error.message}`);
    assert.match(error.message, message, label);
  };
  for (const [label, value, message] of cases) {
    // A thread's argument (JSON text or the codec's bytes), nested in kwargs too.
    refused(
      label,
      "args[0]",
      message,
      () => new Thread({ target: receives, args: [value] }).start(),
    );
    refused(
      label,
      "kwargs.value.inner",
      message,
      () => new Thread({ target: receives, kwargs: { value: { inner: value } } }).start(),
    );
    // A queue item, nested or not.
    refused(label, "the item", message, () => queue.put(value));
    refused(label, "box[0]", message, () => queue.put({ box: [value] }));
  }
  assert.equal(queue.qsize(), 0);
  // What a copy keeps travels as before: holes, -0, NaN, undefined, a plain Date.
  queue.put([1, , -0, NaN, undefined, new Date(5), /a/g, new Map([[1, 2]])]);
  const back = queue.get() as unknown[];
  assert.equal(1 in back, false);
  assert.ok(Object.is(back[2], -0));
  assert.equal((back[5] as Date).getTime(), 5);
});
