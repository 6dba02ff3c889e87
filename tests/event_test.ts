// Copyright the threading for Deno authors. MIT license.
import assert from "node:assert/strict";
import { shutdown, Thread } from "../src/threading.ts";
import { E_WAITERS, Event, eventWords } from "../src/event.ts";

// ---- Thread targets (exported: code travels by reference) ----

/** Waits for the event (no limit) and records what wait() returned. */
export function waitFor(e: Event, out: Int32Array, index: number) {
  out[index] = e.wait() ? 1 : 2;
}

/** Waits with a timeout and records what wait() returned. */
export function waitTimed(e: Event, out: Int32Array, index: number, ms: number) {
  out[index] = e.wait(ms) ? 1 : 2;
}

/** Sets the event. */
export function setter(e: Event) {
  e.set();
}

/** Records whether both arrived as one Event. */
export function same(a: Event, b: { e: Event }, out: Int32Array) {
  out[0] = a === b.e && a instanceof Event ? 1 : 2;
}

function ints(n = 16) {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/** Blocks until `count` waiters sleep on the event (polling its waiter count). */
function untilWaiters(e: Event, count: number) {
  const words = eventWords(e);
  const deadline = performance.now() + 10_000;
  while (Atomics.load(words, E_WAITERS) < count && performance.now() < deadline) {
    Atomics.wait(ints(1), 0, 0, 1);
  }
  assert.equal(Atomics.load(words, E_WAITERS), count);
}

// ---- Single-thread behaviour ----

Deno.test("Event starts clear; set(), clear() and isSet() move the flag", () => {
  const e = new Event();
  assert.equal(e.isSet(), false);
  e.set();
  e.set();
  assert.equal(e.isSet(), true);
  assert.equal(String(e), "<Event set>");
  e.clear();
  e.clear();
  assert.equal(e.isSet(), false);
  assert.equal(String(e), "<Event unset>");
});

Deno.test("Event.wait() returns true at once when set, false after the timeout", () => {
  const e = new Event();
  const start = performance.now();
  assert.equal(e.wait(20), false);
  assert.ok(performance.now() - start >= 19);
  assert.equal(e.wait(-1), false);
  assert.equal(e.wait(0), false);
  e.set();
  assert.equal(e.wait(), true);
  assert.equal(e.wait(0), true);
  assert.equal(eventWords(e)[E_WAITERS], 0);
});

Deno.test("Event.wait() refuses a bad timeout", () => {
  const e = new Event();
  assert.throws(() => e.wait("1" as never), {
    name: "TypeError",
    message:
      'Cannot wait on Event: timeout must be a number of milliseconds, received "1"',
  });
  assert.throws(() => e.wait(NaN), RangeError);
  assert.throws(() => e.waitAsync(2 ** 40), /TIMEOUT_MAX/);
});

Deno.test("Event.waitAsync() resolves when set, or false after the timeout", async () => {
  const e = new Event();
  assert.equal(await e.waitAsync(5), false);
  setTimeout(() => e.set(), 2);
  assert.equal(await e.waitAsync(), true);
  assert.equal(await e.waitAsync(), true);
  assert.equal(eventWords(e)[E_WAITERS], 0);
});

// ---- Across threads ----

Deno.test("Event.set() wakes every waiting thread, blocking and timed", async () => {
  const e = new Event();
  const out = ints();
  const threads = [
    new Thread({ target: waitFor, args: [e, out, 0] }),
    new Thread({ target: waitFor, args: [e, out, 1] }),
    new Thread({ target: waitTimed, args: [e, out, 2, 60_000] }),
  ];
  for (const t of threads) t.start();
  untilWaiters(e, 3);
  const pending = e.waitAsync();
  e.set();
  assert.equal(await pending, true);
  for (const t of threads) t.join();
  assert.deepEqual([...out.slice(0, 3)], [1, 1, 1]);
  assert.equal(eventWords(e)[E_WAITERS], 0);
  await shutdown();
});

Deno.test("Event.wait() in a thread sees a set() that a clear() follows at once", async () => {
  const e = new Event();
  const out = ints();
  const t = new Thread({ target: waitFor, args: [e, out, 0] });
  t.start();
  untilWaiters(e, 1);
  e.set();
  e.clear();
  t.join();
  assert.equal(out[0], 1);
  await shutdown();
});

Deno.test("Event.wait() in a thread times out with false", async () => {
  const e = new Event();
  const out = ints();
  const t = new Thread({ target: waitTimed, args: [e, out, 0, 10] });
  t.start();
  t.join();
  assert.equal(out[0], 2);
  await shutdown();
});

Deno.test("Event: the main thread's blocking wait() is set by a thread", async () => {
  const e = new Event();
  const t = new Thread({ target: setter, args: [e] });
  t.start();
  assert.equal(e.wait(10_000), true);
  t.join();
  await shutdown();
});

Deno.test("Event sent twice arrives as one Event", async () => {
  const e = new Event();
  const out = ints();
  const t = new Thread({ target: same, args: [e, { e }, out] });
  t.start();
  t.join();
  assert.equal(out[0], 1);
  await shutdown();
});
