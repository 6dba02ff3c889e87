// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { shutdown, Thread, ThreadError } from "../src/threading.ts";
import { Event } from "../src/event.ts";
import { RLock, rlockIsIdle } from "../src/rlock.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Tries to release an RLock it does not own; records the error. */
export function releaseForeign(lock: RLock, out: Int32Array) {
  try {
    lock.release();
    out[0] = 1;
  } catch (error) {
    out[0] = error instanceof ThreadError &&
        /held by another thread; only its owner may release it/.test(
          (error as Error).message,
        )
      ? 2
      : 3;
  }
  out[1] = lock.acquire(false) ? 1 : 0;
}

/** Acquires twice, signals, waits for `go`, releases twice. */
export function holdTwice(lock: RLock, held: Event, go: Event) {
  lock.acquire();
  lock.acquire();
  held.set();
  go.wait();
  lock.release();
  lock.release();
}

/** Increments `out[0]` `n` times, entering the lock twice each time. */
export function countNested(lock: RLock, out: Int32Array, n: number) {
  for (let i = 0; i < n; i++) {
    lock.with(() => {
      using _ = lock.hold();
      out[0]++;
    });
  }
}

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

// ---- Single-thread behaviour ----

Deno.test("RLock can be acquired again by its owner and needs as many releases", () => {
  const lock = new RLock();
  assert.equal(lock.acquire(), true);
  assert.equal(lock.acquire(false), true);
  assert.equal(lock.acquire(true, 5), true);
  assert.equal(String(lock), "<locked RLock owner=1 count=3>");
  lock.release();
  lock.release();
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), false);
  assert.ok(rlockIsIdle(lock));
});

Deno.test("RLock.release() of an unlocked RLock throws ThreadError", () => {
  const lock = new RLock();
  assert.throws(() => lock.release(), {
    name: "ThreadError",
    message: "Cannot release RLock: it is not locked",
  });
  lock.acquire();
  lock.release();
  assert.throws(() => lock.release(), ThreadError);
});

Deno.test("RLock.acquire() refuses arguments as Lock does", () => {
  const lock = new RLock();
  assert.throws(() => lock.acquire(false, 1), /Cannot acquire RLock: .*non-blocking/);
  assert.throws(() => lock.acquire(true, -2), RangeError);
  assert.throws(() => lock.acquire("x" as never), TypeError);
  assert.ok(rlockIsIdle(lock));
});

Deno.test("RLock.hold(), with() and withAsync() nest", async () => {
  const lock = new RLock();
  {
    using _a = lock.hold();
    using _b = lock.hold();
    assert.equal(lock.with(() => lock.with(() => 9)), 9);
  }
  assert.equal(lock.locked(), false);
  assert.equal(await lock.withAsync(() => lock.withAsync(() => Promise.resolve(8))), 8);
  assert.ok(rlockIsIdle(lock));
});

Deno.test("RLock.acquireAsync() reenters at once in the owning thread", async () => {
  const lock = new RLock();
  lock.acquire();
  assert.equal(await lock.acquireAsync(), true);
  lock.release();
  lock.release();
  assert.ok(rlockIsIdle(lock));
});

// ---- Across threads ----

Deno.test("RLock cannot be released by a thread that does not own it", async () => {
  const lock = new RLock();
  lock.acquire();
  const out = ints();
  const t = new Thread({ target: releaseForeign, args: [lock, out] });
  t.start();
  t.join();
  assert.deepEqual([out[0], out[1]], [2, 0]);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.ok(rlockIsIdle(lock));
  await shutdown();
});

Deno.test("RLock held twice by a thread blocks others until fully released", async () => {
  const lock = new RLock();
  const held = new Event();
  const go = new Event();
  const t = new Thread({ target: holdTwice, args: [lock, held, go] });
  t.start();
  held.wait();
  assert.equal(lock.acquire(false), false);
  assert.equal(lock.acquire(true, 10), false);
  const pending = lock.acquireAsync();
  go.set();
  assert.equal(await pending, true);
  assert.equal(String(lock), "<locked RLock owner=1 count=1>");
  lock.release();
  t.join();
  assert.ok(rlockIsIdle(lock));
  await shutdown();
});

Deno.test("RLock keeps a counter exact across threads with nested holds", async () => {
  const lock = new RLock();
  const out = ints();
  const threads = [0, 1].map(() =>
    new Thread({ target: countNested, args: [lock, out, 3_000] })
  );
  for (const t of threads) t.start();
  countNested(lock, out, 3_000);
  for (const t of threads) t.join();
  assert.equal(out[0], 9_000);
  assert.ok(rlockIsIdle(lock));
  await shutdown();
});
