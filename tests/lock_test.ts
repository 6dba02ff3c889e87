// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { shutdown, Thread, ThreadError, TIMEOUT_MAX } from "../src/threading.ts";
import { Condition } from "../src/condition.ts";
import { Event } from "../src/event.ts";
import { CONTENDED } from "../src/_lock_algorithm.ts";
import { L_STATE, Lock, lockIsIdle, lockWords } from "../src/lock.ts";
import { RLock } from "../src/rlock.ts";
import { Semaphore } from "../src/semaphore.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Acquires `lock`, signals `held`, waits for `go`, releases. */
export function holdUntil(lock: Lock, held: Event, go: Event) {
  lock.acquire();
  held.set();
  go.wait();
  lock.release();
}

/** Acquires `lock` and signals; never releases (another thread does). */
export function acquireOnly(lock: Lock, done: Event) {
  lock.acquire();
  done.set();
}

/** Releases a lock that another thread acquired. */
export function releaseOther(lock: Lock) {
  lock.release();
}

/** Records whether `a` and `b` arrived as one object, and the nested lock too. */
export function sameObjects(out: Int32Array, a: Lock, b: Lock, nested: { l: Lock[] }) {
  out[0] = a === b ? 1 : 0;
  out[1] = nested.l[0] === a ? 1 : 0;
  out[2] = a instanceof Lock ? 1 : 0;
  out[3] = a.locked() ? 1 : 0;
  a.release();
}

/** Increments `out[0]` `n` times under `lock`, using each "hold" form in turn. */
export function countUnder(lock: Lock, out: Int32Array, n: number) {
  for (let i = 0; i < n; i++) {
    switch (i % 3) {
      case 0:
        lock.acquire();
        out[0]++;
        lock.release();
        break;
      case 1: {
        using _ = lock.hold();
        out[0]++;
        break;
      }
      default:
        lock.with(() => out[0]++);
    }
  }
}

/**
 * Records what the primitives made by the main thread look like here, then flips every
 * lock: releases the held ones, takes the free ones.
 */
export function flipAll(
  out: Int32Array,
  locks: Lock[],
  rlock: RLock,
  sem: Semaphore,
  set: Event,
  cond: Condition,
) {
  const n = locks.length;
  out[n + 3] = cond.lock === locks[0] && cond.lock.locked() ? 1 : 0;
  for (let i = 0; i < n; i++) {
    out[i] = locks[i].locked() ? 1 : 0;
    if (out[i] === 1) locks[i].release();
    else if (!locks[i].acquire(false)) out[i] = 9;
  }
  out[n] = rlock.locked() && !rlock.acquire(false) ? 1 : 0;
  out[n + 1] = sem.acquire(false) && sem.acquire(false) && !sem.acquire(false) ? 1 : 0;
  out[n + 2] = set.isSet() ? 1 : 0;
}

/** Blocks on `lock` (held by the main thread), then marks `out[0]` and releases. */
export function blockOn(lock: Lock, out: Int32Array) {
  lock.acquire();
  out[0] = 1;
  lock.release();
}

/** Makes primitives in this thread and sleeps on them: each wait must time out. */
export function waitOnOwn(out: Int32Array) {
  const lock = new Lock();
  lock.acquire();
  out[0] = lock.acquire(true, 5) ? 2 : 1;
  const cond = new Condition();
  out[1] = cond.with(() => cond.wait(5)) ? 2 : 1;
  out[2] = new Event().wait(5) ? 2 : 1;
}

/** Misuse: releases a lock that nobody holds (kills the thread). */
export function releaseUnlocked(lock: Lock) {
  lock.release();
}

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

// ---- Single-thread behaviour ----

Deno.test("Lock starts unlocked and acquire()/release() toggle locked()", () => {
  const lock = new Lock();
  assert.equal(lock.locked(), false);
  assert.equal(lock.acquire(), true);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), false);
  assert.ok(lockIsIdle(lock));
});

Deno.test("Lock.acquire(false) and acquire(0) do not wait on a held lock", () => {
  const lock = new Lock();
  lock.acquire();
  assert.equal(lock.acquire(false), false);
  assert.equal(lock.acquire(0), false);
  lock.release();
  assert.equal(lock.acquire(false), true);
  lock.release();
  assert.ok(lockIsIdle(lock));
});

Deno.test("Lock.acquire() returns false after the timeout", () => {
  const lock = new Lock();
  lock.acquire();
  const start = performance.now();
  assert.equal(lock.acquire(true, 20), false);
  assert.ok(performance.now() - start >= 19);
  assert.equal(lock.acquire(true, 0), false);
  lock.release();
  assert.equal(lock.acquire(true, 0), true);
  lock.release();
  assert.ok(lockIsIdle(lock));
});

Deno.test("Lock.acquire() refuses arguments as CPython does", async (t) => {
  const cases: [string, unknown[], ErrorConstructor, RegExp][] = [
    ["a timeout with blocking = false", [false, 1], RangeError, /non-blocking/],
    ["a negative timeout other than -1", [true, -100], RangeError, /-1 \(no limit\)/],
    ["NaN", [true, NaN], RangeError, /received NaN/],
    ["a timeout over TIMEOUT_MAX", [true, TIMEOUT_MAX + 1], RangeError, /TIMEOUT_MAX/],
    ["a string timeout", [true, "1"], TypeError, /timeout must be a number/],
    ["a string blocking", ["yes"], TypeError, /blocking must be a boolean/],
  ];
  for (const [name, args, type, message] of cases) {
    await t.step(name, () => {
      const lock = new Lock();
      assert.throws(
        () => (lock.acquire as (...a: unknown[]) => boolean)(...args),
        (e: Error) =>
          e instanceof type && message.test(e.message) &&
          e.message.startsWith("Cannot acquire Lock: "),
      );
      assert.equal(lock.locked(), false);
    });
  }
  await t.step("-1 and TIMEOUT_MAX are accepted", () => {
    const lock = new Lock();
    assert.equal(lock.acquire(true, -1), true);
    lock.release();
    assert.equal(lock.acquire(true, TIMEOUT_MAX), true);
    lock.release();
    assert.equal(lock.acquire(false, -1), true);
    lock.release();
  });
});

Deno.test("Lock.release() of an unlocked lock throws ThreadError", () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), {
    name: "ThreadError",
    message: "Cannot release Lock: it is not locked",
  });
  lock.acquire();
  lock.release();
  assert.throws(() => lock.release(), ThreadError);
  assert.ok(lockIsIdle(lock));
});

Deno.test("Lock.hold() releases at the end of a using block, even on a throw", () => {
  const lock = new Lock();
  {
    using _ = lock.hold();
    assert.equal(lock.locked(), true);
  }
  assert.equal(lock.locked(), false);
  assert.throws(() => {
    using _ = lock.hold();
    throw new Error("inside");
  }, /inside/);
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.with() returns the callback's result and releases on a throw", () => {
  const lock = new Lock();
  assert.equal(lock.with(() => (lock.locked() ? "held" : "free")), "held");
  assert.throws(() =>
    lock.with(() => {
      throw new Error("boom");
    }), /boom/);
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.withAsync() awaits the callback while holding the lock", async () => {
  const lock = new Lock();
  const result = await lock.withAsync(async () => {
    await new Promise((r) => setTimeout(r, 1));
    return lock.locked();
  });
  assert.equal(result, true);
  assert.equal(lock.locked(), false);
  await assert.rejects(
    lock.withAsync(() => Promise.reject(new Error("async boom"))),
    /async boom/,
  );
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.acquireAsync() waits for a release in the same thread", async () => {
  const lock = new Lock();
  lock.acquire();
  const pending = lock.acquireAsync();
  assert.equal(await lock.acquireAsync(true, 5), false);
  setTimeout(() => lock.release(), 5);
  assert.equal(await pending, true);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(await lock.acquireAsync(false), true);
  lock.release();
  assert.throws(() => lock.acquireAsync(false, 3), RangeError);
  assert.ok(lockIsIdle(lock));
});

Deno.test("Lock's words sit in their own 64-byte slot of shared memory", () => {
  const a = lockWords(new Lock());
  const b = lockWords(new Lock());
  assert.equal(a.byteLength, 64);
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  assert.equal(a.byteOffset % 64, 0);
  if (a.buffer === b.buffer) assert.ok(Math.abs(a.byteOffset - b.byteOffset) >= 64);
});

Deno.test("Lock: a fresh lock's first blocking wait sleeps and times out", () => {
  const lock = new Lock();
  lock.acquire();
  const start = performance.now();
  assert.equal(lock.acquire(true, 10), false);
  assert.ok(performance.now() - start >= 9);
  lock.release();
  assert.ok(lockIsIdle(lock));
});

Deno.test("Lock: primitives stay independent across many slab slots", () => {
  const locks = Array.from({ length: 2_000 }, () => new Lock());
  for (let i = 0; i < locks.length; i += 2) assert.equal(locks[i].acquire(false), true);
  for (let i = 0; i < locks.length; i++) assert.equal(locks[i].locked(), i % 2 === 0);
  for (let i = 0; i < locks.length; i += 2) locks[i].release();
  assert.ok(locks.every(lockIsIdle));
});

Deno.test("Lock.toString() shows the state", () => {
  const lock = new Lock();
  assert.equal(String(lock), "<unlocked Lock>");
  lock.acquire();
  assert.equal(String(lock), "<locked Lock>");
  lock.release();
});

// ---- Across threads ----

Deno.test("Lock held by a thread blocks the main thread until released", async () => {
  const lock = new Lock();
  const held = new Event();
  const go = new Event();
  const t = new Thread({ target: holdUntil, args: [lock, held, go] });
  t.start();
  held.wait();
  assert.equal(lock.acquire(false), false);
  assert.equal(lock.acquire(true, 10), false);
  go.set();
  assert.equal(lock.acquire(true, 10_000), true);
  lock.release();
  t.join();
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Lock acquired in one thread can be released by another", async () => {
  const lock = new Lock();
  const done = new Event();
  const a = new Thread({ target: acquireOnly, args: [lock, done] });
  a.start();
  done.wait();
  a.join();
  assert.equal(lock.locked(), true);
  const b = new Thread({ target: releaseOther, args: [lock] });
  b.start();
  b.join();
  assert.equal(lock.locked(), false);
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Lock.acquireAsync() in the main thread waits for a blocking holder", async () => {
  const lock = new Lock();
  const held = new Event();
  const go = new Event();
  const t = new Thread({ target: holdUntil, args: [lock, held, go] });
  t.start();
  await held.waitAsync();
  const pending = lock.acquireAsync();
  go.set();
  assert.equal(await pending, true);
  lock.release();
  await t.joinAsync();
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Lock sent twice and nested arrives as one shared lock", async () => {
  const lock = new Lock();
  lock.acquire();
  const out = ints();
  const t = new Thread({ target: sameObjects, args: [out, lock, lock, { l: [lock] }] });
  t.start();
  t.join();
  assert.deepEqual([...out.slice(0, 4)], [1, 1, 1, 1]);
  assert.equal(lock.locked(), false);
  await shutdown();
});

Deno.test("Lock keeps a counter exact across threads with each hold form", async () => {
  const lock = new Lock();
  const out = ints();
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: countUnder, args: [lock, out, 3_000] })
  );
  for (const t of threads) t.start();
  countUnder(lock, out, 3_000);
  for (const t of threads) t.join();
  assert.equal(out[0], 12_000);
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Primitives made and used in one thread keep their state when sent", async () => {
  // Enough locks to span several slabs; every third one is held before it travels.
  const locks = Array.from({ length: 600 }, () => new Lock());
  for (let i = 0; i < locks.length; i += 3) locks[i].acquire();
  const rlock = new RLock();
  rlock.acquire();
  rlock.acquire();
  const sem = new Semaphore(3);
  sem.acquire();
  const set = new Event();
  set.set();
  const cond = new Condition(locks[0]);
  const out = ints(locks.length + 4);
  const t = new Thread({ target: flipAll, args: [out, locks, rlock, sem, set, cond] });
  t.start();
  await t.joinAsync();
  for (let i = 0; i < locks.length; i++) {
    assert.equal(out[i], i % 3 === 0 ? 1 : 0, `lock ${i} as seen by the thread`);
    assert.equal(locks[i].locked(), i % 3 !== 0, `lock ${i} after the thread flipped it`);
  }
  assert.deepEqual([...out.slice(locks.length)], [1, 1, 1, 1]);
  for (let i = 1; i < locks.length; i += 3) locks[i].release();
  for (let i = 2; i < locks.length; i += 3) locks[i].release();
  assert.ok(locks.every(lockIsIdle));
  rlock.release();
  assert.equal(rlock.locked(), true);
  rlock.release();
  assert.equal(rlock.locked(), false);
  assert.equal(sem.acquire(false), false);
  await shutdown();
});

Deno.test("Lock never sent before: a thread's first blocking wait on it is woken", async () => {
  const lock = new Lock();
  lock.acquire();
  const out = ints();
  const t = new Thread({ target: blockOn, args: [lock, out] });
  t.start();
  // The waiter marks the lock contended just before it sleeps.
  const words = lockWords(lock);
  while (Atomics.load(words, L_STATE) !== CONTENDED) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.equal(out[0], 0);
  lock.release();
  await t.joinAsync();
  assert.equal(out[0], 1);
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Primitives made in a thread block and time out there", async () => {
  const out = ints();
  const t = new Thread({ target: waitOnOwn, args: [out] });
  t.start();
  await t.joinAsync();
  assert.deepEqual([...out.slice(0, 3)], [1, 1, 1]);
  await shutdown();
});

// ---- Misuse, in a subprocess (this file run as a program) ----

if (import.meta.main) {
  // `deno run tests/lock_test.ts`: a thread releases an unlocked lock and dies.
  const t = new Thread({ target: releaseUnlocked, args: [new Lock()], name: "misuser" });
  t.start();
  t.join();
  console.log("main done");
}

Deno.test("Lock misuse: a thread that releases an unlocked lock dies with ThreadError", async () => {
  const { code, stdout, stderr } = await runDeno([
    "run",
    "--no-lock",
    "--allow-read",
    "--allow-env",
    new URL(import.meta.url).pathname,
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /misuser/);
  assert.match(stderr, /ThreadError: Cannot release Lock: it is not locked/);
  assert.equal(stdout.trim(), "main done");
});
