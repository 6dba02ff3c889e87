// Copyright the threading for Deno authors. MIT license.
/**
 * The main thread's pool of Workers. The main thread spawns every Worker (a Worker
 * started inside a Worker would die with its parent, and nested Workers boot slowly),
 * keeps finished ones warm for the next thread, one thread per Worker at a time, and
 * starts the threads that other threads ask for: from its event loop when it is idle,
 * and between the slices of its blocking waits when it is blocked (see `_futex.ts`).
 *
 * Workers are `node:worker_threads` Workers with `unref()`: no Worker keeps the process
 * alive by itself. While any non-daemon thread is alive, the main thread holds a
 * referenced timer instead, so the process ends when the main thread and every
 * non-daemon thread have ended, and daemon threads die with it.
 *
 * @module
 */
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker as NodeWorker,
} from "node:worker_threads";
import { setMainService } from "./_futex.ts";
import { writeStderr } from "./_output.ts";
import {
  C_JOB,
  C_STATE,
  CONTROL_WORDS,
  type StartJob,
  type ToMain,
  W_BOOTING,
  W_BUSY,
  W_CLOSED,
  W_IDLE,
} from "./_protocol.ts";
import {
  BOOT_KEY,
  endThread,
  H_NON_DAEMON,
  H_REQUESTS,
  readName,
  runtime,
  S_START,
  slotBase,
  START_FAILED,
  START_PENDING,
  writeSlotText,
} from "./_runtime.ts";

const WORKER_URL = new URL("./_worker.ts", import.meta.url);

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

function spawn(state: typeof W_BOOTING | typeof W_BUSY): Pooled {
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  new Int32Array(control)[C_STATE] = state;
  const { port1, port2 } = new MessageChannel();
  const worker = new NodeWorker(WORKER_URL, {
    workerData: {
      [BOOT_KEY]: { runtime: runtime.sab, control, port: port2 },
    },
    transferList: [port2 as never],
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
  port1.on("message", (message: ToMain) => serve(message));
  port1.unref();
  worker.on("error", (error: unknown) => died(pooled, error));
  worker.on("exit", () => died(pooled, undefined));
  pool.push(pooled);
  return pooled;
}

function died(pooled: Pooled, error: unknown): void {
  if (pooled.dead) return;
  pooled.dead = true;
  Atomics.store(pooled.control, C_STATE, W_CLOSED);
  const index = pool.indexOf(pooled);
  if (index >= 0) pool.splice(index, 1);
  if (pooled.slot >= 0) {
    const base = slotBase(pooled.slot);
    if (Atomics.load(runtime.i32, base + S_START) === START_PENDING) {
      writeSlotText(
        runtime,
        pooled.slot,
        `ThreadError\nthe thread's Worker ended before the thread ran: ${
          error === undefined ? "it exited" : (error as Error)?.message ?? String(error)
        }`,
      );
      Atomics.store(runtime.i32, base + S_START, START_FAILED);
      Atomics.notify(runtime.i32, base + S_START);
    }
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

/** Hands a start job to an idle Worker, or to a new one. Main thread only. */
export function dispatch(job: StartJob): void {
  bootDeferred(true);
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
  chosen.slot = job.slot;
  chosen.ident = job.ident;
  chosen.daemon = job.daemon;
  chosen.port.postMessage(job);
  Atomics.add(chosen.control, C_JOB, 1);
  Atomics.notify(chosen.control, C_JOB);
  if (!job.daemon) keepAlive();
  // Keep one Worker warm (idle, or booting into idle) so that the next start is warm.
  // A lone start that waits for a booting Worker boots the spare only once its thread
  // runs, so that no boot competes with the one it waits for; starts in a row boot it at
  // once, so that boots overlap.
  if (!warm && !lastCold) {
    deferred = true;
    deferredSlot = job.slot;
    Deno.unrefTimer(setTimeout(() => bootDeferred(true), 0));
  } else {
    prewarm(1);
  }
  lastCold = !warm;
}

/** Whether the last start found no idle Worker. */
let lastCold = false;
/** Whether a spare is to boot once the thread in `deferredSlot` runs. */
let deferred = false;
let deferredSlot = -1;

/**
 * Boots the deferred spare once the thread it waits for no longer waits to start, or at
 * once with `now` (the next start, or the main thread's event loop turned).
 */
function bootDeferred(now: boolean): void {
  if (!deferred) return;
  if (
    !now &&
    Atomics.load(runtime.i32, slotBase(deferredSlot) + S_START) === START_PENDING
  ) return;
  deferred = false;
  prewarm(1);
}

/** Most spare Workers that {@linkcode prewarm} keeps booted ahead of need. */
export const MAX_SPARES = 4;

/**
 * Makes sure that `n` Workers (at most {@linkcode MAX_SPARES}) are idle or booting, so
 * that the next starts need not wait for a Worker to boot. Main thread only.
 */
export function prewarm(n: number): void {
  let spare = 0;
  for (const p of pool) {
    if (!p.dead && Atomics.load(p.control, C_STATE) !== W_BUSY) spare++;
  }
  try {
    for (let i = spare; i < Math.min(n, MAX_SPARES); i++) spawn(W_BOOTING);
  } catch {
    // No spare (no read permission, say): start() reports what stops a thread.
  }
}

function serve(message: ToMain): void {
  Atomics.sub(runtime.i32, H_REQUESTS, 1);
  if (message.type === "start") dispatch(message);
}

/** Serves the requests posted to the main thread. Runs between wait slices. */
function service(): void {
  bootDeferred(false);
  if (Atomics.load(runtime.i32, H_REQUESTS) === 0) return;
  for (const pooled of [...pool]) {
    for (;;) {
      const received = receiveMessageOnPort(pooled.port);
      if (received === undefined) break;
      serve(received.message as ToMain);
    }
  }
}

if (runtime.isMain) setMainService(service);

let keeper: ReturnType<typeof setInterval> | undefined;

/**
 * Holds the process open while a non-daemon thread is alive: a referenced timer, and an
 * async wait on the count of non-daemon threads that drops the timer at zero.
 */
function keepAlive(): void {
  if (keeper !== undefined) return;
  if (Atomics.load(runtime.i32, H_NON_DAEMON) === 0) return;
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
}

/**
 * Ends the pooled Workers that are idle, so that a program (or a test, under Deno's
 * sanitizers) can finish with no Worker left. Threads still running are not touched.
 */
export async function closeIdle(): Promise<void> {
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
    pooled.dead = true;
    closing.push(pooled);
    pool.splice(pool.indexOf(pooled), 1);
    pooled.port.postMessage({ type: "close" });
    Atomics.add(pooled.control, C_JOB, 1);
    Atomics.notify(pooled.control, C_JOB);
    ending.push(
      new Promise<void>((resolve) => {
        // The Worker is unref'd: hold the event loop open until it has exited, and end
        // it by force if it does not leave its loop in time.
        const force = setTimeout(() => pooled.worker.terminate(), 2000);
        pooled.worker.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
      }),
    );
  }
  await Promise.all(ending);
  for (const pooled of closing) pooled.port.close();
}

/** Number of Workers in the pool, busy or idle. */
export function poolSize(): number {
  return pool.length;
}
