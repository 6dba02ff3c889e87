// Copyright the threading for Deno authors. MIT license.
/**
 * The mutex algorithm under `Lock`, `RLock`, `Condition`'s default lock and `Barrier`:
 * a three-state futex mutex (Drepper, "Futexes Are Tricky", mutex 2) with eventual
 * fairness by hand-off (as Go's starvation mode and parking_lot's fair unlock), over two
 * words of an `Int32Array`: the state word at `index` and the starving-waiter count at
 * `index + 1`. Small functions over `(i32, index)`: {@linkcode lock} and
 * {@linkcode unlock} are the inlineable fast paths (one compare-and-swap each); the
 * slow paths are outlined.
 *
 * ## The state word (`i32[index]`)
 *
 * | value | name | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | 0 | `UNLOCKED` | free | `unlock` 1->0 (fast) or 2->0 (slow, then notifies one waiter) |
 * | 1 | `LOCKED` | held, nobody waits | `lock` 0->1 (fast path, one CAS) |
 * | 2 | `CONTENDED` | held, someone may wait | a waiter 1->2 before it sleeps, or 0->2 when it takes the lock; the holder 1->2 when it records a wake for its release (see `_release_wakes.ts`), so that the release takes the slow path |
 * | 3 | `HANDOFF` | released to a starving waiter: no newcomer may take it | `unlock` 2->3 when `STARVING` > 0 (then notifies all waiters); a starving waiter takes it 3->2 |
 *
 * ## The starving count (`i32[index + 1]`)
 *
 * Waiters that have waited longer than {@linkcode STARVE_MS} and not yet left. A waiter
 * adds itself once it starves and removes itself when it leaves (with or without the
 * lock). While it is above 0, `unlock` hands the lock over instead of freeing it.
 * A `HANDOFF` with no starving waiter left (the starving waiter timed out just as the
 * lock was handed to it) counts as free: any waiter or newcomer may take it, and the
 * last starving waiter to leave turns it into `UNLOCKED` and wakes every sleeper
 * (`leaveStarving`), so that no waiter sleeps on a free lock. An async waiter whose
 * thread ends while it starves leaves the count the same way (see `_reclaim.ts`).
 *
 * ## Spinning before sleeping
 *
 * A blocking waiter first spins {@linkcode SPINS} rounds (a load and `Atomics.pause()`)
 * while the lock is held, by one holder or with sleepers behind it, and takes it 0->1 if
 * it sees it free (or 3->2, a `HANDOFF` that nobody starves for): a holder that releases
 * within a few microseconds (a notifier between `notify()` and `release()`) hands the
 * lock over without a futex sleep and wake-up. Only then does it mark the word and sleep.
 *
 * ## Ordering contract
 *
 * Every transition is a sequentially consistent `Atomics` operation: an `unlock()`
 * happens before the `lock()` it lets through, so what the holder wrote is visible to
 * the next holder.
 *
 * ## Fairness
 *
 * Barging, for throughput: a releasing thread may take the lock again at once, ahead
 * of the waiters it woke. But a waiter that has waited for more than
 * {@linkcode STARVE_MS} is handed the lock directly at the next release, so no waiter
 * starves behind a thread that hammers the lock.
 *
 * @module
 */
import { deadlineAfter, pause, remaining, wait, waitAsync } from "./_futex.ts";
import { track, type Undo, untrack } from "./_reclaim.ts";
import { beginWait, endWait, ownerDied } from "./_waits.ts";

/** State word: free. */
export const UNLOCKED = 0;
/** State word: held, nobody waits. */
export const LOCKED = 1;
/** State word: held, someone may wait. */
export const CONTENDED = 2;
/** State word: handed to a starving waiter; free for nobody else while `STARVING` > 0. */
export const HANDOFF = 3;
/** Offset from the state word of the starving-waiter count. */
export const STARVING = 1;
/** Words a lock occupies: the state word and the starving count. */
export const LOCK_WORDS = 2;
/** How long a waiter waits, in milliseconds, before it asks for a hand-off. */
export const STARVE_MS = 1;
/**
 * Rounds (a load and an `Atomics.pause()`, about 0.1 µs each on this project's 2-core
 * VMs) a blocking waiter spins before it sleeps: about 6 µs, under the 15-40 µs of a
 * futex sleep and wake-up there.
 */
export const SPINS = 64;

/**
 * Takes the lock if it is free. Never blocks.
 *
 * @returns Whether the caller now holds the lock.
 */
export function tryLock(i32: Int32Array, index: number): boolean {
  return Atomics.compareExchange(i32, index, UNLOCKED, LOCKED) === UNLOCKED ||
    lockSlow(i32, index, 0);
}

/**
 * Takes the lock, blocking for at most `timeout` milliseconds (`0`: do not wait,
 * `Infinity`: no limit).
 *
 * @returns Whether the caller now holds the lock.
 */
export function lock(i32: Int32Array, index: number, timeout: number): boolean {
  return Atomics.compareExchange(i32, index, UNLOCKED, LOCKED) === UNLOCKED ||
    lockSlow(i32, index, timeout);
}

/**
 * Releases the lock; wakes a waiter only if one may wait.
 *
 * @returns `false` if the lock was not held (nothing changed).
 */
export function unlock(i32: Int32Array, index: number): boolean {
  return Atomics.compareExchange(i32, index, LOCKED, UNLOCKED) === LOCKED ||
    unlockSlow(i32, index);
}

/** Whether the lock is held (a hand-off in progress counts as held). */
export function isLocked(i32: Int32Array, index: number): boolean {
  const s = Atomics.load(i32, index);
  return s === LOCKED || s === CONTENDED ||
    (s === HANDOFF && Atomics.load(i32, index + STARVING) > 0);
}

/** Whether the lock's words are back to idle: free and nobody starving. */
export function isIdle(i32: Int32Array, index: number): boolean {
  return Atomics.load(i32, index) === UNLOCKED &&
    Atomics.load(i32, index + STARVING) === 0;
}

/**
 * One attempt to take the lock from state `s` without sleeping.
 * Returns 1 if taken, 0 if the caller should re-read, -1 if it should sleep on `s`.
 */
function attempt(i32: Int32Array, index: number, s: number, starving: boolean): number {
  if (s === UNLOCKED) {
    // Others may sleep: keep the word at CONTENDED so that our unlock wakes them.
    return Atomics.compareExchange(i32, index, UNLOCKED, CONTENDED) === UNLOCKED ? 1 : 0;
  }
  if (s === HANDOFF && (starving || Atomics.load(i32, index + STARVING) === 0)) {
    return Atomics.compareExchange(i32, index, HANDOFF, CONTENDED) === HANDOFF ? 1 : 0;
  }
  return -1;
}

/** The slow path of {@linkcode lock}: spin a little, then sleep on the word. */
export function lockSlow(
  i32: Int32Array,
  index: number,
  timeout: number,
  kind = 0,
): boolean {
  let s = Atomics.load(i32, index);
  if (timeout === 0) {
    // Non-blocking: never mark the lock contended, we will not sleep.
    for (;;) {
      if (s === LOCKED || s === CONTENDED) return false;
      const r = s === UNLOCKED
        ? (Atomics.compareExchange(i32, index, UNLOCKED, LOCKED) === UNLOCKED ? 1 : 0)
        : attempt(i32, index, s, false);
      if (r === 1) return true;
      if (r === -1) return false;
      s = Atomics.load(i32, index);
    }
  }
  // Spin a little while it is held (by one holder or with sleepers behind it): a holder
  // that releases within a few microseconds hands it over without a futex sleep.
  for (let spin = 0; spin < SPINS; spin++) {
    if (s === UNLOCKED) {
      if (Atomics.compareExchange(i32, index, UNLOCKED, LOCKED) === UNLOCKED) return true;
    } else if (s === HANDOFF) {
      if (Atomics.load(i32, index + STARVING) > 0) break;
      if (Atomics.compareExchange(i32, index, HANDOFF, CONTENDED) === HANDOFF) {
        return true;
      }
    }
    pause();
    s = Atomics.load(i32, index);
  }
  const start = performance.now();
  const deadline = deadlineAfter(timeout);
  let starving = false;
  let recorded = false;
  try {
    for (;;) {
      s = Atomics.load(i32, index);
      const r = attempt(i32, index, s, starving);
      if (r === 1) return true;
      if (r === 0) continue;
      if (s === LOCKED) {
        // Mark it contended before sleeping, so that the holder's unlock wakes us.
        if (Atomics.compareExchange(i32, index, LOCKED, CONTENDED) !== LOCKED) continue;
        s = CONTENDED;
      }
      const left = remaining(deadline);
      if (left <= 0) return false;
      if (!recorded && kind !== 0) {
        // Who waits for what (see `_waits.ts`): only once we are about to sleep.
        recorded = true;
        beginWait(kind, i32, index, timeout === Infinity, left);
      }
      wait(i32, index, s, left);
      // An RLock's owner died: its caller takes the lock over (see `rlock.ts`).
      if (ownerDied !== 0) return false;
      if (!starving && performance.now() - start >= STARVE_MS) {
        starving = true;
        Atomics.add(i32, index + STARVING, 1);
      }
    }
  } finally {
    if (starving) leaveStarving(i32, index);
    if (recorded) endWait();
  }
}

/**
 * A starving waiter leaves (with the lock, without it, or because its thread ended).
 * The last one to leave turns a `HANDOFF` that nobody will take into `UNLOCKED` and
 * wakes every sleeper: a waiter that slept on `HANDOFF` while the count was above 0
 * would otherwise sleep on a free lock (its futex word would not change). The change
 * of the word, not the notify alone, closes the window: a waiter that read `HANDOFF`
 * but has not slept yet finds the word changed and does not sleep.
 */
function leaveStarving(i32: Int32Array, index: number): void {
  if (
    Atomics.sub(i32, index + STARVING, 1) === 1 &&
    Atomics.compareExchange(i32, index, HANDOFF, UNLOCKED) === HANDOFF
  ) {
    Atomics.notify(i32, index);
  }
}

/**
 * Takes the lock without blocking the event loop, waiting for at most `timeout`
 * milliseconds (`0`: do not wait, `Infinity`: no limit). The wait also ends, without
 * the lock, once `signal` aborts, or once `owned()` turns true after a wake (an RLock
 * that another async task of this thread took meanwhile: the caller reenters).
 *
 * @returns Whether the caller now holds the lock.
 */
export function lockAsync(
  i32: Int32Array,
  index: number,
  timeout: number,
  signal?: AbortSignal,
  owned?: () => boolean,
): Promise<boolean> {
  if (
    Atomics.compareExchange(i32, index, UNLOCKED, LOCKED) === UNLOCKED ||
    lockSlow(i32, index, 0)
  ) {
    return Promise.resolve(true);
  }
  if (timeout === 0 || signal?.aborted) return Promise.resolve(false);
  return lockAsyncSlow(i32, index, timeout, signal, owned);
}

async function lockAsyncSlow(
  i32: Int32Array,
  index: number,
  timeout: number,
  signal: AbortSignal | undefined,
  owned: (() => boolean) | undefined,
) {
  const start = performance.now();
  const deadline = deadlineAfter(timeout);
  let starving: Undo | undefined;
  try {
    for (;;) {
      let s = Atomics.load(i32, index);
      const r = attempt(i32, index, s, starving !== undefined);
      if (r === 1) return true;
      if (r === 0) continue;
      if (s === LOCKED) {
        if (Atomics.compareExchange(i32, index, LOCKED, CONTENDED) !== LOCKED) continue;
        s = CONTENDED;
      }
      const left = remaining(deadline);
      if (left <= 0) return false;
      if (await waitAsync(i32, index, s, left, signal) === "aborted") return false;
      if (owned?.()) return false;
      if (!starving && performance.now() - start >= STARVE_MS) {
        Atomics.add(i32, index + STARVING, 1);
        // If the thread ends while this wait is parked, it stops starving.
        starving = track(() => leaveStarving(i32, index));
      }
    }
  } finally {
    if (starving) {
      untrack(starving);
      leaveStarving(i32, index);
    }
  }
}

/**
 * The slow path of {@linkcode unlock}: the lock was contended, handed off or free.
 * `freed`, if given, runs once the lock is free (or handed off), before the waiters on
 * the mutex word are woken (see `_release_wakes.ts`).
 */
export function unlockSlow(
  i32: Int32Array,
  index: number,
  freed?: (i32: Int32Array, index: number) => void,
): boolean {
  const s = Atomics.load(i32, index);
  if (s === CONTENDED) {
    // Only the holder moves the word away from CONTENDED: plain stores are safe.
    if (Atomics.load(i32, index + STARVING) > 0) {
      Atomics.store(i32, index, HANDOFF);
      freed?.(i32, index);
      // The starving waiter may not be the one notify(1) would wake: wake them all.
      Atomics.notify(i32, index);
    } else {
      Atomics.store(i32, index, UNLOCKED);
      freed?.(i32, index);
      Atomics.notify(i32, index, 1);
    }
    return true;
  }
  if (s === HANDOFF && Atomics.load(i32, index + STARVING) > 0) {
    // Released by another thread on behalf of the waiter it was handed to: free it.
    if (Atomics.compareExchange(i32, index, HANDOFF, UNLOCKED) !== HANDOFF) {
      return unlockSlow(i32, index, freed);
    }
    freed?.(i32, index);
    Atomics.notify(i32, index);
    return true;
  }
  if (s === LOCKED) {
    if (Atomics.compareExchange(i32, index, LOCKED, UNLOCKED) !== LOCKED) {
      return unlockSlow(i32, index, freed);
    }
    freed?.(i32, index);
    return true;
  }
  return false;
}
