// Copyright the threading for Deno authors. MIT license.
/**
 * The main thread's own servers, and the warning when the main thread blocks while one
 * is open.
 *
 * A server that the main thread's code opens (`Deno.serve`, `Deno.listen`,
 * `Deno.listenTls`) answers only when the main thread's event loop turns, and a main
 * thread blocked in a blocking call of this library (`join()`, `acquire()`, `wait()`,
 * `get()`, `sleep()`) turns none. A thread that fetches from that server then waits
 * forever, and the main thread that joins it too: a silent hang, where CPython (whose
 * `http.server` runs in a thread of its own) just works. The library cannot answer for
 * the main thread; it says what happens, once:
 *
 * | step | how |
 * | --- | --- |
 * | tracking | on the main thread, `Deno.serve`, `Deno.listen` and `Deno.listenTls` are wrapped at their first read (as `_thread_resources.ts` does in a Worker): a server counts as open until its `shutdown()`, or its `finished` settles; a listener until its `close()` |
 * | probing | at each slice of a blocking wait of the main thread (`onSlice` of `dump.ts`, every 4-32 ms) while one is open: a 0 ms timer (unref'd) is armed, unless one is pending; it fires when the event loop turns |
 * | warning | when that timer has been pending for {@linkcode SERVER_WARN_MS} (the event loop has not turned for that long, across any number of blocking calls) and another thread is alive: one `RuntimeWarning` on stderr per process, naming the server's address, the main thread's blocking call, and the fixes |
 *
 * It costs nothing while no server of the main thread is open (one comparison per wait
 * slice), and never stops anything: the warning only says why the program hangs. A
 * main thread that polls without waiting (`while (t.isAlive()) {}`) is not probed. Deno
 * only: Node's and Bun's servers (`http.createServer`, `Bun.serve`) are not tracked.
 *
 * @module
 */
import { unrefTimer } from "./_platform.ts";
import {
  H_HIGH,
  readName,
  runtime,
  S_ALIVE,
  S_WAIT_ID,
  S_WAIT_KIND,
  slotBase,
} from "./_runtime.ts";
import { KIND_JOIN, slotOfIdent, WAIT_FOREVER } from "./_waits.ts";
import { WARNED_MAIN_SERVER_BLOCKED, warnOnce } from "./_warn_once.ts";

/**
 * How long the main thread's event loop may stay still, in blocking calls of this
 * library, while one of its servers is open and another thread lives, before the
 * warning, in milliseconds.
 */
export const SERVER_WARN_MS = 5000;

/** The main thread's open servers and listeners, as text (`server on 127.0.0.1:8000`). */
const open = new Map<object, string>();
/** When the pending probe timer was armed (`performance.now()`), or -1: none pending. */
let probeAt = -1;
let warned = false;

/**
 * For each kind of wait (`KINDS` of `_waits.ts`): the blocking call, and its async
 * twin to use on the main thread.
 */
const CALLS: readonly (readonly [string, string])[] = [
  ["a blocking call", "its async twin"],
  ["Lock.acquire()", "await lock.acquireAsync()"],
  ["RLock.acquire()", "await rlock.acquireAsync()"],
  ["Condition.wait()", "await cond.waitAsync()"],
  ["Semaphore.acquire()", "await sem.acquireAsync()"],
  ["Event.wait()", "await e.waitAsync()"],
  ["Barrier.wait()", "await barrier.waitAsync()"],
  ["Thread.join()", "await t.joinAsync()"],
  ["Queue.get()", "await q.getAsync()"],
  ["sleep()", "await new Promise((r) => setTimeout(r, ms))"],
  ["Queue.put()", "await q.putAsync(item)"],
  ["Queue.join()", "await q.joinAsync()"],
];

/** The address of a server or listener, as text (`127.0.0.1:8000`, a socket's path). */
function addressOf(thing: { addr?: unknown }): string {
  try {
    const addr = thing.addr as { hostname?: string; port?: number; path?: string };
    if (addr?.port !== undefined) {
      const host = addr.hostname?.includes(":") ? `[${addr.hostname}]` : addr.hostname;
      return `${host}:${addr.port}`;
    }
    if (addr?.path !== undefined) return addr.path;
  } catch {
    // No address (closed already): the generic words.
  }
  return "(unknown address)";
}

/**
 * Called at each slice of a blocking wait of the main thread (`dump.ts`): probes the
 * event loop and warns, as the module doc says.
 */
export function checkMainServers(): void {
  if (open.size === 0 || warned) return;
  const now = performance.now();
  if (probeAt < 0) {
    probeAt = now;
    unrefTimer(setTimeout(() => probeAt = -1, 0));
    return;
  }
  if (now - probeAt < SERVER_WARN_MS || !otherThreadAlive()) return;
  warned = true;
  warnOnce(WARNED_MAIN_SERVER_BLOCKED, blockedServerWarning(now - probeAt));
}

/** Whether a thread other than the main thread is alive. */
function otherThreadAlive(): boolean {
  const rt = runtime.i32;
  const high = Atomics.load(rt, H_HIGH);
  for (let slot = 1; slot < high; slot++) {
    if (Atomics.load(rt, slotBase(slot) + S_ALIVE) !== 0) return true;
  }
  return false;
}

/** The warning's text, for the main thread's current wait, blocked for `ms`. */
function blockedServerWarning(ms: number): string {
  const rt = runtime.i32;
  const kindWord = Atomics.load(rt, slotBase(0) + S_WAIT_KIND);
  const kind = kindWord & 0xff;
  const [call, twin] = CALLS[kind] ?? CALLS[0];
  let what = "";
  if (kind === KIND_JOIN) {
    const ident = Atomics.load(rt, slotBase(0) + S_WAIT_ID);
    const slot = slotOfIdent(ident);
    const name = slot < 0 ? undefined : readName(runtime, slot, ident);
    what = ` on ${name === undefined ? `thread ident ${ident}` : JSON.stringify(name)}`;
  }
  const timeout = (kindWord & WAIT_FOREVER) !== 0 ? " with no timeout" : "";
  const servers = [...open.values()];
  const where = `its ${servers.join(", ")} ${servers.length === 1 ? "is" : "are"} open`;
  const fix = kind === KIND_JOIN ? twin : `${twin}, and await t.joinAsync() for a join`;
  return `RuntimeWarning: the main thread has been blocked for ${
    Math.floor(ms / 1000)
  } s, now in ${call}${what}${timeout}, while ${where}: a server of the main thread answers only when the main thread's event loop turns, and a blocked main thread turns none, so a thread that fetches from it waits forever. On the main thread use the async twins (${fix}), or run the server in a thread.`;
}

type Fn = (...a: unknown[]) => unknown;

/**
 * Replaces the function `object[name]` by `wrap(it)` at its first read (Deno loads
 * `Deno.serve`'s HTTP server at its first read: a program that never serves does not
 * pay for it). A value the program assigns replaces the wrapper for good.
 */
function wrapLazily(object: Record<string, unknown>, name: string, wrap: (f: Fn) => Fn) {
  const desc = Object.getOwnPropertyDescriptor(object, name);
  if (desc === undefined || !desc.configurable) return;
  let wrapped: unknown;
  Object.defineProperty(object, name, {
    get() {
      if (wrapped === undefined) {
        const original = desc.get !== undefined ? desc.get.call(object) : desc.value;
        wrapped = typeof original === "function" ? wrap(original as Fn) : original;
      }
      return wrapped;
    },
    set(value: unknown) {
      Object.defineProperty(object, name, {
        value,
        writable: true,
        enumerable: desc.enumerable,
        configurable: true,
      });
    },
    enumerable: desc.enumerable,
    configurable: true,
  });
}

/** Counts `thing` (a `what`: server, listener) open until the returned function is called. */
function track(thing: object, what: string): () => void {
  open.set(thing, `${what} on ${addressOf(thing as { addr?: unknown })}`);
  return () => {
    open.delete(thing);
  };
}

/**
 * Wraps the main thread's `Deno.serve`, `Deno.listen` and `Deno.listenTls` so that
 * their servers and listeners are tracked (see the module doc). Main thread, Deno
 * only; idempotent.
 */
function trackMainServers(): void {
  const deno = (globalThis as { Deno?: Record<string, unknown> }).Deno;
  if (deno === undefined) return;
  type Server = {
    shutdown(): Promise<void>;
    finished?: Promise<void>;
    addr?: unknown;
  };
  wrapLazily(deno, "serve", (serve) =>
    function (this: unknown, ...a: unknown[]) {
      const server = serve.apply(this ?? deno, a) as Server;
      if (typeof server?.shutdown !== "function") return server;
      const closed = track(server, "server");
      server.finished?.then(closed, closed);
      const shutdown = server.shutdown;
      server.shutdown = function (this: unknown) {
        closed();
        return shutdown.call(this ?? server);
      };
      return server;
    });
  for (const name of ["listen", "listenTls"]) {
    wrapLazily(deno, name, (listen) =>
      function (this: unknown, ...a: unknown[]) {
        const listener = listen.apply(this ?? deno, a) as { close(): void };
        if (typeof listener?.close !== "function") return listener;
        const closed = track(listener, "listener");
        const close = listener.close;
        listener.close = function (this: unknown) {
          closed();
          return close.call(this ?? listener);
        };
        // `using listener = Deno.listen(...)` closes it by its dispose method.
        const own = listener as { [Symbol.dispose]?: () => void };
        const dispose = own[Symbol.dispose];
        if (typeof dispose === "function") {
          own[Symbol.dispose] = function (this: unknown) {
            closed();
            return dispose.call(this ?? listener);
          };
        }
        return listener;
      });
  }
}

if (runtime.isMain) trackMainServers();
