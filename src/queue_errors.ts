// Copyright the threading for Deno authors. MIT license.
/**
 * The errors of the queues, as Python's `queue.Empty`, `queue.Full` and
 * `queue.ShutDown`. `QueueShutDown` gets, when it is made, the stack of the public call
 * that is running: the user's frame first (`_caller_stack.ts`; as in `errors.ts`, after
 * naming). `QueueEmpty` and `QueueFull` keep V8's stack (the library's frames first, the
 * user's below): programs throw and catch them in loops (`getNowait()` until empty), and
 * finding the user's frame made each throw 6-7x dearer (getNowait of an empty queue 36
 * -> 230-265 us at load 57, CPython's `get_nowait()` about 1 us).
 *
 * @module
 */
import { atCaller } from "./_caller_stack.ts";

/**
 * Thrown by a non-blocking or timed `get()` when no item came, as Python's
 * `queue.Empty`.
 *
 * @example Getting from an empty queue
 * ```ts
 * import { Queue, QueueEmpty } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new Queue().getNowait(), QueueEmpty);
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Creates a QueueEmpty error.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueEmpty";
  }
}

/**
 * Thrown by a non-blocking or timed `put()` into a full bounded queue, as Python's
 * `queue.Full`.
 *
 * @example Putting into a full queue
 * ```ts
 * import { Queue, QueueFull } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue(1);
 * q.put("a");
 * assert.throws(() => q.putNowait("b"), QueueFull);
 * ```
 */
export class QueueFull extends Error {
  /**
   * Creates a QueueFull error.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueFull";
  }
}

/**
 * Thrown by `put()` on a queue that was shut down, and by `get()` on one that was shut
 * down and is empty, as Python 3.13's `queue.ShutDown`.
 *
 * @example Putting into a shut-down queue
 * ```ts
 * import { Queue, QueueShutDown } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue();
 * q.shutdown();
 * assert.throws(() => q.put(1), QueueShutDown);
 * ```
 */
export class QueueShutDown extends Error {
  /**
   * Creates a QueueShutDown error.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueShutDown";
    if (new.target === QueueShutDown) atCaller(this);
  }
}
