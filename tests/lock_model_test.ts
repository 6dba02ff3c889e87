// Copyright the threading for Deno authors. MIT license.
// A model check of the mutex of src/_lock_algorithm.ts: every interleaving of 2 and 3
// threads, each taking the lock (with or without a timeout) and releasing it, with every
// choice of which sleeper a notify(1) wakes, when a timed wait times out, when a
// waiter counts itself starving, how long a waiter spins before it sleeps, and whether
// the holder records a deferred wake (src/_release_wakes.ts: it moves the word 1→2 so
// that its release takes the slow path). Each step of a thread is one atomic operation
// of the real code (a load, a CAS, a store, an add, a futex wait or notify), in its order.
// Checked: mutual exclusion, and that no reachable state leaves a waiter asleep for
// good (a thread without a timeout asleep while nobody else can move: a lost wake-up).
// The model of the algorithm before the fix of the hand-off window (a starving waiter
// that leaves without turning HANDOFF into UNLOCKED) must fail the same check.
import assert from "node:assert/strict";
import { CONTENDED, HANDOFF, LOCKED, UNLOCKED } from "../src/_lock_algorithm.ts";

/** A thread's place in the algorithm (program counter) and its locals. */
interface Thread {
  pc: string;
  /** The state word as last loaded. */
  s: number;
  /** Whether it counted itself starving. */
  starving: boolean;
  /** Whether its acquire has a timeout (it may then give up at any wait). */
  timed: boolean;
  /** Asleep in the futex on the state word, expecting `s`. */
  asleep: boolean;
  /** Where to go after leaveStarving: "cs" (got the lock) or "done" (gave up). */
  after: string;
  /** The starving count as returned by the decrement. */
  old: number;
  /** Whether it recorded a deferred wake while holding the lock (at most once). */
  deferred: boolean;
}

interface State {
  /** The state word. */
  S: number;
  /** The starving count. */
  N: number;
  threads: Thread[];
}

function key(st: State): string {
  return JSON.stringify(st);
}

function clone(st: State): State {
  return { S: st.S, N: st.N, threads: st.threads.map((t) => ({ ...t })) };
}

/** Wakes sleepers: all, or each single one as a separate branch (notify(1)). */
function notify(st: State, all: boolean): State[] {
  const sleepers = st.threads.map((t, i) => t.asleep ? i : -1).filter((i) => i >= 0);
  if (sleepers.length === 0) return [st];
  if (all) {
    const next = clone(st);
    for (const i of sleepers) {
      next.threads[i].asleep = false;
      next.threads[i].pc = "afterWait";
    }
    return [next];
  }
  return sleepers.map((i) => {
    const next = clone(st);
    next.threads[i].asleep = false;
    next.threads[i].pc = "afterWait";
    return next;
  });
}

/** Every state reachable by one atomic step of thread `i`. */
function step(st: State, i: number, fixed: boolean): State[] {
  const next = clone(st);
  const t = next.threads[i];
  const go = (pc: string) => {
    t.pc = pc;
    return [next];
  };
  /** The spin ran out of rounds: on to the sleeping loop (a branch of its own). */
  const stop = () => {
    const out = clone(st);
    out.threads[i].pc = "load";
    return [out];
  };
  switch (t.pc) {
    case "start": // lock(): the fast path's CAS 0→1
      if (next.S === UNLOCKED) {
        next.S = LOCKED;
        return go("cs");
      }
      return go("spin");
    case "spin": // lockSlow's spin: s = load(state)
      t.s = next.S;
      return go("spinTry");
    case "spinTry": { // take a free lock, or spin again, or stop spinning (rounds run out)
      if (t.s === UNLOCKED) {
        if (next.S !== UNLOCKED) return [...go("spin"), ...stop()];
        next.S = LOCKED;
        return go("cs");
      }
      if (t.s === HANDOFF) return go("spinN");
      return [...go("spin"), ...stop()];
    }
    case "spinN": // a HANDOFF is free for a spinner only if nobody starves
      return next.N > 0 ? go("load") : go("spinHandoff");
    case "spinHandoff":
      if (next.S !== HANDOFF) return [...go("spin"), ...stop()];
      next.S = CONTENDED;
      return go("cs");
    case "load": // s = load(state)
      t.s = next.S;
      return go(t.s === HANDOFF && !t.starving ? "loadN" : "attempt");
    case "loadN": // attempt(): HANDOFF is free for a newcomer only if nobody starves
      return go(next.N === 0 ? "attempt" : "sleepCheck");
    case "attempt":
      if (t.s === UNLOCKED) {
        if (next.S !== UNLOCKED) return go("load");
        next.S = CONTENDED;
        t.after = "cs";
        return go(t.starving ? "leave" : "cs");
      }
      if (t.s === HANDOFF) {
        if (next.S !== HANDOFF) return go("load");
        next.S = CONTENDED;
        t.after = "cs";
        return go(t.starving ? "leave" : "cs");
      }
      if (t.s === LOCKED) { // mark it contended before sleeping
        if (next.S !== LOCKED) return go("load");
        next.S = CONTENDED;
        t.s = CONTENDED;
      }
      return go("sleepCheck");
    case "sleepCheck": { // the deadline may have passed (timed waits only)
      const out: State[] = [];
      const wait = clone(next);
      wait.threads[i].pc = "wait";
      out.push(wait);
      if (t.timed) {
        const quit = clone(next);
        quit.threads[i].after = "done";
        quit.threads[i].pc = t.starving ? "leave" : "done";
        out.push(quit);
      }
      return out;
    }
    case "wait": // futex wait(state, s): sleep only if the word still holds s
      if (next.S !== t.s) return go("afterWait");
      t.asleep = true;
      return go("asleep");
    case "asleep": { // a timed sleeper may time out; otherwise only a notify wakes it
      if (!t.timed) return [];
      t.asleep = false;
      return go("afterWait");
    }
    case "afterWait": { // it may have waited over STARVE_MS: it may count itself starving
      const out: State[] = [];
      const same = clone(next);
      same.threads[i].pc = "load";
      out.push(same);
      if (!t.starving) {
        t.starving = true;
        next.N++;
        t.pc = "load";
        out.push(next);
      }
      return out;
    }
    case "leave": // leaveStarving: the decrement
      t.old = next.N;
      next.N--;
      t.starving = false;
      if (!fixed || t.old !== 1) return go(t.after);
      return go("leaveCas");
    case "leaveCas": // the last starving waiter frees a HANDOFF that nobody will take
      if (next.S !== HANDOFF) return go(t.after);
      next.S = UNLOCKED;
      t.pc = t.after;
      return notify(next, true);
    case "cs": { // holds the lock: release it (fast path CAS 1→0)
      const out: State[] = [];
      if (!t.deferred) {
        // Or first record a deferred wake: the word goes 1→2 (a CAS), or stays 2.
        const defer = clone(next);
        defer.threads[i].deferred = true;
        if (defer.S === LOCKED) defer.S = CONTENDED;
        out.push(defer);
      }
      if (next.S === LOCKED) {
        next.S = UNLOCKED;
        t.pc = "done";
      } else {
        t.pc = "unlockSlow";
      }
      out.push(next);
      return out;
    }
    case "unlockSlow": // the lock is contended: load the starving count
      assert.equal(next.S, CONTENDED, "only the holder moves the word from CONTENDED");
      t.old = next.N;
      return go("unlockStore");
    case "unlockStore":
      if (t.old > 0) {
        next.S = HANDOFF;
        t.pc = "done";
        return notify(next, true);
      }
      next.S = UNLOCKED;
      t.pc = "done";
      return notify(next, false);
  }
  return [];
}

interface Result {
  states: number;
  violation?: string;
}

/** Explores every interleaving from the start state; stops at the first violation. */
function explore(timed: boolean[], fixed: boolean): Result {
  const start: State = {
    S: UNLOCKED,
    N: 0,
    threads: timed.map((t) => ({
      pc: "start",
      s: 0,
      starving: false,
      timed: t,
      asleep: false,
      after: "",
      old: 0,
      deferred: false,
    })),
  };
  const seen = new Set<string>([key(start)]);
  const stack: State[] = [start];
  while (stack.length > 0) {
    const st = stack.pop()!;
    const holders = st.threads.filter((t) =>
      t.pc === "cs" || t.pc === "unlockSlow" || t.pc === "unlockStore" ||
      (t.after === "cs" && (t.pc === "leave" || t.pc === "leaveCas"))
    );
    if (holders.length > 1) {
      return { states: seen.size, violation: `two holders: ${key(st)}` };
    }
    let moved = false;
    for (let i = 0; i < st.threads.length; i++) {
      for (const next of step(st, i, fixed)) {
        moved = true;
        const k = key(next);
        if (!seen.has(k)) {
          seen.add(k);
          stack.push(next);
        }
      }
    }
    if (!moved && st.threads.some((t) => t.pc !== "done")) {
      return {
        states: seen.size,
        violation: `a waiter asleep for good (S=${st.S}, N=${st.N}): ${key(st)}`,
      };
    }
  }
  return { states: seen.size };
}

const configs: boolean[][] = [
  [false, false],
  [false, true],
  [true, true],
  [false, false, false],
  [false, false, true],
  [false, true, true],
  [true, true, true],
];

Deno.test("lock model: every interleaving of 2–3 threads, with timeouts, keeps mutual exclusion and loses no wake-up", () => {
  for (const timed of configs) {
    const { states, violation } = explore(timed, true);
    assert.equal(violation, undefined, `timeouts ${timed}: ${violation}`);
    assert.ok(states > 10, `timeouts ${timed}: explored ${states} states`);
  }
});

Deno.test("lock model: the algorithm before the hand-off fix strands a waiter on HANDOFF", () => {
  // One thread without a timeout, one starving thread that times out as the lock is
  // handed to it, and the holder: the window, found by the same explorer.
  const found = [[false, true, false], [false, false, true]].map((timed) =>
    explore(timed, false).violation
  ).find((v) => v !== undefined);
  assert.ok(found, "the old algorithm must fail the check");
  assert.match(found, /asleep for good \(S=3, N=0\)/);
});
