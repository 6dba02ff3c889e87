// Copyright the threading for Deno authors. MIT license.
/**
 * A thread's pending timers end with it. A Worker runs one thread after another, so a
 * `setTimeout` or `setInterval` that a thread leaves pending when its `run()` returns
 * would otherwise fire later inside the next thread of the same Worker (under that
 * thread's name, `currentThread()` and excepthook), or while the Worker is idle.
 *
 * In each Worker, {@linkcode trackThreadTimers} wraps the global `setTimeout`,
 * `setInterval`, `clearTimeout` and `clearInterval` to keep the set of pending timers,
 * and clears every one still pending when the thread ends (in `endThread`, through
 * `_reclaim.ts`, before the thread's joiners wake): after `join()` returns, no callback
 * of that thread runs. A timer that has fired (a `setTimeout`) or was cleared leaves the
 * set at once, so a long-running thread's set holds only its pending timers.
 *
 * Not covered: timers taken from `node:timers` directly (`import { setTimeout } from
 * "node:timers"`), `setImmediate`, and other pending async work (a `fetch`, a promise):
 * they are not the thread's to cancel. The README lists this under "Differences from
 * Python".
 *
 * @module
 */
import { onThreadEnd } from "./_reclaim.ts";

type Handle = ReturnType<typeof setTimeout>;

/** The timers pending in this isolate's current thread. */
const pending = new Set<Handle>();

let installed = false;

/** Clears every pending timer; stays registered for the next thread of this Worker. */
function cancelAll(): void {
  const handles = [...pending];
  pending.clear();
  for (const handle of handles) clear(handle);
  onThreadEnd(cancelAll);
}

let clear: (handle: Handle) => void = (handle) => clearTimeout(handle);

/**
 * Wraps the global timer functions of this isolate (a Worker) so that the timers a
 * thread leaves pending are cleared when it ends. Idempotent.
 */
export function trackThreadTimers(): void {
  if (installed) return;
  installed = true;
  const scope = globalThis as unknown as Record<string, unknown>;
  const setT = globalThis.setTimeout;
  const setI = globalThis.setInterval;
  const clearT = globalThis.clearTimeout;
  const clearI = globalThis.clearInterval;
  clear = (handle) => clearT(handle as never);
  scope.setTimeout = function (
    callback: unknown,
    delay?: number,
    ...args: unknown[]
  ): Handle {
    if (typeof callback !== "function") {
      return (setT as (...a: unknown[]) => Handle)(callback, delay, ...args);
    }
    const handle: Handle = setT(
      function (this: unknown, ...a: unknown[]) {
        pending.delete(handle);
        return (callback as (...a: unknown[]) => unknown).apply(this, a);
      },
      delay,
      ...args,
    );
    pending.add(handle);
    return handle;
  };
  scope.setInterval = function (
    callback: unknown,
    delay?: number,
    ...args: unknown[]
  ): Handle {
    const handle = (setI as (...a: unknown[]) => Handle)(callback, delay, ...args);
    pending.add(handle);
    return handle;
  };
  scope.clearTimeout = function (handle?: Handle): void {
    if (handle !== undefined) pending.delete(handle);
    clearT(handle as never);
  };
  scope.clearInterval = function (handle?: Handle): void {
    if (handle !== undefined) pending.delete(handle);
    clearI(handle as never);
  };
  onThreadEnd(cancelAll);
}
