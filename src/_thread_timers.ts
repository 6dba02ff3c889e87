// Copyright the threading for Deno authors. MIT license.
/**
 * A thread's pending timers end with it. A Worker runs one thread after another, so a
 * timer that a thread leaves pending when its `run()` returns would otherwise fire later
 * inside the next thread of the same Worker (under that thread's name, `currentThread()`
 * and excepthook), or while the Worker is idle.
 *
 * In each Worker, {@linkcode trackThreadTimers} keeps the set of the timers made since
 * the last thread ended, and clears every one still pending when the thread ends (in
 * `endThread`, through `_reclaim.ts`, before the thread's joiners wake): after `join()`
 * returns, no callback of that thread runs, and a promise that only such a timer would
 * settle (or reject) never does, so no late rejection is blamed on the next thread.
 *
 * | road | Deno | Node, Bun |
 * | --- | --- | --- |
 * | `setTimeout`, `setInterval` (global) | tracked | tracked (the globals are wrapped) |
 * | `setImmediate` (global) | tracked | tracked (wrapped) |
 * | the same from `node:timers` | tracked | tracked where `syncBuiltinESMExports` updates the named exports (Node) |
 * | `node:timers/promises` | tracked | not tracked |
 * | `queueMicrotask`, promise reactions | run out before the next thread: the job loop ends its task (a macrotask) between threads | same |
 * | other async work (a `fetch`, a socket) | not the thread's to cancel | same |
 *
 * How: in Deno every timer, whichever function made it, is a `Timeout` object whose
 * constructor calls its prototype's `createTimer` method (also on `refresh()` and each
 * run of an interval), and every immediate an `Immediate` whose constructor calls its
 * `ref()`; those two methods are wrapped to note the object. Where the prototypes lack
 * them (Node, Bun), the functions themselves are wrapped, on `globalThis` and on
 * `node:timers`. A timer that has fired (a one-shot) or was cleared is pruned from the
 * set (`_destroyed`) as the set grows, so a long-running thread's set stays small.
 *
 * ## Late errors are their thread's
 *
 * Other async work a thread leaves pending (a file read, a `fetch`) is not its to
 * cancel, and may reject after the thread ended, while the next thread of the Worker
 * runs. The Worker runs each thread's code in an async context that carries its Thread
 * ({@linkcode runAsThread}); Deno dispatches an `unhandledrejection` in the context of
 * the rejected promise, so {@linkcode threadOfContext} tells whose promise it was, and
 * the excepthook gets the thread that made it (ended or not), not the one that runs.
 * Where a runtime dispatches it outside that context, the thread that runs (or the one
 * that just ended, until the Worker's end-of-task turn) is named, as before.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import timers from "node:timers";
import { syncBuiltinESMExports } from "node:module";
import { onThreadEnd } from "./_reclaim.ts";

type Handle = ReturnType<typeof setTimeout>;
type Immediate = ReturnType<typeof setImmediate>;

/** The timers (Timeout objects or ids) made in this isolate since its last thread ended. */
const pendingTimers = new Set<Handle>();
/** The immediates made in this isolate since its last thread ended. */
const pendingImmediates = new Set<Immediate>();

/** Size over which a set is pruned of fired and cleared entries (doubles as it grows). */
let pruneAt = 1024;

function note<T>(set: Set<T>, item: T): void {
  set.add(item);
  if (set.size < pruneAt) return;
  for (const entry of set) {
    if ((entry as { _destroyed?: boolean })?._destroyed === true) set.delete(entry);
  }
  pruneAt = Math.max(1024, set.size * 2);
}

let clearT: (handle: Handle) => void = (handle) => clearTimeout(handle);
let clearI: (handle: Immediate) => void = (handle) => clearImmediate(handle);

/** Clears every pending timer; stays registered for the next thread of this Worker. */
function cancelAll(): void {
  const handles = [...pendingTimers];
  const immediates = [...pendingImmediates];
  pendingTimers.clear();
  pendingImmediates.clear();
  for (const handle of handles) clearT(handle);
  for (const handle of immediates) clearI(handle);
  onThreadEnd(cancelAll);
}

let installed = false;

/**
 * Tracks every timer and immediate made in this isolate (a Worker) so that those a
 * thread leaves pending are cleared when it ends. Idempotent.
 */
export function trackThreadTimers(): void {
  if (installed) return;
  installed = true;
  const setT = globalThis.setTimeout;
  const setImm = globalThis.setImmediate;
  const clearTimer = globalThis.clearTimeout;
  const clearImm = globalThis.clearImmediate;
  clearT = (handle) => clearTimer(handle as never);
  clearI = (handle) => clearImm(handle);
  if (!hookPrototypes(setT, clearTimer, setImm, clearImm)) wrapFunctions();
  onThreadEnd(cancelAll);
}

/** Deno: wraps `Timeout.prototype[createTimer]` and `Immediate.prototype.ref`. */
function hookPrototypes(
  setT: typeof setTimeout,
  clearTimer: typeof clearTimeout,
  setImm: typeof setImmediate,
  clearImm: typeof clearImmediate,
): boolean {
  const probe = setT(() => {}, 1 << 30);
  clearTimer(probe);
  if (typeof probe !== "object" || probe === null) return false;
  const timeout = Object.getPrototypeOf(probe) as Record<symbol, unknown>;
  const create = Object.getOwnPropertySymbols(timeout).find((s) =>
    s.description === "createTimer"
  );
  const immediateProbe = setImm(() => {});
  clearImm(immediateProbe);
  const immediate = Object.getPrototypeOf(immediateProbe) as { ref?: unknown };
  const createTimer = create === undefined ? undefined : timeout[create];
  const ref = immediate?.ref;
  if (typeof createTimer !== "function" || typeof ref !== "function") return false;
  timeout[create!] = function (this: Handle) {
    note(pendingTimers, this);
    return createTimer.call(this);
  };
  immediate.ref = function (this: Immediate) {
    note(pendingImmediates, this);
    return ref.call(this);
  };
  return true;
}

/**
 * Node, Bun: `set` (a one-shot timer's maker) wrapped so that its handles are noted in
 * `pending`, and leave it as they fire (a runtime's handle may not say so).
 */
function oneShot<H>(
  set: (...a: unknown[]) => H,
  pending: Set<H>,
): (callback: unknown, ...a: unknown[]) => H {
  return function (callback: unknown, ...a: unknown[]): H {
    if (typeof callback !== "function") return set(callback, ...a);
    const handle: H = set(function (this: unknown, ...b: unknown[]) {
      pending.delete(handle);
      return (callback as (...b: unknown[]) => unknown).apply(this, b);
    }, ...a);
    note(pending, handle);
    return handle;
  };
}

/** Node, Bun: wraps the timer functions of `globalThis` and of `node:timers`. */
function wrapFunctions(): void {
  const targets = [globalThis as unknown as Record<string, unknown>];
  if ((timers as unknown) !== undefined) {
    targets.push(timers as unknown as Record<string, unknown>);
  }
  for (const scope of targets) {
    const setT = scope.setTimeout as (...a: unknown[]) => Handle;
    const setI = scope.setInterval as (...a: unknown[]) => Handle;
    const setImm = scope.setImmediate as ((...a: unknown[]) => Immediate) | undefined;
    scope.setTimeout = oneShot(setT, pendingTimers);
    scope.setInterval = function (...a: unknown[]): Handle {
      const handle = setI(...a);
      note(pendingTimers, handle);
      return handle;
    };
    if (typeof setImm === "function") {
      scope.setImmediate = oneShot(setImm, pendingImmediates);
    }
  }
  try {
    syncBuiltinESMExports(); // Node: `import { setTimeout } from "node:timers"` follows
  } catch {
    // Not supported here: the named exports stay untracked (see the module doc).
  }
}

/** The async context of each thread's code, carrying its Thread object. */
const threadContext = new AsyncLocalStorage<object>();

/**
 * Runs `fn` (a thread's `run()`) in an async context that carries `thread`: its
 * promises, and what they reject, stay tied to it after it ends.
 * @returns What `fn` returns.
 */
export function runAsThread<T>(thread: object, fn: () => T): T {
  return threadContext.run(thread, fn);
}

/** The Thread whose code made the async work that runs now, if any. */
export function threadOfContext(): object | undefined {
  return threadContext.getStore();
}
