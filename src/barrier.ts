// Copyright the threading for Deno authors. MIT license.
/**
 * `Barrier`: Python's `threading.Barrier`, with CPython's states (filling, resetting,
 * broken) and one change: a generation passes at once, without a draining phase.
 * Shared through a 64-byte slot of a slab of shared memory (see `carve` in `_slab.ts`:
 * creating one allocates no SharedArrayBuffer of its own). The state is guarded by a
 * mutex (`_lock_algorithm.ts`) in the same slot; waiters sleep on a sequence word that
 * every state change bumps. This file is the API: argument checks, and how a barrier
 * travels.
 *
 * How a generation passes (at once, without CPython's draining phase) and the state
 * machine of a wait are in `_barrier_state.ts`; how the action travels, in
 * `_barrier_action.ts`.
 *
 * The words of the slot, the pass word and what happens to the party of a thread that
 * ends inside `waitAsync()` are in `_barrier_words.ts`.
 *
 * `parties`, the default timeout and the action are fixed at construction and travel in
 * the ticket, not in shared memory.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import {
  describe,
  servePending,
  waitArgs,
  type WaitOptions,
  waitTimeout,
} from "./_futex.ts";
import { isIdle } from "./_lock_algorithm.ts";
import { carveView } from "./_slab.ts";
import { isMainThread } from "node:worker_threads";
import { KIND_BARRIER, noteCreation, recordCreation, stampId } from "./_waits.ts";
import {
  B_COUNT,
  B_DEAD,
  B_MUTEX,
  B_SLEEPERS,
  B_STATE,
  BARRIER_BYTES,
  BROKEN,
  FILLING,
} from "./_barrier_words.ts";
import { type ActionRef, actionRef, type BarrierAction } from "./_barrier_action.ts";
import { BarrierState } from "./_barrier_state.ts";

export type { BarrierAction };

interface Head {
  slot: Int32Array;
  parties: number;
  timeout: number;
  action?: ActionRef;
}

let revived: Head | undefined;

let wordsOf: (barrier: Barrier) => Int32Array;

/**
 * A barrier, as Python's `threading.Barrier`: `parties` threads call `wait()`, and all
 * of them go on once the last has arrived. It is shared: sent to another thread, it
 * arrives as the same barrier.
 *
 * Ordering contract: everything each party did before its `wait()` happens before
 * every party's return from that `wait()` (and before the action, which runs in the
 * last thread to arrive, before any party is released).
 *
 * Fairness: all parties of a generation are released together; a thread that arrives
 * while the previous generation still leaves waits for it to have left.
 *
 * @example Two parties in one thread (async)
 * ```ts
 * import { Barrier } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(2);
 * const indexes = await Promise.all([barrier.waitAsync(), barrier.waitAsync()]);
 * assert.deepEqual(indexes.sort(), [0, 1]);
 * ```
 */
export class Barrier {
  #i32: Int32Array;
  #parties: number;
  #timeout: number;
  #state: BarrierState;

  /**
   * Creates a barrier for `parties` threads.
   *
   * @param parties How many threads must call `wait()` before all go on.
   * @param action A function that the last thread to arrive calls before the others
   * are released; it must be a named function exported by its module, because it
   * runs in whichever thread arrives last and travels by reference, as a thread target.
   * @param timeout Default timeout of `wait()`, in milliseconds; `undefined`: none.
   * @throws {RangeError} If `parties` is not a positive integer, or `timeout` NaN or
   * over `TIMEOUT_MAX`.
   * @throws {TypeError} If `parties` or `timeout` is not a number, or `action` not a
   * named function.
   *
   * @example Refusing zero parties
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Barrier(0), RangeError);
   * ```
   */
  constructor(parties: number, action?: BarrierAction | null, timeout?: number | null) {
    const head = revived;
    revived = undefined;
    if (head !== undefined) {
      this.#i32 = head.slot;
      this.#parties = head.parties;
      this.#timeout = head.timeout;
      this.#state = new BarrierState(head.slot, head.parties, undefined, head.action);
      // In a thread, the action is looked up as the barrier arrives (its module and
      // their static imports are loaded then): one it cannot find fails that start()
      // (or that get()) with a TypeError, not the wait of the last party.
      if (!isMainThread) this.#state.resolveAction();
      return;
    }
    if (typeof parties !== "number") {
      throw new TypeError(
        `Cannot create Barrier: parties must be a positive integer, received ${
          describe(parties)
        }`,
      );
    }
    if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fff_ffff) {
      throw new RangeError(
        `Cannot create Barrier: parties must be a positive integer, received ${parties}`,
      );
    }
    const hasAction = action !== undefined && action !== null;
    const ref = hasAction ? actionRef(action) : undefined;
    this.#timeout = waitTimeout(timeout, "Cannot create Barrier");
    this.#parties = parties;
    this.#i32 = carveView(BARRIER_BYTES);
    this.#state = new BarrierState(
      this.#i32,
      parties,
      hasAction ? action : undefined,
      ref,
    );
    stampId(KIND_BARRIER, this.#i32, 0);
    if (recordCreation) noteCreation(KIND_BARRIER, this.#i32, 0);
  }

  /** The number of threads that must call `wait()` to pass the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** The number of threads waiting at the barrier now (0 while it drains or is broken). */
  get nWaiting(): number {
    servePending(); // a polling loop on the main thread serves threads' starts
    const i32 = this.#i32;
    return Atomics.load(i32, B_STATE) === FILLING
      ? Atomics.load(i32, B_COUNT) - Atomics.load(i32, B_DEAD)
      : 0;
  }

  /** Whether the barrier is broken (a timeout, a failed action, or `abort()`). */
  get broken(): boolean {
    servePending();
    const i32 = this.#i32;
    const state = Atomics.load(i32, B_STATE);
    // A party that died while the barrier filled breaks it (folded in at the next wait).
    return state === BROKEN || (state === FILLING && Atomics.load(i32, B_DEAD) > 0);
  }

  /**
   * Waits (blocking, on any thread, the main thread included) until `parties` threads
   * have called `wait()`, then returns this thread's arrival index.
   *
   * @param timeout Longest wait in milliseconds; `undefined`: the barrier's default.
   * @returns A distinct index from 0 to `parties - 1` for each thread of a generation.
   * @throws {BrokenBarrierError} If the barrier is or becomes broken, is reset while
   * waiting, or the wait times out (which breaks it).
   * @throws {Error} Whatever the action throws, in the thread that ran it (the barrier
   * is then broken, and the others get `BrokenBarrierError`).
   * @throws {TypeError} If the action cannot be found in this thread (not exported).
   *
   * @example One party
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(1).wait(), 0);
   * ```
   */
  wait(timeout?: number): number {
    const ms = timeout === undefined
      ? this.#timeout
      : waitTimeout(timeout, "Cannot wait on Barrier");
    return this.#state.wait(ms);
  }

  /**
   * Waits without blocking the event loop: the `...Async` twin of
   * {@linkcode Barrier.prototype.wait}.
   *
   * @param timeout Longest wait in milliseconds; `undefined`: the barrier's default.
   * Or the options in its place (`waitAsync({ signal })`).
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}): the party withdraws, as on an exception in CPython's
   * `wait()` (it is no longer counted; the barrier does not break), and the promise
   * rejects with `signal.reason`.
   * @returns A promise of this party's arrival index.
   * @throws {BrokenBarrierError} As `wait()` (as a rejection).
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX` (synchronously).
   * @throws {TypeError} If `options.signal` is not an `AbortSignal` (synchronously).
   *
   * @example Two async parties
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * const [x, y] = await Promise.all([b.waitAsync(), b.waitAsync()]);
   * assert.equal(x + y, 1);
   * ```
   */
  waitAsync(timeout?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    const [t, signal] = waitArgs(timeout, options, "Cannot wait on Barrier");
    const ms = t === undefined ? this.#timeout : waitTimeout(t, "Cannot wait on Barrier");
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.#state.waitAsync(ms, signal);
  }

  /**
   * Returns the barrier to its empty, unbroken state; threads waiting at it get
   * `BrokenBarrierError`.
   *
   * @example Repairing a broken barrier
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * b.abort();
   * assert.equal(b.broken, true);
   * b.reset();
   * assert.equal(b.broken, false);
   * ```
   */
  reset(): void {
    this.#state.reset();
  }

  /**
   * Breaks the barrier: waiting threads, and later callers of `wait()` until a
   * `reset()`, get `BrokenBarrierError`.
   *
   * @example Aborting
   * ```ts
   * import { Barrier, BrokenBarrierError } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(3);
   * b.abort();
   * assert.throws(() => b.wait(), BrokenBarrierError);
   * ```
   */
  abort(): void {
    this.#state.abort();
  }

  /**
   * A description: `<Barrier parties=3 waiting=1 broken=false>`.
   *
   * @returns The description.
   */
  toString(): string {
    return `<Barrier parties=${this.#parties} waiting=${this.nWaiting} broken=${this.broken}>`;
  }

  /** How `console.log` shows the barrier. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /**
   * How a barrier travels to another thread: its slot, parties, default timeout and
   * a reference to its action (whose module the receiving thread imports first).
   * @returns The ticket.
   */
  [kTravel](): Ticket {
    const head: Head = {
      slot: this.#i32,
      parties: this.#parties,
      timeout: this.#timeout,
      action: this.#state.ref,
    };
    const module = this.#state.ref?.module;
    return module === undefined
      ? { kind: "Barrier", head }
      : { kind: "Barrier", head, module };
  }

  static {
    wordsOf = (barrier) => barrier.#i32;
  }
}

registerKind("Barrier", {
  create(head) {
    revived = head as Head;
    return new Barrier(0);
  },
});

/** The shared words of a barrier (for tests). Not part of the API. */
export function barrierWords(barrier: Barrier): Int32Array {
  return wordsOf(barrier);
}

/** Whether a barrier is back to idle: mutex free, filling, empty (for tests). */
export function barrierIsIdle(barrier: Barrier): boolean {
  const i32 = wordsOf(barrier);
  return isIdle(i32, B_MUTEX) && i32[B_STATE] === FILLING && i32[B_COUNT] === 0 &&
    i32[B_SLEEPERS] === 0;
}
