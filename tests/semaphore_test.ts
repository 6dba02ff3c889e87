// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { shutdown, Thread } from "../src/threading.ts";
import {
  BoundedSemaphore,
  SEM_VALUE,
  SEM_WAITERS,
  Semaphore,
  semaphoreWords,
} from "../src/semaphore.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Takes a permit (blocking), records it, signals on `done`. */
export function takeOne(s: Semaphore, out: Int32Array, done: Semaphore) {
  assert.equal(s.acquire(), true);
  Atomics.add(out, 0, 1);
  done.release();
}

/** Gives `n` permits back. */
export function giveBack(s: Semaphore, n: number) {
  s.release(n);
}

/** Records the class the semaphore arrived as and whether over-release is refused. */
export function inspect(s: Semaphore, again: Semaphore, out: Int32Array) {
  out[0] = s instanceof BoundedSemaphore ? 2 : s instanceof Semaphore ? 1 : 0;
  out[1] = s === again ? 1 : 0;
  try {
    s.release();
    out[2] = 1;
  } catch (error) {
    out[2] = error instanceof RangeError ? 2 : 3;
  }
}

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

function value(s: Semaphore): number {
  return Atomics.load(semaphoreWords(s), SEM_VALUE);
}

// ---- Single-thread behaviour ----

Deno.test("Semaphore counts permits, one by default", () => {
  const one = new Semaphore();
  assert.equal(one.acquire(), true);
  assert.equal(one.acquire(false), false);
  one.release();
  const three = new Semaphore(3);
  assert.equal(three.acquire(), true);
  assert.equal(three.acquire(0), true);
  assert.equal(three.acquire(true, 5), true);
  assert.equal(three.acquire(false), false);
  three.release(3);
  assert.equal(value(three), 3);
  assert.equal(String(three), "<Semaphore value=3>");
  assert.equal(new Semaphore(0).acquire(false), false);
});

Deno.test("Semaphore refuses a bad initial value", async (t) => {
  const cases: [string, unknown, ErrorConstructor, string][] = [
    ["negative", -1, RangeError, "received -1"],
    ["fractional", 1.5, RangeError, "received 1.5"],
    ["over 2^31-1", 2 ** 31, RangeError, "received 2147483648"],
    ["a string", "2", TypeError, 'received "2"'],
  ];
  for (const [name, v, type, tail] of cases) {
    await t.step(name, () => {
      for (const C of [Semaphore, BoundedSemaphore]) {
        assert.throws(() => new C(v as number), (e: Error) =>
          e instanceof type &&
          e.message.startsWith(
            `Cannot create ${C.name}: value must be a non-negative integer`,
          ) &&
          e.message.endsWith(tail));
      }
    });
  }
});

Deno.test("Semaphore.acquire() returns false after the timeout", () => {
  const s = new Semaphore(0);
  const start = performance.now();
  assert.equal(s.acquire(true, 20), false);
  assert.ok(performance.now() - start >= 19);
  assert.equal(semaphoreWords(s)[SEM_WAITERS], 0);
  assert.throws(() => s.acquire(false, 1), /Cannot acquire Semaphore: .*non-blocking/);
  // CPython 3.11: a negative timeout is one attempt, no error (see api_checks_test.ts).
  assert.equal(s.acquire(true, -3), false);
});

Deno.test("Semaphore.release(n) refuses n < 1 and non-numbers", () => {
  const s = new Semaphore(0);
  assert.throws(() => s.release(0), {
    name: "RangeError",
    message: "Cannot release Semaphore: n must be a positive integer, received 0",
  });
  assert.throws(() => s.release(1.5), RangeError);
  assert.throws(() => s.release("1" as never), TypeError);
  s.release(2 ** 31 - 1);
  assert.throws(() => s.release(), /would pass 2147483647/);
});

Deno.test("BoundedSemaphore refuses a release past its initial value", () => {
  const s = new BoundedSemaphore(2);
  assert.throws(() => s.release(), {
    name: "RangeError",
    message:
      "Cannot release BoundedSemaphore: released too many times; its value would become 3, over its initial value 2",
  });
  s.acquire();
  assert.throws(() => s.release(2), RangeError);
  s.release();
  assert.equal(value(s), 2);
  assert.equal(String(s), "<BoundedSemaphore value=2>");
  assert.equal(new BoundedSemaphore().acquire(false), true);
});

Deno.test("Semaphore hold(), with() and withAsync() give the permit back", async () => {
  const s = new BoundedSemaphore(1);
  {
    using _ = s.hold();
    assert.equal(value(s), 0);
  }
  assert.equal(value(s), 1);
  assert.throws(() =>
    s.with(() => {
      throw new Error("inside");
    }), /inside/);
  assert.equal(value(s), 1);
  assert.equal(await s.withAsync(() => Promise.resolve(value(s))), 0);
  assert.equal(value(s), 1);
});

Deno.test("Semaphore.acquireAsync() waits for a release", async () => {
  const s = new Semaphore(0);
  const pending = s.acquireAsync();
  assert.equal(await s.acquireAsync(true, 5), false);
  s.release();
  assert.equal(await pending, true);
  assert.equal(await s.acquireAsync(false), false);
  assert.equal(semaphoreWords(s)[SEM_WAITERS], 0);
});

// ---- Across threads ----

Deno.test("Semaphore.release(n) lets n blocked threads through", async () => {
  const s = new Semaphore(0);
  const out = ints();
  const done = new Semaphore(0);
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: takeOne, args: [s, out, done] })
  );
  for (const t of threads) t.start();
  s.release(2);
  assert.equal(done.acquire(true, 10_000), true);
  assert.equal(done.acquire(true, 10_000), true);
  // Exactly two: the third stays blocked.
  assert.equal(done.acquire(true, 50), false);
  assert.equal(out[0], 2);
  s.release();
  assert.equal(done.acquire(true, 10_000), true);
  for (const t of threads) t.join();
  assert.equal(out[0], 3);
  assert.equal(value(s), 0);
  assert.equal(semaphoreWords(s)[SEM_WAITERS], 0);
  await shutdown();
});

Deno.test("Semaphore.acquireAsync() in the main thread is released by a thread", async () => {
  const s = new Semaphore(0);
  const pending = s.acquireAsync();
  const t = new Thread({ target: giveBack, args: [s, 1] });
  t.start();
  assert.equal(await pending, true);
  await t.joinAsync();
  await shutdown();
});

Deno.test("Semaphore and BoundedSemaphore travel as themselves, bound included", async () => {
  const bounded = new BoundedSemaphore(1);
  const plain = new Semaphore(1);
  const out = ints();
  const a = new Thread({ target: inspect, args: [bounded, bounded, out] });
  a.start();
  a.join();
  assert.deepEqual([...out.slice(0, 3)], [2, 1, 2]);
  const b = new Thread({ target: inspect, args: [plain, plain, out] });
  b.start();
  b.join();
  assert.deepEqual([...out.slice(0, 3)], [1, 1, 1]);
  assert.equal(value(plain), 2);
  await shutdown();
});
