// Copyright the threading for Deno authors. MIT license.
/**
 * The error classes of this module. `ThreadError` stands where Python's `threading`
 * raises `RuntimeError`; `RangeError` and `TypeError` (built in) stand where it raises
 * `ValueError`/`OverflowError` and `TypeError`.
 *
 * @module
 */

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
  }
}
