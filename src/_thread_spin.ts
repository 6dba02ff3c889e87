// Copyright the threading for Deno authors. MIT license.
/**
 * Bounded spins of a thread's life: the waits of a start, a join and an idle Worker
 * first watch their word for a few tens of microseconds, and sleep in the futex only
 * if it has not moved.
 *
 * Why: on this project's 2-core VMs a thread that sleeps in `Atomics.wait` lets its
 * virtual CPU halt, and waking a halted CPU costs 50-120 µs (the guest has no cpuidle
 * polling: `/sys/devices/system/cpu/cpuidle/current_driver` is `none`), against 3-7 µs
 * for a waiter woken while its CPU is still awake (the ping-pongs). A warm start+join
 * made two such wakes and lost the race with CPython by them: the Worker woken by the
 * start, then the main thread woken by "running" (the Worker had run and ended the
 * thread before the main thread was awake). Each spin is bounded by the clock (a
 * `performance.now()` read every {@linkcode CHECK_EVERY} rounds), so a long thread
 * costs its waiter at most one spin's CPU time per wait.
 *
 * A spin is only worth it while the other side runs on another CPU: on the same CPU it
 * only delays the side it waits for (by up to the spin's bound, measured 500-700 µs a
 * start+join when every spin ran blind). So each spin starts only on evidence that the
 * other side is awake elsewhere:
 *
 * | spin | where | starts when | bound |
 * | --- | --- | --- | --- |
 * | mail taken | `Thread.start()`, main thread | an idle Worker got the job in its mailbox | {@linkcode TAKE_SPIN_MS}: the Worker empties its mailbox (`C_MAIL` = 0) when it wakes |
 * | "running" | `Thread.start()`, main thread | the Worker took the mail while this thread spun: it runs on another CPU | {@linkcode START_SPIN_MS} |
 * | end | `Thread.join()`, first wait only, until the slot is free (the end's last mark) | the start's "running" spin succeeded, less than {@linkcode JOIN_FRESH_MS} ago | {@linkcode JOIN_SPIN_MS} |
 * | settle | `Thread.join()`/`joinAsync()` that saw `S_ALIVE` cleared, until the slot is free | always | {@linkcode SETTLE_MS}, then sleeps in 1 ms slices up to {@linkcode SETTLE_MAX_MS} |
 * | next job | the Worker's loop, after a thread and its task ended | the thread's starter was awake (spinning) when the thread ran: `markRunning`'s notify woke nobody | {@linkcode IDLE_SPIN_MS} |
 *
 * And each kind of spin backs off while it fails ({@linkcode SpinGate}). Whatever a
 * spin sees, the futex wait after it decides: a spin only saves a sleep.
 *
 * @module
 */

import { pause } from "./_futex.ts";
import { S_ALIVE, S_IDENT } from "./_runtime.ts";

/** Spin rounds (a load and a pause) between two reads of the clock. */
const CHECK_EVERY = 32;

/**
 * How long `start()` spins for an idle Worker to take its job out of its mailbox, in
 * milliseconds: 3-10 µs from a Worker that spins for its next job, 15-60 µs from one
 * that sleeps.
 */
export const TAKE_SPIN_MS = 0.06;

/**
 * How long `start()` spins for "running" once the Worker took the job, in milliseconds:
 * the Worker's dispatch of the job (30-50 µs) and slack.
 */
export const START_SPIN_MS = 0.1;

/**
 * How long `join()` spins for the thread's end, in milliseconds: a trivial target ends
 * 10-20 µs after "running".
 */
export const JOIN_SPIN_MS = 0.05;

/** A join this soon after the thread's start (ms) may spin; a later one sleeps at once. */
export const JOIN_FRESH_MS = 1;

/**
 * How long an idle Worker spins for its next job after a thread ended, in milliseconds:
 * the gap between a `join()` that returns and the next `start()`'s job in a loop (its
 * construction and the start's own work, 30-50 µs).
 */
export const IDLE_SPIN_MS = 0.06;

/**
 * How long a join that saw the thread's end spins, at most, for the end's last marks (the
 * thread no longer counted, its slot free), in milliseconds: microseconds, unless the
 * Worker is preempted in between.
 */
export const SETTLE_MS = 1;

/**
 * How long a join that saw the thread's end waits, at most, for the end's last marks once
 * its spin ({@linkcode SETTLE_MS}) failed, in milliseconds (sleeping in 1 ms slices): a
 * Worker preempted inside `endThread` on a busy machine.
 */
export const SETTLE_MAX_MS = 1000;

/** Most spins a {@linkcode SpinGate} skips after failures in a row. */
export const MAX_SKIP = 64;

/**
 * Backs a spin off while it fails: after a spin that ran to its bound, the next 1, 2,
 * 4 ... {@linkcode MAX_SKIP} chances to spin are skipped (the waiter sleeps at once),
 * and one spin that succeeds resets it. On a machine whose CPUs are taken by other work
 * the spins so fall silent, and the waits cost what a plain futex wait costs.
 */
export class SpinGate {
  #skip = 0;
  #backoff = 0;

  /** Whether to spin this time (a skipped chance counts down the back-off). */
  open(): boolean {
    if (this.#skip === 0) return true;
    this.#skip--;
    return false;
  }

  /**
   * Records how a spin ended.
   *
   * @returns `moved`.
   */
  record(moved: boolean): boolean {
    if (moved) {
      this.#backoff = 0;
    } else {
      this.#backoff = Math.min(MAX_SKIP, this.#backoff * 2 || 1);
      this.#skip = this.#backoff;
    }
    return moved;
  }
}

/** The gate of the main thread's start spins (mail taken, then "running"). */
export const startGate: SpinGate = new SpinGate();
/** The gate of this thread's join spins. */
export const joinGate: SpinGate = new SpinGate();
/** The gate of this Worker's spin for its next job. */
export const idleGate: SpinGate = new SpinGate();

/** Whether this Worker's last thread was started by a starter awake at its "running". */
export const idleSpin = { due: false };

/**
 * Spins while `(i32[index] === value) === equal`, for at most `ms` milliseconds.
 *
 * @returns Whether that stopped being so (the caller need not sleep).
 */
function spin(
  i32: Int32Array,
  index: number,
  value: number,
  equal: boolean,
  ms: number,
): boolean {
  if ((Atomics.load(i32, index) === value) !== equal) return true;
  const deadline = performance.now() + ms;
  for (;;) {
    for (let round = 0; round < CHECK_EVERY; round++) {
      pause();
      if ((Atomics.load(i32, index) === value) !== equal) return true;
    }
    if (performance.now() >= deadline) return false;
  }
}

/**
 * Spins until `i32[index]` holds `value`, for at most `ms` milliseconds.
 *
 * @returns Whether it does.
 */
export function spinUntil(
  i32: Int32Array,
  index: number,
  value: number,
  ms: number,
): boolean {
  return spin(i32, index, value, false, ms);
}

/**
 * Spins until `i32[index]` no longer holds `value`, for at most `ms` milliseconds.
 *
 * @returns Whether the word moved (the caller need not sleep).
 */
export function spinWhile(
  i32: Int32Array,
  index: number,
  value: number,
  ms: number,
): boolean {
  return spin(i32, index, value, true, ms);
}

/**
 * Waits until the thread `ident`, whose end a join saw (`S_ALIVE` cleared), is no longer
 * counted and its slot (at `base`) is free: microseconds, spun ({@linkcode SETTLE_MS}),
 * unless its Worker is preempted inside `endThread`; then it sleeps in 1 ms slices
 * (`endThread` notifies `S_ALIVE` last), for at most {@linkcode SETTLE_MAX_MS} (a Worker
 * killed there has its end finished by the main thread).
 */
export function settleEnd(i32: Int32Array, base: number, ident: number): void {
  if (spinWhile(i32, base + S_IDENT, ident, SETTLE_MS)) return;
  const until = performance.now() + SETTLE_MAX_MS;
  while (Atomics.load(i32, base + S_IDENT) === ident && performance.now() < until) {
    Atomics.wait(i32, base + S_ALIVE, 0, 1);
  }
}
