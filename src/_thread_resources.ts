// Copyright the threading for Deno authors. MIT license.
/**
 * What a thread starts that the runtime would keep running after the thread ended, in
 * the next thread of the same Worker, under that thread's name: ended with the thread,
 * as its timers are (`_thread_timers.ts`).
 *
 * | what the thread started | without this | ended how, when the thread ends |
 * | --- | --- | --- |
 * | `AbortSignal.timeout(ms)` (Deno's own timer, not the global `setTimeout`) | it aborts during the next thread | its timer is a tracked `setTimeout`, cleared with the thread's timers: the signal never aborts |
 * | `console.group()` left open | the next thread's lines are indented | `console.groupEnd()` as many times as the thread opened groups |
 * | a server (`Deno.serve`) | it answers requests as the next thread (`currentThread()`) | `shutdown()`: in-flight requests finish, no new one is taken; the thread's end waits for it |
 * | a listener (`Deno.listen`, `Deno.listenTls`) | the next thread's code may accept on it | closed |
 *
 * ## Ordering: closed before the joiners wake
 *
 * Deno frees a socket only when its event loop turns after `close()` (a pending
 * `accept` holds it until the loop polls it), and an idle Worker sits in `Atomics.wait`,
 * where its loop never turns: a port closed there would stay open, and every request to
 * it hang. So the job loop awaits {@linkcode endThreadResources} as the thread's `run()`
 * has settled, before its joiners wake: servers shut down (awaited), listeners closed,
 * then one timer turn of the loop (the socket is freed). A client that connects after
 * `join()` returned is refused. When the thread left none of them, this costs nothing
 * (no await). The `onThreadEnd` listener (`_reclaim.ts`) ends what is left when the
 * Worker itself ends (`Deno.exit()`), where the port closes with the Worker.
 *
 * A thread that must keep serving awaits it (`await server.finished`), as a Python
 * thread blocks in `serve_forever()`. Other async work a thread leaves pending (a
 * `fetch`, a file read) is not tracked: see the README ("A thread's pending timers end
 * with it").
 *
 * @module
 */
import { onThreadEnd } from "./_reclaim.ts";

/** Work to do when the running thread ends: shutdowns (a promise) and closes. */
const ends = new Set<() => Promise<void> | void>();
/** Groups of `console` the running thread opened and did not close. */
let openGroups = 0;
let installed = false;

/** Runs `end` when the running thread ends, unless `done()` was called before. */
function atThreadEnd(end: () => Promise<void> | void): () => void {
  ends.add(end);
  return () => ends.delete(end);
}

/** Runs every end still registered; the shutdowns' promises, settled either way. */
function runEnds(): Promise<unknown>[] {
  const pending = [...ends];
  ends.clear();
  const waits: Promise<unknown>[] = [];
  for (const end of pending) {
    try {
      const done = end();
      if (done !== undefined) waits.push(done.catch(() => {}));
    } catch {
      // Already closed by the thread, or failing: nothing of it is left to end.
    }
  }
  return waits;
}

/** The runtime's own `setTimeout` (not the tracked one of `_thread_timers.ts`). */
let rawSetTimeout: typeof setTimeout = globalThis.setTimeout;

/**
 * Ends the servers and listeners the running thread left open, as the module doc says:
 * servers shut down (their in-flight requests finish), listeners closed, then one turn
 * of the event loop, after which their ports refuse connections. Call it as the thread's
 * `run()` has settled, before its joiners wake.
 * @returns A promise to await, or `undefined` when the thread left none (no await).
 */
export function endThreadResources(): Promise<void> | undefined {
  if (ends.size === 0) return undefined;
  const waits = runEnds();
  // The loop turns at least once (a timer, not an immediate: Deno polls its pending
  // operations, where a closed socket is freed, in the timer phase's turn).
  return Promise.all(waits).then(() =>
    new Promise((resolve) => rawSetTimeout(resolve, 0))
  );
}

/**
 * Wraps `AbortSignal.timeout`, `console.group`/`groupCollapsed`/`groupEnd`,
 * `Deno.serve`, `Deno.listen` and `Deno.listenTls` in this isolate (a Worker) so that
 * what a thread leaves of them ends with it. Idempotent; call it before any thread's
 * code runs.
 */
export function trackThreadResources(): void {
  if (installed) return;
  installed = true;
  rawSetTimeout = globalThis.setTimeout;
  wrapAbortTimeout();
  wrapGroups();
  wrapServers();
  onThreadEnd(endAtThreadEnd);
}

/**
 * What is left when the thread ends (its joiners wake next): ended synchronously. A
 * listener of `_reclaim.ts` runs once, so it registers again for the next thread.
 */
function endAtThreadEnd(): void {
  runEnds();
  const groupEnd = console.groupEnd;
  for (; openGroups > 0; openGroups--) groupEnd.call(console);
  onThreadEnd(endAtThreadEnd);
}

function wrapAbortTimeout(): void {
  const original = AbortSignal.timeout;
  if (typeof original !== "function") return;
  const setT = globalThis.setTimeout;
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  AbortSignal.timeout = function timeout(ms: number): AbortSignal {
    // What the original refuses (a negative, NaN or huge delay), it refuses itself.
    if (!(Number.isFinite(ms) && ms >= 0 && ms <= Number.MAX_SAFE_INTEGER)) {
      return original.call(AbortSignal, ms);
    }
    const controller = new AbortController();
    const handle = setT(() => {
      controller.abort(new DOMException("Signal timed out.", "TimeoutError"));
    }, Math.trunc(ms));
    // As the runtime's own: the signal does not keep the thread's event loop alive.
    if (deno !== undefined) deno.unrefTimer(handle as unknown as number);
    else (handle as { unref?: () => void }).unref?.();
    return controller.signal;
  };
}

function wrapGroups(): void {
  const c = console as unknown as Record<string, (...a: unknown[]) => void>;
  for (const name of ["group", "groupCollapsed"]) {
    const open = c[name];
    if (typeof open !== "function") continue;
    c[name] = function (this: unknown, ...a: unknown[]) {
      openGroups++;
      return open.apply(this ?? console, a);
    };
  }
  const close = c.groupEnd;
  if (typeof close === "function") {
    c.groupEnd = function (this: unknown, ...a: unknown[]) {
      if (openGroups > 0) openGroups--;
      return close.apply(this ?? console, a);
    };
  }
}

function wrapServers(): void {
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  if (deno === undefined) return;
  type Server = { shutdown(): Promise<void>; finished?: Promise<void> };
  wrapLazily(deno, "serve", (serve) =>
    function (this: unknown, ...a: unknown[]) {
      const server = serve.apply(this ?? deno, a) as Server;
      const done = atThreadEnd(() => server.shutdown());
      server.finished?.then(done, done);
      return server;
    });
  for (const name of ["listen", "listenTls"]) {
    wrapLazily(deno, name, (listen) =>
      function (this: unknown, ...a: unknown[]) {
        const listener = listen.apply(this ?? deno, a) as { close(): void };
        const close = listener.close;
        const done = atThreadEnd(() => close.call(listener));
        listener.close = function (this: unknown) {
          done();
          return close.call(this ?? listener);
        };
        return listener;
      });
  }
}

type Fn = (...a: unknown[]) => unknown;

/**
 * Replaces the function `object[name]` by `wrap(it)` without reading it now: Deno loads
 * some functions of its namespace at their first read (`Deno.serve` brings its HTTP
 * server's code, about 0.3 MB in a Worker that never serves), so the function is read,
 * and wrapped, at the first read of the thread's code. A value the thread assigns is
 * kept as it is until the thread ends.
 */
function wrapLazily(
  object: Record<string, unknown>,
  name: string,
  wrap: (f: Fn) => Fn,
): void {
  const desc = Object.getOwnPropertyDescriptor(object, name);
  if (desc === undefined || !desc.configurable) return;
  let assigned = false;
  let value: unknown;
  let wrapped: unknown;
  Object.defineProperty(object, name, {
    get() {
      if (assigned) return value;
      if (wrapped === undefined) {
        const original = desc.get !== undefined ? desc.get.call(object) : desc.value;
        wrapped = typeof original === "function" ? wrap(original as Fn) : original;
      }
      return wrapped;
    },
    set(v: unknown) {
      // The thread's own replacement, until the thread ends (as its other globals).
      assigned = true;
      value = v;
      atThreadEnd(() => {
        assigned = false;
        value = undefined;
      });
    },
    enumerable: desc.enumerable,
    configurable: true,
  });
}
