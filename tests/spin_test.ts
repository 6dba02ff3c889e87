// Copyright the threading for Deno authors. MIT license.
// A recorded wait spins before it sleeps (see `spinBeforeSleep` in `src/_futex.ts`):
// the adaptive rule, the wait that ends in its spin, and the primitives' semantics with
// waiters that spin. Speed is measured in bench/, never asserted here.
import assert from "node:assert/strict";
import { Condition, Event, shutdown, Thread } from "../src/threading.ts";
import {
  resetSpin,
  SPIN_PROBE,
  SPIN_PROBE_MAX,
  spinBeforeSleep,
  spinState,
  WAIT_SPINS,
  waitRecorded,
} from "../src/_futex.ts";
import { runtime, S_WAIT_SEQ, slotBase } from "../src/_runtime.ts";
import { KIND_EVENT } from "../src/_waits.ts";

const spins = (navigator.hardwareConcurrency ?? 1) > 1;

/** A word that another thread changes while we spin. */
function changedWord(): Int32Array {
  const i32 = new Int32Array(new SharedArrayBuffer(8));
  i32[0] = 1;
  return i32;
}

Deno.test({
  name:
    "a wait whose spin fails stops spinning, then spins only now and then, ever more rarely; a spin that sees its word change makes every wait spin again",
  ignore: !spins,
  fn() {
    const still = new Int32Array(new SharedArrayBuffer(8));
    resetSpin();
    // A failed spin stops the spinning.
    assert.equal(spinBeforeSleep(still, 0, 0), false);
    assert.deepEqual(spinState(), { limit: 0, probeEvery: SPIN_PROBE });
    // Then a full spin every SPIN_PROBE waits; each that fails doubles the interval.
    for (let every = SPIN_PROBE; every < SPIN_PROBE_MAX; every *= 2) {
      for (let i = 0; i < every; i++) assert.equal(spinBeforeSleep(still, 0, 0), false);
      assert.deepEqual(spinState(), { limit: 0, probeEvery: every * 2 });
    }
    // Between probes a thread does not spin at all; the next probe that sees its word
    // change sets the full limit again.
    for (let i = 1; i < SPIN_PROBE_MAX; i++) {
      assert.equal(spinBeforeSleep(changedWord(), 0, 0), false);
    }
    assert.equal(spinBeforeSleep(changedWord(), 0, 0), true);
    assert.deepEqual(spinState(), { limit: WAIT_SPINS, probeEvery: SPIN_PROBE });
  },
});

Deno.test({
  name: "a recorded wait that ends in its spin leaves no wait record",
  ignore: !spins,
  fn() {
    resetSpin();
    const seq = slotBase(0) + S_WAIT_SEQ;
    const before = Atomics.load(runtime.i32, seq);
    // The word holds 1, not the 0 the caller saw: the spin ends the wait at once.
    const result = waitRecorded(KIND_EVENT, undefined, 0, changedWord(), 0, 0, Infinity);
    assert.equal(result, "not-equal");
    // Without the spin, the main thread records every wait it begins (S_WAIT_SEQ moves).
    assert.equal(Atomics.load(runtime.i32, seq), before);
  },
});

/** Thread body: side `index` of `rounds` Condition round trips on the turn word. */
export function conditionSide(
  cond: Condition,
  turn: Int32Array,
  index: number,
  rounds: number,
): void {
  for (let r = 0; r < rounds; r++) {
    cond.acquire();
    while (turn[0] !== index) cond.wait();
    turn[0] = 1 - index;
    turn[1 + index]++;
    cond.notify();
    cond.release();
  }
}

/** Thread body: side `index` of `rounds` Event round trips. */
export function eventSide(
  ping: Event,
  pong: Event,
  count: Int32Array,
  index: number,
  rounds: number,
): void {
  for (let r = 0; r < rounds; r++) {
    if (index === 0) {
      ping.set();
      pong.wait();
      pong.clear();
    } else {
      ping.wait();
      ping.clear();
      pong.set();
    }
    Atomics.add(count, index, 1);
  }
}

Deno.test("Condition and Event ping-pongs between two threads whose waits spin: every round trip, in turn", async () => {
  const rounds = 3000;
  const cond = new Condition();
  const turn = new Int32Array(new SharedArrayBuffer(12));
  const sides = [0, 1].map((index) =>
    new Thread({ target: conditionSide, args: [cond, turn, index, rounds] })
  );
  for (const t of sides) t.start();
  for (const t of sides) t.join();
  assert.deepEqual([...turn], [0, rounds, rounds]);

  const ping = new Event(), pong = new Event();
  const count = new Int32Array(new SharedArrayBuffer(8));
  const pair = [0, 1].map((index) =>
    new Thread({ target: eventSide, args: [ping, pong, count, index, rounds] })
  );
  for (const t of pair) t.start();
  for (const t of pair) t.join();
  assert.deepEqual([...count], [rounds, rounds]);
  assert.equal(ping.isSet(), false);
  await shutdown();
});

Deno.test("Condition.wait(timeout) shorter than a spin still returns false on time, holding the lock", () => {
  const cond = new Condition();
  cond.acquire();
  for (const ms of [0, 0.01, 0.5, 2]) {
    const start = performance.now();
    assert.equal(cond.wait(ms), false);
    assert.ok(performance.now() - start >= ms);
    assert.equal(cond.lock.locked(), true);
  }
  cond.release();
});
