// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { shutdown, sleep, Thread, ThreadError } from "../src/threading.ts";
import {
  ASYNC_NODES,
  C_HEAD,
  C_TAIL,
  Condition,
  conditionWords,
} from "../src/condition.ts";
import { Lock, lockIsIdle, lockWords } from "../src/lock.ts";
import { RLock, rlockIsIdle, rlockWords } from "../src/rlock.ts";
import { W_COUNT, W_FIRST, W_SLOTS } from "../src/_release_wakes.ts";

// Shared counters of the notify tests.
const READY = 0;
const WOKEN = 1;
const ORDER = 4; // out[ORDER + k]: the ready index of the k-th thread woken

// ---- Thread targets (exported: code travels by reference) ----

/**
 * Announces itself on `ready` (which shares `cond`'s lock), waits on `cond`, then
 * records the order in which it was woken.
 */
export function waiter(cond: Condition, ready: Condition, out: Int32Array) {
  cond.with(() => {
    const me = out[READY]++;
    ready.notify();
    assert.equal(cond.wait(), true);
    out[ORDER + out[WOKEN]++] = me;
    ready.notify();
  });
}

/** As `waiter`, with `waitAsync`. */
export async function asyncWaiter(cond: Condition, ready: Condition, out: Int32Array) {
  await cond.acquireAsync();
  try {
    const me = out[READY]++;
    ready.notify();
    assert.equal(await cond.waitAsync(), true);
    out[ORDER + out[WOKEN]++] = me;
    ready.notify();
  } finally {
    cond.release();
  }
}

/** Records whether the condition arrived with the same lock object as `lock`. */
export function sameLock(out: Int32Array, cond: Condition, lock: Lock, again: Condition) {
  out[0] = cond.lock === lock ? 1 : 0;
  out[1] = cond === again ? 1 : 0;
  out[2] = cond instanceof Condition ? 1 : 0;
}

/** Sets `out[0]` under the lock and notifies every waiter. */
export function produce(cond: Condition, out: Int32Array) {
  cond.with(() => {
    out[0] = 1;
    cond.notifyAll();
  });
}

function ints(n = 32) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/** Starts `count` waiters (blocking or async targets) and waits until all wait. */
function startWaiters(
  target: typeof waiter | typeof asyncWaiter,
  count: number,
  cond: Condition,
  ready: Condition,
  out: Int32Array,
): Thread[] {
  const threads: Thread[] = [];
  for (let i = 0; i < count; i++) {
    const t = new Thread({ target, args: [cond, ready, out] });
    t.start();
    // One at a time, so that the queue order is the start order.
    ready.with(() => ready.waitFor(() => out[READY] === i + 1, 10_000));
    threads.push(t);
  }
  return threads;
}

// ---- Single-thread behaviour ----

Deno.test("Condition.wait() and notify() without the lock throw ThreadError", () => {
  const cond = new Condition();
  for (const call of [() => cond.wait(), () => cond.notify(), () => cond.notifyAll()]) {
    assert.throws(call, (e: Error) =>
      e instanceof ThreadError &&
      /^Cannot (wait on|notify) Condition: its lock is not held by this thread/.test(
        e.message,
      ));
  }
  assert.throws(() => cond.waitAsync(), ThreadError);
  assert.throws(() => cond.waitFor(() => true), ThreadError);
});

Deno.test("Condition.wait() returns false after the timeout", () => {
  const cond = new Condition();
  cond.acquire();
  const start = performance.now();
  assert.equal(cond.wait(20), false);
  assert.ok(performance.now() - start >= 19);
  assert.equal(cond.wait(-5), false);
  cond.release();
  const words = conditionWords(cond);
  assert.deepEqual([words[C_HEAD], words[C_TAIL]], [0, 0]);
  assert.ok(rlockIsIdle(cond.lock as RLock));
});

Deno.test("Condition refuses a lock that is not a Lock or an RLock", () => {
  assert.throws(() => new Condition({} as never), {
    name: "TypeError",
    message:
      "Cannot create Condition: lock must be a Lock or an RLock, received an instance of Object",
  });
  assert.ok(new Condition(null).lock instanceof RLock);
  const lock = new Lock();
  assert.equal(new Condition(lock).lock, lock);
});

Deno.test("Condition.wait() keeps an RLock's recursion depth", () => {
  const cond = new Condition();
  cond.acquire();
  cond.acquire();
  assert.equal(cond.wait(1), false);
  assert.equal(String(cond), "<Condition(<locked RLock owner=1 count=2>)>");
  cond.release();
  cond.release();
  assert.ok(rlockIsIdle(cond.lock as RLock));
});

Deno.test("Condition.waitFor() returns the predicate's last result", () => {
  const cond = new Condition(new Lock());
  let value = 0;
  cond.with(() => {
    assert.equal(cond.waitFor(() => value, 5), 0);
    value = 7;
    assert.equal(cond.waitFor(() => value), 7);
  });
  assert.throws(() => cond.with(() => cond.waitFor(5 as never)), TypeError);
  assert.throws(() => cond.with(() => cond.wait("1" as never)), TypeError);
  assert.throws(() => cond.with(() => cond.notify("1" as never)), TypeError);
  assert.throws(() => cond.with(() => cond.notify(1.5)), {
    name: "TypeError",
    message: /n must be an integer number of waiters, received 1.5/,
  });
  assert.throws(() => cond.with(() => cond.notify(NaN)), TypeError);
});

Deno.test("Condition.notify() with nobody waiting does nothing", () => {
  const cond = new Condition();
  cond.with(() => {
    cond.notify();
    cond.notify(0);
    cond.notify(-1);
    cond.notifyAll();
  });
});

Deno.test("Condition.waitAsync(): several async waiters of one thread, notify(n) wakes n", async () => {
  const cond = new Condition(new Lock());
  const woken: number[] = [];
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 3; i++) {
    await cond.acquireAsync();
    waits.push(
      cond.waitAsync().then((ok) => {
        assert.equal(ok, true);
        woken.push(i);
        cond.release();
      }),
    );
  }
  cond.with(() => cond.notify(2));
  await Promise.all(waits.slice(0, 2));
  assert.deepEqual(woken, [0, 1]);
  await cond.withAsync(() => assert.equal(cond.wait(5), false));
  assert.deepEqual(woken, [0, 1]);
  cond.with(() => cond.notifyAll());
  await waits[2];
  assert.deepEqual(woken, [0, 1, 2]);
  const words = conditionWords(cond);
  assert.deepEqual([words[C_HEAD], words[C_TAIL]], [0, 0]);
});

Deno.test("Condition.waitAsync() times out and leaves the queue", async () => {
  const cond = new Condition();
  await cond.acquireAsync();
  assert.equal(await cond.waitAsync(5), false);
  assert.equal(cond.lock.locked(), true);
  cond.release();
  const words = conditionWords(cond);
  assert.deepEqual([words[C_HEAD], words[C_TAIL]], [0, 0]);
});

Deno.test("Condition.waitAsync() past the condition's own async nodes parks on the pool's", async () => {
  const cond = new Condition(new Lock());
  const waits: Promise<boolean>[] = [];
  for (let i = 0; i <= ASYNC_NODES; i++) {
    await cond.acquireAsync();
    waits.push(cond.waitAsync());
  }
  // Node ids: -1 to -ASYNC_NODES are the condition's own, below that the pool's.
  assert.ok(conditionWords(cond)[C_TAIL] < -ASYNC_NODES);
  await cond.acquireAsync();
  cond.notifyAll();
  cond.release();
  for (const w of waits) {
    assert.equal(await w, true);
    cond.release();
  }
  assert.deepEqual([conditionWords(cond)[C_HEAD], conditionWords(cond)[C_TAIL]], [0, 0]);
});

Deno.test("Condition.waitForAsync() waits for a predicate", async () => {
  const cond = new Condition();
  let ready = false;
  await cond.acquireAsync();
  setTimeout(() =>
    cond.with(() => {
      ready = true;
      cond.notifyAll();
    }), 2);
  assert.equal(await cond.waitForAsync(() => ready), true);
  cond.release();
});

// ---- Across threads ----

Deno.test("Condition.notify(n) wakes exactly n blocking waiters, in FIFO order", async () => {
  const lock = new Lock();
  const cond = new Condition(lock);
  const ready = new Condition(lock);
  const out = ints();
  const threads = startWaiters(waiter, 4, cond, ready, out);
  cond.with(() => cond.notify(2));
  ready.with(() => {
    assert.equal(ready.waitFor(() => out[WOKEN] === 2, 10_000), true);
    // Exactly two: the others stay asleep.
    assert.equal(ready.waitFor(() => out[WOKEN] > 2, 50), false);
  });
  cond.with(() => cond.notify());
  ready.with(() => ready.waitFor(() => out[WOKEN] === 3, 10_000));
  cond.with(() => cond.notifyAll());
  for (const t of threads) t.join();
  // notify(2) woke the two first waiters (in either order of taking the lock).
  assert.deepEqual([...out.slice(ORDER, ORDER + 2)].sort(), [0, 1]);
  assert.deepEqual([...out.slice(ORDER + 2, ORDER + 4)], [2, 3]);
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Condition: async waiters in threads and a blocking notifier interoperate", async () => {
  const lock = new Lock();
  const cond = new Condition(lock);
  const ready = new Condition(lock);
  const out = ints();
  const threads = startWaiters(asyncWaiter, 3, cond, ready, out);
  cond.with(() => cond.notify());
  ready.with(() => ready.waitFor(() => out[WOKEN] === 1, 10_000));
  cond.with(() => cond.notify(5));
  for (const t of threads) t.join();
  assert.equal(out[ORDER], 0);
  assert.deepEqual([...out.slice(ORDER + 1, ORDER + 3)].sort(), [1, 2]);
  await shutdown();
});

Deno.test("Condition: the main thread's waitAsync() is woken by a thread", async () => {
  const cond = new Condition();
  const out = ints();
  await cond.acquireAsync();
  const t = new Thread({ target: produce, args: [cond, out] });
  t.start();
  assert.equal(await cond.waitForAsync(() => out[0] === 1, 10_000), true);
  cond.release();
  await t.joinAsync();
  await shutdown();
});

Deno.test("Condition: the main thread's blocking wait() is woken by a thread", async () => {
  const cond = new Condition();
  const out = ints();
  cond.acquire();
  const t = new Thread({ target: produce, args: [cond, out] });
  t.start();
  assert.equal(cond.waitFor(() => out[0] === 1, 10_000), true);
  cond.release();
  t.join();
  await shutdown();
});

Deno.test("Condition travels with its lock as the same objects", async () => {
  const lock = new Lock();
  const cond = new Condition(lock);
  const out = ints();
  const t = new Thread({ target: sameLock, args: [out, cond, lock, cond] });
  t.start();
  t.join();
  assert.deepEqual([...out.slice(0, 3)], [1, 1, 1]);
  await shutdown();
});

// ---- Wakes deferred to the lock's release (src/_release_wakes.ts) ----

/**
 * Counts itself in `out[0]` under the lock, waits on `cond` with a 30 s timeout (a wake
 * that never comes shows as the whole timeout), then records in `out[2 + 2k]` 1 if
 * notified (2 if timed out) and in `out[3 + 2k]` the milliseconds it waited.
 */
export function timedWaiter(cond: Condition, out: Int32Array, k: number) {
  cond.with(() => {
    out[0]++;
    const start = performance.now();
    const notified = cond.wait(30_000);
    out[2 + 2 * k] = notified ? 1 : 2;
    out[3 + 2 * k] = Math.round(performance.now() - start);
  });
}

/** Releases `lock` (any thread may release a `Lock`). */
export function releaseLock(lock: Lock) {
  lock.release();
}

/** Starts `count` timed waiters and returns once all of them wait (holding the lock). */
function startTimedWaiters(cond: Condition, out: Int32Array, count: number): Thread[] {
  const threads: Thread[] = [];
  for (let k = 0; k < count; k++) {
    const t = new Thread({ target: timedWaiter, args: [cond, out, k] });
    t.start();
    threads.push(t);
  }
  const deadline = performance.now() + 30_000;
  for (;;) {
    cond.acquire();
    // Each waiter counts itself and enters wait() in one hold of the lock.
    if (out[0] === count) return threads;
    cond.release();
    assert.ok(performance.now() < deadline, `${out[0]} of ${count} waiters arrived`);
    sleep(1);
  }
}

/** Asserts that the wake words of a lock's slot are back to empty. */
function assertNoWakes(words: Int32Array) {
  assert.equal(words[W_COUNT], 0);
  for (let k = 0; k < W_SLOTS; k++) assert.equal(words[W_FIRST + k], 0);
}

Deno.test("Condition.notify() leaves the wake to the lock's release, even by another thread", async () => {
  const lock = new Lock();
  const cond = new Condition(lock);
  const out = ints();
  const [waiterThread] = startTimedWaiters(cond, out, 1);
  cond.notify();
  // Recorded in the lock's slot, not performed: the waiter would find the lock held.
  assert.equal(lockWords(lock)[W_COUNT], 1);
  assert.equal(out[2], 0);
  // A Lock may be released by any thread: that release performs the wake.
  const releaser = new Thread({ target: releaseLock, args: [lock] });
  releaser.start();
  releaser.join();
  waiterThread.join();
  assert.equal(out[2], 1, "notified");
  assert.ok(out[3] < 15_000, `the waiter waited ${out[3]} ms for a wake at the release`);
  assertNoWakes(lockWords(lock));
  assert.ok(lockIsIdle(lock));
  await shutdown();
});

Deno.test("Condition.notifyAll() with more waiters than a lock records: every waiter wakes, notified", async () => {
  const lock = new RLock();
  const cond = new Condition(lock);
  const out = ints(64);
  const count = W_SLOTS + 2;
  const threads = startTimedWaiters(cond, out, count);
  cond.notifyAll();
  // W_SLOTS wakes wait for the release; the others were woken at once.
  assert.equal(rlockWords(lock)[W_COUNT], W_SLOTS);
  cond.release();
  for (const t of threads) t.join();
  for (let k = 0; k < count; k++) {
    assert.equal(out[2 + 2 * k], 1, `waiter ${k} notified`);
    assert.ok(out[3 + 2 * k] < 25_000, `waiter ${k} waited ${out[3 + 2 * k]} ms`);
  }
  assertNoWakes(rlockWords(lock));
  assert.ok(rlockIsIdle(lock));
  assert.equal(conditionWords(cond)[C_HEAD], 0);
  await shutdown();
});
