// Copyright the threading for Deno authors. MIT license.
/**
 * The main thread's pool of Workers. The main thread spawns every Worker (a Worker
 * started inside a Worker would die with its parent, and nested Workers boot slowly),
 * keeps finished ones warm for the next thread, one thread per Worker at a time, and
 * starts the threads that other threads ask for: from its event loop when it is idle,
 * between the slices of its blocking waits when it is blocked, and at the reads of a
 * polling loop (`servePending`; see `_futex.ts`).
 *
 * ## Idle retirement
 *
 * A finished thread's Worker stays warm (idle in `Atomics.wait`) for the next thread,
 * but it holds its isolate (about 17 MB of RSS): beyond a warm set of
 * {@linkcode WARM_SET} Workers (the larger of 4 and the number of cores), a Worker idle
 * for {@linkcode idleTimeout} ms (5,000 by default; `THREADING_IDLE_TIMEOUT`, read under
 * `--allow-env`) is ended, as piscina's `idleTimeout` above its `minThreads`. An
 * unref'd timer checks every second, while the pool holds more than the warm set; a
 * Worker writes when it became idle (`C_IDLE_AT`) before it stores `W_IDLE`. Retiring claims the Worker as a start does (CAS
 * `W_IDLE` -> `W_CLOSED`, on the main thread, which makes every claim): a start never
 * gets a retiring Worker, and a Worker claimed by a start is never retired.
 *
 * Workers are `node:worker_threads` Workers with `unref()`: no Worker keeps the process
 * alive by itself. Once the main thread's code has finished (`beforeunload`) while a
 * non-daemon thread is alive, the main thread is marked stopped and holds a referenced
 * timer instead, so the process ends when the main thread and every non-daemon thread
 * have ended, and daemon threads die with it.
 *
 * Each Worker starts from a `data:` URL entry (`node:worker_threads` takes no https
 * URL, and this library may come from JSR) and has its own heap limit, so that a thread
 * out of memory ends alone. A Worker's end reaches the thread table through shared
 * memory, written by the Worker itself (see `_worker.ts`); the `exit` and `error` events
 * here, and the `died` note of an entry whose bootstrap failed, are the fallbacks.
 *
 * @module
 */
import { envVar, mayRead, onMainIdle, unrefTimer } from "./_platform.ts";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  SHARE_ENV,
  Worker as NodeWorker,
} from "node:worker_threads";
import { getHeapStatistics } from "node:v8";
import { setMainService } from "./_futex.ts";
import { onProgramEnd } from "./_program_end.ts";
import { setIdleCloser } from "./_async_keep.ts";
import { packedWire } from "./_codec.ts";
import { writeStderr } from "./_output.ts";
import { LIBRARY_ENTRY, SOURCE_DIR, WORKER_MODULE } from "./_self.ts";
import {
  C_IDLE_AT,
  C_JOB,
  C_STATE,
  idleStamp,
  MAIL_BYTES,
  MAIL_OFFSET,
  type StartJob,
  type ToMain,
  W_BOOTING,
  W_BUSY,
  W_CLOSED,
  W_IDLE,
  writeMail,
} from "./_protocol.ts";
import {
  BOOT_KEY,
  endThread,
  failStart,
  H_NON_DAEMON,
  H_REQUESTS,
  readName,
  runtime,
  S_ALIVE,
  slotBase,
} from "./_runtime.ts";

/*
 * The Worker bootstrap (`WORKER_MODULE`, `_self.ts`): `_worker.ts`, or the bundle, which
 * holds it. `mod.ts` imports it too (it does nothing outside a Worker), so that it is
 * downloaded and cached before the first Worker needs it. On the cold cache
 * (`DENO_DIR`) of a JSR install, a Worker's download reuses the keep-alive connection
 * that the main thread opened, which moves only when the main thread's event loop
 * turns: it stalls while `start()` blocks the main thread in `Atomics.wait` (or fails,
 * "dispatch task is gone").
 */

/**
 * The module a Worker starts from: a `data:` URL, because `node:worker_threads` takes
 * only `file:` and `data:` URLs while this library may be loaded over https (from JSR).
 * It imports the bootstrap, and when that import fails (a missing permission, say) it
 * posts why on the Worker's channel, so that a starter blocked in `Atomics.wait` learns
 * it at the main thread's next wait slice, and ends quietly: the error is the starter's
 * to report (`start()` throws a `ThreadError`), not Deno's ("error: Uncaught (in
 * worker ...)" on stderr, once per spare Worker).
 *
 * The bootstrap's URL comes in `workerData`, so that the import is not analyzable:
 * under type checking (`deno test`, `deno run --check`) Deno checks a Worker's entry
 * graph as a new root, and an entry that named the bootstrap made a cold cache check the
 * library's whole graph again at the first `start()` (5-17 s, "Check data:..." printed
 * once per Worker; a `file:` entry of the bootstrap itself is checked the same way). The
 * bootstrap was checked with the program (`mod.ts` imports it) and is not checked again.
 *
 * No module a Worker loads has a top-level `await` (this entry imports without one):
 * Node 22 aborts the whole process ("Check failed: (location_) != nullptr" in
 * `AsyncModuleExecutionFulfilled`) when a Worker is terminated, at the process's exit,
 * while an async module of its graph is still evaluating: a spare Worker booting when
 * the program ended did it (1 run of the examples in 2 on Node).
 */
const ENTRY = new URL(
  `data:text/javascript,${
    encodeURIComponent(
      `import { workerData } from "node:worker_threads";
const boot = workerData[${JSON.stringify(BOOT_KEY)}];
import(boot.module).catch((error) => {
  boot.port.postMessage({ type: "died", reason: String(error?.message ?? error) });
  const i32 = new Int32Array(boot.runtime);
  Atomics.add(i32, ${H_REQUESTS}, 1);
  Atomics.notify(i32, ${H_REQUESTS});
});`,
    )
  }`,
);

/**
 * The heap limit of each Worker, in MB: the main isolate's own. With a limit of its own,
 * a thread that runs out of memory ends alone (its Worker is terminated) instead of
 * aborting the process ("Fatal JavaScript out of memory").
 *
 * The young generation keeps V8's default size. Capped at 1 or 2 MB
 * (`maxYoungGenerationSizeMb`), a Worker holding the library took 1.5 or 0.85 MB less
 * RSS (17.3 or 17.9 MB against 18.8 MB, 30 Workers, 3 rounds), but code that makes
 * many short-lived objects next to a live set of 20,000 ran 2-4× slower in such a
 * Worker (2.2-4.9 s against 1.0-1.8 s, 5 rounds alternated, load 4): not worth it.
 */
const HEAP_LIMIT_MB = Math.max(
  64,
  Math.floor(getHeapStatistics().heap_size_limit / (1024 * 1024)),
);

interface Pooled {
  worker: NodeWorker;
  port: MessagePort;
  control: Int32Array;
  /** The slot of the thread it runs (or ran last), or -1. */
  slot: number;
  /** The ident of that thread, or 0. */
  ident: number;
  /** Whether that thread is a daemon. */
  daemon: boolean;
  dead: boolean;
}

const pool: Pooled[] = [];

// The main program has ended (a `deno run --watch` restart too): its idle Workers wake
// and end themselves (`_program_end.ts`); busy ones end at their next wait slice.
onProgramEnd(() => {
  for (const pooled of pool) {
    Atomics.add(pooled.control, C_JOB, 1);
    Atomics.notify(pooled.control, C_JOB);
  }
});

function spawn(state: typeof W_BOOTING | typeof W_BUSY): Pooled {
  const control = new SharedArrayBuffer(MAIL_OFFSET + MAIL_BYTES);
  new Int32Array(control)[C_STATE] = state;
  const { port1, port2 } = new MessageChannel();
  const worker = new NodeWorker(ENTRY, {
    workerData: {
      [BOOT_KEY]: {
        runtime: runtime.sab,
        nodes: runtime.nodes,
        control,
        port: port2,
        module: WORKER_MODULE,
        heapLimitMb: HEAP_LIMIT_MB,
      },
    },
    transferList: [port2 as never],
    // Threads share the process's environment, as in Python. The default (a copy of
    // process.env) reads every variable: in a terminal, Deno stops at an "env access"
    // prompt at the first `new Thread()` when --allow-env is not given.
    env: SHARE_ENV,
    resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB },
  });
  worker.unref();
  const pooled: Pooled = {
    worker,
    port: port1,
    control: new Int32Array(control),
    slot: -1,
    ident: 0,
    daemon: false,
    dead: false,
  };
  port1.on("message", (message: ToMain) => serve(message, pooled));
  port1.unref();
  worker.on("error", (error: unknown) => died(pooled, error));
  worker.on("exit", () => {
    // A `died` note not yet delivered carries the real cause: serve it first.
    drain(pooled);
    died(pooled, undefined);
  });
  pool.push(pooled);
  if (pool.length > WARM_SET) armRetirement();
  return pooled;
}

function died(pooled: Pooled, error: unknown): void {
  if (pooled.dead) return;
  pooled.dead = true;
  Atomics.store(pooled.control, C_STATE, W_CLOSED);
  const index = pool.indexOf(pooled);
  if (index >= 0) pool.splice(index, 1);
  if (pooled.slot >= 0) {
    failStart(
      pooled,
      `ThreadError\nthe thread's Worker ended before the thread ran: ${
        error === undefined ? "it exited" : (error as Error)?.message ?? String(error)
      }`,
    );
  }
  // A Worker that dies while its thread runs (it ran out of memory, say) ends that
  // thread: its joiners wake and the exit rules count it gone.
  if (pooled.slot >= 0 && pooled.ident !== 0) {
    const name = readName(runtime, pooled.slot);
    if (endThread(pooled.slot, pooled.ident, pooled.daemon)) {
      writeStderr(
        `Exception in thread ${name}: its Worker ended while the thread ran${
          error === undefined ? "" : `: ${(error as Error)?.message ?? String(error)}`
        }\n`,
      );
    }
  }
}

/**
 * Hands a start job to an idle Worker, or to a new one. Main thread only.
 *
 * @returns The control words of the idle (booted) Worker that got the job in its
 * mailbox (it empties `C_MAIL` when it takes it), else undefined.
 */
export function dispatch(job: StartJob): Int32Array | undefined {
  flushPrewarm();
  let chosen: Pooled | undefined;
  let warm = false;
  // Best an idle Worker, else a spare still booting (it takes the job once booted).
  for (const from of [W_IDLE, W_BOOTING]) {
    for (const pooled of pool) {
      if (
        !pooled.dead &&
        Atomics.compareExchange(pooled.control, C_STATE, from, W_BUSY) === from
      ) {
        chosen = pooled;
        warm = from === W_IDLE;
        break;
      }
    }
    if (chosen !== undefined) break;
  }
  chosen ??= spawn(W_BUSY);
  let mailed = false;
  try {
    mailed = writeMail(chosen.control, job);
    if (!mailed) chosen.port.postMessage({ ...job, payload: packedWire(job.payload) });
  } catch (error) {
    // Not sent (an argument the clone refuses): the Worker is free for the next job.
    Atomics.store(chosen.control, C_STATE, W_IDLE);
    throw error;
  }
  chosen.slot = job.slot;
  chosen.ident = job.ident;
  chosen.daemon = job.daemon;
  Atomics.add(chosen.control, C_JOB, 1);
  Atomics.notify(chosen.control, C_JOB);
  if (!job.daemon) keepAlive();
  // Keep one Worker warm (idle, or booting into idle) so that the next start is warm.
  // Cold starts in a row boot it at once, so that boots overlap. Otherwise it boots when
  // the main thread's event loop turns: creating a Worker blocks the main thread for
  // 50-120 ms, which a start that found an idle Worker, or the join that follows, must
  // not pay for a spare that a start+join loop never uses; and a lone cold start's
  // spare does not compete with the boot that start waits for.
  if (!warm && lastCold) {
    prewarm(1);
  } else if (!deferred) {
    deferred = true;
    unrefTimer(setTimeout(bootDeferred, 0));
  }
  lastCold = !warm;
  return warm && mailed ? chosen.control : undefined;
}

/** Whether the last start found no idle Worker. */
let lastCold = false;
/** Whether a spare is to boot when the main thread's event loop turns. */
let deferred = false;

/** Boots the deferred spare (the main thread's event loop turned). */
function bootDeferred(): void {
  if (!deferred) return;
  deferred = false;
  prewarm(1);
}

/** Spares asked by {@linkcode prewarmSoon}, not booted yet. */
let soon = 0;

/**
 * Asks for `n` spare Workers (see {@linkcode prewarm}), booted at the next start.
 * `new Thread()` calls it: `new NodeWorker` creates the Worker's isolate synchronously
 * (50-80 ms each on an idle 2-core machine, 130-250 ms under load), so a construction
 * boots nothing and costs microseconds, and a Python-style `new Thread(...)` ×4 then
 * `start()` ×4 boots the 4 Workers side by side at the first `start()`. Nothing boots
 * before a start: a microtask, later an unref'd timer, booted them once the code
 * yielded, so that a program that constructs threads and ends without starting them
 * booted them at its end only to end them (0.5 s a Worker under load), and what keeps
 * the event loop alive for a turn (an import) made a timer no better. Main thread only.
 */
export function prewarmSoon(n: number): void {
  soon = Math.max(soon, n);
}

function flushPrewarm(): void {
  if (soon === 0) return;
  const n = soon;
  soon = 0;
  prewarm(n);
}

/**
 * The library's files a Worker loads: its folder and `mod.ts` beside it, or its folder
 * and the bundle.
 */
const LIBRARY_FILES = [new URL(SOURCE_DIR), new URL(LIBRARY_ENTRY)];
let readableLibrary = false;

/**
 * The first of the library's local files that this program may not read, if any: a
 * Worker could not load the library. Granted permissions never shrink, so a yes is kept.
 */
export function unreadableLibraryFile(): URL | undefined {
  if (readableLibrary) return undefined;
  const missing = LIBRARY_FILES.find((url) => url.protocol === "file:" && !mayRead(url));
  readableLibrary = missing === undefined;
  return missing;
}

/** Most spare Workers that {@linkcode prewarm} keeps booted ahead of need. */
export const MAX_SPARES = 4;

/**
 * Makes sure that `n` Workers (at most {@linkcode MAX_SPARES}) are idle or booting, so
 * that the next starts need not wait for a Worker to boot. Main thread only.
 */
export function prewarm(n: number): void {
  // A spare that cannot read the library would only fail, and in a terminal Deno would
  // first stop at a read prompt for it: start() says which permission is missing instead.
  if (unreadableLibraryFile() !== undefined) return;
  let spare = 0;
  for (const p of pool) {
    const state = Atomics.load(p.control, C_STATE);
    if (!p.dead && (state === W_IDLE || state === W_BOOTING)) spare++;
  }
  try {
    for (let i = spare; i < Math.min(n, MAX_SPARES); i++) spawn(W_BOOTING);
  } catch {
    // No spare (no read permission, say): start() reports what stops a thread.
  }
}

function serve(message: ToMain, from: Pooled): void {
  Atomics.sub(runtime.i32, H_REQUESTS, 1);
  if (message.type === "died") {
    died(from, new Error(message.reason));
    return;
  }
  try {
    dispatch(message);
  } catch (error) {
    // A start asked by a thread that no Worker can take: its starter throws at once.
    failStart(message, `ThreadError\n${(error as Error)?.message ?? String(error)}`);
  }
}

/** Serves the messages that `pooled`'s Worker has posted and are not yet delivered. */
function drain(pooled: Pooled): void {
  for (;;) {
    const received = receiveMessageOnPort(pooled.port);
    if (received === undefined) break;
    serve(received.message as ToMain, pooled);
  }
}

/**
 * Serves the requests posted to the main thread. Runs between wait slices.
 * @returns Whether there were any.
 */
function service(): boolean {
  // A main thread blocked for long still retires idle Workers (their timer cannot run).
  if (retirementDue !== undefined && performance.now() >= retirementDue) {
    clearTimeout(retirement);
    retireIdle();
  }
  if (Atomics.load(runtime.i32, H_REQUESTS) === 0) return false;
  for (const pooled of [...pool]) drain(pooled);
  return true;
}

if (runtime.isMain) {
  setMainService(service);
  setIdleCloser(closeIdle);
}

let keeper: ReturnType<typeof setInterval> | undefined;
let watching = false;

/**
 * Holds the process open while a non-daemon thread is alive, from the moment the main
 * thread's own code has finished (Deno's `beforeunload`: the event loop has no more
 * work). Then, as CPython's `threading._shutdown()`, the main thread is marked stopped
 * (so that `mainThread().join()` in a thread returns), and a referenced timer with an
 * async wait on the count of non-daemon threads keeps the process until that count is
 * zero; the event loop then empties again and the process ends, killing daemon threads.
 */
function keepAlive(): void {
  if (watching) return;
  watching = true;
  onMainIdle(() => {
    if (Atomics.load(runtime.i32, H_NON_DAEMON) <= 0) return false;
    stopMain();
    if (keeper !== undefined) return true;
    keeper = setInterval(() => {}, 1 << 30);
    (async () => {
      for (;;) {
        const n = Atomics.load(runtime.i32, H_NON_DAEMON);
        if (n <= 0) break;
        const result = Atomics.waitAsync(runtime.i32, H_NON_DAEMON, n);
        if (result.async) await result.value;
      }
      clearInterval(keeper);
      keeper = undefined;
    })();
    return true;
  });
}

/** Marks the main thread stopped: its code has finished; its joiners wake. */
function stopMain(): void {
  const word = slotBase(0) + S_ALIVE;
  if (Atomics.compareExchange(runtime.i32, word, 1, 0) === 1) {
    Atomics.notify(runtime.i32, word);
  }
}

/**
 * Ends the pooled Workers that are idle, so that a program (or a test, under Deno's
 * sanitizers) can finish with no Worker left. Threads still running are not touched.
 */
export async function closeIdle(): Promise<void> {
  if (retirement !== undefined) clearTimeout(retirement);
  retirement = undefined;
  retirementDue = undefined;
  soon = 0;
  lastCold = false;
  deferred = false;
  const ending: Promise<void>[] = [];
  const closing: Pooled[] = [];
  for (const pooled of [...pool]) {
    if (pooled.dead) continue;
    const state = Atomics.compareExchange(pooled.control, C_STATE, W_IDLE, W_CLOSED);
    if (
      state === W_BOOTING &&
      Atomics.compareExchange(pooled.control, C_STATE, W_BOOTING, W_CLOSED) === W_BOOTING
    ) {
      // A spare still booting: it has no thread; end it by force.
      pooled.dead = true;
      pool.splice(pool.indexOf(pooled), 1);
      closing.push(pooled);
      ending.push(pooled.worker.terminate().then(() => {}));
      continue;
    }
    if (state !== W_IDLE) continue;
    closing.push(pooled);
    ending.push(retire(pooled));
  }
  await Promise.all(ending);
  for (const pooled of closing) pooled.port.close();
}

/**
 * Ends a Worker that the main thread has claimed for closing (`C_STATE` CAS from
 * `W_IDLE` to `W_CLOSED`): it leaves its job loop and exits.
 * @returns A promise that resolves once it has exited.
 */
function retire(pooled: Pooled): Promise<void> {
  pooled.dead = true;
  pool.splice(pool.indexOf(pooled), 1);
  pooled.port.postMessage({ type: "close" });
  Atomics.add(pooled.control, C_JOB, 1);
  Atomics.notify(pooled.control, C_JOB);
  return new Promise<void>((resolve) => {
    // The Worker is unref'd: hold the event loop open until it has exited, and end
    // it by force if it does not leave its loop in time.
    const force = setTimeout(() => pooled.worker.terminate(), 2000);
    pooled.worker.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
  });
}

/**
 * Workers kept warm however long they idle: the larger of 4 and the number of cores
 * (see the module doc).
 */
export const WARM_SET: number = Math.max(
  4,
  globalThis.navigator?.hardwareConcurrency ?? 0,
);

/** How often the retirement timer looks at the idle Workers, in milliseconds. */
const RETIREMENT_TICK_MS = 1000;

let idleTimeoutMs: number | undefined;

/**
 * How long a Worker beyond the warm set may idle before it is ended, in milliseconds:
 * `THREADING_IDLE_TIMEOUT` (read under `--allow-env`), else 5,000.
 */
export function idleTimeout(): number {
  if (idleTimeoutMs === undefined) {
    const text = envVar("THREADING_IDLE_TIMEOUT");
    const ms = text === undefined || text.trim() === "" ? NaN : Number(text);
    idleTimeoutMs = Number.isFinite(ms) && ms >= 0 ? ms : 5000;
  }
  return idleTimeoutMs;
}

let retirement: ReturnType<typeof setTimeout> | undefined;
/** When the armed retirement timer is due (`performance.now()`), for {@linkcode service}. */
let retirementDue: number | undefined;

/** Arms the retirement timer (unref'd), unless it is armed. */
function armRetirement(): void {
  if (retirement !== undefined) return;
  const ms = Math.min(RETIREMENT_TICK_MS, idleTimeout());
  retirementDue = performance.now() + ms;
  retirement = setTimeout(retireIdle, ms);
  unrefTimer(retirement);
}

/**
 * Ends the Workers beyond the warm set that have idled long enough (see the module doc):
 * from its timer, or from {@linkcode service} while the main thread is blocked.
 */
function retireIdle(): void {
  retirement = undefined;
  retirementDue = undefined;
  const stamp = idleStamp();
  const limit = idleTimeout();
  let excess = pool.filter((p) => !p.dead).length - WARM_SET;
  for (const pooled of [...pool]) {
    if (excess <= 0) break;
    if (pooled.dead) continue;
    if (
      Atomics.load(pooled.control, C_STATE) === W_IDLE &&
      ((stamp - Atomics.load(pooled.control, C_IDLE_AT)) | 0) * 10 >= limit &&
      Atomics.compareExchange(pooled.control, C_STATE, W_IDLE, W_CLOSED) === W_IDLE
    ) {
      excess--;
      retire(pooled).then(() => pooled.port.close());
    }
  }
  if (pool.length > WARM_SET) armRetirement();
}

/** Number of Workers in the pool, busy or idle. */
export function poolSize(): number {
  return pool.length;
}
