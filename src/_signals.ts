// Copyright the threading for Deno authors. MIT license.
/**
 * Ctrl-C while the main thread is blocked. A signal listener (`Deno.addSignalListener`)
 * runs only when its thread's event loop turns, and a main thread blocked in `join()`,
 * `acquire()`, `Event.wait()` or `sleep()` turns none: the process would ignore Ctrl-C
 * and `kill`. So, on the main thread, this module takes over the listeners of
 * {@linkcode SIGNALS}:
 *
 * - `Deno.addSignalListener(signal, fn)` and `Deno.removeSignalListener(signal, fn)`
 *   for a signal of {@linkcode SIGNALS} keep `fn` in a list here (other signals go to
 *   Deno as before). While the list of a signal is not empty, a small Worker (a `data:`
 *   module, unref'd: it never keeps the process alive) listens to that signal natively
 *   and counts each one in a shared word, then notifies it.
 * - The main thread delivers each counted signal once, to every listener of the list,
 *   in the order added, from whichever comes first: a blocking wait of this library,
 *   between two of its slices (every few ms, see `_futex.ts`), or, when the main
 *   thread is not blocked, an `Atomics.waitAsync` on the count (which does not keep the
 *   event loop alive either).
 * - A listener that runs inside a blocked call runs synchronously there; then the call
 *   goes on waiting. An error that the listener throws leaves the blocked call (as in
 *   Python, where a signal handler's exception is raised in the blocked call): a
 *   listener that wants Ctrl-C to stop the wait can throw, one that wants to end the
 *   program calls `Deno.exit()`.
 *
 * Until the Worker has started listening (some tens of ms after the first listener is
 * added) a signal has its default effect (SIGINT and SIGTERM end the process).
 *
 * ## Threads cannot listen to signals
 *
 * In a thread (a Worker of the pool), {@linkcode refuseThreadSignals} makes every way
 * to listen to a signal throw a `ThreadError` at once, as CPython's `signal.signal()`
 * outside the main thread raises `ValueError: signal only works in main thread of the
 * main interpreter`:
 *
 * | call in a thread | effect |
 * | --- | --- |
 * | `Deno.addSignalListener(signal, fn)` (any signal) | `ThreadError`: listen in the main thread |
 * | `Deno.removeSignalListener(signal, fn)` | nothing (no thread's listener can exist) |
 * | `process.on/once/addListener/prependListener/prependOnceListener("SIG...", fn)` | `ThreadError` (the same words) |
 * | the same for any other event | as before (`exit`, `message`, ...) |
 *
 * Why refuse rather than let it be: Deno's native listener replaces the signal's
 * default action for the whole process, while a thread's listener would run only when
 * that thread's event loop turns; a thread blocked in a wait, or ended (its Worker idle
 * in `Atomics.wait` for the next thread), never turns it, so Ctrl-C did nothing for the
 * rest of the program and the listener never ran.
 *
 * ## Shared words (the module's own `Int32Array`)
 *
 * | word | meaning | who moves it |
 * | --- | --- | --- |
 * | `SIG_ANY` | signals counted, all kinds | +1 by the Worker, then `Atomics.notify` |
 * | `SIG_COUNT + k` | signals of kind `SIGNALS[k]` counted | +1 by the Worker, before `SIG_ANY` |
 *
 * @module
 */
import {
  denoSignalApi,
  type Signal,
  SIGNAL_WORKER_CALLS,
  type SignalApi,
} from "./_platform.ts";
import { SHARE_ENV, Worker } from "node:worker_threads";
import { runtime } from "./_runtime.ts";
import { ThreadError } from "./errors.ts";
import { guardAdvice } from "./_guard.ts";
import process from "node:process";

/** The signals whose listeners run while the main thread is blocked. */
export const SIGNALS: readonly Signal[] = ["SIGINT", "SIGTERM"];
/** Word: signals counted, all kinds. */
const SIG_ANY = 0;
/** Word: the first per-signal count. */
const SIG_COUNT = 1;

const words = new Int32Array(new SharedArrayBuffer(4 * (SIG_COUNT + SIGNALS.length)));
const listeners = new Map<Signal, Array<() => void>>();
const delivered: number[] = SIGNALS.map(() => 0);
let deliveredAny = 0;
let worker: Worker | undefined;
let watching = false;

/** The signal Worker: counts each signal it listens to, on the main thread's order. */
const WORKER_SOURCE = `
import { parentPort, workerData } from "node:worker_threads";
const words = new Int32Array(workerData.sab);
const names = workerData.signals;
const handlers = new Map();
parentPort.on("message", ({ signal, on }) => {
  const k = names.indexOf(signal);
  if (on && !handlers.has(signal)) {
    const handler = () => {
      Atomics.add(words, ${SIG_COUNT} + k, 1);
      Atomics.add(words, ${SIG_ANY}, 1);
      Atomics.notify(words, ${SIG_ANY});
    };
    handlers.set(signal, handler);
    ${SIGNAL_WORKER_CALLS.add}(signal, handler);
  } else if (!on && handlers.has(signal)) {
    ${SIGNAL_WORKER_CALLS.remove}(signal, handlers.get(signal));
    handlers.delete(signal);
  }
});
`;

/** Whether the app listens to a signal of {@linkcode SIGNALS} (no deadlock report then). */
export function hasSignalListeners(): boolean {
  for (const list of listeners.values()) if (list.length > 0) return true;
  return false;
}

/**
 * Delivers the signals counted since the last delivery to the app's listeners, on the
 * main thread. Called between the slices of a blocking wait, and by the async watch.
 * An error thrown by a listener propagates (the other signals wait for the next call).
 */
export function deliverSignals(): void {
  if (Atomics.load(words, SIG_ANY) === deliveredAny) return;
  deliveredAny = Atomics.load(words, SIG_ANY);
  for (let k = 0; k < SIGNALS.length; k++) {
    const count = Atomics.load(words, SIG_COUNT + k);
    while (delivered[k] < count) {
      delivered[k]++;
      for (const fn of [...(listeners.get(SIGNALS[k]) ?? [])]) fn();
    }
  }
}

/** Delivers signals when the main thread's event loop turns (not blocked). */
function watch(): void {
  if (watching) return;
  watching = true;
  const result = Atomics.waitAsync(words, SIG_ANY, deliveredAny);
  const again = () => {
    watching = false;
    try {
      deliverSignals();
    } finally {
      if (hasSignalListeners()) watch();
    }
  };
  if (result.async) result.value.then(again);
  else queueMicrotask(again);
}

function tellWorker(signal: Signal, on: boolean): void {
  if (worker === undefined) {
    worker = new Worker(
      new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`),
      // SHARE_ENV: no copy of process.env, which would ask for env access (_pool.ts).
      { workerData: { sab: words.buffer, signals: SIGNALS }, env: SHARE_ENV },
    );
    worker.unref();
  }
  worker.postMessage({ signal, on });
}

function install(api: NonNullable<ReturnType<typeof denoSignalApi>>): void {
  const { add, remove } = api;
  const wrapper: SignalApi = {
    add: (signal: Signal, handler: () => void): void => {
      if (!SIGNALS.includes(signal)) return add(signal, handler);
      if (typeof handler !== "function") return add(signal, handler);
      let list = listeners.get(signal);
      if (list === undefined) listeners.set(signal, list = []);
      if (list.includes(handler)) return;
      list.push(handler);
      if (list.length === 1) tellWorker(signal, true);
      watch();
    },
    remove: (signal: Signal, handler: () => void): void => {
      if (!SIGNALS.includes(signal)) return remove(signal, handler);
      const list = listeners.get(signal);
      const at = list?.indexOf(handler) ?? -1;
      if (list === undefined || at < 0) return;
      list.splice(at, 1);
      if (list.length === 0) tellWorker(signal, false);
    },
  };
  api.replace(wrapper);
}

const signalApi = runtime.isMain ? denoSignalApi() : undefined;
if (signalApi !== undefined) {
  try {
    install(signalApi);
  } catch {
    // A frozen Deno namespace: listeners then run only when the event loop turns.
  }
}

/**
 * The words of the refusal of a signal listener in a thread (see the module doc);
 * `module`: the module whose top-level code calls, while a Worker evaluates it.
 */
function signalRefusal(
  signal: unknown,
  call: string,
  thread: string,
  module: string | undefined,
): ThreadError {
  const guard = module === undefined
    ? ""
    : `; this call is in the top-level code of ${module}, which each thread's Worker evaluates again: ${
      guardAdvice("it")
    }`;
  return new ThreadError(
    `Cannot listen to ${
      String(signal)
    } in thread "${thread}" (${call}): signals are delivered to the main thread only, as in Python ("signal only works in main thread of the main interpreter"). Add the listener in the main thread (Deno.addSignalListener there runs even while the main thread is blocked in join(), wait() or sleep()), and tell the threads from it, with an Event they check or a Queue they read${guard}`,
  );
}

/** The `process` methods that add a listener, and so listen to a signal event ("SIG..."). */
const PROCESS_ADDERS = [
  "on",
  "once",
  "addListener",
  "prependListener",
  "prependOnceListener",
] as const;

/**
 * In a thread's Worker: makes `Deno.addSignalListener` and `process.on("SIG...")` (and
 * the other adders of `process`) throw a `ThreadError` (see the module doc).
 * `threadName` names the thread that calls; `loading`, the module whose evaluation for
 * it runs now, if any. Idempotent per isolate.
 */
export function refuseThreadSignals(
  threadName: () => string,
  loading: () => string | undefined,
): void {
  if (refusing) return;
  refusing = true;
  const api = denoSignalApi();
  if (api !== undefined) {
    try {
      const add = (signal: Signal): void => {
        const error = signalRefusal(
          signal,
          "Deno.addSignalListener",
          threadName(),
          loading(),
        );
        Error.captureStackTrace?.(error, add); // the stack starts at the caller
        throw error;
      };
      api.replace({ add, remove: () => {} });
    } catch {
      // A frozen Deno namespace: nothing to wrap.
    }
  }
  const proc = process as unknown as Record<string, unknown>;
  for (const name of PROCESS_ADDERS) {
    const original = proc[name];
    if (typeof original !== "function") continue;
    const adder = function (this: unknown, event: unknown, ...rest: unknown[]): unknown {
      if (typeof event === "string" && event.startsWith("SIG")) {
        const error = signalRefusal(event, `process.${name}`, threadName(), loading());
        Error.captureStackTrace?.(error, adder); // the stack starts at the caller
        throw error;
      }
      return original.call(this, event, ...rest);
    };
    proc[name] = adder;
  }
}

let refusing = false;
