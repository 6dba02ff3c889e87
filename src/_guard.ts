// Copyright the threading for Deno authors. MIT license.
/**
 * The advice of the library's errors and warnings about code that runs again in each
 * thread's Worker (a module's top-level code): how to guard it, in words that are true
 * under `deno run` and under `deno test` / `deno bench` alike.
 *
 * | where the code is | `import.meta.main` | the guard that works |
 * | --- | --- | --- |
 * | the program's main module (`deno run`) | `true` in the main thread, `false` in a Worker | `if (import.meta.main)` or `if (currentThread() === mainThread())` |
 * | a test or bench module (`deno test`, `deno bench`) | `false` everywhere | `if (currentThread() === mainThread())`, or start threads inside the test or bench function |
 * | a module the program imports | `false` everywhere | `if (currentThread() === mainThread())` |
 *
 * `currentThread() === mainThread()` is Python's
 * `threading.current_thread() is threading.main_thread()`: false while a Worker
 * evaluates the module for a thread, true in the main thread of any program.
 *
 * @module
 */

/**
 * The guard advice, one clause: starts lower case, no final period.
 * @param what What to guard (`"the program's main code"`, `"this call"`).
 */
export function guardAdvice(what: string): string {
  return `guard ${what} with \`if (import.meta.main) { \u2026 }\` (Python's \`if __name__ == "__main__":\`); in a test or bench module (deno test, deno bench) import.meta.main is false, so that guard never runs: there, start threads inside the test or bench function, or guard with \`if (currentThread() === mainThread()) { \u2026 }\` (Python's \`threading.current_thread() is threading.main_thread()\`)`;
}
