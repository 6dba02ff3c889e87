// Copyright the threading for Deno authors. MIT license.
// The warm start+join path: the bounded spins of a start, a join and an idle Worker
// (`src/_thread_spin.ts`) keep Python's rules (start() returns once the thread runs,
// join() once it has ended, nothing of a thread left for the next one on its Worker),
// whether a spin catches the other side or gives up and sleeps; and a start+join loop
// boots no spare Worker that it never uses (the 60-120 ms stall of its first rounds).
import assert from "node:assert/strict";
import { currentThread, local, shutdown, Thread } from "../src/threading.ts";
import { poolSize } from "../src/_pool.ts";
import {
  H_NON_DAEMON,
  MAX_THREADS,
  runtime,
  S_IDENT,
  slotBase,
} from "../src/_runtime.ts";
import { MAX_SKIP, SpinGate, spinUntil, spinWhile } from "../src/_thread_spin.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Each Worker's own `local`: a thread must never see an attribute of an earlier one. */
const box = new local() as local & { owner?: number };

/**
 * Records in `out[i]`: 1 if it ran as a fresh thread (no `local` attribute of an
 * earlier thread, its own name), 2 otherwise; then sets `box.owner`.
 */
export function record(out: Int32Array, i: number, name: string): void {
  const fresh = box.owner === undefined && currentThread().name === name;
  box.owner = i + 1;
  Atomics.store(out, i, fresh ? 1 : 2);
}

/** Sleeps `ms` milliseconds, then sets `out[0]` to 1: joined right after its start. */
export function longThenMark(out: Int32Array, ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  Atomics.store(out, 0, 1);
}

/** Stores `value` into `out[index]` after `ms` milliseconds. */
export function storeLater(
  out: Int32Array,
  index: number,
  value: number,
  ms: number,
): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  Atomics.store(out, index, value);
}

/** Does nothing. */
export function noop(): void {}

/** Whether a slot of the thread table still belongs to `ident` (white box). */
function holdsSlot(ident: number): boolean {
  for (let slot = 1; slot < MAX_THREADS; slot++) {
    if (Atomics.load(runtime.i32, slotBase(slot) + S_IDENT) === ident) return true;
  }
  return false;
}

Deno.test("a start+join loop: each thread runs when start() returns and has ended when join() returns (not counted, its slot free), with nothing of the thread before it", async () => {
  await shutdown();
  const counted = Atomics.load(runtime.i32, H_NON_DAEMON);
  const rounds = 200;
  const out = new Int32Array(new SharedArrayBuffer(4 * rounds));
  for (let i = 0; i < rounds; i++) {
    const name = `spin-${i}`;
    const thread = new Thread({ target: record, args: [out, i, name], name });
    thread.start();
    assert.equal(thread.ident !== undefined, true);
    thread.join();
    assert.equal(thread.isAlive(), false, `thread ${i} alive after join()`);
    // Its end is complete: the exit rules no longer count it, its slot serves the next.
    assert.equal(Atomics.load(runtime.i32, H_NON_DAEMON), counted, `thread ${i} counted`);
    assert.equal(holdsSlot(thread.ident!), false, `thread ${i} holds its slot`);
    assert.equal(Atomics.load(out, i), 1, `thread ${i} saw an earlier thread's state`);
  }
  await shutdown();
});

Deno.test("a start+join loop boots no spare Worker it never uses: one Worker serves every round", async () => {
  await shutdown();
  // The first start boots the Worker it waits for; before, a spare booted too (in the
  // first join or the next start, blocking the main thread 60-120 ms) and sat unused.
  for (let i = 0; i < 20; i++) {
    const thread = new Thread({ target: noop });
    thread.start();
    thread.join();
    assert.equal(poolSize(), 1, `round ${i}: ${poolSize()} Workers`);
  }
  // Its idle Worker is the warm one. While a thread runs, a spare boots once the event
  // loop turns, so that the start of a thread that overlaps it is warm.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(poolSize(), 1);
  const out = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Thread({ target: longThenMark, args: [out, 100] });
  thread.start();
  assert.equal(poolSize(), 1);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(poolSize(), 2);
  thread.join();
  await shutdown();
});

Deno.test("join() right after start() of a long thread returns only once it has ended", async () => {
  const out = new Int32Array(new SharedArrayBuffer(4));
  for (const ms of [0, 1, 30]) {
    Atomics.store(out, 0, 0);
    const thread = new Thread({ target: longThenMark, args: [out, ms] });
    thread.start();
    thread.join();
    assert.equal(Atomics.load(out, 0), 1, `${ms} ms: join() returned before the end`);
    assert.equal(thread.isAlive(), false);
  }
  // A timed join shorter than the thread returns with the thread alive.
  Atomics.store(out, 0, 0);
  const thread = new Thread({ target: longThenMark, args: [out, 200] });
  thread.start();
  thread.join(0.01);
  assert.equal(thread.isAlive(), true);
  thread.join();
  assert.equal(Atomics.load(out, 0), 1);
  await shutdown();
});

Deno.test("a start that comes after the Worker's spin for its next job gave up wakes it from its sleep", async () => {
  await shutdown();
  const out = new Int32Array(new SharedArrayBuffer(4 * 3));
  for (let i = 0; i < 3; i++) {
    const thread = new Thread({
      target: record,
      args: [out, i, `late-${i}`],
      name: `late-${i}`,
    });
    thread.start();
    thread.join();
    // Well past the idle spin's bound: the Worker sleeps in its futex wait.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual([...out], [1, 1, 1]);
  await shutdown();
});

Deno.test("SpinGate: after failures in a row it skips 1, 2, 4 ... MAX_SKIP chances; a success resets it", () => {
  const gate = new SpinGate();
  const skipsAfterFailure = () => {
    assert.equal(gate.open(), true);
    gate.record(false);
    let skipped = 0;
    while (!gate.open()) skipped++;
    return skipped;
  };
  const seen: number[] = [];
  for (let i = 0; i < 9; i++) seen.push(skipsAfterFailure());
  assert.deepEqual(
    seen,
    [1, 2, 4, 8, 16, 32, 64, 64, 64].map((n) => Math.min(n, MAX_SKIP)),
  );
  // open() returned true at the end of the last count: spin, and succeed.
  assert.equal(gate.record(true), true);
  assert.equal(gate.open(), true);
  assert.equal(skipsAfterFailure(), 1);
});

Deno.test("spinUntil and spinWhile: at once when the word is there, when another thread moves it, and false after their bound", () => {
  const out = new Int32Array(new SharedArrayBuffer(8));
  assert.equal(spinUntil(out, 0, 0, 0), true);
  assert.equal(spinWhile(out, 0, 1, 0), true);
  let t0 = performance.now();
  assert.equal(spinUntil(out, 0, 5, 2), false);
  assert.equal(spinWhile(out, 0, 0, 2), false);
  assert.ok(performance.now() - t0 >= 4, "each gave up only after its bound");
  // Moved by another thread, within a bound far longer than it takes.
  const thread = new Thread({ target: storeLater, args: [out, 1, 7, 1] });
  thread.start();
  t0 = performance.now();
  assert.equal(spinUntil(out, 1, 7, 60_000), true);
  assert.ok(performance.now() - t0 < 30_000);
  thread.join();
  assert.equal(spinWhile(out, 1, 0, 0), true);
});
