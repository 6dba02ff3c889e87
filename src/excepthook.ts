// Copyright the threading for Deno authors. MIT license.
/**
 * The excepthook: what runs when a thread's `run()` throws, as Python's
 * `threading.excepthook`. `setExcepthook` stores the hook by reference (module and
 * exported name) in the shared runtime, so the thread that threw imports and runs it.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { explainCopy, importModule } from "./_codec.ts";
import { describe } from "./_futex.ts";
import { writeStderr } from "./_output.ts";
import { callerModule, findExport, refuseUntravelable } from "./_reference.ts";
import { tracebackText } from "./_traceback.ts";
import {
  readSharedText,
  SharedTextKey,
  sharedTextVersion,
  writeSharedText,
} from "./_runtime.ts";
import { locateExport, refuseUnexported } from "./_locate.ts";
import { inspect } from "./_platform.ts";

import type { Thread } from "./thread.ts";
import { getIdent } from "./thread_functions.ts";

const isFunction = (value: unknown) => typeof value === "function";

/** What an excepthook receives, as Python's `threading.ExceptHookArgs`. */
export interface ExceptHookArgs {
  /**
   * The class of the thrown value (its constructor: `args.excType?.name` is
   * `"TypeError"`), or `undefined` for a value without one (`null`, `undefined`).
   */
  // deno-lint-ignore no-explicit-any
  excType: (abstract new (...args: any[]) => unknown) | undefined;
  /** The thrown value. */
  excValue: unknown;
  /** The stack of the thrown value, if it has one. */
  excTraceback: string | undefined;
  /** The thread whose `run()` threw. */
  thread: Thread | undefined;
}

/** A function that handles an uncaught error of a thread. */
export type ExceptHook = (args: ExceptHookArgs) => unknown;

/**
 * The default excepthook, as Python's `threading.__excepthook__`: writes
 * `Exception in thread <name>:` and the error's stack to stderr, as CPython's traceback
 * prints it (see `_traceback.ts`): headed by the error's class name (`MyErr: bad value
 * 1` for `class MyErr extends Error {}`, whose `name` is `Error`'s), without the
 * library's frames below the user's, and with an `Error.cause` chain printed as CPython
 * prints `__cause__`: the cause first, then "The above exception was the direct cause
 * of the following exception:", then the error.
 *
 * @param args The thrown value and the thread.
 */
export function excepthook(args: ExceptHookArgs): void {
  const name = args.thread?.name ?? String(getIdent());
  writeStderr(
    `Exception in thread ${name}:\n${tracebackText(args.excValue, uncaught)}\n`,
  );
}

/**
 * How a thrown value that is not an `Error` prints, as Deno prints it uncaught:
 * `Uncaught "text"`, `Uncaught null`, an object inspected (`Uncaught { code: 42 }`).
 */
function uncaught(value: unknown): string {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return `Uncaught ${describe(value)}`;
  }
  try {
    return `Uncaught ${inspect(value)}`;
  } catch {
    return `Uncaught ${describe(value)}`; // a proxy whose traps throw
  }
}

/**
 * What CPython prints when the excepthook itself raises (threading.py's
 * `invoke_excepthook`): `Exception in threading.excepthook:`, then the hook's error as
 * `sys.excepthook` prints it, without the thread's header (the thread's own error is not
 * printed: the hook had it).
 */
function hookFailed(hookError: unknown): void {
  writeStderr(
    `Exception in threading.excepthook:\n${tracebackText(hookError, uncaught)}\n`,
  );
}

let hook: ExceptHook = excepthook;
let hookVersion = 0;
/** The prefix of `setExcepthook`'s refusals. */
const SET_ACTION = "Cannot set excepthook";

/**
 * Sets the excepthook of every thread, as assigning Python's `threading.excepthook`:
 * the hook runs in the thread whose `run()` threw. It must be an exported function of
 * the module that calls `setExcepthook` (other threads import it by name), or
 * `excepthook` to restore the default.
 *
 * @param newHook The hook.
 * @returns The hook it replaces.
 * @throws {TypeError} If the hook is not a function that other threads can import by
 * name: an arrow function, a closure, a bound or built-in function, or a function its
 * module declares without `export` (the message says what to write instead).
 */
export function setExcepthook(newHook: ExceptHook): ExceptHook {
  if (typeof newHook !== "function") {
    throw new TypeError(
      `${SET_ACTION}: expected a function, received ${describe(newHook)}`,
    );
  }
  const previous = hook;
  if (newHook === excepthook) {
    writeSharedText(SharedTextKey.EXCEPTHOOK, "", "the excepthook");
  } else {
    // Checked here as a Barrier's action is (`_barrier_action.ts`): the hook travels the
    // same way, and a thread that could not find it would only say so when it fails.
    const source = refuseUntravelable(newHook, "the excepthook", SET_ACTION);
    const module = callerModule();
    refuseUnexported(newHook.name, module, SET_ACTION);
    writeSharedText(
      SharedTextKey.EXCEPTHOOK,
      JSON.stringify({ module, name: newHook.name, source }),
      "the excepthook",
    );
  }
  hook = newHook;
  hookVersion = sharedTextVersion(SharedTextKey.EXCEPTHOOK);
  return previous;
}

/** Resolves the program-wide excepthook in this thread (importing its module). */
async function resolveHook(): Promise<{ hook: ExceptHook; note?: string }> {
  const version = sharedTextVersion(SharedTextKey.EXCEPTHOOK);
  if (version === hookVersion) return { hook };
  const { text } = readSharedText(SharedTextKey.EXCEPTHOOK);
  if (text === "") {
    hook = excepthook;
    hookVersion = version;
    return { hook };
  }
  const ref = JSON.parse(text) as { module?: string; name: string; source: string };
  try {
    if (ref.module === undefined) throw new Error("its module is unknown");
    const ns = await importModule(ref.module);
    const found = findExport(ns, ref.name, ref.source) ??
      (await locateExport([ref.module], ref.name, ref.source, isFunction))?.value;
    if (typeof found !== "function") throw new Error(`${ref.module} does not export it`);
    hook = found as ExceptHook;
    hookVersion = version;
    return { hook };
  } catch (error) {
    return {
      hook: excepthook,
      note:
        `(the excepthook ${ref.name} set with setExcepthook() cannot run in this thread: ${
          (error as Error).message
        }; export it from the module that calls setExcepthook)\n`,
    };
  }
}

/** V8's words (Deno, Node) and JavaScriptCore's (Bun) for a private member not found. */
const PRIVATE_ERROR =
  /private member #[\w$]+ (?:from|to) an object whose class did not declare it|Receiver must be an instance of class|Cannot access invalid private field|Cannot (?:read|write) private member/;

/** The hint that {@linkcode explainPrivate} appends. */
export const PRIVATE_HINT =
  "#private fields and methods of a Thread subclass do not travel to its thread (the thread's object is made from the class without its constructor, its own fields copied): use an ordinary field (`count = 5`, not `#count = 5`), and a method without # (`step() {\u2026}`)";

/**
 * Appends {@linkcode PRIVATE_HINT} to a `TypeError` of a private member that a Thread
 * subclass's thread threw (`Cannot read private member #count from an object whose
 * class did not declare it`, which names no cause the user can see), in its message and
 * its stack's first line, as `explainCopy` does for a frozen copy.
 */
function explainPrivate(error: unknown, thread: Thread | undefined): void {
  if (
    !(error instanceof TypeError) || thread === undefined ||
    thread.constructor.name === "Thread" || !PRIVATE_ERROR.test(error.message) ||
    error.message.includes(PRIVATE_HINT)
  ) return;
  const header = `${error.name}: ${error.message}`;
  const stack = error.stack;
  error.message = `${error.message}; ${PRIVATE_HINT}`;
  if (typeof stack === "string" && stack.startsWith(header)) {
    error.stack = `${error.name}: ${error.message}${stack.slice(header.length)}`;
  }
}

/** The excepthook's arguments for `error`, thrown by `thread`'s `run()`. */
function hookArgs(error: unknown, thread: Thread | undefined): ExceptHookArgs {
  const ctor = (error as { constructor?: unknown })?.constructor;
  return {
    excType: typeof ctor === "function" ? ctor as ExceptHookArgs["excType"] : undefined,
    excValue: error,
    excTraceback: (error as { stack?: string })?.stack,
    thread,
  };
}

/** Runs the excepthook for an error thrown by a thread's `run()`. */
export async function handleUncaught(
  error: unknown,
  thread: Thread | undefined,
): Promise<void> {
  const { hook: h, note } = await resolveHook();
  if (note) writeStderr(note);
  explainCopy(error);
  explainPrivate(error, thread);
  const args = hookArgs(error, thread);
  try {
    await h(args);
  } catch (hookError) {
    hookFailed(hookError);
  }
}

/**
 * Runs the excepthook at once, awaiting nothing: for a thread whose Worker ends now (its
 * event loop turns no more, see `_worker.ts`). The hook of {@linkcode setExcepthook} runs
 * if this thread has resolved it already (or it is the default); otherwise, and if it
 * throws, the default {@linkcode excepthook}. A promise that the hook returns is not
 * awaited.
 */
export function excepthookNow(error: unknown, thread: Thread | undefined): void {
  explainPrivate(error, thread);
  const args = hookArgs(error, thread);
  const current = sharedTextVersion(SharedTextKey.EXCEPTHOOK) === hookVersion;
  try {
    (current ? hook : excepthook)(args);
  } catch (hookError) {
    hookFailed(hookError);
  }
}

/**
 * Resolves the hook of {@linkcode setExcepthook} in this thread ahead of need, so that
 * {@linkcode excepthookNow} can run it: for a thread whose `run()` returned a promise.
 */
export function prepareExcepthook(): void {
  if (sharedTextVersion(SharedTextKey.EXCEPTHOOK) !== hookVersion) {
    resolveHook().catch(() => {});
  }
}
