// Copyright the threading for Deno authors. MIT license.
/**
 * A thread's `start()` waits for the main thread. Only the main thread spawns and hands
 * out Workers (`_pool.ts`), so a start made in a thread posts a request that the main
 * thread serves while it is blocked in one of this library's waits (between slices), at
 * its polling reads, or while its event loop turns. A main thread blocked anywhere else serves nothing:
 *
 * | the main thread is ... | the thread's start |
 * | --- | --- |
 * | in a wait of this library (`join()`, `sleep()`, `Event.wait()`, ...) | served within a slice (4-32 ms) |
 * | turning its event loop (`await`, timers, I/O) | served at the next turn |
 * | in synchronous I/O: `Deno.stdin.readSync()`, `prompt()`, `alert()`, `confirm()`, a sync FFI call | waits until the call returns |
 * | in a synchronous subprocess: `new Deno.Command(...).outputSync()` | waits until it returns |
 * | polling with this library's reads (`t.isAlive()`, `activeCount()`, `e.isSet()`, a shared cell's `value`, `lock.acquire(false)`, ...: `servePending()` of `_futex.ts`) | served at the next read |
 * | in a loop of its own that calls nothing of this library (CPU work, `while (Date.now() < end) {}`) | waits until it ends |
 *
 * After {@linkcode MAIN_SERVE_WARN_MS} with the request still not served, the starting
 * thread prints a warning once per process on stderr (`_warn_once.ts`), in the words of Python's
 * `warnings` (CPython starts threads at any time, so a port meets this), and after the
 * start deadline (60 s) the start fails with {@linkcode startTimeoutMessage}.
 *
 * @module
 */
import { WARNED_MAIN_NOT_SERVING, warnOnce } from "./_warn_once.ts";
import { H_REQUESTS, runtime } from "./_runtime.ts";

/** Whether a request of a thread to the main thread is not served yet. */
function unserved(): boolean {
  return !runtime.isMain && Atomics.load(runtime.i32, H_REQUESTS) > 0;
}

/**
 * For one start of the thread named `name`: a function of the time left before the
 * start's deadline that gives the next wait slice, in milliseconds, and warns
 * ({@linkcode warnMainNotServing}) once {@linkcode MAIN_SERVE_WARN_MS} have passed
 * with a request still unserved. On the main thread, the slice is all the time left.
 */
export function startSlices(name: string): (left: number) => number {
  let warnAt = runtime.isMain ? Infinity : performance.now() + MAIN_SERVE_WARN_MS;
  return (left) => {
    if (performance.now() >= warnAt) {
      warnAt = Infinity;
      if (unserved()) warnMainNotServing(name);
    }
    return Math.max(1, Math.min(left, warnAt - performance.now()));
  };
}

/** How long a thread's start waits for the main thread before it warns, in ms. */
export const MAIN_SERVE_WARN_MS = 5000;

/** What keeps the main thread from serving, and what to do (both messages). */
const CAUSES =
  "the main thread is blocked outside this library: in synchronous I/O (Deno.stdin.readSync(), prompt(), a sync FFI call), in a synchronous subprocess (new Deno.Command(...).outputSync()), or in a loop that never waits and calls nothing of this library (it hands out the Workers that threads ask for only in this library's calls: between the slices of its waits, in its reads such as t.isAlive(), activeCount(), e.isSet() or a shared cell's value, or when its event loop turns). On the main thread use the async forms (await Deno.stdin.read(buf), await command.output()) or do the blocking read in a thread (Deno.stdin.readSync and prompt() work there); in a busy loop, wait a little (t.join(timeout), sleep(ms), e.wait(timeout)), poll with this library's reads (while (t.isAlive()) ...), or wait on an Event instead";

/**
 * Warns once per process that the start `action` ("Cannot start thread ..." without its
 * prefix: the thread's name) has waited {@linkcode MAIN_SERVE_WARN_MS} for the main
 * thread.
 */
export function warnMainNotServing(name: string): void {
  warnOnce(
    WARNED_MAIN_NOT_SERVING,
    `RuntimeWarning: starting thread "${name}" has waited ${
      MAIN_SERVE_WARN_MS / 1000
    } s for the main thread, which has not served the start: ${CAUSES}. The start fails after 60 s.`,
  );
}

/**
 * The reason of a start given up after `seconds` without a report from its Worker: the
 * main thread's causes when a thread's request to it was still not served.
 */
export function startTimeoutMessage(seconds: number): string {
  const loading =
    "a module the thread imports never finishes loading (a remote module the program does not import statically waits for the main thread's event loop)";
  return `its Worker did not report within ${seconds} s: ${
    unserved()
      ? `the main thread never served the request to start it: ${CAUSES}`
      : loading
  }`;
}
