// Copyright the threading for Deno authors. MIT license.
/**
 * The waits of a `Condition` (see `condition.ts`): a blocking `wait()`, which parks on
 * its thread's node, and a `waitAsync()`, which parks on an async node, the
 * condition's own or the pool's (see `_condition_queue.ts` for the queue, its words and
 * its nodes). Both run with the lock held (checked), enqueue, release the lock fully,
 * sleep, take the lock back, then decide.
 *
 * ## Exact notify(n), no lost wakeup
 *
 * `notify(n)` dequeues up to `n` waiters and marks each NOTIFIED. A waiter decides how
 * it ended only after it holds the lock again: NOTIFIED means it was notified (and
 * `wait` returns `true`, even if its timeout had passed meanwhile); still WAITING means
 * it timed out, and it unlinks itself before any later `notify` can pick it. So each
 * notify is received by exactly one waiter that was waiting when it was made.
 *
 * ## Woken after the release (wait morphing)
 *
 * `notify()` marks a blocking waiter NOTIFIED at once, but records its futex wake-up in
 * the lock's slot; the release of the lock, by whichever thread, performs it once the
 * lock is free (see `_release_wakes.ts`). Woken under the lock, the waiter would find it
 * held and sleep on it: two futex round trips for one notify. A waiter that a full slot
 * could not record, and an async waiter, is woken at once.
 *
 * A blocking waiter first spins on its park word (see `spinBeforeSleep` in
 * `_futex.ts`): when the notifier runs on another core, the waiter sees NOTIFIED at
 * once, spins for the lock until the notifier releases it (see `lockSlow`), and the
 * recorded wake-up finds nobody asleep (an `Atomics.notify` without a futex call).
 *
 * ## Cancelled async waits
 *
 * An aborted `waitAsync` leaves the queue and takes the lock back (not cancellable, as
 * asyncio's `Condition.wait`), then rejects with `signal.reason`; a notify it received
 * before it saw the abort wins.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  waitAsync,
  waitRecorded,
  waitTimeout,
} from "./_futex.ts";
import { type Undo, untrack } from "./_reclaim.ts";
import { KIND_CONDITION, uninterruptible } from "./_waits.ts";
import { current, runtime, S_PARK, slotBase } from "./_runtime.ts";
import { ThreadError } from "./errors.ts";
import {
  arrayOf,
  enqueue,
  enqueueAsync,
  FREE,
  freeAsync,
  NOTIFIED,
  parkOf,
  trackAsyncNode,
  unlink,
  WAITING,
} from "./_condition_queue.ts";
import type { ConditionLock } from "./_condition_lock.ts";

/** Action of the waits' messages. */
const WAIT = "Cannot wait on Condition";

/**
 * `Condition.wait`: blocks this thread until notified or `timeout` milliseconds have
 * passed, the lock released meanwhile. @returns Whether notified.
 */
export function conditionWait(
  i32: Int32Array,
  lock: ConditionLock,
  timeout: number | undefined,
): boolean {
  const ms = waitTimeout(timeout, WAIT);
  lock.check("wait on");
  const slot = current.slot;
  if (slot < 0) throw new ThreadError(`${WAIT}: no thread runs here`);
  const rt = runtime.i32;
  const id = slot + 1;
  const park = slotBase(slot) + S_PARK;
  Atomics.store(rt, park, WAITING);
  enqueue(i32, id);
  const saved = lock.releaseSave();
  let notified = false;
  try {
    const deadline = deadlineAfter(ms);
    while (Atomics.load(rt, park) === WAITING) {
      const left = remaining(deadline);
      if (left <= 0) break;
      waitRecorded(KIND_CONDITION, i32, 0, rt, park, WAITING, left);
    }
  } finally {
    // Not interrupted by a signal listener: the node must leave the queue.
    uninterruptible(() => lock.acquireRestore(saved));
    notified = Atomics.load(rt, park) === NOTIFIED;
    if (!notified) unlink(i32, id);
    Atomics.store(rt, park, FREE);
  }
  return notified;
}

/**
 * `Condition.waitAsync`, its checked arguments given: enqueues on an async node and
 * releases the lock (synchronously: its errors throw), then parks.
 */
export function conditionWaitAsync(
  i32: Int32Array,
  lock: ConditionLock,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  lock.check("wait on");
  if (signal?.aborted) return Promise.reject(signal.reason);
  const id = enqueueAsync(i32);
  // If the thread ends first, its node must not swallow a notify().
  const undo = trackAsyncNode(i32, id);
  let saved: number;
  try {
    saved = lock.releaseSave();
  } catch (error) {
    untrack(undo);
    unlink(i32, id);
    freeAsync(i32, id);
    throw error;
  }
  return parkAsync(i32, lock, id, saved, deadlineAfter(ms), undo, signal);
}

async function parkAsync(
  i32: Int32Array,
  lock: ConditionLock,
  id: number,
  saved: number,
  deadline: number,
  undo: Undo,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const arr = arrayOf(i32, id);
  const park = parkOf(id);
  try {
    while (Atomics.load(arr, park) === WAITING) {
      const left = remaining(deadline);
      if (left <= 0) break;
      if (await waitAsync(arr, park, WAITING, left, signal) === "aborted") break;
    }
  } finally {
    // Not cancellable: the caller holds the lock again when the promise settles
    // (as asyncio's Condition.wait, cancelled).
    await lock.acquireRestoreAsync(saved);
  }
  untrack(undo);
  const notified = Atomics.load(arr, park) === NOTIFIED;
  if (!notified) unlink(i32, id);
  freeAsync(i32, id);
  // Notified before the abort was seen: the notify is received, not lost.
  if (!notified && signal?.aborted) throw signal.reason;
  return notified;
}

/**
 * The checks of `waitFor` and `waitForAsync`, in this order.
 *
 * @returns The timeout in milliseconds.
 * @throws {TypeError} If `predicate` is not a function, or `timeout` not a number.
 * @throws {ThreadError} If this thread does not hold the lock.
 */
export function checkWaitFor(
  lock: ConditionLock,
  predicate: unknown,
  timeout: number | undefined,
): number {
  if (typeof predicate !== "function") {
    throw new TypeError(
      `${WAIT}: predicate must be a function, received ${describe(predicate)}`,
    );
  }
  const ms = waitTimeout(timeout, WAIT);
  lock.check("wait on");
  return ms;
}
