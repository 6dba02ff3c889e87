// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { Thread } from "../src/thread.ts";
import { shutdown } from "../src/thread_functions.ts";
import { local } from "../src/local.ts";
import { SharedInt32, SharedList } from "../src/shared.ts";
import { Queue } from "../src/queue.ts";

// ---- Thread targets and classes (exported: code travels by reference) ----

/** The seeds' MyLocal, counting how often its constructor runs. */
export class MyLocal extends local {
  declare value: number;

  constructor(value: number, runs: SharedInt32, log: SharedList<string>) {
    super(value, runs, log);
    runs.add(1);
    log.push(`Initializing ${this}`);
    this.value = value;
  }
}

/** Records what this thread sees in `data`, sets its own value, and reads it back. */
export function worker(data: local, out: Int32Array, index: number, mine: number): void {
  out[index] = data.value === undefined ? -1 : data.value as number;
  data.value = mine;
  out[index + 1] = data.value as number;
}

/** Touches a MyLocal twice and records the values seen. */
export function touch(data: MyLocal, out: Int32Array, index: number, mine: number): void {
  out[index] = data.value;
  data.value = mine;
  out[index + 1] = data.value;
  out[index + 2] = (data as local).missing === undefined ? 1 : 0;
}

/** Records whether two references to a local arrive as one object. */
export function same(a: local, nested: { list: local[] }, out: Int32Array): void {
  out[0] = a === nested.list[0] ? 1 : 0;
  out[1] = a instanceof local ? 1 : 0;
  out[2] = String(a) === String(nested.list[0]) ? 1 : 0;
}

/** A Thread subclass with a local as a field. */
export class LocalThread extends Thread {
  data: MyLocal;
  out: Int32Array;

  constructor(data: MyLocal, out: Int32Array) {
    super();
    this.data = data;
    this.out = out;
  }

  override run(): void {
    touch(this.data, this.out, 0, 55);
  }
}

/** A local subclass whose constructor throws at its first run in each thread (attempts counted). */
export class Flaky extends local {
  declare value: number;

  constructor(value: number, attempts: SharedInt32) {
    super(value, attempts);
    if (attempts.add(1) % 2 === 1) throw new Error("first run in this thread fails");
    this.value = value;
  }
}

/** Reads a Flaky twice: the first access throws, the second reruns the constructor. */
export function touchFlaky(data: Flaky, out: Int32Array): void {
  try {
    out[0] = data.value;
  } catch {
    out[0] = -1;
  }
  out[1] = data.value ?? -2;
  data.value = 9;
  out[2] = data.value;
}

function ints(n = 16): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

// ---- One thread ----

Deno.test("local: attributes are set, read, listed and deleted; a missing one is undefined", () => {
  const data = new local();
  assert.equal(data.value, undefined);
  assert.ok(!("value" in data));
  data.value = 1000;
  data.other = "x";
  assert.equal(data.value, 1000);
  assert.ok("value" in data);
  assert.deepEqual(Object.keys(data), ["value", "other"]);
  delete data.other;
  assert.deepEqual(Object.keys(data), ["value"]);
  assert.ok(data instanceof local);
  assert.match(String(data), /^<local object \d+>$/);
  assert.equal(Deno.inspect(data), String(data));
});

Deno.test("local subclass: getters, methods and fields work on the proxy", () => {
  class Settings extends local {
    level = 1;
    get twice(): number {
      return this.level * 2;
    }
    bump(): number {
      return ++this.level;
    }
  }
  const s = new Settings();
  assert.equal(s.twice, 2);
  assert.equal(s.bump(), 2);
  assert.equal(s.level, 2);
  assert.match(String(s), /^<Settings object \d+>$/);
});

// ---- Across threads ----

Deno.test("local: each thread sees only its own attributes", async () => {
  const data = new local();
  data.value = 1000;
  const out = ints();
  const threads = [0, 1].map((i) =>
    new Thread({ target: worker, args: [data, out, i * 2, 10 + i] })
  );
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  assert.deepEqual([...out.slice(0, 4)], [-1, 10, -1, 11]);
  assert.equal(data.value, 1000);
  await shutdown();
});

Deno.test("local subclass: the constructor runs again, with its arguments, once per thread", async () => {
  const runs = new SharedInt32(0);
  const log = new SharedList<string>();
  const data = new MyLocal(1000, runs, log);
  assert.equal(runs.value, 1);
  const out = ints();
  const threads = [0, 1].map((i) =>
    new Thread({ target: touch, args: [data, out, i * 3, 50 + i] })
  );
  for (const t of threads) t.start();
  for (const t of threads) t.join();
  assert.equal(runs.value, 3);
  assert.deepEqual([...out.slice(0, 6)], [1000, 50, 1, 1000, 51, 1]);
  assert.equal(data.value, 1000);
  const lines = log.toArray();
  assert.equal(lines.length, 3);
  assert.ok(lines.every((line) => line === lines[0]), "the same object in every thread");
  assert.match(lines[0], /^Initializing <MyLocal object \d+>$/);
  await shutdown();
});

Deno.test("local: a reused Worker starts the next thread with fresh attributes", async () => {
  const runs = new SharedInt32(0);
  const data = new MyLocal(7, runs, new SharedList<string>());
  const out = ints();
  for (let i = 0; i < 3; i++) {
    const t = new Thread({ target: touch, args: [data, out, i * 3, 20 + i] });
    t.start();
    t.join();
  }
  assert.deepEqual([...out.slice(0, 9)], [7, 20, 1, 7, 21, 1, 7, 22, 1]);
  assert.equal(runs.value, 4);
  await shutdown();
});

Deno.test("local: as a Thread field and nested twice, it arrives as one object", async () => {
  const runs = new SharedInt32(0);
  const data = new MyLocal(3, runs, new SharedList<string>());
  const out = ints();
  const t = new LocalThread(data, out);
  t.start();
  t.join();
  assert.deepEqual([...out.slice(0, 3)], [3, 55, 1]);
  const out2 = ints();
  const u = new Thread({ target: same, args: [data, { list: [data] }, out2] });
  u.start();
  u.join();
  assert.deepEqual([...out2.slice(0, 3)], [1, 1, 1]);
  await shutdown();
});

Deno.test("local itself takes no arguments, as in Python", () => {
  assert.throws(
    () => new (local as unknown as new (n: number) => local)(1),
    /Cannot create local: initialization arguments are not supported, received 1/,
  );
});

Deno.test("local subclass: a constructor that throws in a thread runs again at that thread's next access", async () => {
  const attempts = new SharedInt32(0);
  const data = new Flaky(5, attempts);
  assert.equal(attempts.value, 1);
  const out = ints();
  const t = new Thread({ target: touchFlaky, args: [data, out] });
  t.start();
  t.join();
  // The thread's first run threw (attempt 2), its next access ran it again (attempt 3).
  assert.deepEqual([...out.slice(0, 3)], [-1, 5, 9]);
  assert.equal(attempts.value, 3);
  assert.equal(data.value, 5);
  await shutdown();
});

Deno.test("local subclass: a constructor with parameters that calls super() with none is refused, with the line to write", () => {
  class NoArgs extends local {
    declare value: number;
    constructor(value: number, label = "x") {
      super();
      this.value = value;
      this.label = label;
    }
  }
  assert.throws(
    () => new NoArgs(5),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.startsWith("Cannot create NoArgs: its constructor takes arguments") &&
      e.message.endsWith("pass them on: super(value, label)"),
  );
  // A constructor without parameters, or one that passes them on, is fine.
  class Plain extends local {
    declare value: number;
    constructor() {
      super();
      this.value = 1;
    }
  }
  assert.equal(new Plain().value, 1);
  class Passes extends local {
    declare value: number;
    constructor(value: number) {
      super(value);
      this.value = value;
    }
  }
  assert.equal(new Passes(2).value, 2);
});

Deno.test("local: a reused Worker holds nothing of the last thread's attributes", async () => {
  const fixture = new URL("./fixtures/local_after_end.ts", import.meta.url).pathname;
  const out = await runDeno([
    "run",
    "--no-lock",
    "--allow-read",
    "--v8-flags=--expose-gc",
    fixture,
  ]);
  assert.equal(out.code, 0, out.stderr);
  const found = JSON.parse(out.stdout);
  assert.equal(found.probed, true, "a probe ran in the Worker that set the attribute");
  assert.equal(
    found.collected,
    1,
    "the attribute's value was collected once its thread ended",
  );
});

Deno.test("local: a loop that never yields makes any number of locals in a small heap", async () => {
  const fixture = new URL("./fixtures/many_locals.ts", import.meta.url).pathname;
  const out = await runDeno(
    ["run", "--allow-read", "--v8-flags=--max-old-space-size=32", fixture],
    { timeoutMs: 300_000 },
  );
  assert.equal(out.code, 0, out.stderr.slice(0, 2000));
  assert.equal(out.stdout, "ok 300000 true\n");
});

Deno.test("local: printed before it travels, it still comes back as itself", () => {
  const q = new Queue<local>();
  const l = new local();
  const name = String(l);
  q.put(l);
  assert.equal(q.get(), l);
  assert.equal(String(l), name);
});
