// Copyright the threading for Deno authors. MIT license.
/**
 * `Condition`: Python's `threading.Condition`, a FIFO wait queue kept under a lock (a
 * `Lock` or an `RLock`), shared through a 256-byte slot of a slab of shared memory (see
 * `carve` in `_slab.ts`: creating one allocates no SharedArrayBuffer).
 *
 * Waiters wait in a FIFO queue of nodes, kept in the condition's slot: its words, its
 * nodes (a thread's own pair of words for a blocking waiter, one of
 * {@linkcode ASYNC_NODES} nodes inside the slot for a `waitAsync`, past those a node of
 * the process-wide pool of `_async_nodes.ts`: no bound on the waiters), and what
 * happens to the node of a waiter whose thread ends, are in `_condition_queue.ts`.
 *
 * How a waiter waits, and why each notify reaches exactly one waiter, is in
 * `_condition_wait.ts`; the lock's part (saving and restoring an `RLock`'s depth) in
 * `_condition_lock.ts`.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import {
  checkBody,
  deadlineAfter,
  describe,
  remaining,
  waitArgs,
  type WaitOptions,
  waitTimeout,
} from "./_futex.ts";
import { carveView } from "./_slab.ts";
import {
  checkWithBody,
  checkWithResult,
  isThenable,
  type NotThenable,
  refuseAsyncFunction,
  refuseThenable,
} from "./_sync_callback.ts";
import { KIND_CONDITION, noteCreation, recordCreation, stampId } from "./_waits.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";
import { CONDITION_BYTES, notifyWaiters } from "./_condition_queue.ts";
import { ConditionLock } from "./_condition_lock.ts";
import { checkWaitFor, conditionWait, conditionWaitAsync } from "./_condition_wait.ts";

/** How `waitFor` and `waitForAsync` begin their refusals of an async predicate. */
const WAIT_FOR = "Cannot wait on Condition";
/** The fix for an async predicate. */
const PREDICATE_FIX =
  "a predicate must be synchronous: read the shared state it tests (a cell's value, a SharedJSON) and return a boolean";

/** The predicate's result, refused if it is a promise (see `_sync_callback.ts`). */
function syncPredicate<T>(predicate: () => NotThenable<T>): T {
  const result = predicate() as T;
  refuseThenable(result, WAIT_FOR, "the predicate", PREDICATE_FIX);
  return result;
}
export {
  ABANDONED,
  ASYNC_NODES,
  C_HEAD,
  C_ID,
  C_LOST,
  C_NODES,
  C_TAIL,
  CONDITION_BYTES,
  FREE,
  NOTIFIED,
  WAITING,
} from "./_condition_queue.ts";

let revived: Int32Array | undefined;
let internals: {
  words(c: Condition): Int32Array;
  setLock(c: Condition, lock: Lock | RLock): void;
};

/**
 * A condition variable, as Python's `threading.Condition`: threads wait on it, under
 * its lock, until another thread notifies them. It is shared: sent to another thread,
 * it arrives as the same condition, with the same lock object.
 *
 * Ordering contract: a `notify()` happens before the return of the `wait()` it wakes;
 * since both run under the lock, what the notifier wrote before releasing the lock is
 * visible to the woken waiter.
 *
 * Fairness: waiters are woken in the order they began to wait (FIFO); a woken waiter
 * then competes for the lock like any other thread.
 *
 * @example Waiting for a state change
 * ```ts
 * import { Condition } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * cond.with(() => {
 *   assert.equal(cond.wait(1), false); // nobody notifies: times out
 *   assert.equal(cond.waitFor(() => true), true);
 * });
 * ```
 */
export class Condition {
  #i32: Int32Array;
  #lock!: ConditionLock;
  #holder: Disposable | undefined;

  /**
   * Creates a condition over `lock`, or over a new `RLock`.
   *
   * @param lock The lock that guards the condition's state.
   * @throws {TypeError} If `lock` is neither a `Lock` nor an `RLock`.
   *
   * @example Sharing a lock
   * ```ts
   * import { Condition, Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const cond = new Condition(lock);
   * cond.acquire();
   * assert.equal(lock.locked(), true);
   * cond.release();
   * ```
   */
  constructor(lock?: Lock | RLock | null) {
    const slot = revived;
    revived = undefined;
    if (slot !== undefined) {
      this.#i32 = slot;
      return;
    }
    if (lock === undefined || lock === null) lock = new RLock();
    if (!(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new TypeError(
        `Cannot create Condition: lock must be a Lock or an RLock, received ${
          describe(lock)
        }`,
      );
    }
    this.#i32 = carveView(CONDITION_BYTES);
    stampId(KIND_CONDITION, this.#i32, 0);
    if (recordCreation) noteCreation(KIND_CONDITION, this.#i32, 0);
    this.#setLock(lock);
  }

  #setLock(lock: Lock | RLock): void {
    this.#lock = new ConditionLock(lock);
  }

  /**
   * Acquires the condition's lock, as its `acquire()`.
   *
   * @param blocking Whether to wait for the lock.
   * @default {true}
   * @param timeout Longest wait in milliseconds; `-1` means no limit.
   * @default {-1}
   * @returns Whether the lock was acquired.
   * @throws {RangeError} As `Lock.acquire()`.
   * @throws {TypeError} As `Lock.acquire()`.
   *
   * @example Acquiring
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * assert.equal(cond.acquire(), true);
   * cond.release();
   * ```
   */
  acquire(blocking?: boolean | number, timeout?: number): boolean {
    return this.#lock.lock.acquire(blocking, timeout);
  }

  /**
   * Acquires the condition's lock without blocking the event loop, as its
   * `acquireAsync()`.
   *
   * @param blocking Whether to wait for the lock, or the options in place of both
   * arguments (`acquireAsync({ signal })`).
   * @default {true}
   * @param timeout Longest wait in milliseconds; `-1` means no limit.
   * @default {-1}
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}).
   * @returns A promise of whether the lock was acquired; it rejects with
   * `signal.reason` if the signal aborts first (the lock is then not taken).
   * @throws {RangeError} As `Lock.acquire()`.
   * @throws {TypeError} As `Lock.acquire()`, or if `options.signal` is not an
   * `AbortSignal`.
   *
   * @example Acquiring in async code
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * assert.equal(await cond.acquireAsync(), true);
   * cond.release();
   * ```
   */
  acquireAsync(
    blocking?: boolean | number | WaitOptions,
    timeout?: number,
    options?: WaitOptions,
  ): Promise<boolean> {
    return this.#lock.lock.acquireAsync(blocking, timeout, options);
  }

  /**
   * Releases the condition's lock, as its `release()`.
   *
   * @throws {ThreadError} If the lock is not held (by this thread, for an `RLock`).
   *
   * @example Releasing
   * ```ts
   * import { Condition, ThreadError } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Condition().release(), ThreadError);
   * ```
   */
  release(): void {
    this.#lock.lock.release();
  }

  /** The condition's lock (the one given, or the RLock it made). */
  get lock(): Lock | RLock {
    return this.#lock.lock;
  }

  /**
   * Releases the lock, blocks (on any thread, the main thread included) until
   * notified or until `timeout` milliseconds have passed, then takes the lock again
   * (with an `RLock`, at the recursion depth it had).
   *
   * @param timeout Longest wait in milliseconds; `undefined` means no limit, a negative
   * number means do not wait.
   * @returns `true` if notified, `false` on timeout.
   * @throws {ThreadError} If this thread does not hold the lock.
   * @throws {TypeError} If `timeout` is not a number.
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX`.
   *
   * @example Timing out
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * cond.acquire();
   * assert.equal(cond.wait(1), false);
   * cond.release();
   * ```
   */
  wait(timeout?: number): boolean {
    return conditionWait(this.#i32, this.#lock, timeout);
  }

  /**
   * Waits without blocking the event loop: the `...Async` twin of
   * {@linkcode Condition.prototype.wait}. Call it holding the lock; the promise
   * settles once the lock is held again.
   *
   * Over an `RLock`, the lock is per thread: if another async task of this thread
   * holds it when this wait takes it back, the wait reenters (the recursion counts add:
   * each task releases its own levels).
   *
   * @param timeout Longest wait in milliseconds; `undefined` means no limit. Or the
   * options in its place (`waitAsync({ signal })`).
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}): the waiter leaves the queue, takes the lock back (that
   * part is not cancellable), then the promise rejects with `signal.reason`; a notify
   * received before the abort is seen wins (the promise resolves `true`).
   * @returns A promise of `true` if notified, `false` on timeout.
   * @throws {ThreadError} If this thread does not hold the lock (synchronously).
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX` (synchronously).
   * Any number of async waiters may wait at once (as CPython's, whose waiters are a
   * `deque`): past the process's 4,194,304 at once (`MAX_NODES`), or if their shared
   * memory cannot be had, a `RangeError` too.
   * @throws {TypeError} If `timeout` is not a number, or `options.signal` not an
   * `AbortSignal` (synchronously).
   *
   * @example Waiting in async code
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * await cond.acquireAsync();
   * const waiting = cond.waitAsync();
   * cond.with(() => cond.notify());
   * assert.equal(await waiting, true);
   * cond.release();
   * ```
   */
  waitAsync(timeout?: number | WaitOptions, options?: WaitOptions): Promise<boolean> {
    const [t, signal] = waitArgs(timeout, options, "Cannot wait on Condition");
    const ms = waitTimeout(t, "Cannot wait on Condition");
    return conditionWaitAsync(this.#i32, this.#lock, ms, signal);
  }

  /**
   * Waits until `predicate()` is true, or until `timeout` milliseconds have passed in
   * all; the predicate is called with the lock held, first before any wait.
   *
   * @param predicate What to wait for.
   * @param timeout Longest wait in milliseconds, in all; `undefined` means no limit.
   * @returns The predicate's last result.
   * @throws {ThreadError} If this thread does not hold the lock.
   * @throws {TypeError} If `predicate` is not a function or `timeout` not a number.
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX`.
   *
   * @example Waiting for a predicate
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * let items = 0;
   * cond.with(() => assert.equal(cond.waitFor(() => items > 0, 1), false));
   * items = 1;
   * cond.with(() => assert.equal(cond.waitFor(() => items > 0), true));
   * ```
   */
  waitFor<T>(predicate: () => NotThenable<T>, timeout?: number): T {
    const ms = checkWaitFor(this.#lock, predicate, timeout);
    refuseAsyncFunction(predicate, WAIT_FOR, "the predicate", PREDICATE_FIX);
    const deadline = deadlineAfter(ms);
    let result = syncPredicate(predicate);
    while (!result) {
      const left = remaining(deadline);
      if (left <= 0 && deadline !== Infinity) break;
      this.wait(left === Infinity ? undefined : left);
      result = syncPredicate(predicate);
    }
    return result;
  }

  /**
   * Waits until `predicate()` is true without blocking the event loop: the `...Async`
   * twin of {@linkcode Condition.prototype.waitFor}.
   *
   * @param predicate What to wait for.
   * @param timeout Longest wait in milliseconds, in all; `undefined` means no limit.
   * Or the options in its place.
   * @param options `signal`: cancels the wait, as `waitAsync`'s.
   * @returns A promise of the predicate's last result.
   * @throws {ThreadError} If this thread does not hold the lock (synchronously).
   * @throws {TypeError} If `predicate` is not a function or `timeout` not a number.
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX`.
   *
   * @example Waiting for a predicate in async code
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * let ready = false;
   * await cond.acquireAsync();
   * setTimeout(() => cond.with(() => { ready = true; cond.notifyAll(); }), 1);
   * assert.equal(await cond.waitForAsync(() => ready), true);
   * cond.release();
   * ```
   */
  async waitForAsync<T>(
    predicate: () => NotThenable<T>,
    timeout?: number | WaitOptions,
    options?: WaitOptions,
  ): Promise<T> {
    const [t, signal] = waitArgs(timeout, options, "Cannot wait on Condition");
    const ms = checkWaitFor(this.#lock, predicate, t);
    refuseAsyncFunction(predicate, WAIT_FOR, "the predicate", PREDICATE_FIX);
    const deadline = deadlineAfter(ms);
    signal?.throwIfAborted();
    let result = syncPredicate(predicate);
    while (!result) {
      const left = remaining(deadline);
      if (left <= 0 && deadline !== Infinity) break;
      await this.waitAsync(left === Infinity ? undefined : left, { signal });
      result = syncPredicate(predicate);
    }
    return result;
  }

  /**
   * Wakes up to `n` of the threads or tasks waiting on this condition, the longest
   * waiting first. Call it holding the lock; the woken take the lock once it is free.
   *
   * @param n How many waiters to wake, an integer (or `Infinity`); 0 or less wakes
   * none, as in CPython (`notify(-1)` wakes nobody).
   * @default {1}
   * @throws {ThreadError} If this thread does not hold the lock.
   * @throws {TypeError} If `n` is not an integer (`notify(1.5)`).
   *
   * @example Notifying with nobody waiting
   * ```ts
   * import { Condition, ThreadError } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * assert.throws(() => cond.notify(), ThreadError);
   * cond.with(() => cond.notify(2));
   * ```
   */
  notify(n?: number): void {
    if (n === undefined) {
      n = 1;
    } else if (typeof n !== "number" || !(Number.isInteger(n) || n === Infinity)) {
      throw new TypeError(
        `Cannot notify Condition: n must be an integer number of waiters, received ${
          describe(n)
        }`,
      );
    }
    const lock = this.#lock;
    lock.check("notify");
    notifyWaiters(this.#i32, n, lock.i32, lock.at);
  }

  /**
   * Wakes every thread and task waiting on this condition. Call it holding the lock.
   *
   * @throws {ThreadError} If this thread does not hold the lock.
   *
   * @example Waking everyone
   * ```ts
   * import { Condition } from "@threading/threading";
   *
   * const cond = new Condition();
   * cond.with(() => cond.notifyAll());
   * ```
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /**
   * Acquires the lock and returns a `Disposable` that releases it: `using _ =
   * cond.hold();` holds it to the end of the block, as Python's `with cond:`.
   *
   * @returns The releasing handle (the same object on every call).
   *
   * @example Holding for a block
   * ```ts
   * import { Condition } from "@threading/threading";
   *
   * const cond = new Condition();
   * {
   *   using _ = cond.hold();
   *   cond.notify();
   * }
   * ```
   */
  hold(): Disposable {
    const lock = this.#lock.lock;
    lock.acquire();
    return this.#holder ??= { [Symbol.dispose]: () => lock.release() };
  }

  /**
   * Runs `fn` holding the lock: acquires, calls, releases in `finally`.
   *
   * @param fn The code to run while the lock is held.
   * @returns What `fn` returns.
   *
   * @example A guarded block
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * assert.equal(cond.with(() => 1), 1);
   * ```
   */
  with<T>(fn: () => NotThenable<T>): T {
    checkBody(fn, "Cannot run Condition.with()");
    checkWithBody(fn, "Condition");
    let promise: unknown;
    const result = this.#lock.lock.with(() => {
      const value = fn();
      if (!isThenable(value)) return value;
      promise = value;
      return undefined as NotThenable<T>;
    }) as T;
    checkWithResult(promise, "Condition");
    return result;
  }

  /**
   * Runs `fn` holding the lock, acquired with `acquireAsync()`; releases it when the
   * promise that `fn` returns settles.
   *
   * @param fn The code to run while the lock is held.
   * @returns A promise of what `fn`'s promise resolves to.
   *
   * @example An async guarded block
   * ```ts
   * import { Condition } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * assert.equal(await cond.withAsync(async () => 2), 2);
   * ```
   */
  withAsync<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      checkBody(fn, "Cannot run Condition.withAsync()");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#lock.lock.withAsync(fn);
  }

  /**
   * A description: `<Condition(<unlocked RLock owner=0 count=0>)>`.
   *
   * @returns The description.
   */
  toString(): string {
    return `<Condition(${this.#lock.lock})>`;
  }

  /** How `console.log` shows the condition. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /**
   * How a condition travels to another thread: its slot, and its lock as a nested
   * traveller (so that the lock keeps its identity). @returns The ticket.
   */
  [kTravel](): Ticket {
    return { kind: "Condition", head: this.#i32, body: this.#lock.lock };
  }

  static {
    internals = {
      words: (c) => c.#i32,
      setLock: (c, lock) => c.#setLock(lock),
    };
  }
}

registerKind("Condition", {
  create(head) {
    revived = head as Int32Array;
    return new Condition();
  },
  fill(object, body) {
    internals.setLock(object as Condition, body as Lock | RLock);
  },
});

/** The shared words of a condition (for tests). Not part of the API. */
export function conditionWords(condition: Condition): Int32Array {
  return internals.words(condition);
}
