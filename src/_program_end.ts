// Copyright the threading for Deno authors. MIT license.
/**
 * The end of the main program reaches every thread: when the main isolate unloads, each
 * Worker of the library ends itself, daemon threads included, as at a process's exit.
 *
 * A process's exit kills its Workers. Under `deno run --watch` the process does not
 * exit: at a restart (or when the program has finished and the watcher waits for a
 * change) Deno tears the main isolate down and dispatches its `unload` event, but a
 * Worker blocked in `Atomics.wait` is not ended, nor is one that `terminate()` is
 * called on from that `unload` listener (measured, Deno 2.9.6). Every thread of this
 * library waits in `Atomics.wait` (an idle pooled Worker too), so the threads of each
 * run lived on next to the next run's, one more Worker (about 15 MB) per restart.
 *
 * | step | who | what |
 * | --- | --- | --- |
 * | the main isolate's `unload` (Deno; the program's normal end, `Deno.exit()`, a watch restart) | main thread | `H_ENDED` = 1; the listeners of {@linkcode onProgramEnd} run (the pool wakes its idle Workers) |
 * | every blocking wait of a Worker, in slices of at most {@linkcode END_CHECK_MS} | Worker | {@linkcode endIfProgramEnded}: if `H_ENDED` is 1, `Deno.exit(0)` ends the Worker at once (no `finally` runs, as at a process's exit) |
 * | an idle pooled Worker, woken | Worker | leaves its job loop |
 *
 * A thread that never waits in this library (a busy loop, a blocking call of another
 * API) is not ended. On Node and Bun the process exits at the main program's end and
 * there is no watch mode that keeps it: nothing is done there.
 *
 * @module
 */
import { H_ENDED, runtime } from "./_runtime.ts";
import { exitProcess, onMainUnload } from "./_platform.ts";

/**
 * Longest slice of a Worker's blocking wait, in milliseconds: a Worker ends at most
 * this long after the main program's end.
 */
export const END_CHECK_MS = 500;

const listeners: Array<() => void> = [];

/** Main thread: calls `listener` when the main program ends (its `unload`). */
export function onProgramEnd(listener: () => void): void {
  listeners.push(listener);
}

/** Whether the main program has ended. */
export function programEnded(): boolean {
  return Atomics.load(runtime.i32, H_ENDED) !== 0;
}

/** In a Worker: ends it at once if the main program has ended (see the module doc). */
export function endIfProgramEnded(): void {
  if (!runtime.isMain && Atomics.load(runtime.i32, H_ENDED) !== 0) exitProcess(0);
}

if (runtime.isMain) {
  onMainUnload(() => {
    Atomics.store(runtime.i32, H_ENDED, 1);
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // The program ends: nothing to tell.
      }
    }
  });
}
