// Copyright the threading for Deno authors. MIT license.
/**
 * How a thrown value prints, as CPython's `traceback.print_exception` prints an
 * exception: one rule for the excepthook (`excepthook.ts`: an uncaught error of a
 * thread, and an error of the excepthook itself) and for the logging adapter (the error
 * of `exception()` and of a trailing `Error` argument, Python's `exc_info`; a logging
 * error's report).
 *
 * | part | CPython | here |
 * | --- | --- | --- |
 * | the header | `MyErr: bad value 1`: the class's name (`type(e).__name__`), then `str(e)`; the name alone without a message | the same: {@linkcode errorName}, which is the class's name where `name` is only inherited from a base class (`class MyErr extends Error {}`, whose `name` is `Error.prototype`'s `"Error"`), else `error.name` (`this.name = "X"`, a `DOMException`'s `"AbortError"`) |
 * | the frames | the thread's frames, down to the user's code | V8's stack without the frames below the user's that the library and the runtime add (`Thread.run`, the Worker's job loop, `AsyncLocalStorage.run`): `userStack` of `_reference.ts` |
 * | the chain | `__cause__` first, then "The above exception was the direct cause of the following exception:" | `Error.cause`, the same way ({@linkcode tracebackText}) |
 * | a group | an `ExceptionGroup`'s sub-exceptions, each in a numbered box (`+-+---- 1 ----`, its lines behind `\|`), 15 at most, nested groups 10 deep at most | an `AggregateError`'s `errors`, the same way |
 * | not an exception | (CPython raises only exceptions) | the caller's `other`: the excepthook prints `Uncaught ` and the value as Deno prints an uncaught value (`Uncaught { code: 42 }`, `Uncaught "text"`) |
 *
 * `error.stack` and `error.name` are never changed: only the printed text is.
 *
 * @module
 */
import { userStack } from "./_reference.ts";

/** CPython's line between an exception and its `__cause__` (traceback.py). */
const CAUSE_LINE =
  "\n\nThe above exception was the direct cause of the following exception:\n\n";

/** How many causes the report follows at most (a chain, not a loop). */
const MAX_CAUSES = 100;

/**
 * The name an error prints under, as CPython prints `type(e).__name__`: the name of its
 * class where its `name` is only a base class's (`class MyErr extends Error {}` has the
 * `name` `"Error"` of `Error.prototype`, `class E2 extends ThreadError {}` the
 * `"ThreadError"` that ThreadError's constructor sets), else its `name` (set by the
 * class itself: `this.name = "MyErr"`, a field, its prototype's `name`, a
 * `DOMException`'s `"AbortError"`).
 *
 * @param error The error.
 * @returns The name.
 */
export function errorName(error: Error): string {
  let name: unknown;
  let ctor: unknown;
  let owner: object | null = error;
  try {
    name = error.name;
    ctor = error.constructor;
    while (owner !== null && !Object.hasOwn(owner, "name")) {
      owner = Object.getPrototypeOf(owner);
    }
  } catch {
    // A getter or a proxy that throws: print what is known.
  }
  const ctorName = typeof ctor === "function" && typeof ctor.name === "string"
    ? ctor.name
    : "";
  if (typeof name !== "string") return ctorName || "Error";
  if (ctorName === "" || ctorName === name) return name;
  if (owner !== error) {
    // On a prototype: the class's own (`E.prototype.name = "X"`, a DOMException's
    // getter), or a base class's (`Error.prototype`'s "Error").
    return owner === (ctor as { prototype?: unknown }).prototype ? name : ctorName;
  }
  // Set on the object: by a base class's constructor if it is that class's name (as
  // ThreadError's constructor sets "ThreadError"), else by this class.
  for (
    let base: unknown = Object.getPrototypeOf(ctor);
    typeof base === "function" && base !== Function.prototype;
    base = Object.getPrototypeOf(base)
  ) {
    if (base.name === name) return ctorName;
  }
  return name;
}

/** The error's message, or `""` if reading it throws. */
function messageOf(error: Error): string {
  try {
    return String(error.message ?? "");
  } catch {
    return "";
  }
}

/**
 * One error as a traceback prints it: its stack, headed by {@linkcode errorName}, without
 * the library's and the runtime's frames below the user's; without a stack, CPython's
 * last line (`MyErr: bad value 1`, or `MyErr` without a message).
 */
function oneErrorText(error: Error): string {
  const name = errorName(error);
  let stack: unknown;
  try {
    stack = error.stack;
  } catch {
    stack = undefined;
  }
  const message = messageOf(error);
  if (typeof stack !== "string" || stack === "") {
    return message === "" ? name : `${name}: ${message}`;
  }
  // V8's header is `${error.name}: ${message}` (`${error.name}` without a message).
  let own: unknown;
  try {
    own = error.name;
  } catch {
    own = undefined;
  }
  if (
    typeof own === "string" && own !== name && stack.startsWith(own) &&
    (stack.length === own.length || stack[own.length] === ":" ||
      stack[own.length] === "\n")
  ) {
    stack = name + stack.slice(own.length);
  }
  return userStack(stack as string);
}

/**
 * A thrown value as CPython's `traceback.print_exception` prints it (without its
 * `Traceback (most recent call last):` line, which V8's stacks have no place for): an
 * `Error` with its stack (see the module doc), its `cause` chain as CPython prints
 * `__cause__` (the deepest cause first, each followed by "The above exception was the
 * direct cause of the following exception:", the value last; a cause seen before, a loop,
 * ends the chain); any other value by `other`.
 *
 * @param value The thrown value.
 * @param other How a value that is not an `Error` prints.
 * @returns The text, without a last `"\n"`.
 */
export function tracebackText(value: unknown, other: (value: unknown) => string): string {
  return chainText(value, other, 0);
}

/** CPython's most sub-exceptions printed of a group (traceback.py's `max_group_width`). */
const MAX_GROUP_WIDTH = 15;
/** CPython's most levels of nested groups printed (`max_group_depth`). */
const MAX_GROUP_DEPTH = 10;

/** The inner errors of an `AggregateError`, or `undefined` for any other value. */
function groupErrors(value: unknown): unknown[] | undefined {
  if (!(value instanceof AggregateError)) return undefined;
  try {
    const errors: unknown = value.errors;
    return Array.isArray(errors) && errors.length > 0 ? errors : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An `AggregateError`'s inner errors as CPython prints an `ExceptionGroup`'s
 * sub-exceptions (traceback.py): each in a numbered box after the group's own
 * traceback, its lines behind `"    | "`, at most 15 (then `and N more exceptions`),
 * nested groups 10 deep at most (then `... (max_group_depth is 10)`).
 */
function groupText(
  errors: unknown[],
  other: (value: unknown) => string,
  depth: number,
): string {
  const shown = Math.min(errors.length, MAX_GROUP_WIDTH);
  const lines: string[] = [];
  const box = (inner: string) => {
    for (const line of inner.split("\n")) lines.push(`    | ${line}`);
  };
  for (let i = 0; i < shown; i++) {
    const title = `---------------- ${i + 1} ----------------`;
    lines.push(i === 0 ? `  +-+${title}` : `    +${title}`);
    box(
      depth + 1 >= MAX_GROUP_DEPTH && groupErrors(errors[i]) !== undefined
        ? `... (max_group_depth is ${MAX_GROUP_DEPTH})`
        : chainText(errors[i], other, depth + 1),
    );
  }
  if (errors.length > shown) {
    lines.push("    +---------------- ... ----------------");
    const more = errors.length - shown;
    box(`and ${more} more exception${more === 1 ? "" : "s"}`);
  }
  lines.push("    +------------------------------------");
  return lines.join("\n");
}

/** One value and its causes ({@linkcode tracebackText}), groups `depth` deep. */
function chainText(
  value: unknown,
  other: (value: unknown) => string,
  depth: number,
): string {
  const chain = [value];
  for (let v = value; chain.length <= MAX_CAUSES;) {
    if (!(v instanceof Error)) break;
    let cause: unknown;
    try {
      cause = v.cause;
    } catch {
      break;
    }
    if (cause === undefined || chain.includes(cause)) break;
    v = cause;
    chain.push(v);
  }
  return chain.reverse().map((v) => {
    if (!(v instanceof Error)) return other(v);
    const errors = groupErrors(v);
    const own = oneErrorText(v);
    return errors === undefined ? own : `${own}\n${groupText(errors, other, depth)}`;
  }).join(CAUSE_LINE);
}
