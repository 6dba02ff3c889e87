// Copyright the threading for Deno authors. MIT license.
/**
 * The error classes of this module. `ThreadError` stands where Python's `threading`
 * raises `RuntimeError`; `RangeError` and `TypeError` (built in) stand where it raises
 * `ValueError`/`OverflowError` and `TypeError`.
 *
 * Each error of these classes gets, when it is made, the stack of the public call that
 * is running (`_caller_stack.ts`): the user's frame first, wherever in the library it is
 * thrown (a `DeadlockError` from the wait machinery under `join()`). The class that
 * made it does this after naming it (`new.target`), so that the stack's first line
 * (`DeadlockError: ...`, which some runtimes write at capture) names its class.
 *
 * @module
 */
import { atCaller } from "./_caller_stack.ts";

/**
 * Thrown where Python's `threading` raises `RuntimeError`: releasing an unlocked lock,
 * joining the current thread or a thread that was never started, starting a thread
 * twice, waiting on or notifying a condition without holding its lock, and a thread
 * that cannot start.
 *
 * @example Catching a release of an unlocked lock
 * ```ts
 * import { Lock, ThreadError } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new Lock().release(), ThreadError);
 * ```
 */
export class ThreadError extends Error {
  /**
   * Creates a ThreadError.
   *
   * @param message What happened and what to do.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ThreadError";
    if (new.target === ThreadError) atCaller(this);
  }
}

/**
 * Thrown by `Barrier.wait()` when the barrier is broken or is reset while the caller
 * waits, as Python's `threading.BrokenBarrierError`.
 *
 * @example Waiting on an aborted barrier
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(2);
 * barrier.abort();
 * assert.throws(() => barrier.wait(), BrokenBarrierError);
 * ```
 */
export class BrokenBarrierError extends ThreadError {
  /**
   * Creates a BrokenBarrierError.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
    if (new.target === BrokenBarrierError) atCaller(this);
  }
}

/**
 * Thrown by `RLock.acquire()` (and its kin) when the lock's owner ended while it held
 * the lock, as POSIX's robust mutexes return `EOWNERDEAD`: the thread ended in any way
 * (returned, threw, called `Deno.exit()`/`process.exit()`, or its Worker died).
 *
 * The lock state after it: `acquire()` and `acquireAsync()` throw it with the lock
 * taken over by the calling thread (recursion count 1), which should make the data the
 * lock guards consistent and then `release()` it; `hold()`, `with()` and `withAsync()`
 * release it before they throw. Exactly one caller gets it per dead owner; the others
 * go on waiting for the lock as usual.
 *
 * @example Recovering a lock whose owner died
 * ```ts
 * import { OwnerDiedError, ThreadError } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const error = new OwnerDiedError("Cannot acquire RLock cleanly: its owner ended");
 * assert.ok(error instanceof ThreadError);
 * assert.equal(error.name, "OwnerDiedError");
 * ```
 */
export class OwnerDiedError extends ThreadError {
  /**
   * Creates the error.
   *
   * @param message What happened and what to do.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OwnerDiedError";
    if (new.target === OwnerDiedError) atCaller(this);
  }
}

/**
 * Thrown in the main thread's blocked call when every live thread, the main thread
 * included, is blocked in this library without a timeout: nothing can wake any of
 * them. Its message is the report (every thread, what it waits on and holds, the
 * wait-for cycle), also written to stderr. Set `THREADING_DEADLOCK=0` (on Deno with
 * `--allow-env=THREADING_DEADLOCK`) to turn the detection off.
 *
 * @example The error's class
 * ```ts
 * import { DeadlockError, ThreadError } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new DeadlockError("all threads are blocked") instanceof ThreadError);
 * ```
 */
export class DeadlockError extends ThreadError {
  /**
   * Creates the error.
   *
   * @param message The report.
   * @param options The standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeadlockError";
    if (new.target === DeadlockError) atCaller(this);
  }
}
