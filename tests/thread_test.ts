// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import {
  activeCount,
  Barrier,
  Condition,
  currentThread,
  enumerate,
  Event,
  getIdent,
  getNativeId,
  Lock,
  mainThread,
  Queue,
  Semaphore,
  shutdown,
  sleep,
  stackSize,
  Thread,
  ThreadError,
  TIMEOUT_MAX,
  Timer,
} from "../src/threading.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Writes the thread's view of itself into `out`. */
export function report(out: Int32Array, text: Uint8Array) {
  const me = currentThread();
  out[0] = getIdent();
  out[1] = me.ident ?? -1;
  out[2] = activeCount();
  out[3] = enumerate().length;
  out[4] = mainThread().ident ?? -1;
  out[5] = me.isAlive() ? 1 : 0;
  out[6] = me.daemon ? 1 : 0;
  out[7] = enumerate().includes(mainThread()) ? 1 : 0;
  out[8] = enumerate().includes(me) ? 1 : 0;
  const name = new TextEncoder().encode(me.name);
  text.set(name);
  out[9] = name.length;
  Atomics.store(out, 15, 1);
  Atomics.notify(out, 15);
}

/** Adds 1 to `flag[0]`. */
export function bump(flag: Int32Array) {
  Atomics.add(flag, 0, 1);
}

/** Blocks until `flag[0]` becomes non-zero. */
export function waitFlag(flag: Int32Array) {
  while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 1000);
}

/** Sums its arguments and kwargs into `out[0]`. */
export function sum(out: Int32Array, a: number, b: number, kwargs?: { c: number }) {
  out[0] = a + b + (kwargs?.c ?? 0);
  out[1] = kwargs === undefined ? 0 : 1;
}

/** Throws. */
export function thrower() {
  throw new Error("thrown on purpose");
}

/** Tries to join itself and records the error's class. */
export function joinSelf(out: Int32Array) {
  try {
    currentThread().join();
    out[0] = 1;
  } catch (error) {
    out[0] = error instanceof ThreadError ? 2 : 3;
  }
}

/** Checks that two references to one shared object arrive as one object. */
export function identity(out: Int32Array, a: Thread, b: Thread, nested: { t: Thread[] }) {
  out[0] = a === b ? 1 : 0;
  out[1] = nested.t[0] === a ? 1 : 0;
  out[2] = a === mainThread() ? 1 : 0;
}

/** Starts `child` as a thread of its own and returns at once. */
export function starter(out: Int32Array, flag: Int32Array) {
  const t = new Thread({ target: waitFlag, args: [flag], name: "grandchild" });
  t.start();
  out[0] = t.ident ?? -1;
  out[1] = t.daemon ? 1 : 0;
}

function notExported() {}

/** From inside a thread, starts threads that cannot start, recording what start() threw. */
export function startBadFromThread(out: Int32Array) {
  const attempts: Array<() => void> = [
    () => new Thread({ target: [() => 1][0] }).start(),
    () => new Thread({ target: notExported }).start(),
  ];
  attempts.forEach((attempt, i) => {
    try {
      attempt();
      out[i] = 1;
    } catch (error) {
      out[i] = error instanceof TypeError && /export/.test((error as Error).message)
        ? 2
        : 3;
    }
  });
}

/** Renames the main thread from inside a thread. */
export function rename(to: string) {
  mainThread().name = to;
}

let runs = 0;

/** Counts the threads this module has run in its Worker (module globals are per Worker). */
export function countRuns(out: Int32Array, index: number) {
  out[index] = ++runs;
  out[index + 2] = getNativeId();
}

/** A Thread subclass that keeps its constructor's arguments as fields, as the seeds' MyThreadWithArgs. */
export class WithArgs extends Thread {
  values: number[];
  label: { text: string };
  out: Int32Array;

  constructor(out: Int32Array, values: number[], label: { text: string }) {
    super({ name: "with-args" });
    this.out = out;
    this.values = values;
    this.label = label;
  }

  override run() {
    this.out[0] = this.values.reduce((a, b) => a + b, 0);
    this.out[1] = this.label.text.length;
    this.out[2] = this instanceof WithArgs ? 1 : 0;
    this.out[3] = currentThread() === this ? 1 : 0;
  }
}

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

// ---- Tests ----

Deno.test("Thread runs its target with args and kwargs as a last argument", async () => {
  const out = ints();
  const t = new Thread({ target: sum, args: [out, 2, 3], kwargs: { c: 10 } });
  t.start();
  t.join();
  assert.equal(out[0], 15);
  assert.equal(out[1], 1);
  const u = new Thread({ target: sum, args: [out, 2, 3] });
  u.start();
  u.join();
  assert.deepEqual([out[0], out[1]], [5, 0]);
  await shutdown();
});

Deno.test("Thread names default to Thread-N and the main thread is MainThread", async () => {
  const a = new Thread({});
  const b = new Thread({});
  const na = Number(a.name.slice("Thread-".length));
  assert.match(a.name, /^Thread-\d+$/);
  assert.equal(b.name, `Thread-${na + 1}`);
  assert.equal(new Thread({ name: "svc" }).name, "svc");
  assert.equal(new Thread({ name: 3 }).name, "3");
  // CPython 3.10+ (`threading.Thread(target=f).name` is 'Thread-1 (f)'): a target's
  // name follows the number, also for `name: ""` and for a subclass given a target.
  // @ts-expect-error no args for waitFlag(flag): never started, only its name is read
  assert.equal(new Thread({ target: waitFlag }).name, `Thread-${na + 2} (waitFlag)`);
  assert.equal(
    // @ts-expect-error no args for waitFlag(flag): never started, only its name is read
    new Thread({ target: waitFlag, name: "" }).name,
    `Thread-${na + 3} (waitFlag)`,
  );
  // @ts-expect-error no args for waitFlag(flag): never started, only its name is read
  assert.equal(new Thread({ target: waitFlag, name: "w" }).name, "w");
  class Sub extends Thread {}
  assert.equal(new Sub().name, `Thread-${na + 4}`);
  assert.equal(new Sub({ target: waitFlag }).name, `Thread-${na + 5} (waitFlag)`);
  // CPython's Timer calls Thread.__init__ without a target: `Thread-N`, subclasses too.
  class SubTimer extends Timer {}
  assert.equal(new Timer(10, waitFlag).name, `Thread-${na + 6}`);
  assert.equal(new SubTimer(10, waitFlag).name, `Thread-${na + 7}`);
  // A name that would pass 256 bytes of UTF-8 leaves the target out.
  const long = { [`f${"x".repeat(250)}`]: function () {} }[`f${"x".repeat(250)}`];
  assert.equal(new Thread({ target: long }).name, `Thread-${na + 8}`);
  assert.equal(mainThread().name, "MainThread");
  assert.equal(currentThread(), mainThread());
  assert.equal(getIdent(), 1);
  assert.equal(mainThread().ident, 1);
  await shutdown();
});

Deno.test("start() returns once the thread runs: alive, ident set, listed by enumerate()", async () => {
  const flag = ints(1);
  const t = new Thread({ target: waitFlag, args: [flag], name: "sleeper" });
  assert.equal(t.ident, undefined);
  assert.equal(t.isAlive(), false);
  t.start();
  assert.equal(t.isAlive(), true);
  assert.ok((t.ident ?? 0) > 1);
  assert.ok(enumerate().includes(t));
  assert.ok(enumerate().includes(mainThread()));
  assert.ok(activeCount() >= 2);
  assert.match(String(t), /^<Thread\(sleeper, started \d+\)>$/);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  t.join();
  assert.equal(t.isAlive(), false);
  assert.ok(!enumerate().includes(t));
  assert.match(String(t), /stopped/);
  await shutdown();
});

Deno.test("a thread sees the same idents, names and table as the main thread", async () => {
  const out = ints();
  const text = new Uint8Array(new SharedArrayBuffer(64));
  const t = new Thread({
    target: report,
    args: [out, text],
    name: "reporter",
    daemon: true,
  });
  t.start();
  t.join();
  assert.equal(out[0], t.ident);
  assert.equal(out[1], t.ident);
  assert.ok(out[2] >= 2);
  assert.equal(out[2], out[3]);
  assert.equal(out[4], 1);
  assert.equal(out[5], 1);
  assert.equal(out[6], 1);
  assert.equal(out[7], 1);
  assert.equal(out[8], 1);
  assert.equal(new TextDecoder().decode(text.slice(0, out[9])), "reporter");
  await shutdown();
});

Deno.test("a name changed in one thread is seen in all", async () => {
  const t = new Thread({ target: rename, args: ["Renamed"] });
  t.start();
  t.join();
  try {
    assert.equal(mainThread().name, "Renamed");
  } finally {
    mainThread().name = "MainThread";
  }
  const flag = ints(1);
  const s = new Thread({ target: waitFlag, args: [flag], name: "before" });
  s.start();
  s.setName("after");
  const out = ints();
  const text = new Uint8Array(new SharedArrayBuffer(64));
  const r = new Thread({ target: report, args: [out, text] });
  r.start();
  r.join();
  assert.equal(enumerate().find((x) => x.ident === s.ident)?.getName(), "after");
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  s.join();
  assert.equal(s.name, "after");
  await shutdown();
});

Deno.test("a Thread subclass runs run() with the fields set by its constructor", async () => {
  const out = ints();
  const t = new WithArgs(out, [1, 2, 3], { text: "four" });
  t.start();
  t.join();
  assert.deepEqual([...out.slice(0, 4)], [6, 4, 1, 1]);
  await shutdown();
});

Deno.test("start() refuses targets that cannot travel, saying what to write", async (t) => {
  await t.step("an anonymous function", () => {
    const fn = [function () {
      return 1;
    }][0];
    assert.throws(
      () => new Thread({ target: fn }).start(),
      /anonymous function.*export a named function/,
    );
  });
  await t.step("an anonymous function expression named by inference", () => {
    // `target: function () {}` is named "target" by JavaScript, not by the user: the
    // message says it is anonymous, not "export function target".
    const t = new Thread({
      target: function () {
        return 1;
      },
    });
    const error = (() => {
      try {
        t.start();
        t.join();
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(error instanceof TypeError, String(error));
    assert.match(error.message, /the function is an anonymous function expression/);
    assert.match(error.message, /declare it as a named, exported function/);
    assert.doesNotMatch(error.message, /export function target/);
  });
  await t.step("a closure of the same name as no export", () => {
    function hidden() {
      return 1;
    }
    assert.throws(
      () => new Thread({ target: hidden }).start(),
      (e: Error) =>
        e instanceof TypeError &&
        /hidden is declared inside a function or a block .*\(a closure\)/.test(
          e.message,
        ) &&
        /export function hidden/.test(e.message),
    );
  });
  await t.step("a local function that shadows an export", () => {
    function sum(a: number) {
      return a;
    }
    assert.throws(
      // @ts-expect-error no args for sum(a): the start refuses the closure first
      () => new Thread({ target: sum }).start(),
      (e: Error) =>
        e instanceof TypeError &&
        /sum is declared inside .*\(a closure\)/.test(e.message),
    );
  });
  await t.step("an arrow function, named or not", () => {
    const sum = (a: number) => a;
    for (const target of [sum, async () => {}, (x: number) => x]) {
      assert.throws(
        () => new Thread({ target }).start(),
        (e: Error) =>
          e instanceof TypeError &&
          /arrow function that no module exports at its top level; an arrow function travels to another thread only so/
            .test(e.message),
      );
    }
  });
  await t.step("a bound function", () => {
    // @ts-expect-error no args for sum's bound copy: the start refuses it first
    assert.throws(() => new Thread({ target: sum.bind(null) }).start(), /bound function/);
  });
  await t.step("an argument that is a function, named by its path", () => {
    assert.throws(
      // @ts-expect-error an object for sum's Int32Array, no numbers: refused at start first
      () => new Thread({ target: sum, args: [{ deep: [1, () => 2] }] }).start(),
      (e: Error) => e instanceof TypeError && /args\[0\]\.deep\[1\]/.test(e.message),
    );
  });
  await t.step("a symbol argument", () => {
    assert.throws(
      // @ts-expect-error a symbol for sum's Int32Array, no numbers: refused at start first
      () => new Thread({ target: sum, args: [Symbol("s")] }).start(),
      TypeError,
    );
  });
  await t.step("wrong option types", () => {
    assert.throws(() => new Thread({ target: 5 as never }), TypeError);
    assert.throws(() => new Thread({ args: 5 as never }), TypeError);
    assert.throws(() => new Thread({ daemon: "yes" as never }), TypeError);
    assert.throws(() => new Thread({ kwargs: [1] as never }), TypeError);
  });
  // A refused start leaves nothing behind.
  assert.equal(activeCount(), 1);
  await shutdown();
});

Deno.test("an option the Thread constructor does not know is a TypeError, not ignored (CPython: unexpected keyword)", () => {
  assert.throws(
    () => new Thread({ target: waitFlag, arg: [1] } as never),
    /Cannot create Thread: unknown option "arg"; the options are target, name, args/,
  );
  assert.throws(() => new Thread({ group: "g" } as never), /group must be null/);
  assert.match(
    // @ts-expect-error no args for waitFlag(flag): never started, only its name is read
    new Thread({ target: waitFlag, group: null }).name,
    /^Thread-\d+ \(waitFlag\)$/,
  );
});

Deno.test("misuse throws ThreadError: start twice, join before start, join itself", async () => {
  const out = ints();
  const t = new Thread({ target: sum, args: [out, 1, 1] });
  assert.throws(
    () => t.join(),
    (e: Error) => e instanceof ThreadError && /never started/.test(e.message),
  );
  t.start();
  assert.throws(
    () => t.start(),
    (e: Error) => e instanceof ThreadError && /only be started once/.test(e.message),
  );
  t.join();
  assert.throws(
    () => mainThread().join(),
    (e: Error) => e instanceof ThreadError && /current thread/.test(e.message),
  );
  const s = new Thread({ target: joinSelf, args: [out] });
  s.start();
  s.join();
  assert.equal(out[0], 2);
  assert.throws(() => (t.daemon = true), ThreadError);
  await shutdown();
});

Deno.test("Infinity is no limit wherever a timeout is taken; a negative timeout as in CPython", async () => {
  const flag = ints(1);
  const t = new Thread({ target: waitFlag, args: [flag] });
  t.start();
  const setter = setTimeout(() => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }, 50);
  await t.joinAsync(Infinity);
  clearTimeout(setter);
  assert.equal(t.isAlive(), false);
  t.join(Infinity);
  t.join(-1); // CPython: returns at once
  const lock = new Lock();
  assert.equal(lock.acquire(true, Infinity), true);
  assert.equal(lock.acquire(true, 0), false); // held: one try fails
  lock.release();
  // CPython: lock.acquire(timeout=-5) is a ValueError; -1 means no limit.
  assert.throws(() => lock.acquire(true, -5), RangeError);
  assert.throws(() => lock.acquire(false, Infinity), RangeError);
  const e = new Event();
  assert.equal(e.wait(-1), false); // CPython: Event.wait(-1) returns False at once
  e.set();
  assert.equal(e.wait(Infinity), true);
  assert.equal(await e.waitAsync(Infinity), true);
  const q = new Queue<number>();
  q.put(1, true, Infinity);
  assert.equal(q.get(true, Infinity), 1);
  assert.throws(() => q.get(true, -1), RangeError); // CPython: a ValueError
  assert.equal(new Barrier(1, null, Infinity).wait(Infinity), 0);
  assert.equal(new Semaphore(1).acquire(true, Infinity), true);
  const c = new Condition();
  c.acquire();
  assert.equal(c.wait(-1), false); // CPython: Condition.wait(-1) is False at once
  c.release();
  assert.throws(() => new Event().wait(TIMEOUT_MAX * 2), /TIMEOUT_MAX .* or Infinity/);
  await shutdown();
});

Deno.test("a Timer with a negative interval fires at once (CPython), Infinity waits for cancel()", async () => {
  const flag = ints(1);
  const t0 = performance.now();
  const now = new Timer(-10, bump, [flag]);
  now.start();
  now.join();
  assert.equal(Atomics.load(flag, 0), 1);
  assert.ok(performance.now() - t0 < 5_000);
  const never = new Timer(Infinity, bump, [flag]);
  never.start();
  never.join(50);
  assert.equal(never.isAlive(), true);
  never.cancel();
  never.join();
  assert.equal(Atomics.load(flag, 0), 1);
  assert.throws(() => new Timer(NaN, bump), RangeError);
  assert.throws(() => new Timer(TIMEOUT_MAX + 1, bump), RangeError);
  await shutdown();
});

Deno.test("join(timeout) returns after the timeout while the thread still runs", async () => {
  const flag = ints(1);
  const t = new Thread({ target: waitFlag, args: [flag] });
  t.start();
  const t0 = performance.now();
  t.join(50);
  assert.ok(performance.now() - t0 >= 45);
  assert.equal(t.isAlive(), true);
  t.join(-5);
  assert.equal(t.isAlive(), true);
  assert.throws(() => t.join(TIMEOUT_MAX + 1), RangeError);
  assert.throws(() => t.join(NaN), RangeError); // CPython: join(nan) is a ValueError
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  t.join();
  assert.equal(t.isAlive(), false);
  await shutdown();
});

Deno.test("joinAsync() lets the event loop turn while it waits", async () => {
  const flag = ints(1);
  const t = new Thread({ target: waitFlag, args: [flag] });
  t.start();
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    if (ticks === 3) {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
  }, 5);
  await t.joinAsync();
  clearInterval(timer);
  assert.ok(ticks >= 3);
  assert.equal(t.isAlive(), false);
  await shutdown();
});

Deno.test("an error in a thread ends it; join() returns normally", async () => {
  const t = new Thread({ target: thrower, name: "fails" });
  t.start();
  t.join();
  assert.equal(t.isAlive(), false);
  await shutdown();
});

Deno.test("objects that travel arrive as the same object, sent twice or nested", async () => {
  const out = ints();
  const main = mainThread();
  const t = new Thread({ target: identity, args: [out, main, main, { t: [main] }] });
  t.start();
  t.join();
  assert.deepEqual([...out.slice(0, 3)], [1, 1, 1]);
  await shutdown();
});

Deno.test("a thread started by a thread outlives its starter and is listed everywhere", async () => {
  const out = ints();
  const flag = ints(1);
  const t = new Thread({ target: starter, args: [out, flag], daemon: true });
  t.start();
  t.join();
  const grandchild = enumerate().find((x) => x.ident === out[0]);
  assert.ok(grandchild, "the grandchild is listed in the main thread");
  assert.equal(grandchild.name, "grandchild");
  assert.equal(grandchild.isAlive(), true);
  assert.equal(grandchild.daemon, true, "daemon defaults to the starter's flag");
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  grandchild.join();
  assert.equal(grandchild.isAlive(), false);
  await shutdown();
});

Deno.test("a finished thread's Worker is reused for the next thread", async () => {
  const out = ints();
  const a = new Thread({ target: countRuns, args: [out, 0] });
  a.start();
  a.join();
  const b = new Thread({ target: countRuns, args: [out, 1] });
  b.start();
  b.join();
  assert.equal(out[1], out[0] + 1, "the second thread ran in the first one's Worker");
  assert.notEqual(a.ident, b.ident);
  assert.equal(out[2], a.nativeId);
  assert.equal(out[3], b.nativeId);
  await shutdown();
});

Deno.test("sleep() blocks for the time asked and checks its argument", () => {
  const t0 = performance.now();
  sleep(30);
  assert.ok(performance.now() - t0 >= 29);
  assert.throws(() => sleep(-1), RangeError);
  assert.throws(() => sleep("1" as never), TypeError);
  assert.throws(() => sleep(TIMEOUT_MAX + 1), RangeError);
});

Deno.test("a thread whose start() fails inside another thread gets the same refusal", async () => {
  const out = ints();
  const t = new Thread({ target: startBadFromThread, args: [out] });
  t.start();
  t.join();
  assert.deepEqual([out[0], out[1]], [2, 2]);
  assert.equal(activeCount(), 1);
  await shutdown();
});

Deno.test("stackSize(): 0 (the default) is read and accepted; other sizes are refused as CPython refuses them (ValueError: RangeError; unsupported: ThreadError)", () => {
  assert.equal(stackSize(), 0);
  assert.equal(stackSize(0), 0);
  assert.throws(() => stackSize(1024), {
    name: "RangeError",
    message:
      "Cannot set the stack size: size must be 0 or an integer of at least 32768 bytes, received 1024",
  });
  assert.throws(() => stackSize(-1), RangeError);
  assert.throws(() => stackSize(32768.5), RangeError);
  assert.throws(() => stackSize("1" as never), TypeError);
  assert.throws(
    () => stackSize(1 << 20),
    (error: unknown) =>
      error instanceof ThreadError &&
      /^Cannot set the stack size to 1048576 bytes: changing the thread stack size is not supported/
        .test(error.message),
  );
});
