// Copyright the threading for Deno authors. MIT license.
/**
 * The functions that answer about threads from any thread: `currentThread`,
 * `mainThread`, `enumerate`, `activeCount`, `getIdent`, `getNativeId`, `stackSize`, and
 * `sleep` and `shutdown`. Each reads the shared thread table (`_runtime.ts`), so every thread gets
 * the same answers.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { describe, servePending, TIMEOUT_MAX, waitRecorded } from "./_futex.ts";
import { closeIdle } from "./_pool.ts";
import { KIND_SLEEP } from "./_waits.ts";
import { current, H_HIGH, runtime, S_ALIVE, S_NATIVE_ID, slotBase } from "./_runtime.ts";
import {
  handleFor,
  handles,
  here,
  i32,
  mainNativeId,
  NO_STATE,
  setState,
} from "./_thread_state.ts";
import { Thread } from "./thread.ts";
import { ThreadError } from "./errors.ts";
import { threadOfContext } from "./_thread_timers.ts";

let mainHandle: Thread | undefined;

function makeMain(): Thread {
  const thread = new Thread(NO_STATE as never);
  setState(thread, {
    slot: 0,
    ident: 1,
    started: true,
    name: "MainThread",
    daemon: false,
  });
  handles.set(1, thread);
  mainNativeId();
  return thread;
}

/**
 * The Thread object of the caller's thread: `MainThread` on the main thread.
 *
 * @returns The current thread.
 */
export function currentThread(): Thread {
  if (here.currentThread !== undefined) return here.currentThread;
  if (runtime.isMain) return here.currentThread = mainThread();
  // Between threads of a Worker, the code still running (a microtask) is the ended
  // thread's: its own async context says which (`_thread_timers.ts`).
  if (current.ident === 0) {
    const own = threadOfContext();
    if (own !== undefined) return own as Thread;
  }
  // Its own record: the slot holds it while the thread runs.
  return handleFor(current.slot, current.ident)!;
}

/**
 * The main thread's Thread object, the same object from every call in a thread.
 *
 * @returns The main thread.
 */
export function mainThread(): Thread {
  if (!runtime.isMain) return handleFor(0, 1)!;
  return mainHandle ??= makeMain();
}

/**
 * The threads alive now, the main thread and the current one included, as seen from
 * every thread alike. As in CPython, the main thread stays listed once its code has
 * finished, while the process waits for the non-daemon threads.
 *
 * @returns The live threads, in the order they started.
 */
export function enumerate(): Thread[] {
  servePending(); // a polling loop on the main thread serves threads' starts
  const out: Thread[] = [];
  const high = Atomics.load(i32, H_HIGH);
  // The main thread stays listed once its code has finished, as in CPython.
  out.push(mainThread());
  for (let slot = 1; slot < high; slot++) {
    const ident = Atomics.load(i32, slotBase(slot) + S_ALIVE);
    if (ident === 0) continue;
    // A thread that ends (and whose slot is taken again) while listed is left out.
    const thread = handleFor(slot, ident);
    if (thread !== undefined) out.push(thread);
  }
  // In start order, as Python lists them: idents grow with each start.
  return out.sort((a, b) => a.ident! - b.ident!);
}

/**
 * The number of threads alive: `enumerate().length`.
 *
 * @returns The count, the main thread included.
 */
export function activeCount(): number {
  servePending(); // a polling loop on the main thread serves threads' starts
  let n = 1; // the main thread, listed even once its code has finished
  const high = Atomics.load(i32, H_HIGH);
  for (let slot = 1; slot < high; slot++) {
    if (Atomics.load(i32, slotBase(slot) + S_ALIVE) !== 0) n++;
  }
  return n;
}

/**
 * The current thread's ident: a positive integer, the same for that thread in every
 * thread (the main thread's is 1).
 *
 * @returns The ident.
 */
export function getIdent(): number {
  return current.ident;
}

/**
 * The current thread's OS thread id where the platform tells it (Linux under
 * `--allow-all`: Deno guards `/proc/thread-self`), else its ident; on the main thread
 * too, from the first call.
 *
 * @returns The native id.
 */
export function getNativeId(): number {
  const id = current.slot === 0
    ? mainNativeId()
    : Atomics.load(i32, slotBase(current.slot) + S_NATIVE_ID);
  return id !== 0 ? id : current.ident;
}

/**
 * Blocks the calling thread for `ms` milliseconds, as Python's `time.sleep` (which takes
 * seconds). Other threads go on; on the main thread, threads started by threads still
 * start while it sleeps.
 *
 * @param ms Milliseconds to sleep.
 * @throws {TypeError} If `ms` is not a number.
 * @throws {RangeError} If `ms` is negative, NaN or larger than `TIMEOUT_MAX`.
 */
export function sleep(ms: number): void {
  if (typeof ms !== "number") {
    throw new TypeError(
      `Cannot sleep: ms must be a number of milliseconds, received ${describe(ms)}`,
    );
  }
  if (!(ms >= 0)) {
    throw new RangeError(
      `Cannot sleep: ms must be a non-negative number, received ${ms}`,
    );
  }
  if (ms > TIMEOUT_MAX) {
    throw new RangeError(
      `Cannot sleep: ms must be at most TIMEOUT_MAX (${TIMEOUT_MAX}), received ${ms}`,
    );
  }
  const deadline = performance.now() + ms;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    waitRecorded(KIND_SLEEP, undefined, 0, sleepWord, 0, 0, left);
  }
}

const sleepWord = new Int32Array(new SharedArrayBuffer(4));

/** CPython's smallest stack size a thread may be given, in bytes (32 KiB). */
const STACK_SIZE_MIN = 32768;

/**
 * Python's `threading.stack_size([size])`: the stack size of new threads, in bytes; `0`,
 * the platform's default, is the only one here. Called with no size or `0`, returns `0`
 * (CPython's answer before any change). Setting a size throws, as CPython raises
 * `RuntimeError` where changing it is unsupported: a Worker's stack is set by
 * `resourceLimits.stackSizeMb`, which Deno 2.9 does not apply safely (1 MB aborted the
 * whole process with "fatal runtime error: stack overflow"; 0.5 MB gave a deeper stack
 * than the default), and a thread may run on a pooled Worker created before the call.
 *
 * @param size Bytes: `0` (the default), or at least 32768 (CPython's minimum).
 * @returns `0`, the stack size in use.
 * @throws {TypeError} If `size` is not a number.
 * @throws {RangeError} If `size` is not an integer, negative, or from 1 to 32767 (CPython's
 *   `ValueError`).
 * @throws {ThreadError} If `size` is 32768 or more: changing the stack size is not
 *   supported (CPython's `RuntimeError`).
 *
 * @example The stack size in use
 * ```ts
 * import { stackSize } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(stackSize(), 0);
 * ```
 */
export function stackSize(size: number = 0): number {
  if (typeof size !== "number") {
    throw new TypeError(
      `Cannot set the stack size: size must be a number of bytes, received ${
        describe(size)
      }`,
    );
  }
  if (!Number.isInteger(size) || size < 0 || (size > 0 && size < STACK_SIZE_MIN)) {
    throw new RangeError(
      `Cannot set the stack size: size must be 0 or an integer of at least ${STACK_SIZE_MIN} bytes, received ${size}`,
    );
  }
  if (size === 0) return 0;
  throw new ThreadError(
    `Cannot set the stack size to ${size} bytes: changing the thread stack size is not supported (CPython raises RuntimeError where it is not): a Worker's stack is set by resourceLimits.stackSizeMb, which Deno does not apply safely (a 1 MB stack aborts the process), and a thread may run on a pooled Worker that exists already`,
  );
}

/**
 * Ends the pooled Workers that are idle (Workers kept warm to start the next thread
 * fast). Call it after joining your threads when a program or a test must finish with
 * no Worker left, as under `deno test`'s sanitizers; threads started later spawn new
 * Workers. Main thread only; elsewhere it does nothing.
 *
 * @returns A promise that resolves once those Workers have exited.
 */
export async function shutdown(): Promise<void> {
  if (!runtime.isMain) return;
  here.unstarted = 0;
  await closeIdle();
}
