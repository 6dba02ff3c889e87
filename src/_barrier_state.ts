// Copyright the threading for Deno authors. MIT license.
/**
 * The state machine of a `Barrier` (see `barrier.ts`) over its slot's words (see
 * `_barrier_words.ts`): CPython's `Barrier.wait` written as steps, driven blocking or
 * async, the pass of a generation, and `reset()`/`abort()`. The state is guarded by a
 * mutex (`_lock_algorithm.ts`) in the slot; waiters sleep on `B_SEQ`, which every
 * state change bumps, and are woken once the mutex is released.
 *
 * ## Passing a generation
 *
 * CPython's last arrival sets the barrier draining; each woken party takes the lock
 * to leave, and a thread that arrives meanwhile waits for the drain to end. Between two
 * threads that costs a second futex round trip per cycle. Here the last arrival passes
 * the generation itself: it bumps `B_GEN`, counts every party of the generation out
 * (`B_COUNT` back to 0) and wakes them once it has released the mutex; a woken party
 * that sees its generation passed returns its index without taking the mutex, and the
 * barrier fills again at once for the next generation. A cycle of `Barrier(2)` is then
 * one futex wake-up, as a bare generation-counting barrier's. What every party sees is
 * CPython's: distinct indexes 0...parties-1 per generation, the action run once by the
 * last arrival before anyone is released, `BrokenBarrierError` for the waiters of a
 * generation that breaks or is reset. One race resolves the other way: a party whose
 * generation has passed returns its index even if `abort()` comes before it wakes
 * (CPython's may then raise).
 *
 * @module
 */
import { deadlineAfter, remaining, waitAsync, waitRecorded } from "./_futex.ts";
import { lock, lockAsync, unlock } from "./_lock_algorithm.ts";
import { BrokenBarrierError } from "./errors.ts";
import { track, untrack } from "./_reclaim.ts";
import { KIND_BARRIER } from "./_waits.ts";
import {
  addDead,
  B_COUNT,
  B_DEAD,
  B_GEN,
  B_MUTEX,
  B_SEQ,
  B_SLEEPERS,
  B_STATE,
  BROKEN,
  FILLING,
  passWords,
  RESETTING,
  takeDead,
  tryPass,
} from "./_barrier_words.ts";
import {
  ACTION_FIX,
  type ActionRef,
  type BarrierAction,
  findAction,
} from "./_barrier_action.ts";
import { refuseThenable } from "./_sync_callback.ts";

/** What a wait step asks its driver to do. */
type Step =
  | { op: "lock" }
  | { op: "sleep"; seq: number; timeout: number };

/**
 * Whether a wait is counted in `B_COUNT` now, and in which generation (for the undo of
 * an async wait): once that generation has passed, the party is no longer counted.
 */
interface Party {
  counted: boolean;
  gen: number;
}

const LOCK: Step = { op: "lock" };

/** A barrier's state in this thread: its slot, its parties and its action. */
export class BarrierState {
  /** The barrier's slot. */
  readonly i32: Int32Array;
  /** How many parties pass together. */
  readonly parties: number;
  /** How the action travels; `undefined`: no action. */
  readonly ref: ActionRef | undefined;
  #action: BarrierAction | undefined;
  #inAction = false;
  /** Whether `B_SEQ` moved under the mutex and its sleepers are still to be woken. */
  #wakePending = false;
  /** The slot as 64-bit words, for the pass word (made on first use). */
  #u64: BigUint64Array | undefined;

  constructor(
    i32: Int32Array,
    parties: number,
    action: BarrierAction | undefined,
    ref: ActionRef | undefined,
  ) {
    this.i32 = i32;
    this.parties = parties;
    this.#action = action;
    this.ref = ref;
  }

  /** `Barrier.wait`, its timeout checked: blocks until the generation passes. */
  wait(ms: number): number {
    const i32 = this.i32;
    const steps = this.#steps(ms, { counted: false, gen: 0 });
    let next = steps.next();
    while (!next.done) {
      const step = next.value;
      if (step.op === "lock") {
        lock(i32, B_MUTEX, Infinity);
        this.#reap();
      } else {
        try {
          waitRecorded(
            KIND_BARRIER,
            i32,
            0,
            i32,
            B_SEQ,
            step.seq,
            step.timeout,
            B_SLEEPERS,
          );
        } catch (error) {
          // Interrupted (a signal listener threw, a deadlock): leave as CPython does on
          // an exception, through the steps' own exits, holding the mutex as they expect.
          lock(i32, B_MUTEX, Infinity);
          this.#reap();
          steps.throw(error);
          throw error;
        }
      }
      next = steps.next();
    }
    return next.value;
  }

  /** `Barrier.waitAsync`, its arguments checked. */
  waitAsync(ms: number, signal: AbortSignal | undefined): Promise<number> {
    const party: Party = { counted: false, gen: 0 };
    return this.#driveAsync(this.#steps(ms, party), party, signal);
  }

  async #driveAsync(
    steps: Generator<Step, number, void>,
    party: Party,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const i32 = this.i32;
    let sleeping = false;
    // If the thread ends while this wait is parked, it leaves as a dead party.
    const undo = track(() => {
      if (sleeping) Atomics.sub(i32, B_SLEEPERS, 1);
      if (party.counted && addDead(this.#pass(), party.gen)) {
        this.#notifyAll();
        this.#wake();
      }
    });
    try {
      let next = steps.next();
      while (!next.done) {
        const step = next.value;
        if (step.op === "lock") {
          await lockAsync(i32, B_MUTEX, Infinity);
          this.#reap();
        } else {
          Atomics.add(i32, B_SLEEPERS, 1);
          sleeping = true;
          let r;
          try {
            r = await waitAsync(i32, B_SEQ, step.seq, step.timeout, signal);
          } finally {
            sleeping = false;
            Atomics.sub(i32, B_SLEEPERS, 1);
          }
          if (r === "aborted") {
            // Cancelled: leave as on an exception in CPython's wait (the party withdraws,
            // uncounted), through the steps' own exits, holding the mutex as they expect.
            await lockAsync(i32, B_MUTEX, Infinity);
            this.#reap();
            steps.throw(signal!.reason);
            throw signal!.reason;
          }
        }
        next = steps.next();
      }
      return next.value;
    } finally {
      untrack(undo);
    }
  }

  /** The slot as 64-bit words (for the pass word). */
  #pass(): BigUint64Array {
    return this.#u64 ??= passWords(this.i32);
  }

  /** Folds in the parties that died inside `waitAsync()`. Holding the mutex. */
  #reap(): void {
    const i32 = this.i32;
    if (Atomics.load(i32, B_DEAD) === 0) return;
    i32[B_COUNT] -= takeDead(this.#pass());
    const state = i32[B_STATE];
    if (state === FILLING) {
      this.#break();
    } else if (i32[B_COUNT] === 0 && state === RESETTING) {
      i32[B_STATE] = FILLING;
      this.#notifyAll();
    }
  }

  /**
   * CPython's `Barrier.wait`, as steps: the driver takes the mutex when asked
   * (`lock`) and sleeps on `B_SEQ` when asked (`sleep`, the mutex released first by
   * the generator). After a sleep, a party whose generation has passed returns at once,
   * without the mutex; otherwise it asks for the mutex again. A driver whose sleep
   * throws takes the mutex before it throws the error into the generator.
   */
  *#steps(timeout: number, party: Party): Generator<Step, number, void> {
    const i32 = this.i32;
    yield LOCK;
    let held = true;
    try {
      // Enter: wait while a reset lets the waiters of before leave.
      while (i32[B_STATE] === RESETTING) {
        held = false;
        const seq = i32[B_SEQ];
        this.#unlock();
        try {
          yield { op: "sleep", seq, timeout: Infinity };
        } catch (error) {
          held = true;
          throw error;
        }
        yield LOCK;
        held = true;
      }
      if (i32[B_STATE] < 0) throw this.#brokenError();
      const index = i32[B_COUNT]++;
      const gen = Atomics.load(i32, B_GEN);
      party.gen = gen;
      party.counted = true;
      try {
        if (index + 1 === this.parties) {
          this.#releaseAll();
          return index;
        }
        const deadline = deadlineAfter(timeout);
        for (;;) {
          if (Atomics.load(i32, B_GEN) !== gen) return index;
          if (i32[B_STATE] !== FILLING) throw this.#brokenError();
          const left = remaining(deadline);
          if (left <= 0) {
            this.#break();
            throw new BrokenBarrierError(
              `Cannot pass Barrier: the wait timed out after ${timeout} ms, which breaks the barrier`,
            );
          }
          held = false;
          const seq = i32[B_SEQ];
          this.#unlock();
          try {
            yield { op: "sleep", seq, timeout: left };
          } catch (error) {
            held = true;
            throw error;
          }
          // Passed: the last to arrive uncounted this party; no need for the mutex.
          if (Atomics.load(i32, B_GEN) !== gen) return index;
          yield LOCK;
          held = true;
        }
      } finally {
        // Exit: a party that leaves a generation that did not pass uncounts itself; the
        // last to leave a reset barrier reopens it.
        if (party.counted && Atomics.load(i32, B_GEN) === gen) {
          if (--i32[B_COUNT] === 0 && i32[B_STATE] === RESETTING) {
            i32[B_STATE] = FILLING;
            this.#notifyAll();
          }
        }
        party.counted = false;
      }
    } finally {
      if (held) this.#unlock();
    }
  }

  #brokenError(): BrokenBarrierError {
    return new BrokenBarrierError(
      Atomics.load(this.i32, B_STATE) === RESETTING
        ? "Cannot pass Barrier: it was reset while this thread waited"
        : "Cannot pass Barrier: it is broken (a wait timed out, the action failed, or abort() was called); reset() it first",
    );
  }

  #releaseAll(): void {
    try {
      const action = this.resolveAction();
      if (action !== undefined) {
        this.#inAction = true;
        try {
          refuseThenable(action(), "Cannot pass Barrier", "the action", ACTION_FIX);
        } finally {
          this.#inAction = false;
        }
      }
    } catch (error) {
      this.#break();
      throw error;
    }
    // The action may have called abort() or reset(): then nobody passes.
    const i32 = this.i32;
    if (i32[B_STATE] !== FILLING) throw this.#brokenError();
    // Pass: the next generation, unless a party died (one CAS with the dead count).
    if (!tryPass(i32, this.#pass())) {
      // A party died since this thread took the mutex: it breaks the barrier.
      this.#reap();
      throw this.#brokenError();
    }
    // Every party of the generation leaves uncounted: the barrier fills again at once.
    i32[B_COUNT] = 0;
    this.#notifyAll();
  }

  /**
   * The action, looked up in this thread on first use (see `_barrier_action.ts`).
   *
   * @throws {TypeError} If this thread cannot find it.
   */
  resolveAction(): BarrierAction | undefined {
    if (this.#action !== undefined || this.ref === undefined) return this.#action;
    return this.#action = findAction(this.ref);
  }

  /**
   * Bumps `B_SEQ` for the waiters; the futex wake-up waits for the mutex's release
   * ({@linkcode Barrier.prototype.#unlock}), so that the woken do not find it held.
   */
  #notifyAll(): void {
    Atomics.add(this.i32, B_SEQ, 1);
    this.#wakePending = true;
  }

  /** Wakes the sleepers on `B_SEQ` if a change was made for them since the last wake. */
  #wake(): void {
    if (!this.#wakePending) return;
    this.#wakePending = false;
    if (Atomics.load(this.i32, B_SLEEPERS) > 0) Atomics.notify(this.i32, B_SEQ);
  }

  /** Releases the mutex, then wakes the sleepers if the holder changed something. */
  #unlock(): void {
    unlock(this.i32, B_MUTEX);
    this.#wake();
  }

  #break(): void {
    this.i32[B_STATE] = BROKEN;
    this.#notifyAll();
  }

  #locked<T>(fn: () => T): T {
    // The action runs holding the mutex: its reset() or abort() must not take it again.
    if (this.#inAction) return fn();
    lock(this.i32, B_MUTEX, Infinity);
    try {
      this.#reap();
      return fn();
    } finally {
      this.#unlock();
    }
  }

  /** `Barrier.reset()`. */
  reset(): void {
    this.#locked(() => {
      const i32 = this.i32;
      if (i32[B_COUNT] > 0) {
        if (i32[B_STATE] === FILLING || i32[B_STATE] === BROKEN) i32[B_STATE] = RESETTING;
      } else {
        i32[B_STATE] = FILLING;
      }
      this.#notifyAll();
    });
  }

  /** `Barrier.abort()`. */
  abort(): void {
    this.#locked(() => this.#break());
  }
}
