// Copyright the threading for Deno authors. MIT license.
// The callbacks that a blocking API runs synchronously refuse async code
// (`src/_sync_callback.ts`): `with()` of every lock and semaphore kind, `waitFor()` and
// `waitForAsync()`'s predicate, a Barrier's action. Before, `lock.with(async …)`
// released the lock at the body's first await (lost updates), and `waitFor(async …)`
// returned the (truthy) promise at once without waiting.
import assert from "node:assert/strict";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Lock,
  RLock,
  Semaphore,
  SharedInt32,
  shutdown,
  Thread,
} from "../src/threading.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Every kind with a `with()`, and what tells whether it is held. */
function holders() {
  const sem = new Semaphore(1);
  const bsem = new BoundedSemaphore(1);
  const lock = new Lock();
  const rlock = new RLock();
  const cond = new Condition(new Lock());
  return [
    { kind: "Lock", obj: lock, held: () => lock.locked() },
    { kind: "RLock", obj: rlock, held: () => rlock.locked() },
    {
      kind: "Semaphore",
      obj: sem,
      held: () => !sem.acquire(false) || (sem.release(), false),
    },
    {
      kind: "BoundedSemaphore",
      obj: bsem,
      held: () => !bsem.acquire(false) || (bsem.release(), false),
    },
    {
      kind: "Condition",
      obj: cond,
      held: () => cond.acquire(false) ? (cond.release(), false) : true,
    },
  ] as const;
}

Deno.test("with() refuses an async function before it runs, for every kind", () => {
  for (const { kind, obj, held } of holders()) {
    let ran = false;
    const body = async function body() {
      ran = true;
      await tick();
    };
    const call = () =>
      // @ts-expect-error: the types refuse an async body too.
      obj.with(body);
    assert.throws(call, (error: Error) => {
      assert.ok(error instanceof TypeError, `${kind}: ${error}`);
      assert.match(error.message, new RegExp(`^Cannot run ${kind}\\.with\\(\\): `));
      assert.match(error.message, /the function body is an async function/);
      assert.match(error.message, /withAsync\(fn\)/);
      return true;
    });
    assert.equal(ran, false, `${kind}: the body ran`);
    assert.equal(held(), false, `${kind} is still held`);
  }
});

Deno.test("with() refuses a function that returns a promise, once released", async () => {
  for (const { kind, obj, held } of holders()) {
    let heldInside = false;
    const body = () => {
      heldInside = held();
      // A rejection that nobody else handles: the TypeError is the report.
      return Promise.reject(new Error("late"));
    };
    const call = () =>
      // @ts-expect-error: a promise-returning body is refused by the types as well.
      obj.with(body);
    assert.throws(call, (error: Error) => {
      assert.ok(error instanceof TypeError, `${kind}: ${error}`);
      assert.match(error.message, /the function returned a promise/);
      return true;
    });
    assert.equal(heldInside, true, `${kind}: the synchronous part ran without it`);
    assert.equal(held(), false, `${kind} is still held`);
  }
  // An unhandled rejection of the refused promise would fail this test.
  await tick();
});

Deno.test("with() still returns what a synchronous body returns", () => {
  for (const { kind, obj, held } of holders()) {
    assert.equal(obj.with(() => (held() ? 7 : -1)), 7, kind);
    assert.equal(obj.with(() => undefined), undefined, kind);
    assert.equal(obj.with(() => null), null, kind);
    assert.deepEqual(obj.with(() => ({ then: 1 })), { then: 1 }, kind);
  }
});

Deno.test("Condition.waitFor() and waitForAsync() refuse an async predicate", async () => {
  const cond = new Condition();
  cond.acquire();
  try {
    const started = performance.now();
    assert.throws(
      // @ts-expect-error: the types refuse an async predicate.
      () => cond.waitFor(async () => await Promise.resolve(false), 300),
      /^TypeError: Cannot wait on Condition: the predicate is an async function/,
    );
    assert.throws(
      // @ts-expect-error: and one that returns a promise.
      () => cond.waitFor(() => Promise.resolve(true), 300),
      /^TypeError: Cannot wait on Condition: the predicate returned a promise/,
    );
    await assert.rejects(
      // @ts-expect-error: the async twin's predicate is synchronous too.
      cond.waitForAsync(async () => await Promise.resolve(false), 300),
      /^TypeError: Cannot wait on Condition: the predicate is an async function/,
    );
    await assert.rejects(
      // @ts-expect-error: the same for a promise result.
      cond.waitForAsync(() => Promise.resolve(false), 300),
      /^TypeError: Cannot wait on Condition: the predicate returned a promise/,
    );
    // Refused at once: no wait of 300 ms each happened.
    assert.ok(performance.now() - started < 250);
    assert.equal(cond.waitFor(() => 0, 1), 0);
  } finally {
    cond.release();
  }
});

/** A Barrier action that is async (refused where the Barrier is created). */
export async function asyncAction(): Promise<void> {
  await tick();
}

/** A Barrier action that returns a promise (refused where it runs). */
export function promiseAction(): Promise<void> {
  return Promise.resolve();
}

/** Thread target: passes `barrier` and reports what `wait()` threw. */
export function party(barrier: Barrier, out: SharedInt32): void {
  try {
    barrier.wait(10_000);
    out.value = 1;
  } catch (error) {
    out.value = error instanceof BrokenBarrierError
      ? 2
      : error instanceof TypeError
      ? 3
      : 4;
  }
}

Deno.test("Barrier refuses an async action at creation, and a promise result where it runs", async () => {
  assert.throws(
    () => new Barrier(2, asyncAction),
    /^TypeError: Cannot create Barrier: the action asyncAction is an async function/,
  );
  // The main thread arrives last (the thread waits first), runs the action, and breaks
  // the barrier: the thread gets BrokenBarrierError, as when an action throws.
  const barrier = new Barrier(2, promiseAction);
  const out = new SharedInt32(0);
  const t = new Thread({ target: party, args: [barrier, out] });
  t.start();
  while (barrier.nWaiting < 1) await tick();
  assert.throws(
    () => barrier.wait(10_000),
    /^TypeError: Cannot pass Barrier: the action returned a promise/,
  );
  t.join();
  assert.equal(out.value, 2);
  assert.equal(barrier.broken, true);
  await shutdown();
});

/** Thread target: `with()` of an async body in a thread reports the TypeError. */
export function withInThread(lock: Lock, out: SharedInt32): void {
  try {
    // @ts-expect-error: refused by the types.
    void lock.with(async () => {});
    out.value = 1;
  } catch (error) {
    out.value = error instanceof TypeError && /withAsync/.test(String(error)) ? 2 : 3;
  }
}

Deno.test("with() refuses an async body in a thread too", async () => {
  const lock = new Lock();
  const out = new SharedInt32(0);
  const t = new Thread({ target: withInThread, args: [lock, out] });
  t.start();
  t.join();
  assert.equal(out.value, 2);
  assert.equal(lock.locked(), false);
  await shutdown();
});
