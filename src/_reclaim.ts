// Copyright the threading for Deno authors. MIT license.
/**
 * Records that a thread leaves in a primitive while it waits without blocking (an
 * `...Async` wait: a starving count, a queue node, a barrier party), reclaimed when the
 * thread ends, however it ends (see `endThread` in `_runtime.ts`).
 *
 * A blocking wait cannot outlive its thread: the thread sits in `Atomics.wait` until
 * the wait returns, and its `finally` blocks undo what it left. An async wait can: a
 * thread whose `run()` returns, throws or exits while an `...Async` call is pending ends
 * with the call still parked, and a pooled Worker then runs the next thread while the
 * old call's records stay in shared memory. So every async wait registers an undo here
 * for the span in which it holds a record, and removes it when it leaves; when the
 * thread ends, this isolate:
 *
 * 1. runs every undo still registered, in the order registered, before the thread's
 *    joiners wake (so a joiner sees the primitives as if the dead thread had left them);
 * 2. ends the thread's epoch: every pending `waitAsync` of `_futex.ts` started in the
 *    old epoch never settles, so no continuation of the dead thread runs later in the
 *    next thread of the same Worker (it would act under the wrong identity).
 *
 * A Worker that dies without running JavaScript (it is killed) cannot run its undos;
 * the records that matter most are checked by their readers instead (an `RLock`'s owner
 * is checked for liveness by its waiters, see `rlock.ts`).
 *
 * @module
 */

/** An undo of a record a wait left in shared memory. */
export type Undo = () => void;

const undos = new Set<Undo>();
const endListeners = new Set<() => void>();
let epoch = 0;

/** Registers an undo to run if the current thread ends before {@linkcode untrack}. */
export function track(undo: Undo): Undo {
  undos.add(undo);
  return undo;
}

/** Removes an undo: the record it undoes is gone. */
export function untrack(undo: Undo): void {
  undos.delete(undo);
}

/** The current thread's epoch in this isolate: changes when the thread ends. */
export function currentEpoch(): number {
  return epoch;
}

/**
 * Registers a listener run when a thread of this isolate ends (after the undos); it
 * stays registered until {@linkcode offThreadEnd}. Used by pending waits to drop their
 * timers.
 */
export function onThreadEnd(listener: () => void): void {
  endListeners.add(listener);
}

/** Removes a listener of {@linkcode onThreadEnd}. */
export function offThreadEnd(listener: () => void): void {
  endListeners.delete(listener);
}

/**
 * Reclaims every record of the current thread of this isolate: runs the undos, ends
 * the epoch, tells the listeners. Called by `endThread` in the ending thread's own
 * isolate. An undo that throws is skipped (the others still run).
 */
export function reclaimThread(): void {
  epoch++;
  const pending = [...undos];
  undos.clear();
  for (const undo of pending) {
    try {
      undo();
    } catch {
      // A record that cannot be undone must not keep the others.
    }
  }
  const listeners = [...endListeners];
  endListeners.clear();
  for (const listener of listeners) listener();
}
