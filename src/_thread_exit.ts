// Copyright the threading for Deno authors. MIT license.
/**
 * `Deno.exit(n)` and `process.exit(n)` in a running thread, as CPython's `sys.exit(n)`
 * in a thread: they throw a {@linkcode SystemExit}, which unwinds the thread's stack
 * (its `finally` blocks run, `lock.with()` releases its lock), and a `SystemExit` that
 * leaves the thread's `run()` ends the thread silently (CPython's `threading`
 * excepthook ignores `SystemExit`); `n` is not the process's exit code.
 *
 * | where the exit is called | what happens |
 * | --- | --- |
 * | in the thread's `run()` chain (its code, or an async function it awaits) | `SystemExit` thrown; out of `run()`, the thread ends silently |
 * | caught by the thread's code (a `catch` that does not rethrow) | the thread goes on, as a Python `except BaseException:` |
 * | outside `run()`'s chain (a timer callback, a promise nobody awaits) | `SystemExit` thrown there; as a stray error it ends the Worker for real (`exitNow`), and with it the thread, without unwinding `run()` |
 * | in a module a new thread loads (before `run()`), in the main thread | the runtime's exit, unchanged |
 *
 * @module
 */

/**
 * Thrown by `Deno.exit(n)`/`process.exit(n)` in a running thread: unwinds the thread's
 * stack, then ends the thread silently (CPython's `SystemExit` in a thread). A thread's
 * code may throw one itself, as Python's `raise SystemExit`; a `catch` that takes every
 * error should rethrow it (`if (error instanceof SystemExit) throw error`).
 *
 * @example
 * ```ts ignore
 * import { SystemExit } from "@threading/threading";
 *
 * export function work(): void {
 *   try {
 *     Deno.exit(0); // ends this thread only, after the finally block
 *   } catch (error) {
 *     if (error instanceof SystemExit) throw error;
 *   } finally {
 *     console.log("cleaned up");
 *   }
 * }
 * ```
 */
export class SystemExit extends Error {
  /** The exit code given (not the process's). */
  readonly code: number;
  /** Which exit was called. */
  readonly via: "Deno.exit" | "process.exit";
  /**
   * Makes the error that ends the thread it is thrown in.
   *
   * @param code The exit code (default 0).
   * @param via Which exit was called (default `Deno.exit`).
   */
  constructor(code?: number, via: "Deno.exit" | "process.exit" = "Deno.exit") {
    super(
      `${via}(${
        code ?? ""
      }) in a thread ends that thread only, as Python's sys.exit() in a thread: rethrow this error where you catch every error, so that the thread ends`,
    );
    this.name = "SystemExit";
    this.code = code ?? 0;
    this.via = via;
  }
}

/** Whether `error` is a {@linkcode SystemExit}. */
export function isSystemExit(error: unknown): error is SystemExit {
  return error instanceof SystemExit;
}

/**
 * Wraps `Deno.exit` (and, through `processExit`, `process.exit`) of this Worker: while
 * `unwinds()` (a thread runs), they throw a {@linkcode SystemExit}; otherwise they exit
 * as the runtime does.
 * @returns `exitNow`: exits this Worker for real, as the `SystemExit` asked.
 */
export function unwindExits(
  unwinds: () => boolean,
  processExit: (code?: number) => never,
): (error: SystemExit) => never {
  const deno = (globalThis as { Deno?: { exit(code?: number): never } }).Deno;
  const denoExit = deno?.exit;
  if (deno !== undefined && typeof denoExit === "function") {
    deno.exit = function exit(code?: number): never {
      if (unwinds()) throw new SystemExit(code, "Deno.exit");
      return denoExit.call(deno, code);
    };
  }
  return (error) =>
    error.via === "Deno.exit" && denoExit !== undefined
      ? denoExit.call(deno, error.code)
      : processExit(error.code);
}
