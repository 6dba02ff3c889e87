// Copyright the threading for Deno authors. MIT license.
/**
 * The callbacks that a blocking API runs synchronously: the body of `with()` (`Lock`,
 * `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition`), the predicate of `waitFor()`
 * and `waitForAsync()`, a `Barrier`'s action. An async function there would run only to
 * its first `await` inside the API: `lock.with(async () => ...)` released the lock before
 * the rest of the body ran (lost updates, silently), and `cond.waitFor(async () => ...)`
 * took the returned promise, which is truthy, for "the condition holds" without waiting.
 *
 * | callback | refused | when |
 * | --- | --- | --- |
 * | an `async` function (or async generator function, bound or not) | `TypeError` | before it runs (before the lock is taken): nothing of it ran |
 * | a plain function that returns a promise (any thenable) | `TypeError` | once it returned: what it did synchronously is done, the lock is released first, and the promise's own rejection is handled (the `TypeError` is the report) |
 *
 * The types refuse both at `deno check` ({@linkcode NotThenable}).
 *
 * @module
 */

import { TypeError } from "./_caller_stack.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

const AsyncFunction = (async () => {}).constructor as FunctionConstructor;
const AsyncGeneratorFunction = async function* () {}.constructor as FunctionConstructor;

/**
 * A callback's result type where a promise is refused at `deno check`: a thenable `T`
 * becomes an object type that names the fix in its required property.
 */
export type NotThenable<T> = T extends PromiseLike<unknown> ? {
    then: never;
    "a synchronous callback is needed here: pass an async function to the API's Async twin (withAsync, waitForAsync)":
      never;
  }
  : T;

/** Whether `value` is a thenable (a promise or a promise-like object). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Refuses an async function given where a synchronous one runs (see the module doc).
 *
 * @param fn The callback.
 * @param action What refuses, as the library's messages begin (`Cannot run Lock.with()`).
 * @param what What the callback is (`the function`, `the predicate`, `the action`).
 * @param instead The fix.
 * @throws {TypeError} If `fn` is an async function.
 */
export function refuseAsyncFunction(
  fn: unknown,
  action: string,
  what: string,
  instead: string,
): void {
  if (fn instanceof AsyncFunction || fn instanceof AsyncGeneratorFunction) {
    const name = (fn as Fn).name ? ` ${(fn as Fn).name}` : "";
    throw new TypeError(
      `${action}: ${what}${name} is an async function, which would run here only up to ` +
        `its first await; ${instead}`,
    );
  }
}

/**
 * Refuses a callback's result that is a thenable (see the module doc); its rejection,
 * if any, is handled: this `TypeError` is the report.
 *
 * @throws {TypeError} If `result` is a thenable.
 */
export function refuseThenable(
  result: unknown,
  action: string,
  what: string,
  instead: string,
): void {
  if (!isThenable(result)) return;
  try {
    result.then(undefined, () => {});
  } catch {
    // A thenable whose then() throws: nothing more to handle.
  }
  throw new TypeError(
    `${action}: ${what} returned a promise, and the rest of its work would run after ` +
      `this call has returned; ${instead}`,
  );
}

/** How `with()` names its class and what it holds, for its messages. */
const HELD: Record<string, string> = {
  Lock: "the lock",
  RLock: "the lock",
  Semaphore: "the permit",
  BoundedSemaphore: "the permit",
  Condition: "the lock",
};

function withFix(kind: string): string {
  const name = kind[0].toLowerCase() + kind.slice(1);
  return `use \`await ${name}.withAsync(fn)\`, which holds ${
    HELD[kind] ?? "it"
  } until fn's promise settles`;
}

/**
 * The check of a `with()` body before it runs.
 *
 * @param kind The class (`Lock`, `Semaphore` ...).
 * @throws {TypeError} If `fn` is an async function.
 */
export function checkWithBody(fn: unknown, kind: string): void {
  refuseAsyncFunction(fn, `Cannot run ${kind}.with()`, "the function", withFix(kind));
}

/**
 * The check of a `with()` body's result, once the lock or permit is given back.
 *
 * @throws {TypeError} If `result` is a thenable.
 */
export function checkWithResult(result: unknown, kind: string): void {
  refuseThenable(result, `Cannot run ${kind}.with()`, "the function", withFix(kind));
}
