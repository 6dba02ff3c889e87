// Copyright the threading for Deno authors. MIT license.
/**
 * `Semaphore` and `BoundedSemaphore`: Python's counting semaphores, shared between
 * threads through a 64-byte slot of a slab of shared memory (see `carve` in
 * `_slab.ts`: creating one allocates no SharedArrayBuffer of its own).
 *
 * ## Shared words (`Int32Array` indexes, in a view of the semaphore's slot)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `SEM_VALUE` | >= 0 | permits free now | `acquire` v->v-1 (CAS, only when v > 0); `release(n)` v->v+n (CAS) |
 * | `SEM_WAITERS` | >= 0 | threads and tasks that sleep on `SEM_VALUE` | a waiter, +1 before it sleeps, -1 after |
 * | `SEM_BOUND` | -1 / initial value | -1: unbounded; else the bound of a `BoundedSemaphore` | the constructor only |
 * | `SEM_ID` | 0 / id | the id in reports (see `_waits.ts`) | stamped at creation (`stampId`), or given by the first sleeper |
 *
 * A waiter sleeps on `SEM_VALUE` while it reads 0. `release` adds to the value first and
 * then reads `SEM_WAITERS`, and calls `Atomics.notify` only if it is above 0; a waiter
 * adds itself to `SEM_WAITERS` first and then sleeps only while the value is 0. Both
 * steps are sequentially consistent, so either the releaser sees the waiter or the
 * waiter sees the new value: no lost wakeup, and no notify when nobody waits.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { carveView } from "./_slab.ts";
import { checkWithBody, checkWithResult, type NotThenable } from "./_sync_callback.ts";
import { KIND_SEMAPHORE, noteCreation, recordCreation, stampId } from "./_waits.ts";
import {
  acquireTimeout,
  checkBody,
  deadlineAfter,
  describe,
  remaining,
  servePending,
  waitArgs,
  waitAsyncCounted,
  type WaitOptions,
  waitRecorded,
} from "./_futex.ts";

/** Word: the number of free permits. */
export const SEM_VALUE = 0;
/** Word: the number of waiters sleeping on `SEM_VALUE`. */
export const SEM_WAITERS = 1;
/** Word: the bound of a `BoundedSemaphore`, or -1. */
export const SEM_BOUND = 2;
/** Word: the semaphore's id in reports, stamped at creation (see `stampId` in `_waits.ts`). */
export const SEM_ID = 3;
/** Bytes of a semaphore's slot: one cache line. */
export const SEMAPHORE_BYTES = 64;
const INT32_MAX = 0x7fff_ffff;

let revived: Int32Array | undefined;
let wordsOf: (semaphore: Semaphore) => Int32Array;

function checkValue(value: unknown, what: string): number {
  if (value === undefined) return 1;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create ${what}: value must be a non-negative integer, received ${
        describe(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw new RangeError(
      `Cannot create ${what}: value must be a non-negative integer up to ${INT32_MAX}, received ${value}`,
    );
  }
  return value;
}

function trySub(i32: Int32Array): boolean {
  for (;;) {
    const v = Atomics.load(i32, SEM_VALUE);
    if (v <= 0) return false;
    if (Atomics.compareExchange(i32, SEM_VALUE, v, v - 1) === v) return true;
  }
}

function acquireSlow(i32: Int32Array, timeout: number): boolean {
  if (trySub(i32)) return true;
  if (timeout === 0) return false;
  const deadline = deadlineAfter(timeout);
  for (;;) {
    const left = remaining(deadline);
    if (left <= 0) return false;
    waitRecorded(KIND_SEMAPHORE, i32, 0, i32, SEM_VALUE, 0, left, SEM_WAITERS);
    if (trySub(i32)) return true;
  }
}

async function acquireAsyncSlow(
  i32: Int32Array,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const deadline = deadlineAfter(timeout);
  for (;;) {
    const left = remaining(deadline);
    if (left <= 0) return false;
    Atomics.add(i32, SEM_WAITERS, 1);
    const r = await waitAsyncCounted(i32, SEM_VALUE, 0, left, SEM_WAITERS, signal);
    // Aborted: no permit is taken after the abort.
    if (r === "aborted") throw signal!.reason;
    if (trySub(i32)) return true;
  }
}

/**
 * The wait of `acquire(blocking, timeout)` in milliseconds (`0`: one attempt,
 * `Infinity`: no limit), by CPython 3.11's `Semaphore.acquire`: `timeout` `undefined`
 * or `null` (None) is no limit; a negative number is no error but one attempt (its
 * `Condition.wait(timeout)` of a negative time returns at once, then the loop sees the
 * time over); any timeout with `blocking = false` is refused ("can't specify timeout
 * for non-blocking acquire"). Otherwise as `Lock` (`acquireTimeout`), which refuses a
 * negative timeout other than -1, as CPython's `Lock.acquire` does.
 *
 * @throws {TypeError} If `blocking` is not a boolean or `timeout` not a number.
 * @throws {RangeError} If the timeout is NaN, over `TIMEOUT_MAX`, or given with
 * `blocking = false`.
 */
function semaphoreTimeout(
  blocking: boolean | number | undefined,
  timeout: number | null | undefined,
  action: string,
): number {
  if (timeout === undefined || timeout === null) {
    return acquireTimeout(blocking, undefined, action);
  }
  if (typeof timeout === "number" && timeout < 0) {
    if (acquireTimeout(blocking, undefined, action) === 0) {
      throw new RangeError(
        `${action}: cannot specify a timeout for a non-blocking call, received ${timeout}`,
      );
    }
    return 0;
  }
  return acquireTimeout(blocking, timeout, action);
}

/**
 * A counting semaphore, as Python's `threading.Semaphore`: `acquire()` takes one of
 * the permits, waiting while there is none; `release(n)` gives `n` back. It is shared:
 * sent to another thread, it arrives as the same semaphore.
 *
 * Ordering contract: a `release()` happens before the `acquire()` that takes the
 * permit it gave back.
 *
 * Fairness: none promised, as in Python: a waiter woken by a release competes with
 * newcomers for the permit.
 *
 * @example Limiting concurrent access
 * ```ts
 * import { Semaphore } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const slots = new Semaphore(2);
 * assert.equal(slots.acquire(), true);
 * assert.equal(slots.acquire(), true);
 * assert.equal(slots.acquire(false), false);
 * slots.release(2);
 * ```
 */
export class Semaphore {
  #i32: Int32Array;
  #holder: Disposable | undefined;

  /**
   * Creates a semaphore with `value` permits.
   *
   * @param value The initial number of permits.
   * @default {1}
   * @throws {RangeError} If `value` is negative, not an integer, or over 2³¹-1.
   * @throws {TypeError} If `value` is not a number.
   *
   * @example Refusing a negative value
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Semaphore(-1), RangeError);
   * ```
   */
  constructor(value?: number) {
    const slot = revived;
    revived = undefined;
    if (slot !== undefined) {
      this.#i32 = slot;
      return;
    }
    const bounded = new.target === BoundedSemaphore;
    const initial = checkValue(value, bounded ? "BoundedSemaphore" : "Semaphore");
    this.#i32 = carveView(SEMAPHORE_BYTES);
    stampId(KIND_SEMAPHORE, this.#i32, 0);
    if (recordCreation) noteCreation(KIND_SEMAPHORE, this.#i32, 0);
    this.#i32[SEM_VALUE] = initial;
    this.#i32[SEM_BOUND] = bounded ? initial : -1;
  }

  /**
   * Takes a permit, blocking (on any thread, the main thread included) while there is
   * none, unless told otherwise.
   *
   * @param blocking Whether to wait for a permit (`false` or `0`: one attempt).
   * @default {true}
   * @param timeout Longest wait in milliseconds; `undefined` or `null`: no limit; a
   * negative number: one attempt, as in CPython's `Semaphore.acquire` (which, unlike
   * `Lock.acquire`, raises nothing for it).
   * @default {undefined}
   * @returns Whether a permit was taken.
   * @throws {RangeError} If `timeout` is NaN, over `TIMEOUT_MAX`, or given with
   * `blocking = false` (CPython: ValueError).
   * @throws {TypeError} If `blocking` is not a boolean or `timeout` not a number.
   *
   * @example Timing out
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const s = new Semaphore(0);
   * assert.equal(s.acquire(true, 5), false);
   * ```
   */
  acquire(blocking?: boolean | number, timeout?: number | null): boolean {
    const i32 = this.#i32;
    if (blocking === undefined && timeout === undefined) {
      const v = Atomics.load(i32, SEM_VALUE);
      if (v > 0 && Atomics.compareExchange(i32, SEM_VALUE, v, v - 1) === v) return true;
      return acquireSlow(i32, Infinity);
    }
    if (
      acquireSlow(
        i32,
        semaphoreTimeout(blocking, timeout, `Cannot acquire ${this.#kind()}`),
      )
    ) {
      return true;
    }
    servePending(); // `while (!sem.acquire(false)) {}` serves threads' starts
    return false;
  }

  /**
   * Takes a permit without blocking the event loop: the `...Async` twin of
   * {@linkcode Semaphore.prototype.acquire}, with the same arguments.
   *
   * @param blocking Whether to wait for a permit, or the options in place of both
   * arguments (`acquireAsync({ signal })`).
   * @default {true}
   * @param timeout Longest wait in milliseconds; `undefined` or `null`: no limit; a
   * negative number: one attempt.
   * @default {undefined}
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}).
   * @returns A promise of whether a permit was taken; it rejects with `signal.reason`
   * if the signal aborts first (no permit is then taken).
   * @throws {RangeError} As `acquire()` (synchronously).
   * @throws {TypeError} As `acquire()`, or if `options.signal` is not an
   * `AbortSignal` (synchronously).
   *
   * @example Waiting in async code
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const s = new Semaphore(0);
   * const taken = s.acquireAsync();
   * s.release();
   * assert.equal(await taken, true);
   * ```
   */
  acquireAsync(
    blocking?: boolean | number | WaitOptions,
    timeout?: number | null,
    options?: WaitOptions,
  ): Promise<boolean> {
    const [b, signal] = waitArgs(blocking, options, `Cannot acquire ${this.#kind()}`);
    const ms = b === undefined && timeout === undefined
      ? Infinity
      : semaphoreTimeout(b, timeout, `Cannot acquire ${this.#kind()}`);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (trySub(this.#i32)) return Promise.resolve(true);
    if (ms === 0) return Promise.resolve(false);
    return acquireAsyncSlow(this.#i32, ms, signal);
  }

  /**
   * Gives `n` permits back, waking up to `n` waiters.
   *
   * @param n How many permits to give back.
   * @default {1}
   * @throws {RangeError} If `n` is not a positive integer, if the value would pass
   * 2³¹-1, or, for a `BoundedSemaphore`, if the value would pass its initial value.
   * @throws {TypeError} If `n` is not a number.
   *
   * @example Releasing several permits
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const s = new Semaphore(0);
   * s.release(2);
   * assert.equal(s.acquire(false), true);
   * assert.equal(s.acquire(false), true);
   * assert.equal(s.acquire(false), false);
   * ```
   */
  release(n?: number): void {
    const i32 = this.#i32;
    if (n === undefined) {
      n = 1;
    } else if (typeof n !== "number") {
      throw new TypeError(
        `Cannot release ${this.#kind()}: n must be a positive integer, received ${
          describe(n)
        }`,
      );
    } else if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot release ${this.#kind()}: n must be a positive integer, received ${n}`,
      );
    }
    const bound = i32[SEM_BOUND];
    const limit = bound < 0 ? INT32_MAX : bound;
    for (;;) {
      const v = Atomics.load(i32, SEM_VALUE);
      if (v + n > limit) {
        throw new RangeError(
          bound < 0
            ? `Cannot release Semaphore: the value would pass ${INT32_MAX}, received n = ${n}`
            : `Cannot release BoundedSemaphore: released too many times; its value would become ${
              v + n
            }, over its initial value ${bound}`,
        );
      }
      if (Atomics.compareExchange(i32, SEM_VALUE, v, v + n) === v) break;
    }
    if (Atomics.load(i32, SEM_WAITERS) > 0) Atomics.notify(i32, SEM_VALUE, n);
  }

  /**
   * Takes a permit and returns a `Disposable` that gives it back: `using _ =
   * semaphore.hold();` holds it to the end of the block, as Python's `with semaphore:`.
   *
   * @returns The releasing handle (the same object on every call).
   *
   * @example Holding a permit for a block
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const s = new Semaphore(1);
   * {
   *   using _ = s.hold();
   *   assert.equal(s.acquire(false), false);
   * }
   * assert.equal(s.acquire(false), true);
   * ```
   */
  hold(): Disposable {
    this.acquire();
    return this.#holder ??= { [Symbol.dispose]: () => this.release() };
  }

  /**
   * Runs `fn` holding a permit: acquires, calls, releases in `finally`.
   *
   * @param fn The code to run while the permit is held.
   * @returns What `fn` returns.
   *
   * @example Running with a permit
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Semaphore(1).with(() => 3), 3);
   * ```
   */
  with<T>(fn: () => NotThenable<T>): T {
    const kind = this instanceof BoundedSemaphore ? "BoundedSemaphore" : "Semaphore";
    checkBody(fn, `Cannot run ${kind}.with()`);
    checkWithBody(fn, kind);
    this.acquire();
    let result: T;
    try {
      result = fn() as T;
    } finally {
      this.release();
    }
    checkWithResult(result, kind);
    return result;
  }

  /**
   * Runs `fn` holding a permit, taken with `acquireAsync()`; gives it back when the
   * promise that `fn` returns settles.
   *
   * @param fn The code to run while the permit is held.
   * @returns A promise of what `fn`'s promise resolves to.
   *
   * @example Running async code with a permit
   * ```ts
   * import { Semaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(await new Semaphore(1).withAsync(async () => 4), 4);
   * ```
   */
  async withAsync<T>(fn: () => T | Promise<T>): Promise<T> {
    checkBody(fn, "Cannot run Semaphore.withAsync()");
    await this.acquireAsync();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * A description: `<Semaphore value=2>`.
   *
   * @returns The description.
   */
  toString(): string {
    return `<${this.#kind()} value=${Atomics.load(this.#i32, SEM_VALUE)}>`;
  }

  /** How `console.log` shows the semaphore. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /** How a semaphore travels to another thread: its slot. @returns The ticket. */
  [kTravel](): Ticket {
    return { kind: this.#kind(), head: this.#i32 };
  }

  #kind(): string {
    return this.#i32[SEM_BOUND] < 0 ? "Semaphore" : "BoundedSemaphore";
  }

  static {
    wordsOf = (semaphore) => semaphore.#i32;
  }
}

/**
 * A semaphore that refuses to be released past its initial value, as Python's
 * `threading.BoundedSemaphore`: such a release is a bug (a permit given back twice).
 *
 * @example Catching an extra release
 * ```ts
 * import { BoundedSemaphore } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const s = new BoundedSemaphore(1);
 * s.acquire();
 * s.release();
 * assert.throws(() => s.release(), RangeError);
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Creates a bounded semaphore with `value` permits, which is also its bound.
   *
   * @param value The initial number of permits and the bound.
   * @default {1}
   * @throws {RangeError} If `value` is negative, not an integer, or over 2³¹-1.
   * @throws {TypeError} If `value` is not a number.
   *
   * @example Creating one
   * ```ts
   * import { BoundedSemaphore } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const s = new BoundedSemaphore(2);
   * assert.equal(s.acquire(false), true);
   * ```
   */
  constructor(value?: number) {
    super(value);
  }
}

registerKind("Semaphore", {
  create(head) {
    revived = head as Int32Array;
    return new Semaphore();
  },
});

registerKind("BoundedSemaphore", {
  create(head) {
    revived = head as Int32Array;
    return new BoundedSemaphore();
  },
});

/** The shared words of a semaphore (for tests). Not part of the API. */
export function semaphoreWords(semaphore: Semaphore): Int32Array {
  return wordsOf(semaphore);
}
