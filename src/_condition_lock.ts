// Copyright the threading for Deno authors. MIT license.
/**
 * The lock of a `Condition` (see `condition.ts`), as the condition's waits and
 * notifies use it: whether this thread holds it, and releasing it fully for a wait,
 * then taking it back at the depth it had (an `RLock`'s recursion count is saved and
 * restored, as CPython's `Condition` does with `_release_save` and `_acquire_restore`).
 * It also knows where the lock's slot is: `notify()` records there the futex wake-ups
 * that the lock's release performs (see `_release_wakes.ts`).
 *
 * @module
 */
import { Lock, lockSlot } from "./lock.ts";
import {
  RLock,
  rlockAcquireRestore,
  rlockAcquireRestoreAsync,
  rlockIsOwned,
  rlockReleaseSave,
  rlockSlot,
} from "./rlock.ts";
import { ThreadError } from "./errors.ts";

/** A condition's lock, a `Lock` or an `RLock`, with the operations its waits need. */
export class ConditionLock {
  /** The lock itself (the one given to the condition, or the RLock it made). */
  readonly lock: Lock | RLock;
  /** Whether the lock is an `RLock`. */
  readonly reentrant: boolean;
  /** The memory of the lock's slot, where `notify` records wakes. */
  readonly i32: Int32Array;
  /** The index of the lock's slot in {@linkcode ConditionLock.i32}. */
  readonly at: number;

  constructor(lock: Lock | RLock) {
    this.lock = lock;
    this.reentrant = lock instanceof RLock;
    [this.i32, this.at] = this.reentrant
      ? rlockSlot(lock as RLock)
      : lockSlot(lock as Lock);
  }

  /** Whether this thread holds the lock (for a `Lock`: whether anyone does). */
  isOwned(): boolean {
    return this.reentrant ? rlockIsOwned(this.lock as RLock) : this.lock.locked();
  }

  /**
   * @throws {ThreadError} If this thread does not hold the lock: "Cannot `action`
   * Condition: ...".
   */
  check(action: string): void {
    if (!this.isOwned()) {
      throw new ThreadError(
        `Cannot ${action} Condition: its lock is not held by this thread; acquire it first (cond.hold(), cond.with(\u2026) or cond.acquire())`,
      );
    }
  }

  /** Releases the lock fully. @returns What {@linkcode acquireRestore} takes back. */
  releaseSave(): number {
    if (this.reentrant) return rlockReleaseSave(this.lock as RLock);
    this.lock.release();
    return 1;
  }

  /** Takes the lock back, blocking, at the depth `releaseSave` returned. */
  acquireRestore(saved: number): void {
    if (this.reentrant) rlockAcquireRestore(this.lock as RLock, saved);
    else this.lock.acquire();
  }

  /** Takes the lock back without blocking the event loop, as `acquireRestore`. */
  acquireRestoreAsync(saved: number): Promise<unknown> {
    return this.reentrant
      ? rlockAcquireRestoreAsync(this.lock as RLock, saved)
      : this.lock.acquireAsync();
  }
}
