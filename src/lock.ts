// Copyright the threading for Deno authors. MIT license.
/**
 * `Lock`: Python's `threading.Lock`, a mutex that any thread may release, shared
 * between threads through a 64-byte slot (one cache line per lock) of a slab of shared
 * memory (see `carve` in `_slab.ts`: creating a lock allocates no
 * SharedArrayBuffer of its own).
 *
 * ## Shared words (`Int32Array` indexes)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `L_STATE` | 0 free, 1 held, 2 held and contended, 3 handed off | the mutex word of `_lock_algorithm.ts` | `acquire` 0->1 (fast) or 1->2, 0->2, 3->2 (slow); a holder that defers a wake 1->2; `release` 1->0 (fast), 2->0 or 2->3 (slow) |
 * | `L_STARVING` | count | waiters that have waited over 1 ms | a waiter, +1 when it starves, -1 when it leaves |
 * | `L_HOLDER` | 0 / ident | the last acquirer (a hint for reports) | the acquirer, after it took the lock |
 * | `L_ID` | 0 / id | the id in reports (see `_waits.ts`) | stamped at creation (`stampId`), or given by the first sleeper |
 * | `W_COUNT`, `W_FIRST`... (words 8-15) | 0 / park + 1 | wakes of `Condition` waiters deferred to the next release (see `_release_wakes.ts`) | a notifying holder records; the releaser performs them in the slow path of `release` |
 *
 * The indexes are relative to the lock's slot. Words 4-7 are padding, so that two
 * locks never share a cache line.
 *
 * @module
 */
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import {
  acquireTimeout,
  checkBody,
  servePending,
  waitArgs,
  type WaitOptions,
} from "./_futex.ts";
export type { WaitOptions } from "./_futex.ts";
import { isIdle, isLocked, lockAsync, lockSlow } from "./_lock_algorithm.ts";
import { unlockWaking } from "./_release_wakes.ts";
import { carve, slab } from "./_slab.ts";
import { ThreadError } from "./errors.ts";
import { checkWithBody, checkWithResult, type NotThenable } from "./_sync_callback.ts";
import { current } from "./_runtime.ts";
import { KIND_LOCK, noteCreation, recordCreation, stampId } from "./_waits.ts";

/** Word: the mutex state word (see the module doc). */
export const L_STATE = 0;
/** Word: waiters that have waited long enough to ask for a hand-off. */
export const L_STARVING = 1;
/**
 * Word: the ident of the last thread that acquired the lock (for the reports of
 * `dumpThreads()` and the deadlock detector; any thread may release a `Lock`, so this
 * is a hint, not an owner). A plain store after the acquiring CAS.
 */
export const L_HOLDER = 2;
/** Word: the lock's id in reports, stamped at creation (see `stampId` in `_waits.ts`). */
export const L_ID = 3;
/** Bytes of a lock's slot: one cache line. */
export const LOCK_BYTES = 64;

let revived: Int32Array | undefined;
let wordsOf: (lock: Lock) => Int32Array;
let memoryOf: (lock: Lock) => Int32Array;
let slotOf: (lock: Lock) => number;

/**
 * A primitive lock, as Python's `threading.Lock`: not owned by a thread, so any thread
 * may release it. It is shared: sent to another thread (as a thread argument, or inside
 * an object that travels), it arrives as the same lock.
 *
 * Ordering contract: a `release()` happens before the `acquire()` it lets through, so
 * what the holder wrote to shared memory is visible to the next holder.
 *
 * Fairness: a thread that releases the lock may take it again ahead of the waiters
 * (barging, for throughput), but a waiter that has waited for more than 1 ms is handed
 * the lock at the next release, so no waiter starves behind a thread that hammers it.
 *
 * @example Guarding a block
 * ```ts
 * import { Lock } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * {
 *   using _ = lock.hold();
 *   assert.equal(lock.locked(), true);
 * }
 * assert.equal(lock.locked(), false);
 * assert.equal(lock.with(() => 42), 42);
 * ```
 */
export class Lock {
  /** The memory that holds the lock's slot (a slab, or the slot alone once revived). */
  #i32: Int32Array;
  /** The index in `#i32` of the slot's first word, `L_STATE` (`L_STATE` is 0). */
  #at: number;
  #holder: Disposable | undefined;

  /**
   * Creates an unlocked lock.
   *
   * @example Creating a lock
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Lock().locked(), false);
   * ```
   */
  constructor() {
    const slot = revived;
    if (slot !== undefined) {
      revived = undefined;
      this.#i32 = slot;
      this.#at = 0;
    } else {
      this.#at = carve(LOCK_BYTES);
      this.#i32 = slab;
      stampId(KIND_LOCK, slab, this.#at);
      if (recordCreation) noteCreation(KIND_LOCK, slab, this.#at);
    }
  }

  /**
   * Acquires the lock, blocking (on any thread, the main thread included) until it is
   * free, unless told otherwise.
   *
   * @param blocking Whether to wait for the lock (`false` or `0`: one attempt).
   * @default {true}
   * @param timeout Longest wait in milliseconds; `-1` means no limit.
   * @default {-1}
   * @returns Whether the lock was acquired.
   * @throws {RangeError} If `timeout` is negative but not `-1`, over `TIMEOUT_MAX`, or
   * given with `blocking = false`.
   * @throws {TypeError} If `blocking` is not a boolean or `timeout` not a number.
   *
   * @example Trying without waiting
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(lock.acquire(), true);
   * assert.equal(lock.acquire(false), false);
   * assert.equal(lock.acquire(true, 10), false);
   * lock.release();
   * ```
   */
  acquire(blocking?: boolean | number, timeout?: number): boolean {
    if (
      blocking === undefined && timeout === undefined &&
      Atomics.compareExchange(this.#i32, this.#at, 0, 1) === 0
    ) {
      this.#i32[this.#at + L_HOLDER] = current.ident;
      return true;
    }
    return this.#acquireSlow(acquireTimeout(blocking, timeout, "Cannot acquire Lock"));
  }

  #acquireSlow(ms: number): boolean {
    if (!lockSlow(this.#i32, this.#at, ms, KIND_LOCK)) {
      servePending(); // `while (!lock.acquire(false)) {}` serves threads' starts
      return false;
    }
    this.#i32[this.#at + L_HOLDER] = current.ident;
    return true;
  }

  /**
   * Acquires the lock without blocking the event loop: the `...Async` twin of
   * {@linkcode Lock.prototype.acquire}, with the same arguments.
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
   * @throws {RangeError} As `acquire()` (synchronously).
   * @throws {TypeError} As `acquire()`, or if `options.signal` is not an
   * `AbortSignal` (synchronously).
   *
   * @example Waiting in async code
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(await lock.acquireAsync(), true);
   * assert.equal(await lock.acquireAsync(true, 5), false);
   * lock.release();
   * ```
   */
  acquireAsync(
    blocking?: boolean | number | WaitOptions,
    timeout?: number,
    options?: WaitOptions,
  ): Promise<boolean> {
    const [b, signal] = waitArgs(blocking, options, "Cannot acquire Lock");
    const ms = b === undefined && timeout === undefined
      ? Infinity
      : acquireTimeout(b, timeout, "Cannot acquire Lock");
    if (signal?.aborted) return Promise.reject(signal.reason);
    const me = current.ident;
    return lockAsync(this.#i32, this.#at, ms, signal).then((taken) => {
      if (taken) this.#i32[this.#at + L_HOLDER] = me;
      else if (signal?.aborted) throw signal.reason;
      return taken;
    });
  }

  /**
   * Releases the lock. Any thread may release it, not only the one that acquired it.
   *
   * @throws {ThreadError} If the lock is not locked.
   *
   * @example Releasing
   * ```ts
   * import { Lock, ThreadError } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * lock.acquire();
   * lock.release();
   * assert.throws(() => lock.release(), ThreadError);
   * ```
   */
  release(): void {
    if (
      Atomics.compareExchange(this.#i32, this.#at, 1, 0) !== 1 &&
      !unlockWaking(this.#i32, this.#at)
    ) {
      throw new ThreadError("Cannot release Lock: it is not locked");
    }
  }

  /**
   * Whether some thread holds the lock.
   *
   * @returns `true` if the lock is held.
   *
   * @example Asking
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * lock.acquire();
   * assert.equal(lock.locked(), true);
   * ```
   */
  locked(): boolean {
    servePending(); // a polling loop on the main thread serves threads' starts
    return isLocked(this.#i32, this.#at);
  }

  /**
   * Acquires the lock and returns a `Disposable` that releases it: `using _ =
   * lock.hold();` holds the lock to the end of the block, as Python's `with lock:`.
   *
   * @returns The releasing handle (the same object on every call).
   *
   * @example Holding for a block
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * {
   *   using _ = lock.hold();
   *   assert.equal(lock.locked(), true);
   * }
   * assert.equal(lock.locked(), false);
   * ```
   */
  hold(): Disposable {
    this.acquire();
    return this.#holder ??= { [Symbol.dispose]: () => this.release() };
  }

  /**
   * Runs `fn` holding the lock: acquires, calls, releases in `finally`.
   *
   * @param fn The code to run while the lock is held.
   * @returns What `fn` returns.
   *
   * @example A critical section
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(lock.with(() => lock.locked()), true);
   * assert.equal(lock.locked(), false);
   * ```
   */
  with<T>(fn: () => NotThenable<T>): T {
    checkBody(fn, "Cannot run Lock.with()");
    checkWithBody(fn, "Lock");
    this.acquire();
    let result: T;
    try {
      result = fn() as T;
    } finally {
      this.release();
    }
    checkWithResult(result, "Lock");
    return result;
  }

  /**
   * Runs `fn` holding the lock, acquired with `acquireAsync()`; releases it when the
   * promise that `fn` returns settles.
   *
   * @param fn The code to run while the lock is held.
   * @returns A promise of what `fn`'s promise resolves to.
   *
   * @example An async critical section
   * ```ts
   * import { Lock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(await lock.withAsync(async () => lock.locked()), true);
   * assert.equal(lock.locked(), false);
   * ```
   */
  async withAsync<T>(fn: () => T | Promise<T>): Promise<T> {
    checkBody(fn, "Cannot run Lock.withAsync()");
    await this.acquireAsync();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Python's repr of a lock: `<unlocked Lock>` or `<locked Lock>`.
   *
   * @returns The description.
   */
  toString(): string {
    return `<${this.locked() ? "locked" : "unlocked"} Lock>`;
  }

  /** How `console.log` shows a lock. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /**
   * How a lock travels to another thread: a view of its slot.
   *
   * @returns The ticket.
   */
  [kTravel](): Ticket {
    return { kind: "Lock", head: wordsOf(this) };
  }

  static {
    memoryOf = (lock) => lock.#i32;
    slotOf = (lock) => lock.#at;
    wordsOf = (lock) => {
      const i32 = lock.#i32;
      return lock.#at === 0 && i32.length === LOCK_BYTES >> 2
        ? i32
        : new Int32Array(i32.buffer, i32.byteOffset + (lock.#at << 2), LOCK_BYTES >> 2);
    };
  }
}

registerKind("Lock", {
  create(head) {
    revived = head as Int32Array;
    return new Lock();
  },
});

/**
 * The shared words of a lock: a view of its slot, indexed by `L_STATE`, `L_STARVING`
 * (for tests). Not part of the API.
 */
export function lockWords(lock: Lock): Int32Array {
  return wordsOf(lock);
}

/**
 * The memory that holds a lock's slot, and the index there of its first word (for
 * `Condition`, which records wakes in the slot, see `_release_wakes.ts`).
 */
export function lockSlot(lock: Lock): [Int32Array, number] {
  return [memoryOf(lock), slotOf(lock)];
}

/** Whether a lock's words are back to idle (for tests). Not part of the API. */
export function lockIsIdle(lock: Lock): boolean {
  return isIdle(wordsOf(lock), L_STATE);
}
