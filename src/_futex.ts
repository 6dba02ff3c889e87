// Copyright the threading for Deno authors. MIT license.
/**
 * Blocking and async waits on a shared `Int32Array` word, with the timeout rules that
 * every primitive of this library shares.
 *
 * - {@linkcode wait} blocks its caller with `Atomics.wait`. On the main thread it waits
 *   in slices of {@linkcode MAIN_SLICE_MS} and, between slices, runs the main-thread
 *   service (which starts the threads that other threads asked for), so that a thread
 *   started by a thread boots even while the main thread is blocked;
 *   {@linkcode servePending} runs the same service from the reads that a polling loop
 *   makes (`isAlive()`, `activeCount()`, `isSet()`, a shared cell's `value`, ...). A
 *   sliced wait can return `"timed-out"` or `"not-equal"` early: every caller
 *   re-checks its state word in a loop, as with any futex, and never counts on
 *   `Atomics.notify`'s return value to know whom it woke.
 * - In a Worker, a wait longer than `END_CHECK_MS` (500 ms) sleeps in slices of at most
 *   that, and every wait looks at the runtime's `H_ENDED` word when it wakes: the Worker
 *   ends itself once the main program has ended (a `deno run --watch` restart; see
 *   `_program_end.ts`).
 * - {@linkcode waitRecorded} first spins on its word, adaptively (see
 *   {@linkcode spinBeforeSleep}: a waiter whose word changes within about 15 µs never
 *   sleeps), then records the wait for `dumpThreads()` and the deadlock detector (see
 *   `_waits.ts`); in a Worker, only once it has slept {@linkcode QUIET_MS} (a record
 *   costs about 1 µs, a sixth of a futex round trip).
 * - {@linkcode waitAsync} waits with `Atomics.waitAsync` and keeps the event loop alive
 *   while it waits (a pending `Atomics.waitAsync` alone does not): in the main thread,
 *   a wait with no timeout only while another thread lives (`_async_keep.ts`). An
 *   `AbortSignal` ends it early ({@linkcode WaitOptions}: every async wait of the
 *   library takes one). A wait still pending when its thread ends never settles (the
 *   thread's records are reclaimed instead, see `_reclaim.ts`).
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { currentEpoch, offThreadEnd, onThreadEnd, track, untrack } from "./_reclaim.ts";
import { holdLoop, rawWaitAsync } from "./_async_keep.ts";
import { END_CHECK_MS, endIfProgramEnded } from "./_program_end.ts";
import { H_REQUESTS, runtime } from "./_runtime.ts";
import {
  beat,
  BEAT_MS,
  beginWait,
  endWait,
  interruptible,
  KIND_SLEEP,
  markSleep,
  nextBeatSlice,
  setWatched,
  waitingForever,
} from "./_waits.ts";

/**
 * The largest timeout accepted by a blocking call, in milliseconds: 2³¹-1 ms (about
 * 24.8 days), the largest delay that `setTimeout` honours, so that a blocking call and
 * its `...Async` twin accept the same range. A larger timeout is a `RangeError`.
 */
export const TIMEOUT_MAX = 2_147_483_647;

/**
 * First slice of a blocking wait on the main thread, in milliseconds; the slices double
 * while nothing is to be served, up to {@linkcode MAIN_SLICE_MAX_MS}.
 */
export const MAIN_SLICE_MS = 4;

/**
 * Longest slice of a blocking wait on the main thread, in milliseconds: a start asked
 * by a thread (or a signal) is served at most this late once the main thread has been
 * blocked a while with nothing to serve; the slices are short again once it serves one.
 * Below the deadlock detector's `CHECK_MS` (50).
 */
export const MAIN_SLICE_MAX_MS = 32;

/**
 * The first part of a Worker's recorded wait that is not recorded, in milliseconds
 * (see {@linkcode waitRecorded}).
 */
export const QUIET_MS = 10;

/**
 * `Atomics.pause()` where the runtime has it (Deno 2.9, Bun); Node 22 has not: there a
 * spin only loads.
 */
export const pause: () => void =
  typeof (Atomics as { pause?: unknown }).pause === "function"
    ? () => (Atomics as unknown as { pause(): void }).pause()
    : () => {};

/**
 * The most rounds (a load and an `Atomics.pause()`, about 60 ns each on this project's
 * 2-core VMs) that a recorded wait spins on its word before it sleeps: about 15 µs,
 * the cost of a futex sleep and wake-up there (see {@linkcode spinBeforeSleep}).
 */
export const WAIT_SPINS = 256;

/**
 * Waits between two full spins of a thread whose last spin failed, at first; it
 * doubles after each such spin that fails too, up to {@linkcode SPIN_PROBE_MAX}.
 */
export const SPIN_PROBE = 16;

/** The most waits between two spins of a thread whose spins fail. */
export const SPIN_PROBE_MAX = 1024;

/** The shortest timeout, in milliseconds, of a recorded wait that spins first. */
export const SPIN_MIN_MS = 1;

/** Whether waits spin: more than one core (on one, a spin only delays the thread it waits for). */
const spinning = ((globalThis as { navigator?: { hardwareConcurrency?: number } })
  .navigator?.hardwareConcurrency ?? 1) > 1;

/** This thread's spin limit, in rounds (see {@linkcode spinBeforeSleep}). */
let spinLimit = WAIT_SPINS;
/** Waits until this thread's next full spin, while its limit is 0. */
let untilProbe = SPIN_PROBE;
/** Waits between two full spins now. */
let probeEvery = SPIN_PROBE;

/**
 * Spins while `i32[index]` holds `value`, before a recorded wait sleeps, adaptively
 * (as parking_lot's and WebKit's locks spin before they park): a thread spins up to
 * {@linkcode WAIT_SPINS} rounds while its spins see their word change. After a spin
 * that fails, its waits park at once, but every {@linkcode SPIN_PROBE}th one spins
 * again (and, while those spins fail too, ever more rarely, up to every
 * {@linkcode SPIN_PROBE_MAX}th), so that a thread that has a core of its own again
 * finds out. Two threads that run side by side thus hand over without a futex sleep
 * and wake-up (which costs 5-20 µs on these VMs, mostly the wake-up of an idle core);
 * two that share one core (the machine busy) spin only now and then, where a spin only
 * delays the thread they wait for.
 *
 * @returns Whether the word changed (the wait is over without a sleep).
 */
export function spinBeforeSleep(i32: Int32Array, index: number, value: number): boolean {
  let limit = spinLimit;
  let probe = false;
  if (limit === 0 && --untilProbe <= 0) {
    probe = true;
    limit = WAIT_SPINS;
  }
  for (let k = 0; k < limit; k++) {
    pause();
    if (Atomics.load(i32, index) !== value) {
      spinLimit = WAIT_SPINS;
      probeEvery = untilProbe = SPIN_PROBE;
      return true;
    }
  }
  if (probe) {
    probeEvery = Math.min(SPIN_PROBE_MAX, probeEvery * 2);
    untilProbe = probeEvery;
  } else if (limit !== 0) {
    spinLimit = 0;
    untilProbe = probeEvery;
  }
  return false;
}

/**
 * This thread's spin state (for tests): its limit in rounds, and the waits between two
 * full spins while the limit is 0. Not part of the API.
 */
export function spinState(): { limit: number; probeEvery: number } {
  return { limit: spinLimit, probeEvery };
}

/** Sets this thread's spin state back to its start: full spins (for tests). */
export function resetSpin(): void {
  spinLimit = WAIT_SPINS;
  probeEvery = untilProbe = SPIN_PROBE;
}

/** Result of a wait: as `Atomics.wait`. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/** The main thread's service; installed on the main thread only. */
let mainService: (() => boolean) | undefined;
/** The runtime's words while {@linkcode mainService} is installed (the main thread). */
let requestWords: Int32Array | undefined;
/**
 * Run on the main thread between the slices of every interruptible blocking wait
 * (see `interruptible` in `_waits.ts`), after the service: delivers signals and detects
 * deadlocks (see `dump.ts`). It may throw: the error leaves the blocked call. Its
 * argument tells whether the wait is a recorded wait without a timeout.
 */
let sliceHook: ((forever: boolean) => void) | undefined;

/** Installs the main thread's slice hook (see `sliceHook`). */
export function setSliceHook(hook: ((forever: boolean) => void) | undefined): void {
  sliceHook = hook;
}

/**
 * Runs the main thread's slice hook for a wait that is not interruptible (a thread's
 * start): signal listeners and the deadlock watchdog, never the deadlock detector.
 * An error of a listener propagates: the caller decides when to throw it.
 */
export function runSliceHook(): void {
  sliceHook?.(false);
}

/**
 * Installs the main thread's service, run between the slices of a blocking wait on the
 * main thread. Called once by the thread runtime.
 */
export function setMainService(service: (() => boolean) | undefined): void {
  mainService = service;
  requestWords = service === undefined ? undefined : runtime.i32;
}

/**
 * Serves the requests that threads posted to the main thread (a thread's `start()`),
 * now, if there are any: called by the library's reads that a polling loop on the main
 * thread makes (`while (t.isAlive()) {}`, `while (activeCount() > 1) {}`,
 * `while (!e.isSet()) {}`, `while (!flag.value) {}`, ...), so that such a loop serves
 * as the library's blocking waits do between their slices, and a thread started by a
 * thread boots. Costs one load of a module variable in a Worker; on the main thread,
 * one `Atomics.load` of the request count and a branch, unless a request is pending.
 * Call it only at the entry of a public call, never inside a primitive's own critical
 * section (the service may spawn a Worker: 50-120 ms).
 */
export function servePending(): void {
  if (requestWords !== undefined && Atomics.load(requestWords, H_REQUESTS) !== 0) {
    mainService!();
  }
}

/**
 * Blocks until `i32[index]` is notified or no longer holds `value`, or until `timeout`
 * milliseconds have passed (`Infinity`: no limit).
 */
export function wait(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
): WaitResult {
  // A recorded wait without a timeout sleeps in slices and beats (see `_waits.ts`).
  const beating = timeout === Infinity && waitingForever;
  if (mainService === undefined && !beating) {
    const result = timeout <= END_CHECK_MS
      ? Atomics.wait(i32, index, value, timeout)
      : waitInSlices(i32, index, value, timeout);
    endIfProgramEnded(); // `_program_end.ts`
    return result;
  }
  if (beating) markSleep();
  try {
    return mainService === undefined
      ? sleepBeating(i32, index, value)
      : waitOnMain(i32, index, value, timeout, beating);
  } finally {
    if (beating) {
      markSleep();
      // The main thread leaves its wait: the detector no longer watches (`dump.ts`).
      if (mainService !== undefined) setWatched(false);
    }
  }
}

/**
 * {@linkcode wait}, recorded as a wait on a primitive of kind `kind` whose words start
 * at `prim[at]` (see `beginWait` in `_waits.ts`: `prim` undefined means `at` is the
 * id itself), and counted in `i32[counter]` while it sleeps (the primitive's count of
 * sleepers; -1: none). The record and the count are undone however the wait ends, an
 * error thrown in it included.
 *
 * With a timeout of at least {@linkcode SPIN_MIN_MS} (`sleep()` never), it first spins
 * on the word ({@linkcode spinBeforeSleep}); a wait that ends in its spin returns
 * `"not-equal"` with nothing recorded or counted: the spin comes before the record and
 * the sleeper count, and the futex wait that follows compares the word again, so no
 * wake-up is lost.
 *
 * In a Worker, the first {@linkcode QUIET_MS} of the sleep are not recorded: most waits
 * (a ping-pong, a barrier, a condition) end sooner, and a record costs about 1 µs (a
 * clock read and a dozen atomic writes), a sixth of a futex round trip. A wait that
 * outlasts them is recorded from then on, so the deadlock detector and
 * `dumpThreads()` see it at most {@linkcode QUIET_MS} later. The main thread records
 * from the start: its slices deliver signals and run the detector only in a recorded
 * wait (see `interruptible` in `_waits.ts`).
 */
export function waitRecorded(
  kind: number,
  prim: Int32Array | undefined,
  at: number,
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
  counter = -1,
): WaitResult {
  if (
    spinning && timeout >= SPIN_MIN_MS && kind !== KIND_SLEEP &&
    spinBeforeSleep(i32, index, value)
  ) {
    return "not-equal";
  }
  if (counter >= 0) Atomics.add(i32, counter, 1);
  try {
    if (mainService === undefined) {
      const quiet = Atomics.wait(i32, index, value, Math.min(timeout, QUIET_MS));
      if (quiet !== "timed-out" || timeout <= QUIET_MS) return quiet;
      timeout -= QUIET_MS;
    }
    beginWait(kind, prim, at, timeout === Infinity, timeout);
    try {
      return wait(i32, index, value, timeout);
    } finally {
      endWait();
    }
  } finally {
    if (counter >= 0) Atomics.sub(i32, counter, 1);
  }
}

/**
 * A Worker's long wait: slices of at most `END_CHECK_MS`, so that the Worker ends soon
 * after the main program (`_program_end.ts`).
 */
function waitInSlices(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
): WaitResult {
  const deadline = performance.now() + timeout;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return "timed-out";
    const result = Atomics.wait(i32, index, value, Math.min(left, END_CHECK_MS));
    if (result !== "timed-out") return result;
    endIfProgramEnded();
  }
}

/**
 * A Worker's wait without a timeout: slices of `BEAT_MS`, a beat after each; longer
 * slices while the deadlock detector does not watch (`nextBeatSlice` in `_waits.ts`).
 */
function sleepBeating(i32: Int32Array, index: number, value: number): WaitResult {
  let slice = BEAT_MS;
  for (;;) {
    const result = Atomics.wait(i32, index, value, Math.min(slice, END_CHECK_MS));
    if (result !== "timed-out") return result;
    endIfProgramEnded(); // `_program_end.ts`
    if (Atomics.load(i32, index) !== value || !beat()) return "not-equal";
    slice = nextBeatSlice(slice);
  }
}

/** The main thread's wait: slices of `MAIN_SLICE_MS`, with its service in between. */
function waitOnMain(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
  beating: boolean,
): WaitResult {
  const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
  let slice = MAIN_SLICE_MS;
  for (;;) {
    // Slices double while there is nothing to serve (see MAIN_SLICE_MAX_MS).
    slice = mainService!() ? MAIN_SLICE_MS : Math.min(slice * 2, MAIN_SLICE_MAX_MS);
    if (interruptible()) sliceHook?.(beating);
    const remaining = deadline === Infinity ? slice : deadline - performance.now();
    if (remaining <= 0) return "timed-out";
    const result = Atomics.wait(i32, index, value, Math.min(remaining, slice));
    if (result !== "timed-out") return result;
    if (beating && (Atomics.load(i32, index) !== value || !beat())) return "not-equal";
    if (deadline !== Infinity && performance.now() >= deadline) return "timed-out";
  }
}

/**
 * Waits without blocking the event loop until `i32[index]` is notified or no longer
 * holds `value`, or until `timeout` milliseconds have passed (`Infinity`: no limit), or
 * until `signal` aborts (then `"aborted"`). Keeps the event loop alive while it waits.
 *
 * A pending `Atomics.waitAsync` cannot be withdrawn: on an abort it stays in the word's
 * futex queue, where an `Atomics.notify(i32, index, 1)` meant for a live waiter could
 * pick it. So an abort wakes every waiter of the word (the abandoned one included, which
 * leaves the queue): no notify is lost; the others see a spurious wake, re-check their
 * word and wait again, as every caller does.
 */
export function waitAsync(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
  signal?: AbortSignal,
): Promise<AsyncWaitResult> {
  if (signal?.aborted) return Promise.resolve("aborted");
  const result = rawWaitAsync(i32, index, value, timeout);
  if (!result.async) return Promise.resolve(result.value);
  const born = currentEpoch();
  return new Promise((resolve) => {
    // A pending Atomics.waitAsync does not keep the event loop alive (`_async_keep.ts`).
    const letGo = holdLoop(timeout);
    let done = false;
    const finish = () => {
      done = true;
      letGo();
      offThreadEnd(drop);
      signal?.removeEventListener("abort", onAbort);
    };
    // If the thread ends first, the wait never settles (see `_reclaim.ts`), not even
    // by its signal.
    const drop = () => {
      letGo();
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      if (done || currentEpoch() !== born) return;
      finish();
      Atomics.notify(i32, index);
      resolve("aborted");
    };
    onThreadEnd(drop);
    signal?.addEventListener("abort", onAbort, { once: true });
    result.value.then((settled) => {
      if (done) return;
      finish();
      if (currentEpoch() === born) resolve(settled);
    });
  });
}

/** Result of an async wait: as `Atomics.waitAsync`, or `"aborted"` by its signal. */
export type AsyncWaitResult = WaitResult | "aborted";

/**
 * The options of every async wait of the library (`acquireAsync`, `waitAsync`,
 * `getAsync`, `putAsync`, `joinAsync`, ...), given after the Python-shaped positional
 * arguments, or in their place (`q.getAsync({ signal })`).
 */
export interface WaitOptions {
  /**
   * Cancels the wait, as `fetch`'s: once it aborts, the wait withdraws (no item, lock,
   * permit or notify is taken after the abort) and its promise rejects with
   * `signal.reason`. A signal aborted before the call rejects at once.
   */
  signal?: AbortSignal;
}

/** Whether an argument in a positional slot is the options object standing in. */
function isWaitOptions(value: unknown): value is WaitOptions {
  return typeof value === "object" && value !== null;
}

/**
 * The arguments of an async wait, sorted: its first positional argument (the timeout,
 * `blocking` or `block`), or `undefined` when the options stand in its place
 * (`waitAsync({ signal })`; the `options` given after it are then ignored), and the
 * checked signal. The caller applies its own timeout rule to the first.
 *
 * @throws {TypeError} As {@linkcode signalOf}, with `action` in the message.
 */
export function waitArgs<T>(
  first: T | WaitOptions,
  options: unknown,
  action: string,
): [first: T | undefined, signal: AbortSignal | undefined] {
  if (isWaitOptions(first)) return [undefined, signalOf(first, action)];
  return [first, signalOf(options, action)];
}

/**
 * The signal of an async wait's `options`, checked.
 *
 * @throws {TypeError} If `options` is not an object, or its `signal` not an
 * `AbortSignal`.
 */
export function signalOf(options: unknown, action: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${action}: options must be an object such as { signal }, received ${
        describe(options)
      }`,
    );
  }
  const signal = (options as WaitOptions).signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(
      `${action}: options.signal must be an AbortSignal, received ${describe(signal)}`,
    );
  }
  return signal;
}

/**
 * {@linkcode waitAsync} for a waiter that the caller has counted in `i32[counter]`
 * (a primitive's count of sleepers, which tells a waker whether to notify): takes the
 * waiter off the count when the wait ends, or when its thread ends first (see
 * `_reclaim.ts`), so that a dead waiter is never counted.
 */
export async function waitAsyncCounted(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number,
  counter: number,
  signal?: AbortSignal,
): Promise<AsyncWaitResult> {
  const undo = track(() => Atomics.sub(i32, counter, 1));
  try {
    return await waitAsync(i32, index, value, timeout, signal);
  } finally {
    untrack(undo);
    Atomics.sub(i32, counter, 1);
  }
}

/** Milliseconds left until `deadline` (from {@linkcode deadlineAfter}), at least 0. */
export function remaining(deadline: number): number {
  if (deadline === Infinity) return Infinity;
  const left = deadline - performance.now();
  return left > 0 ? left : 0;
}

/** The `performance.now()` deadline for a timeout in milliseconds (`Infinity`: none). */
export function deadlineAfter(timeout: number): number {
  return timeout === Infinity ? Infinity : performance.now() + timeout;
}

/**
 * Normalizes a "wait at most" timeout in milliseconds as Python's `Event.wait`,
 * `Condition.wait` and `Thread.join` take it: `undefined`, `null` and `Infinity` mean
 * no limit, a negative number means "do not wait" (CPython: `join(-1)` and
 * `Event.wait(-1)` return at once). Returns `Infinity` for no limit.
 *
 * @throws {TypeError} If the timeout is not a number.
 * @throws {RangeError} If the timeout is NaN or larger than {@linkcode TIMEOUT_MAX}.
 */
export function waitTimeout(timeout: number | null | undefined, action: string): number {
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `${action}: timeout must be a number of milliseconds, received ${
        describe(timeout)
      }`,
    );
  }
  if (Number.isNaN(timeout)) {
    throw new RangeError(
      `${action}: timeout must be a number of milliseconds, received NaN`,
    );
  }
  if (timeout > TIMEOUT_MAX && timeout !== Infinity) {
    throw new RangeError(
      `${action}: timeout must be at most TIMEOUT_MAX (${TIMEOUT_MAX} ms) or Infinity (no limit), received ${timeout}`,
    );
  }
  return timeout < 0 ? 0 : timeout;
}

/**
 * Normalizes the `(blocking, timeout)` pair of `Lock.acquire` and its kin as CPython
 * checks it: `timeout` is `-1` or `Infinity` (no limit) or a non-negative number of
 * milliseconds (CPython: `acquire(timeout=-5)` is a ValueError, here a RangeError), and
 * a timeout is refused with `blocking = false`. Returns the timeout to wait: `0` for a
 * non-blocking attempt, `Infinity` for no limit.
 *
 * @throws {TypeError} If `blocking` is not a boolean or `timeout` not a number.
 * @throws {RangeError} If the timeout is negative but not -1, NaN, over
 * {@linkcode TIMEOUT_MAX}, or given together with `blocking = false`.
 */
export function acquireTimeout(
  blocking: boolean | number | undefined,
  timeout: number | undefined,
  action: string,
): number {
  if (blocking === undefined) blocking = true;
  if (typeof blocking === "number") blocking = blocking !== 0;
  if (typeof blocking !== "boolean") {
    throw new TypeError(
      `${action}: blocking must be a boolean, received ${describe(blocking)}`,
    );
  }
  if (timeout === undefined || timeout === -1) return blocking ? Infinity : 0;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `${action}: timeout must be a number of milliseconds, received ${
        describe(timeout)
      }`,
    );
  }
  if (!blocking) {
    throw new RangeError(
      `${action}: cannot specify a timeout for a non-blocking call, received ${timeout}`,
    );
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `${action}: timeout must be -1 (no limit) or a non-negative number of milliseconds, received ${timeout}`,
    );
  }
  if (timeout > TIMEOUT_MAX && timeout !== Infinity) {
    throw new RangeError(
      `${action}: timeout must be at most TIMEOUT_MAX (${TIMEOUT_MAX} ms) or Infinity (no limit), received ${timeout}`,
    );
  }
  return timeout;
}

/**
 * Refuses a `with()`/`withAsync()` body that is not a function (else the call of it
 * fails inside the library, after the lock was taken).
 *
 * @throws {TypeError} If `fn` is not a function.
 */
export function checkBody(fn: unknown, action: string): void {
  if (typeof fn !== "function") {
    throw new TypeError(`${action}: fn must be a function, received ${describe(fn)}`);
  }
}

/** A short description of a value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ? `an instance of ${ctor.name}` : "an object";
}
