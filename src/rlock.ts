// Copyright the threading for Deno authors. MIT license.
/**
 * `RLock`: Python's `threading.RLock`, a reentrant lock owned by a thread: the owner's
 * ident and a recursion count over the mutex algorithm of `_lock_algorithm.ts`, in a
 * 64-byte slot (one cache line per lock) of a slab of shared memory (see `carve` in
 * `_slab.ts`: creating a lock allocates no SharedArrayBuffer of its own).
 *
 * ## Shared words (`Int32Array` indexes, relative to the lock's slot)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `R_STATE` | 0 free, 1 held, 2 held and contended, 3 handed off | the mutex word | as `Lock`'s `L_STATE` |
 * | `R_STARVING` | count | waiters that have waited over 1 ms | a waiter |
 * | `R_OWNER` | 0 / ident | the owning thread's ident, 0 when free | the owner: set after taking the mutex, cleared before freeing it |
 * | `R_COUNT` | >= 0 | recursion depth | the owner only (plain reads and writes, ordered by the mutex) |
 * | `R_ID` | 0 / id | the id in reports (see `_waits.ts`) | stamped at creation (`stampId`), or given by the first sleeper |
 * | `W_COUNT`, `W_FIRST`... (words 8-15) | 0 / park + 1 | wakes of `Condition` waiters deferred to the release that frees the lock (see `_release_wakes.ts`) | a notifying owner records; the freeing release performs them |
 *
 * ## An owner that dies (robust, as POSIX's `EOWNERDEAD`)
 *
 * A thread that ends while it owns the lock leaves its ident in `R_OWNER` and the mutex
 * held. The next thread that wants the lock sees an owner that is not alive (at its
 * first attempt, after a timeout, or at a heartbeat of its wait, see `_waits.ts`:
 * within {@linkcode BEAT_MS} ms), moves `R_OWNER` from the dead ident to its own with a
 * compare-and-swap (one winner), sets the count to 1 and throws `OwnerDiedError`,
 * holding the lock. The mutex word itself never changes hands: it stays held.
 *
 * A thread sees `R_OWNER` equal to its own ident only if it owns the lock (it is the
 * only writer of its ident there), so the reentrant check needs no mutex.
 *
 * @module
 */
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import {
  acquireTimeout,
  checkBody,
  deadlineAfter,
  remaining,
  servePending,
  waitArgs,
  type WaitOptions,
} from "./_futex.ts";
import { isIdle, isLocked, lockAsync, lockSlow } from "./_lock_algorithm.ts";
import { unlockWaking } from "./_release_wakes.ts";
import { carve, slab } from "./_slab.ts";
import { track, untrack } from "./_reclaim.ts";
import { current } from "./_runtime.ts";
import { OwnerDiedError, ThreadError } from "./errors.ts";
import { checkWithBody, checkWithResult, type NotThenable } from "./_sync_callback.ts";
import {
  BEAT_MS,
  identAlive,
  KIND_RLOCK,
  noteCreation,
  recordCreation,
  stampId,
  takeOwnerDied,
} from "./_waits.ts";

/** Word: the mutex state word. */
export const R_STATE = 0;
/** Word: waiters that have waited long enough to ask for a hand-off. */
export const R_STARVING = 1;
/** Word: the owner's thread ident, 0 when free. */
export const R_OWNER = 2;
/** Word: the recursion count. */
export const R_COUNT = 3;
/** Word: the lock's id in reports, stamped at creation (see `stampId` in `_waits.ts`). */
export const R_ID = 4;
/** Bytes of an RLock's slot: one cache line. */
export const RLOCK_BYTES = 64;

let revived: Int32Array | undefined;
/** The memory that holds a lock's slot, and the index there of its first word. */
let memoryOf: (lock: RLock) => Int32Array;
let slotOf: (lock: RLock) => number;

/** The words of `lock` are `i32[at + R_...]` (`R_STATE` is 0: the mutex is at `at`). */
function take(i32: Int32Array, at: number, me: number): boolean {
  Atomics.store(i32, at + R_OWNER, me);
  i32[at + R_COUNT] = 1;
  return true;
}

/**
 * Takes the lock over from a dead owner, if its owner is dead: then `me` owns it with
 * `count` and `OwnerDiedError` is thrown.
 */
function takeOverIfDead(i32: Int32Array, at: number, me: number, count = 1): void {
  const owner = Atomics.load(i32, at + R_OWNER);
  if (owner === 0 || owner === me || identAlive(owner)) return;
  if (Atomics.compareExchange(i32, at + R_OWNER, owner, me) !== owner) return;
  i32[at + R_COUNT] = count;
  throw new OwnerDiedError(
    `Cannot acquire RLock cleanly: its owner (thread ident ${owner}) ended while holding it; this thread holds it now: make what it guards consistent, then release() it`,
  );
}

/**
 * Takes the mutex for `me`, blocking for at most `ms` milliseconds; takes it over
 * from a dead owner (and throws `OwnerDiedError`) when it finds one.
 */
function acquireOwned(i32: Int32Array, at: number, me: number, ms: number): boolean {
  const deadline = deadlineAfter(ms);
  for (;;) {
    takeOverIfDead(i32, at, me);
    if (lockSlow(i32, at, remaining(deadline), KIND_RLOCK)) {
      take(i32, at, me);
      tookSlow(i32, at);
      return true;
    }
    if (takeOwnerDied() === 0) {
      // Timed out (or not blocking): one last look at the owner.
      takeOverIfDead(i32, at, me);
      return false;
    }
  }
}

/**
 * Async waits of this thread for an RLock's mutex now pending ({@linkcode
 * acquireOwnedAsync}). While there are any, a slow-path take by this thread wakes the
 * lock's waiters, so that those of this thread see it owned and reenter at once (a take
 * by the one-CAS fast path of `acquire()` is seen at the next slice, within
 * {@linkcode BEAT_MS} ms).
 */
let asyncWaiting = 0;

/** After this thread took the mutex at `i32[at]` in a slow path. */
function tookSlow(i32: Int32Array, at: number): void {
  if (asyncWaiting > 0) Atomics.notify(i32, at);
}

/**
 * {@linkcode acquireOwned} without blocking the event loop, for `count` levels.
 * Ownership is per thread: if this thread owns the lock, at the call or at any moment
 * of the wait (another async task of this thread took it), the waiter reenters, adding
 * `count` levels. The wait ends without the lock once `signal` aborts.
 */
async function acquireOwnedAsync(
  i32: Int32Array,
  at: number,
  me: number,
  ms: number,
  count = 1,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = deadlineAfter(ms);
  const owned = () => Atomics.load(i32, at + R_OWNER) === me;
  for (;;) {
    if (owned()) {
      i32[at + R_COUNT] += count;
      return true;
    }
    takeOverIfDead(i32, at, me, count);
    let taken: boolean;
    asyncWaiting++;
    // A wait pending when its thread ends never resumes: the count must not keep it.
    const undo = track(() => asyncWaiting--);
    try {
      // In slices: an async wait has no heartbeat to check the owner.
      taken = await lockAsync(
        i32,
        at,
        Math.min(remaining(deadline), BEAT_MS),
        signal,
        owned,
      );
    } finally {
      untrack(undo);
      asyncWaiting--;
    }
    if (taken) {
      Atomics.store(i32, at + R_OWNER, me);
      i32[at + R_COUNT] = count;
      tookSlow(i32, at);
      return true;
    }
    if (owned()) continue;
    if (signal?.aborted) return false;
    if (remaining(deadline) <= 0) {
      takeOverIfDead(i32, at, me, count);
      return false;
    }
  }
}

/** Releases the lock after `acquire` threw `OwnerDiedError`, then rethrows. */
function releaseIfOwnerDied(lock: RLock, error: unknown): never {
  if (error instanceof OwnerDiedError) lock.release();
  throw error;
}

/**
 * A reentrant lock, as Python's `threading.RLock`: the thread that holds it may
 * acquire it again, and must release it as many times; only the owner may release it.
 * Ownership is by thread ident, so it holds across every thread it is sent to.
 *
 * Ordering contract: the `release()` that frees the lock happens before the
 * `acquire()` it lets through, so what the owner wrote is visible to the next owner.
 *
 * Fairness: as `Lock` (barging, with a hand-off to a waiter that has waited over 1 ms).
 *
 * @example Acquiring twice in one thread
 * ```ts
 * import { RLock } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lock = new RLock();
 * assert.equal(lock.acquire(), true);
 * assert.equal(lock.acquire(false), true);
 * lock.release();
 * lock.release();
 * assert.equal(lock.locked(), false);
 * ```
 */
export class RLock {
  /** The memory that holds the lock's slot (a slab, or the slot alone once revived). */
  #i32: Int32Array;
  /** The index in `#i32` of the slot's first word, `R_STATE` (`R_STATE` is 0). */
  #at: number;
  #holder: Disposable | undefined;

  /**
   * Creates an unlocked reentrant lock.
   *
   * @example Creating a reentrant lock
   * ```ts
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RLock().locked(), false);
   * ```
   */
  constructor() {
    const slot = revived;
    if (slot !== undefined) {
      revived = undefined;
      this.#i32 = slot;
      this.#at = 0;
    } else {
      this.#at = carve(RLOCK_BYTES);
      this.#i32 = slab;
      stampId(KIND_RLOCK, slab, this.#at);
      if (recordCreation) noteCreation(KIND_RLOCK, slab, this.#at);
    }
  }

  /**
   * Acquires the lock: at once (counting one level more) if this thread owns it,
   * otherwise blocking (on any thread, the main thread included) until it is free,
   * unless told otherwise.
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
   * @example Reentering
   * ```ts
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * lock.acquire();
   * assert.equal(lock.acquire(true, 10), true);
   * lock.release();
   * lock.release();
   * ```
   */
  acquire(blocking?: boolean | number, timeout?: number): boolean {
    const i32 = this.#i32, at = this.#at;
    if (
      blocking === undefined && timeout === undefined &&
      Atomics.compareExchange(i32, at, 0, 1) === 0
    ) {
      return take(i32, at, current.ident);
    }
    return this.#acquireSlow(blocking, timeout);
  }

  #acquireSlow(
    blocking: boolean | number | undefined,
    timeout: number | undefined,
  ): boolean {
    const i32 = this.#i32, at = this.#at;
    const me = current.ident;
    const ms = blocking === undefined && timeout === undefined
      ? Infinity
      : acquireTimeout(blocking, timeout, "Cannot acquire RLock");
    if (Atomics.load(i32, at + R_OWNER) === me) {
      i32[at + R_COUNT]++;
      return true;
    }
    if (acquireOwned(i32, at, me, ms)) return true;
    servePending(); // `while (!lock.acquire(false)) {}` serves threads' starts
    return false;
  }

  /**
   * Acquires the lock without blocking the event loop: the `...Async` twin of
   * {@linkcode RLock.prototype.acquire}, with the same arguments. Ownership is per
   * thread, not per async task: every task of the owning thread reenters at once, also
   * one already waiting when another task of the thread takes the lock.
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
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * assert.equal(await lock.acquireAsync(), true);
   * lock.release();
   * ```
   */
  acquireAsync(
    blocking?: boolean | number | WaitOptions,
    timeout?: number,
    options?: WaitOptions,
  ): Promise<boolean> {
    const [b, signal] = waitArgs(blocking, options, "Cannot acquire RLock");
    const i32 = this.#i32, at = this.#at;
    const me = current.ident;
    const ms = b === undefined && timeout === undefined
      ? Infinity
      : acquireTimeout(b, timeout, "Cannot acquire RLock");
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (Atomics.load(i32, at + R_OWNER) === me) {
      i32[at + R_COUNT]++;
      return Promise.resolve(true);
    }
    // A thread's pending wait never resumes after the thread ended (`_reclaim.ts`):
    // `me` is still the current thread.
    return acquireOwnedAsync(i32, at, me, ms, 1, signal).then((taken) => {
      if (!taken && signal?.aborted) throw signal.reason;
      return taken;
    });
  }

  /**
   * Releases one level of the lock; the lock is free again when the count reaches 0.
   *
   * @throws {ThreadError} If this thread does not own the lock.
   *
   * @example Releasing a lock held by nobody
   * ```ts
   * import { RLock, ThreadError } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new RLock().release(), ThreadError);
   * ```
   */
  release(): void {
    const i32 = this.#i32, at = this.#at;
    const owner = Atomics.load(i32, at + R_OWNER);
    if (owner === 0 || owner !== current.ident) {
      throw new ThreadError(
        isLocked(i32, at)
          ? "Cannot release RLock: it is held by another thread; only its owner may release it"
          : "Cannot release RLock: it is not locked",
      );
    }
    if (--i32[at + R_COUNT] === 0) {
      Atomics.store(i32, at + R_OWNER, 0);
      if (Atomics.compareExchange(i32, at, 1, 0) !== 1) unlockWaking(i32, at);
    }
  }

  /**
   * Whether some thread holds the lock.
   *
   * @returns `true` if the lock is held.
   *
   * @example Asking
   * ```ts
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * lock.acquire();
   * assert.equal(lock.locked(), true);
   * lock.release();
   * ```
   */
  locked(): boolean {
    servePending(); // a polling loop on the main thread serves threads' starts
    return isLocked(this.#i32, this.#at);
  }

  /**
   * Acquires the lock and returns a `Disposable` that releases one level: `using _ =
   * lock.hold();` holds it to the end of the block, as Python's `with lock:`.
   *
   * @returns The releasing handle (the same object on every call).
   *
   * @example Holding for a block
   * ```ts
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * {
   *   using _ = lock.hold();
   *   using _again = lock.hold();
   *   assert.equal(lock.locked(), true);
   * }
   * assert.equal(lock.locked(), false);
   * ```
   */
  hold(): Disposable {
    try {
      this.acquire();
    } catch (error) {
      releaseIfOwnerDied(this, error);
    }
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
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * assert.equal(lock.with(() => lock.with(() => 7)), 7);
   * assert.equal(lock.locked(), false);
   * ```
   */
  with<T>(fn: () => NotThenable<T>): T {
    checkBody(fn, "Cannot run RLock.with()");
    checkWithBody(fn, "RLock");
    try {
      this.acquire();
    } catch (error) {
      releaseIfOwnerDied(this, error);
    }
    let result: T;
    try {
      result = fn() as T;
    } finally {
      this.release();
    }
    checkWithResult(result, "RLock");
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
   * import { RLock } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * assert.equal(await lock.withAsync(async () => 5), 5);
   * assert.equal(lock.locked(), false);
   * ```
   */
  async withAsync<T>(fn: () => T | Promise<T>): Promise<T> {
    checkBody(fn, "Cannot run RLock.withAsync()");
    try {
      await this.acquireAsync();
    } catch (error) {
      releaseIfOwnerDied(this, error);
    }
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Python's repr: `<locked RLock owner=1 count=2>`.
   *
   * @returns The description.
   */
  toString(): string {
    const i32 = this.#i32, at = this.#at;
    const owner = Atomics.load(i32, at + R_OWNER);
    return `<${this.locked() ? "locked" : "unlocked"} RLock owner=${owner} count=${
      owner === current.ident ? i32[at + R_COUNT] : owner === 0 ? 0 : "?"
    }>`;
  }

  /** How `console.log` shows the lock. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /**
   * How an RLock travels to another thread: a view of its slot.
   *
   * @returns The ticket.
   */
  [kTravel](): Ticket {
    return { kind: "RLock", head: rlockWords(this) };
  }

  static {
    memoryOf = (lock) => lock.#i32;
    slotOf = (lock) => lock.#at;
  }
}

registerKind("RLock", {
  create(head) {
    revived = head as Int32Array;
    return new RLock();
  },
});

/**
 * The shared words of an RLock: a view of its slot, indexed by `R_STATE` ... `R_COUNT`
 * (for tests). Not part of the API.
 */
export function rlockWords(lock: RLock): Int32Array {
  const i32 = memoryOf(lock), at = slotOf(lock);
  return at === 0 && i32.length === RLOCK_BYTES >> 2
    ? i32
    : new Int32Array(i32.buffer, i32.byteOffset + (at << 2), RLOCK_BYTES >> 2);
}

/** Whether an RLock's words are back to idle (for tests). Not part of the API. */
export function rlockIsIdle(lock: RLock): boolean {
  const i32 = rlockWords(lock);
  return isIdle(i32, R_STATE) && Atomics.load(i32, R_OWNER) === 0 && i32[R_COUNT] === 0;
}

/**
 * The memory that holds an RLock's slot, and the index there of its first word (for
 * `Condition`, which records wakes in the slot, see `_release_wakes.ts`).
 */
export function rlockSlot(lock: RLock): [Int32Array, number] {
  return [memoryOf(lock), slotOf(lock)];
}

/** Whether this thread owns `lock`. For `Condition`. */
export function rlockIsOwned(lock: RLock): boolean {
  const owner = Atomics.load(memoryOf(lock), slotOf(lock) + R_OWNER);
  return owner !== 0 && owner === current.ident;
}

/** Releases `lock` completely, returning its recursion count. For `Condition.wait`. */
export function rlockReleaseSave(lock: RLock): number {
  const i32 = memoryOf(lock), at = slotOf(lock);
  const count = i32[at + R_COUNT];
  i32[at + R_COUNT] = 0;
  Atomics.store(i32, at + R_OWNER, 0);
  if (Atomics.compareExchange(i32, at, 1, 0) !== 1) unlockWaking(i32, at);
  return count;
}

/** Takes `lock` again with a saved recursion count (blocking). For `Condition.wait`. */
export function rlockAcquireRestore(lock: RLock, count: number): void {
  const i32 = memoryOf(lock), at = slotOf(lock);
  const me = current.ident;
  if (Atomics.compareExchange(i32, at, 0, 1) === 0) {
    Atomics.store(i32, at + R_OWNER, me);
    i32[at + R_COUNT] = count;
    tookSlow(i32, at);
    return;
  }
  try {
    acquireOwned(i32, at, me, Infinity);
  } catch (error) {
    // Taken over from a dead owner: restore the caller's count before it learns so.
    if (error instanceof OwnerDiedError) i32[at + R_COUNT] = count;
    throw error;
  }
  i32[at + R_COUNT] = count;
}

/**
 * Takes `lock` again with a saved recursion count. For `Condition.waitAsync`: if another
 * async task of this thread holds the lock meanwhile, the waiter reenters (the count
 * adds), as `acquireAsync()` does.
 */
export async function rlockAcquireRestoreAsync(
  lock: RLock,
  count: number,
): Promise<void> {
  const i32 = memoryOf(lock), at = slotOf(lock);
  const me = current.ident;
  await acquireOwnedAsync(i32, at, me, Infinity, count);
}
