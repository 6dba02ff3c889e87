// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import {
  BrokenBarrierError,
  currentThread,
  DeadlockError,
  Event,
  shutdown,
  Thread,
} from "../src/threading.ts";
import { Barrier, barrierIsIdle } from "../src/barrier.ts";

// The action writes here: each thread points it at the shared counters it was given.
let actionOut: Int32Array | undefined;
const ACTIONS = 8; // out[ACTIONS]: how many times the action ran
const ACTION_THREAD = 9; // out[ACTION_THREAD]: ident of the thread that ran it last
const TICKETS = 10; // out[TICKETS]: waits drawn so far (see `partyDrawing`)

// ---- Actions and thread targets (exported: code travels by reference) ----

/** The barrier action: counts its runs and notes its thread. */
export function countAction() {
  Atomics.add(actionOut!, ACTIONS, 1);
  actionOut![ACTION_THREAD] = currentThread().ident ?? -1;
}

/** A barrier action that fails. */
export function failingAction() {
  throw new Error("action failed on purpose");
}

/** A named action that no module exports. */
function hiddenAction() {}

/** An action exported by a list (`export { listedAction }`). */
function listedAction() {}
export { listedAction };

/** Turns the event loop until `done()` holds (an async wait registers over some turns). */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    assert.ok(performance.now() < deadline, "timed out waiting for the condition");
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Waits at the barrier `rounds` times, recording each arrival index. */
export function party(b: Barrier, out: Int32Array, rounds: number) {
  actionOut = out;
  for (let i = 0; i < rounds; i++) Atomics.add(out, b.wait(), 1);
}

/**
 * Waits at the barrier while waits are left to draw: each wait is drawn first from the
 * shared count `out[TICKETS]`, `total` in all (even: whole generations of a
 * `Barrier(2)`), recording each arrival index.
 *
 * With more threads than parties, a fixed number of waits per thread can leave one
 * thread alone at the barrier once the others have ended (three threads of four can
 * pass all their generations among themselves while the fourth is slow): a real
 * deadlock, which the detector reports. Drawn waits cannot: a drawn wait always has a
 * partner, since every thread that is not waiting draws until none is left.
 */
export function partyDrawing(b: Barrier, out: Int32Array, total: number) {
  actionOut = out;
  while (Atomics.add(out, TICKETS, 1) < total) Atomics.add(out, b.wait(), 1);
}

/** Waits once, recording 1: passed, 2: BrokenBarrierError, 3: another error + message. */
export function partyOnce(b: Barrier, out: Int32Array, index: number, text: Uint8Array) {
  actionOut = out;
  try {
    b.wait();
    out[index] = 1;
  } catch (error) {
    if (error instanceof BrokenBarrierError) {
      out[index] = 2;
    } else {
      out[index] = 3;
      const bytes = new TextEncoder().encode(
        `${(error as Error).name}: ${(error as Error).message}`,
      );
      text.set(bytes.subarray(0, text.length));
      out[15] = Math.min(bytes.length, text.length);
    }
  }
}

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

function bytes(n = 512) {
  return new Uint8Array(new SharedArrayBuffer(n));
}

// ---- Single-thread behaviour ----

Deno.test("Barrier refuses bad parties, actions and timeouts", () => {
  assert.throws(() => new Barrier(0), {
    name: "RangeError",
    message: "Cannot create Barrier: parties must be a positive integer, received 0",
  });
  assert.throws(() => new Barrier(1.5), RangeError);
  assert.throws(() => new Barrier("2" as never), TypeError);
  assert.throws(
    () => new Barrier(2, () => {}),
    /the action is an arrow function/,
  );
  assert.throws(() => new Barrier(2, 5 as never), TypeError);
  assert.throws(() => new Barrier(2, undefined, NaN), RangeError);
  assert.equal(new Barrier(2, null, null).parties, 2);
});

Deno.test("Barrier(1).wait() returns 0 at once and runs the action", () => {
  const out = ints();
  actionOut = out;
  const b = new Barrier(1, countAction);
  assert.equal(b.wait(), 0);
  assert.equal(b.wait(), 0);
  assert.equal(out[ACTIONS], 2);
  assert.ok(barrierIsIdle(b));
});

Deno.test("Barrier.waitAsync() parties of one thread get distinct indexes", async () => {
  const b = new Barrier(3);
  assert.equal(b.parties, 3);
  const first = b.waitAsync();
  const second = b.waitAsync();
  await Promise.resolve();
  const indexes = await Promise.all([first, second, b.waitAsync()]);
  assert.deepEqual(indexes.sort(), [0, 1, 2]);
  assert.equal(b.nWaiting, 0);
  assert.ok(barrierIsIdle(b));
});

Deno.test("Barrier.nWaiting counts waiters; abort() breaks them with BrokenBarrierError", async () => {
  const b = new Barrier(3);
  const a = b.waitAsync();
  const c = b.waitAsync();
  await until(() => b.nWaiting === 2);
  b.abort();
  assert.equal(b.broken, true);
  assert.equal(b.nWaiting, 0);
  await assert.rejects(a, BrokenBarrierError);
  await assert.rejects(c, BrokenBarrierError);
  assert.throws(() => b.wait(), {
    name: "BrokenBarrierError",
    message:
      "Cannot pass Barrier: it is broken (a wait timed out, the action failed, or abort() was called); reset() it first",
  });
  b.reset();
  assert.equal(b.broken, false);
  assert.ok(barrierIsIdle(b));
});

Deno.test("Barrier.reset() sends waiters BrokenBarrierError and reopens the barrier", async () => {
  const b = new Barrier(2);
  const a = b.waitAsync();
  await until(() => b.nWaiting === 1);
  b.reset();
  await assert.rejects(a, /reset while this thread waited/);
  assert.equal(b.broken, false);
  const [x, y] = await Promise.all([b.waitAsync(), b.waitAsync()]);
  assert.equal(x + y, 1);
  assert.ok(barrierIsIdle(b));
});

Deno.test("Barrier.wait() timing out breaks the barrier", async () => {
  const b = new Barrier(2);
  assert.throws(() => b.wait(10), /timed out after 10 ms/);
  assert.equal(b.broken, true);
  b.reset();
  const d = new Barrier(2, undefined, 5);
  await assert.rejects(d.waitAsync(), BrokenBarrierError);
  assert.equal(d.broken, true);
  assert.throws(() => d.wait(), BrokenBarrierError);
});

Deno.test("Barrier action's error breaks it: that party rethrows, the others get BrokenBarrierError", async () => {
  const b = new Barrier(2, failingAction);
  const first = b.waitAsync();
  await assert.rejects(b.waitAsync(), /action failed on purpose/);
  await assert.rejects(first, BrokenBarrierError);
  assert.equal(b.broken, true);
});

Deno.test("Barrier action may call abort() of its own barrier (CPython deadlocks)", () => {
  let b: Barrier;
  const out = ints();
  actionOut = out;
  b = new Barrier(1, countAction);
  b.wait();
  b = new Barrier(1, abortInAction);
  aborting = b;
  assert.throws(() => b.wait(), BrokenBarrierError);
});

let aborting: Barrier | undefined;
/** An action that aborts its own barrier. */
export function abortInAction() {
  aborting!.abort();
}

// ---- Across threads ----

Deno.test("Barrier: each generation gets indexes 0..parties-1 and one action run", async () => {
  const out = ints();
  actionOut = out;
  const b = new Barrier(4, countAction);
  const rounds = 20;
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: party, args: [b, out, rounds] })
  );
  for (const t of threads) t.start();
  party(b, out, rounds);
  for (const t of threads) t.join();
  assert.deepEqual([...out.slice(0, 4)], [rounds, rounds, rounds, rounds]);
  assert.equal(out[ACTIONS], rounds);
  assert.ok(barrierIsIdle(b));
  await shutdown();
});

Deno.test("Barrier action runs in the thread that arrives last", async () => {
  const out = ints();
  actionOut = out;
  const b = new Barrier(2, countAction);
  const first = b.waitAsync();
  const t = new Thread({ target: partyOnce, args: [b, out, 0, bytes()] });
  t.start();
  assert.equal(await first, 0);
  await t.joinAsync();
  assert.equal(out[0], 1);
  assert.equal(out[ACTIONS], 1);
  assert.equal(out[ACTION_THREAD], t.ident);
  await shutdown();
});

Deno.test("Barrier action that cannot travel is refused at construction, in the words of a Thread target", () => {
  // Declared here, not exported: the same advice as a target that is not exported.
  assert.throws(() => new Barrier(2, hiddenAction), {
    name: "TypeError",
    message: new RegExp(
      "^Cannot create Barrier: the function hiddenAction cannot be found by reference: .*barrier_test\\.ts does not export hiddenAction, nor does any module it imports statically; export it \\(`export function hiddenAction\u2026`\\)",
    ),
  });
  // A closure (declared in a function) is refused as a closure.
  function nestedAction() {}
  assert.throws(() => new Barrier(2, nestedAction), {
    name: "TypeError",
    message:
      /^Cannot create Barrier: the function nestedAction is declared inside a function or a block of .*barrier_test\.ts \(a closure\)/,
  });
  // A named arrow function, a bound, a built-in function and a class: the target's words.
  const arrowAction = () => {};
  assert.throws(() => new Barrier(2, arrowAction), {
    name: "TypeError",
    message:
      /^Cannot create Barrier: the action is an arrow function that no module exports at its top level; an arrow function travels to another thread only so/,
  });
  assert.throws(
    () => new Barrier(2, countAction.bind(null)),
    /the action is a bound function/,
  );
  assert.throws(() => new Barrier(2, Math.max), /the action max is a built-in function/);
  assert.throws(() => new Barrier(2, class A {} as never), /the action is a class/);
  // Exported ones pass, whether exported in place or by a list.
  assert.equal(new Barrier(2, countAction).parties, 2);
  assert.equal(new Barrier(2, listedAction).parties, 2);
});

Deno.test("Barrier action that the creating module does not declare: start() refuses it with a TypeError, before any wait", async () => {
  const { hidden } = await import("./fixtures/hidden_action.ts");
  const b = new Barrier(2, hidden());
  const out = ints();
  const t = new Thread({ target: partyOnce, args: [b, out, 0, bytes()] });
  assert.throws(() => t.start(), {
    name: "TypeError",
    message:
      /the function elsewhereAction cannot be found by reference: .*barrier_test\.ts does not export elsewhereAction, nor does any module it imports statically; export it \(`export function elsewhereAction\u2026`\)/,
  });
  assert.equal(out[0], 0); // the thread never ran: no party waited
  assert.ok(barrierIsIdle(b));
  await shutdown();
});

Deno.test("Barrier abort() from the main thread breaks waiting threads", async () => {
  const out = ints();
  const b = new Barrier(3);
  const threads = [0, 1].map((i) =>
    new Thread({ target: partyOnce, args: [b, out, i, bytes()] })
  );
  for (const t of threads) t.start();
  await until(() => b.nWaiting === 2);
  b.abort();
  for (const t of threads) await t.joinAsync();
  assert.deepEqual([out[0], out[1]], [2, 2]);
  await shutdown();
});

// ---- Passing a generation without draining ----

/**
 * Arrives with `waitAsync()` (not awaited), says so in `out[0]`, then blocks until `go`
 * is set and ends: its thread ends with the wait still pending (see `_reclaim.ts`).
 */
export async function arriveAsyncAndEnd(b: Barrier, out: Int32Array, go: Event) {
  b.waitAsync().catch(() => {});
  await until(() => b.nWaiting === 1);
  out[0] = 1;
  go.wait();
}

Deno.test("Barrier: a party whose generation passed is not counted dead when its thread ends with the wait pending", async () => {
  const b = new Barrier(2);
  const out = ints();
  const go = new Event();
  const t = new Thread({ target: arriveAsyncAndEnd, args: [b, out, go] });
  t.start();
  await until(() => out[0] === 1);
  // The main thread arrives last: the generation passes, with the thread's party in it.
  assert.equal(b.wait(10_000), 1);
  go.set();
  await t.joinAsync();
  assert.equal(b.broken, false);
  assert.equal(b.nWaiting, 0);
  assert.ok(barrierIsIdle(b));
  const [x, y] = await Promise.all([b.waitAsync(), b.waitAsync()]);
  assert.equal(x + y, 1);
  await shutdown();
});

Deno.test("Barrier(2) with four threads: generations overlap as parties wake, each still gets indexes 0 and 1 and one action", async () => {
  const out = ints();
  actionOut = out;
  const b = new Barrier(2, countAction);
  // 1,200 waits make 600 generations of two parties. The waits are drawn from a shared
  // count, not 300 per thread: a slow thread (the machine busy) would be left alone at
  // the barrier once the other three had passed their 900 waits among themselves (see
  // the next test).
  const generations = 600;
  const threads = [0, 1, 2].map(() =>
    new Thread({ target: partyDrawing, args: [b, out, 2 * generations] })
  );
  for (const t of threads) t.start();
  partyDrawing(b, out, 2 * generations);
  for (const t of threads) t.join();
  assert.deepEqual([...out.slice(0, 2)], [generations, generations]);
  assert.equal(out[ACTIONS], generations);
  assert.equal(b.broken, false);
  assert.ok(barrierIsIdle(b));
  await shutdown();
});

Deno.test("Barrier(2): a party left alone once the other parties have ended is a real deadlock, reported with DeadlockError (what fixed waits per thread come to)", async () => {
  const out = ints();
  actionOut = out;
  const b = new Barrier(2, countAction);
  // Two threads of two waits each pass two generations together and end: the main
  // thread's share of waits (as with 300 per thread above, when it lagged) has no
  // partner left.
  const threads = [0, 1].map(() => new Thread({ target: party, args: [b, out, 2] }));
  for (const t of threads) t.start();
  for (const t of threads) await t.joinAsync();
  assert.equal(out[ACTIONS], 2);
  const started = performance.now();
  assert.throws(() => b.wait(), DeadlockError);
  // "Within about half a second" (README); generous under load.
  const ms = performance.now() - started;
  assert.ok(ms < 10_000, `reported after ${ms} ms`);
  assert.equal(out[ACTIONS], 2);
  await shutdown();
});
