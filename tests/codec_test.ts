// Copyright the threading for Deno authors. MIT license.
/**
 * The one codec on its three roads (a Thread's args, the items of every queue kind, a
 * Shareable's fields) × every kind of object that travels: each arrives as the same
 * shared object, the same object sent twice arrives as one, and what a thread does to
 * it is seen by the sender.
 */
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  LifoQueue,
  local,
  Lock,
  mainThread,
  PriorityQueue,
  Queue,
  QueueEmpty,
  RLock,
  Semaphore,
  Shareable,
  SharedBigInt64,
  SharedBoolean,
  SharedFloat64,
  SharedInt32,
  SharedJSON,
  SharedList,
  shutdown,
  SimpleQueue,
  Thread,
  ThreadError,
} from "../src/threading.ts";
// Imported dynamically: a thread running this module's code loads the modules that it
// imports statically (so that a blocking get() finds their Shareable classes), not this.
import type { Tally } from "./fixtures/tally.ts";

// ---- Classes and thread targets (exported: they travel by reference) ----

/** A Shareable with shared state, as the seeds' Counter. */
export class Counter extends Shareable {
  lock = new Lock();
  count = new SharedInt32(0);
  increment(): void {
    this.lock.acquire();
    try {
      this.count.value = this.count.value + 1;
    } finally {
      this.lock.release();
    }
  }
}

/** A Shareable whose field carries a value on the Shareable road. */
export class Box extends Shareable {
  constructor(public value: unknown, public again: unknown) {
    super();
  }
}

/** An Error subclass with an own field. */
export class HttpError extends Error {
  status = 503;
}

/** Not exported: cannot be found by reference. */
class HiddenError extends Error {}

type Kind = keyof typeof KINDS;

/** What a thread does to a received object: its effect is checked by the sender. */
function poke(kind: Kind, v: unknown): unknown {
  switch (kind) {
    case "Lock":
      return (v as Lock).acquire(false);
    case "RLock": {
      const r = v as RLock;
      const got = r.acquire(false);
      r.release();
      return got;
    }
    case "Condition": {
      const c = v as Condition;
      c.acquire();
      c.notifyAll();
      c.release();
      return true;
    }
    case "Semaphore":
    case "BoundedSemaphore":
      return (v as Semaphore).acquire(false);
    case "Event":
      (v as Event).set();
      return true;
    case "Barrier":
      return (v as Barrier).wait();
    case "Queue":
    case "LifoQueue":
    case "PriorityQueue":
    case "SimpleQueue":
      (v as Queue).put(5);
      return true;
    case "local":
      (v as local & { x?: number }).x = 1;
      return (v as local & { x?: number }).x;
    case "SharedInt32":
      return (v as SharedInt32).add(1);
    case "SharedFloat64":
      return (v as SharedFloat64).add(0.5);
    case "SharedBigInt64":
      return (v as SharedBigInt64).add(1n);
    case "SharedBoolean":
      return (v as SharedBoolean).exchange(true);
    case "SharedList":
      return (v as SharedList<string>).push("a");
    case "SharedJSON":
      (v as SharedJSON<unknown>).value = { a: 1 };
      return true;
    case "Shareable":
      (v as Counter).increment();
      return true;
    case "Thread":
      return (v as Thread).name;
    case "SharedArrayBuffer":
      return Atomics.add(new Int32Array(v as SharedArrayBuffer), 0, 7);
  }
}

/** The kinds: how to make one, and how the sender sees what `poke` did. */
const KINDS = {
  Lock: {
    make: () => new Lock(),
    check: (v: unknown) => {
      assert.equal((v as Lock).locked(), true);
      (v as Lock).release();
    },
  },
  RLock: { make: () => new RLock(), check: () => {} },
  Condition: { make: () => new Condition(), check: () => {} },
  Semaphore: {
    make: () => new Semaphore(1),
    check: (v: unknown) => assert.equal((v as Semaphore).acquire(false), false),
  },
  BoundedSemaphore: {
    make: () => new BoundedSemaphore(1),
    check: (v: unknown) => assert.equal((v as Semaphore).acquire(false), false),
  },
  Event: {
    make: () => new Event(),
    check: (v: unknown) => assert.equal((v as Event).isSet(), true),
  },
  Barrier: {
    make: () => new Barrier(1),
    check: (v: unknown) => assert.equal((v as Barrier).broken, false),
  },
  Queue: { make: () => new Queue(), check: getsFive },
  LifoQueue: { make: () => new LifoQueue(), check: getsFive },
  PriorityQueue: { make: () => new PriorityQueue(), check: getsFive },
  SimpleQueue: { make: () => new SimpleQueue(), check: getsFive },
  local: {
    make: () => new local(),
    check: (v: unknown) => assert.equal((v as local & { x?: number }).x, undefined),
  },
  SharedInt32: {
    make: () => new SharedInt32(0),
    check: (v: unknown) => assert.equal((v as SharedInt32).value, 1),
  },
  SharedFloat64: {
    make: () => new SharedFloat64(0),
    check: (v: unknown) => assert.equal((v as SharedFloat64).value, 0.5),
  },
  SharedBigInt64: {
    make: () => new SharedBigInt64(0n),
    check: (v: unknown) => assert.equal((v as SharedBigInt64).value, 1n),
  },
  SharedBoolean: {
    make: () => new SharedBoolean(false),
    check: (v: unknown) => assert.equal((v as SharedBoolean).value, true),
  },
  SharedList: {
    make: () => new SharedList<string>(),
    check: (v: unknown) => assert.deepEqual((v as SharedList<string>).toArray(), ["a"]),
  },
  SharedJSON: {
    make: () => new SharedJSON<unknown>(null),
    check: (v: unknown) => assert.deepEqual((v as SharedJSON<unknown>).value, { a: 1 }),
  },
  Shareable: {
    make: () => new Counter(),
    check: (v: unknown) => assert.equal((v as Counter).count.value, 1),
  },
  Thread: { make: () => mainThread(), check: () => {} },
  SharedArrayBuffer: {
    make: () => new SharedArrayBuffer(8),
    check: (v: unknown) => assert.equal(new Int32Array(v as SharedArrayBuffer)[0], 7),
  },
} satisfies Record<string, { make: () => unknown; check: (v: unknown) => void }>;

function getsFive(v: unknown): void {
  assert.equal((v as Queue).get(false), 5);
}

/** One item: the object twice, nested, so that identity and nesting are both checked. */
interface Item {
  kind: Kind;
  nested: { deep: unknown[] };
}

/** What a thread sends back: the object, whether both copies were one, and `poke`'s result. */
type Reply = [unknown, boolean, unknown];

function visit(item: Item): Reply {
  const [a, b] = item.nested.deep;
  return [a, a === b, poke(item.kind, a)];
}

/** Thread target of the args road. */
export function viaArgs(item: Item, reply: Queue<Reply>): void {
  reply.put(visit(item));
}

/** Thread target of the Shareable road: the object sits in a Box's fields. */
export function viaShareable(kind: Kind, box: Box, reply: Queue<Reply>): void {
  reply.put(visit({ kind, nested: { deep: [box.value, box.again] } }));
}

/** Thread target of the queue roads: serves items until `null`. */
export function server(inbox: Queue<unknown>, reply: Queue<Reply>, priority: boolean) {
  for (;;) {
    const got = inbox.get();
    if (got === null) return;
    const item = (priority ? (got as [number, Item])[1] : got) as Item;
    reply.put(visit(item));
  }
}

const ROADS = [
  "args",
  "Shareable field",
  "Queue",
  "LifoQueue",
  "PriorityQueue",
  "SimpleQueue",
] as const;

Deno.test("every library object travels on every road as the same shared object (road × kind)", async (t) => {
  const reply = new Queue<Reply>();
  for (const road of ROADS) {
    await t.step(road, async (t) => {
      let inbox: Queue<unknown> | SimpleQueue<unknown> | undefined;
      let serverThread: Thread | undefined;
      if (road !== "args" && road !== "Shareable field") {
        inbox = road === "Queue"
          ? new Queue()
          : road === "LifoQueue"
          ? new LifoQueue()
          : road === "PriorityQueue"
          ? new PriorityQueue()
          : new SimpleQueue();
        serverThread = new Thread({
          target: server,
          args: [inbox, reply, road === "PriorityQueue"],
        });
        serverThread.start();
      }
      let seq = 0;
      for (const kind of Object.keys(KINDS) as Kind[]) {
        await t.step(kind, () => {
          const value = KINDS[kind].make();
          const item: Item = { kind, nested: { deep: [value, value] } };
          if (road === "args") {
            const th = new Thread({ target: viaArgs, args: [item, reply] });
            th.start();
            th.join();
          } else if (road === "Shareable field") {
            const box = new Box(value, value);
            const th = new Thread({ target: viaShareable, args: [kind, box, reply] });
            th.start();
            th.join();
          } else {
            inbox!.put(road === "PriorityQueue" ? [seq++, item] : item);
          }
          const [back, same, result] = reply.get(true, 60_000);
          assert.equal(same, true, "the same object sent twice arrives as one");
          if (kind !== "SharedArrayBuffer") {
            assert.equal(back, value, "it comes back as the very object sent");
          }
          if (kind === "Lock" || kind === "Semaphore" || kind === "BoundedSemaphore") {
            assert.equal(result, true);
          }
          if (kind === "Thread") assert.equal(result, "MainThread");
          KINDS[kind].check(value);
        });
      }
      if (serverThread !== undefined) {
        inbox!.put(road === "PriorityQueue" ? [seq++, null] : null);
        serverThread.join();
      }
    });
  }
  await shutdown();
});

/** Thread target: a Lock made here, held, put into a queue; the thread then ends. */
export function lendLock(out: Queue<{ lock: Lock; list: SharedList<number> }>): void {
  const lock = new Lock();
  lock.acquire();
  const list = new SharedList<number>([1, 2]);
  out.put({ lock, list });
}

Deno.test("a Lock made in a thread that ended stays alive while its item sits in a queue", async () => {
  const q = new Queue<{ lock: Lock; list: SharedList<number> }>();
  const th = new Thread({ target: lendLock, args: [q] });
  th.start();
  th.join();
  const { lock, list } = q.get();
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.acquire(false), true);
  assert.deepEqual(list.toArray(), [1, 2]);
  await shutdown();
});

for (
  const [name, file, expected] of [
    ["the reply-queue program prints reply: 49", "reply_queue.ts", "reply: 49\n"],
    [
      "the README's Future (an Event and a result slot) gets its results",
      "future.ts",
      "results: 9 16\n",
    ],
  ]
) {
  Deno.test(name, async () => {
    const { stdout, stderr, success } = await runDeno([
      "run",
      "--allow-read",
      new URL(`./fixtures/${file}`, import.meta.url).pathname,
    ]);
    assert.ok(success, stderr);
    assert.equal(stdout, expected);
  });
}

/** Thread target: a sync get() of a Shareable whose module it has not loaded, then getAsync(). */
export async function tallyServer(inbox: Queue<Tally>, out: Queue<string>) {
  try {
    inbox.get();
    out.put("no error");
  } catch (e) {
    out.put(`${(e as Error).name}: ${(e as Error).message}`);
  }
  const tally = await inbox.getAsync();
  tally.bump();
  const { Tally } = await import("./fixtures/tally.ts");
  out.put(tally instanceof Tally ? "a Tally" : "not a Tally");
}

Deno.test("getAsync() imports the module of a Shareable item; get() says to use it", async () => {
  const { Tally } = await import("./fixtures/tally.ts");
  const inbox = new Queue<Tally>();
  const out = new Queue<string>();
  const first = new Tally();
  const second = new Tally();
  inbox.put(first);
  inbox.put(second);
  const th = new Thread({ target: tallyServer, args: [inbox, out] });
  th.start();
  await th.joinAsync();
  assert.match(
    out.get(),
    /^TypeError: Cannot receive a Tally .*tally\.ts cannot be loaded synchronously in this thread.*the item stays at the head of the queue; get it with getAsync\(\)/,
  );
  assert.equal(out.get(), "a Tally");
  // The get that failed left the item: getAsync() got the first one, the second waits.
  assert.equal(first.n.value, 1);
  assert.equal(second.n.value, 0);
  assert.equal(inbox.qsize(), 1);
  await shutdown();
});

// ---- Errors ----

function makeErrors(): Error[] {
  const inner = new TypeError("inner", { cause: new RangeError("innermost") });
  const http = new HttpError("unavailable", { cause: inner });
  (http as HttpError & { retryAfter?: number }).retryAfter = 30;
  const agg = new AggregateError([http, new Error("plain")], "many", { cause: "why" });
  const named = new Error("renamed");
  named.name = "CustomName";
  return [http, agg, named, new HiddenError("hidden")];
}

function checkErrors(got: Error[], sent: Error[], hiddenFound: boolean): void {
  const [http, agg, named, hidden] = got as [HttpError, AggregateError, Error, Error];
  assert.ok(http instanceof HttpError, "the exported class is restored");
  assert.equal(http.name, "Error");
  assert.equal(http.message, "unavailable");
  assert.equal(http.status, 503);
  assert.equal((http as HttpError & { retryAfter?: number }).retryAfter, 30);
  assert.equal(http.stack, sent[0].stack);
  assert.ok(http.cause instanceof TypeError);
  assert.equal((http.cause as Error).message, "inner");
  assert.ok((http.cause as Error).cause instanceof RangeError);
  assert.equal(((http.cause as Error).cause as Error).message, "innermost");
  assert.ok(agg instanceof AggregateError);
  assert.equal(agg.message, "many");
  assert.equal(agg.cause, "why");
  assert.equal(agg.errors.length, 2);
  assert.equal(agg.errors[0], http, "the same error twice arrives as one");
  assert.equal(agg.errors[1].message, "plain");
  assert.equal(named.name, "CustomName");
  assert.equal(named.message, "renamed");
  if (hiddenFound) {
    assert.ok(hidden instanceof HiddenError);
  } else {
    assert.ok(!(hidden instanceof HiddenError));
    assert.equal(Object.getPrototypeOf(hidden), Error.prototype);
    assert.equal(hidden.name, "HiddenError", "a plain Error with the right name");
  }
  assert.equal(hidden.message, "hidden");
}

/** Thread target: checks the errors it received, then sends new ones back. */
export function errorRoundTrip(received: Error[], out: Queue<unknown>): void {
  let ok: string = "ok";
  try {
    // HiddenError is not exported: in this thread it cannot be found.
    checkErrors(received, received, false);
  } catch (e) {
    ok = String((e as Error).stack);
  }
  out.put([ok, makeErrors()]);
}

Deno.test("an Error subclass keeps its class, name, message, stack, cause, errors and fields on every road", async (t) => {
  await t.step("queue, one thread", () => {
    for (const Q of [Queue, LifoQueue, SimpleQueue]) {
      const q = new Q<Error[]>();
      const sent = makeErrors();
      q.put(sent);
      checkErrors(q.get(), sent, true);
    }
  });
  await t.step("thread args, then a queue back", () => {
    const out = new Queue<[string, Error[]]>();
    const sent = makeErrors();
    const th = new Thread({ target: errorRoundTrip, args: [sent, out] });
    th.start();
    th.join();
    const [ok, back] = out.get();
    assert.equal(ok, "ok");
    // HiddenError was sent by this thread, so this thread knows its class.
    checkErrors(back, back, true);
  });
  await shutdown();
});

/** Thread target: sends the library's own errors back. */
export function libraryErrors(out: Queue<Error[]>): void {
  out.put([new QueueEmpty("empty"), new ThreadError("thread"), new BrokenBarrierError()]);
}

Deno.test("the library's own error classes arrive as themselves", async () => {
  const out = new Queue<Error[]>();
  const th = new Thread({ target: libraryErrors, args: [out] });
  th.start();
  th.join();
  const [empty, thread, broken] = out.get();
  assert.ok(empty instanceof QueueEmpty);
  assert.equal(empty.message, "empty");
  assert.ok(thread instanceof ThreadError);
  assert.ok(broken instanceof BrokenBarrierError);
  assert.ok(broken instanceof ThreadError);
  await shutdown();
});

// ---- Copies and refusals ----

/** Thread target: tries to change its arguments and reports what happened. */
export function changeArgs(list: string[], record: { n: number }, out: Queue<string[]>) {
  const errors: string[] = [];
  for (
    const change of [
      () => list.push("x"),
      () => (record.n = 2),
      () => delete (record as { n?: number }).n,
    ]
  ) {
    try {
      change();
      errors.push("changed");
    } catch (e) {
      errors.push(`${(e as Error).name}`);
    }
  }
  out.put(errors);
}

Deno.test("a thread's arguments are frozen copies: changing one throws a TypeError", async () => {
  const out = new Queue<string[]>();
  const list: string[] = [];
  const th = new Thread({ target: changeArgs, args: [list, { n: 1 }, out] });
  th.start();
  th.join();
  assert.deepEqual(out.get(), ["TypeError", "TypeError", "TypeError"]);
  assert.deepEqual(list, []);
  await shutdown();
});

Deno.test("a queue item is the getter's own mutable copy", () => {
  const q = new Queue<{ list: number[] }>();
  q.put({ list: [1] });
  const got = q.get();
  got.list.push(2);
  assert.deepEqual(got.list, [1, 2]);
});

/** Thread target that is never run: its start is refused. */
export function neverRuns(..._args: unknown[]): void {}

Deno.test("a refused argument is named as it is written: args[0], kwargs.x, this.field", async (t) => {
  await t.step("args[0]", () => {
    assert.throws(
      () => new Thread({ target: neverRuns, args: [() => 1] }).start(),
      {
        name: "TypeError",
        message:
          /: args\[0\] is an arrow function that no module exports at its top level/,
      },
    );
  });
  await t.step("kwargs.x.y", () => {
    assert.throws(
      () => new Thread({ target: neverRuns, kwargs: { x: { y: Symbol("s") } } }).start(),
      { name: "TypeError", message: /: kwargs\.x\.y is Symbol\(s\)/ },
    );
  });
  await t.step("a 100,000-deep argument", () => {
    let deep: { next?: unknown } = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) {
      const next = {};
      deep.next = next;
      deep = next;
    }
    assert.throws(
      () => new Thread({ target: neverRuns, args: [root] }).start(),
      {
        name: "RangeError",
        message: /: args\[0\]\.next\.next.* is nested more than 1000 levels deep/,
      },
    );
    const q = new Queue();
    assert.throws(() => q.put(root), {
      name: "RangeError",
      message: /the item\.next.* is nested more than 1000 levels deep/,
    });
    assert.equal(q.qsize(), 0);
  });
});

/** Thread target: reports the length and the last byte of its argument. */
export function measure(bytes: Uint8Array, sab: SharedArrayBuffer, out: Queue<number[]>) {
  new Int32Array(sab)[0] = 42;
  out.put([bytes.length, bytes[bytes.length - 1]]);
}

Deno.test("large binary data crosses as a memory copy; a SharedArrayBuffer is not copied", async () => {
  const bytes = new Uint8Array(32 * 1024 * 1024);
  bytes[bytes.length - 1] = 9;
  const sab = new SharedArrayBuffer(8);
  const out = new Queue<number[]>();
  const th = new Thread({ target: measure, args: [bytes, sab, out] });
  th.start();
  th.join();
  assert.deepEqual(out.get(), [bytes.length, 9]);
  assert.equal(new Int32Array(sab)[0], 42);
  await shutdown();
});

Deno.test("a change to a frozen copy: the excepthook's report names SharedList/SharedJSON, a caught TypeError keeps V8's words", async () => {
  const fixture = new URL("./fixtures/frozen_hint.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await runDeno([
    "run",
    "--no-lock",
    "--allow-read",
    fixture,
  ]);
  assert.equal(code, 0, stderr);
  // As the README's "Copies are never silent" says.
  assert.equal(stdout, "caught: Cannot add property 3, object is not extensible\n");
  assert.match(
    stderr,
    /Exception in thread appender:\nTypeError: Cannot add property 3, object is not extensible; if it came from another thread, it is a frozen copy .* SharedList or SharedJSON/,
  );
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert.match(readme, /Caught, it keeps V8's own\s+words/);
});
