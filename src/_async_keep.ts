// Copyright the threading for Deno authors. MIT license.
/**
 * What keeps the event loop alive while an async wait of this library is pending
 * (`Event.waitAsync`, `Condition.waitAsync`, `getAsync`, `acquireAsync`...): a pending
 * `Atomics.waitAsync` alone does not keep Deno's event loop alive, so something must.
 *
 * - In a Worker, and for a wait with a timeout: a referenced timer per wait (the wait
 *   settles by itself at the latest when its timeout passes).
 * - In the main thread, for a wait with no timeout: one shared timer for all of them,
 *   armed only while another thread is alive (or starting), checked every
 *   {@linkcode KEEP_POLL_MS}. Only another thread can then settle such a wait: the main
 *   thread's own code that could is work of its own, which keeps the loop alive by
 *   itself. Once no other thread has lived for a second, the timer is dropped and the
 *   pool's idle Workers are ended (Deno 2.9 does not end a loop whose only work is an
 *   unref'd Worker while a top-level await is pending), and the loop may go idle:
 *   then Deno ends the program as it does for any promise that can never settle (a
 *   top-level `await` on it is the error "Top-level await promise never resolved",
 *   which points at the line), instead of hanging silently forever.
 *
 * | state | the shared timer |
 * | --- | --- |
 * | no pending wait without timeout in the main thread | none |
 * | pending, another thread alive or starting | a referenced timer, re-armed every {@linkcode KEEP_POLL_MS} |
 * | pending, no other thread for {@linkcode IDLE_CLOSE_MS} | none, and the pool's idle Workers ended (the loop may end); a new wait checks again |
 *
 * A thread's own `Atomics.waitAsync` (its code's, or another library's: a channel, a
 * mutex) is held in a Worker as this library's waits are ({@linkcode holdThreadWaits}):
 * without it, the Worker (a `node:worker_threads` Worker, which ends when its loop runs
 * empty) would end the thread as one that awaits "a promise that nothing can settle"
 * (`_worker.ts`) while another thread can still notify it, where a plain Worker waits.
 * The library's own waits call {@linkcode rawWaitAsync}, held once.
 *
 * Limit: a thread started after the last check found none (by other async code of the
 * main thread, while such a wait is pending) is seen only by the next new wait; if it
 * is a daemon thread and the main thread has nothing else to do, the loop may end.
 *
 * @module
 */
import { H_HIGH, H_NON_DAEMON, runtime, S_ALIVE, slotBase } from "./_runtime.ts";

/** How often the main thread's shared timer checks for live threads, in milliseconds. */
export const KEEP_POLL_MS = 100;

/**
 * How long the main thread's shared timer stays once no other thread lives, in
 * milliseconds; then the pool's idle Workers are ended and the timer dropped.
 */
export const IDLE_CLOSE_MS = 1000;

/** The runtime's own `Atomics.waitAsync`, as it was when the library loaded. */
export const rawWaitAsync: typeof Atomics.waitAsync = Atomics.waitAsync;

/** Pending async waits with no timeout in this (main) thread. */
let pending = 0;
let keeper: ReturnType<typeof setTimeout> | undefined;

/** Whether a thread other than the main thread is alive, or starting. */
function otherThreadAlive(): boolean {
  const i32 = runtime.i32;
  if (Atomics.load(i32, H_NON_DAEMON) > 0) return true;
  const high = Atomics.load(i32, H_HIGH);
  for (let slot = 1; slot < high; slot++) {
    if (Atomics.load(i32, slotBase(slot) + S_ALIVE) !== 0) return true;
  }
  return false;
}

/** The main thread's function that ends the pool's idle Workers (set by `_pool.ts`). */
let closeIdle: (() => Promise<void>) | undefined;

/** Registers the function that ends the pool's idle Workers. */
export function setIdleCloser(close: () => Promise<void>): void {
  closeIdle = close;
}

/** Checks in a row that found no other thread alive. */
let lonely = 0;

/**
 * Re-arms the shared timer while another thread lives, and for
 * {@linkcode IDLE_CLOSE_MS} after the last one ended; then ends the pool's idle
 * Workers and leaves no timer. (Deno 2.9 sees a never-settling top-level await only
 * when nothing unref'd is pending either: no unref'd timer, no idle unref'd Worker.)
 */
function check(): void {
  keeper = undefined;
  if (pending === 0) return;
  if (otherThreadAlive()) lonely = 0;
  else if (++lonely > IDLE_CLOSE_MS / KEEP_POLL_MS) {
    lonely = 0;
    closeIdle?.();
    return;
  }
  keeper = setTimeout(check, KEEP_POLL_MS);
}

/**
 * Keeps the event loop alive for an async wait of `timeout` milliseconds (`Infinity`:
 * none) as the module doc says; returns the function that lets go when it settles.
 */
export function holdLoop(timeout: number): () => void {
  if (!runtime.isMain || timeout !== Infinity) {
    const timer = setInterval(() => {}, 1 << 30);
    return () => clearInterval(timer);
  }
  pending++;
  if (keeper === undefined) check();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--pending === 0 && keeper !== undefined) {
      clearTimeout(keeper);
      keeper = undefined;
    }
  };
}

/**
 * In a Worker: wraps `Atomics.waitAsync` so that, while what it returns is pending
 * (`async: true`), the Worker's event loop stays alive, as for this library's waits (a
 * referenced timer, which the thread's end clears with its other timers,
 * `_thread_timers.ts`). A wait no other thread ever notifies then keeps its thread
 * alive, as a Python thread blocked for ever is (with a timeout: until it passes).
 * Idempotent; call it before any thread's code runs.
 */
export function holdThreadWaits(): void {
  const original = rawWaitAsync;
  if (typeof original !== "function" || Atomics.waitAsync !== original) return;
  // The (tracked) timer functions as they are now, not as a thread may replace them.
  const setI = globalThis.setInterval;
  const clearI = globalThis.clearInterval;
  Atomics.waitAsync = function waitAsync(
    ...a: Parameters<typeof Atomics.waitAsync>
  ): ReturnType<typeof Atomics.waitAsync> {
    const result = original.apply(Atomics, a);
    if (result.async) {
      const timer = setI(() => {}, 1 << 30);
      const letGo = () => clearI(timer);
      result.value.then(letGo, letGo);
    }
    return result;
  } as typeof Atomics.waitAsync;
}
