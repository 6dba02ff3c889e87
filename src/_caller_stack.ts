// Copyright the threading for Deno authors. MIT license.
/**
 * The stack of an error that the library throws from deep in its own code (the codec's
 * walk of a value, the check of JSON data): V8 keeps `Error.stackTraceLimit` frames (10
 * by default), and a refusal made under a recursive walk fills them all with the
 * library's frames, so that the user's call (`t.start()`, `q.put(item)`) is not in it.
 * CPython's traceback always shows the caller; Deno's own APIs throw with the user's
 * frame first. {@linkcode showCaller} gives such an error the stack of the public call:
 *
 * | error | its stack |
 * | --- | --- |
 * | not an `Error`, or its stack already has a frame outside the library (a shallow throw, an error of the user's `[kTravel]()`) | unchanged |
 * | made by the library for the running public call (`always`: a failed `start()`) | as the next row, whatever its stack |
 * | only the library's and the runtime's frames, under a public function or method of the library | captured again from that public entry, as `Error.captureStackTrace(error, entry)` would at the API boundary: the user's call first (in `error.stack`, and in the frames Deno prints an uncaught error with, its code frame the user's line) |
 * | the same, under no public entry it can find (a call through a class it does not know) | `error.stack` set to the stack of the place that calls `showCaller`, from the first frame outside the library (at most `Error.stackTraceLimit` frames); Deno's report of it uncaught keeps V8's frames |
 * | no frame outside the library there either (the library's own call, in a thread's job loop) | unchanged |
 *
 * The public entry is found by name: the frame just above the user's names it
 * (`at Queue.put`, `at new SharedList`, `at SharedJSON.set value [as value]`), and the
 * functions, classes, methods and accessors that the library exports
 * ({@linkcode setPublicApi}: `src/threading.ts` gives its namespace) with that name are
 * tried until one is on the stack with the user's frame right above it.
 *
 * Called where the library catches such an error on its way out (a few stack captures,
 * on the error's path only), so that every public call that reaches that place is
 * covered.
 *
 * @module
 */
import { RUNTIME, shownUnder, toModuleURL } from "./_platform.ts";
import { SOURCE_DIR } from "./_self.ts";

/** A frame line with a module URL (or a path, as Node and Bun print files). */
const FRAME =
  /^\s*at (?:async )?(?:.*? \()?((?:file|https?|jsr|npm|data):[^)]*?|\/[^)]*?):\d+:\d+\)?$/;
/** A frame of the runtime's own code (`ext:deno_node/...`, `node:internal/...`). */
const RUNTIME_FRAME = /^\s*at (?:.*\()?(?:ext|node):[^)]*\)?$/;
/** Frames the capture keeps on top of the limit: the library's between here and the user. */
const EXTRA_FRAMES = 64;

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

/** The library's exports (see the module doc). */
let api: Record<string, unknown> = {};
/** Its public functions by name (own property keys), built on first need. */
let entries: Map<string, Fn[]> | undefined;

/** @internal Called by `src/threading.ts` with its own namespace. */
export function setPublicApi(namespace: Record<string, unknown>): void {
  api = namespace;
  entries = undefined;
}

/** The public functions, methods and accessors of the library, by name. */
function publicEntries(): Map<string, Fn[]> {
  if (entries !== undefined) return entries;
  const found = new Map<string, Fn[]>();
  const seen = new Set<unknown>();
  const add = (name: string, fn: unknown): boolean => {
    if (typeof fn !== "function" || seen.has(fn)) return false;
    seen.add(fn);
    const list = found.get(name);
    if (list === undefined) found.set(name, [fn as Fn]);
    else list.push(fn as Fn);
    return true;
  };
  // A namespace's exports may be getters (the bundle's namespaces are objects of
  // getters): their values are read; a class's accessors are entries themselves.
  const walk = (object: object, depth: number, namespace: boolean): void => {
    for (const key of Object.getOwnPropertyNames(object)) {
      let value: unknown;
      try {
        const d = Object.getOwnPropertyDescriptor(object, key);
        if (d === undefined) continue;
        if (namespace) {
          value = (object as Record<string, unknown>)[key];
        } else {
          add(key, d.get);
          add(key, d.set);
          value = d.value;
        }
      } catch {
        continue;
      }
      if (typeof value === "function") {
        if (!add(key, value) || depth > 2) continue;
        walk(value, depth + 1, false); // static methods
        const proto = (value as { prototype?: unknown }).prototype;
        if (typeof proto === "object" && proto !== null) walk(proto, depth + 1, false);
      } else if (
        namespace && depth === 0 && typeof value === "object" && value !== null
      ) {
        const proto = Object.getPrototypeOf(value);
        // A namespace (`logging`).
        if (proto === null || proto === Object.prototype) walk(value, depth + 1, true);
      }
    }
  };
  walk(api, 0, true);
  entries = found;
  return found;
}

/** The name of the function a frame line shows: `put` for `at Queue.put (...)`. */
function frameName(line: string): string {
  let text = line.trim().replace(/^at /, "").replace(/^async /, "").replace(/^new /, "");
  const open = text.indexOf(" (");
  if (open < 0) return "";
  text = text.slice(0, open);
  const as = /\[as ([^\]]+)\]$/.exec(text);
  if (as !== null) return as[1];
  const dot = text.lastIndexOf(".");
  const name = dot < 0 ? text : text.slice(dot + 1);
  return name.replace(/^[gs]et /, "");
}

/**
 * Captures `error`'s stack again from the public entry that `frames` shows above the
 * user's frame at `user`, if one of the library's public functions is that frame.
 */
function captureFromEntry(error: Error, frames: string[], user: number): boolean {
  if (user < 1) return false;
  const candidates = publicEntries().get(frameName(frames[user - 1])) ?? [];
  for (const entry of candidates) {
    const probe: { stack?: string } = {};
    Error.captureStackTrace(probe, entry);
    const top = String(probe.stack ?? "").split("\n").find((l) => /^\s+at /.test(l));
    if (top === undefined || top !== frames[user]) continue;
    try {
      Error.captureStackTrace(error, entry);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** Whether a frame line is the user's: a module outside the library and the runtime. */
function isUserFrame(line: string): boolean {
  const m = FRAME.exec(line);
  return m !== null && !shownUnder(toModuleURL(m[1]), SOURCE_DIR) &&
    !RUNTIME_FRAME.test(line);
}

/** Whether a frame line is the library's: a module of `src/` (or the bundle). */
function isLibraryFrame(line: string): boolean {
  const m = FRAME.exec(line);
  return m !== null && shownUnder(toModuleURL(m[1]), SOURCE_DIR);
}

/** Whether a stack has a frame outside the library and the runtime (the user's). */
export function hasUserFrame(stack: unknown): boolean {
  return typeof stack === "string" && stack.split("\n").some(isUserFrame);
}

/**
 * Gives `error` the stack of the public call that led here when its stack starts in the
 * library (see the module doc): a thrown value the library caught on its way out, of
 * unknown origin. `error.message` and its class are not changed.
 *
 * @param error A thrown value (left alone if it is not an `Error`, or if its first frame
 *   is not the library's: the user's own error, thrown by the user's code).
 * @returns `error`, to rethrow.
 */
export function showCaller<T>(error: T): T {
  if (!(error instanceof Error)) return error;
  try {
    const stack = error.stack;
    if (typeof stack !== "string") return error;
    const top = stack.split("\n").find((line) =>
      FRAME.test(line) && !RUNTIME_FRAME.test(line)
    );
    return top !== undefined && isLibraryFrame(top) ? atCaller(error) : error;
  } catch {
    return error;
  }
}

/**
 * Gives `error`, which the library makes for the public call that is running, the stack
 * of that call: the user's frame first (see the module doc). Costs a few stack captures,
 * on the error's path only. Never throws.
 *
 * @param error An error the library just made (its first frames are the library's).
 * @returns `error`, to throw.
 */
export function atCaller<T>(error: T): T {
  if (!(error instanceof Error)) return error;
  try {
    const limit = Error.stackTraceLimit;
    if (typeof limit !== "number" || limit <= 0) return error;
    const here: { stack?: string } = {};
    try {
      Error.stackTraceLimit = limit + EXTRA_FRAMES;
      Error.captureStackTrace(here, atCaller);
    } finally {
      Error.stackTraceLimit = limit;
    }
    const frames = String(here.stack ?? "").split("\n").filter((line) =>
      /^\s+at /.test(line)
    );
    const user = frames.findIndex(isUserFrame);
    if (user < 0) return error;
    if (captureFromEntry(error, frames, user)) return error;
    const stack = String(error.stack);
    const lines = stack.split("\n");
    const first = lines.findIndex((line) => /^\s+at /.test(line));
    const header = (first < 0 ? lines : lines.slice(0, first)).join("\n");
    const shown = frames.slice(user, user + limit);
    // Bun's report of an uncaught error reads `error.stack` (its code frame too), but
    // only a frame with a name: its own nameless `at /path:1:2` gets one.
    if (RUNTIME === "bun") {
      shown[0] = shown[0].replace(/^(\s*at )(\/.*)$/, "$1<anonymous> ($2)");
    }
    error.stack = [header, ...shown].join("\n");
  } catch {
    // A frozen error, or this module not evaluated yet (an error of a module that it
    // imports, made while the modules load): the stack stays.
  }
  return error;
}

/**
 * `TypeError` and `RangeError` for the library's modules: `new TypeError(message)` made
 * with one of these is a plain `TypeError` (its prototype, its `instanceof`) whose stack
 * starts at the user's call ({@linkcode atCaller}). A module imports them by the global
 * names, so that its `throw new TypeError(…)` lines stay as they are.
 */
function callerClass<C extends ErrorConstructor>(Base: C): C {
  const Class = function (message?: string, options?: ErrorOptions): Error {
    return atCaller(new Base(message, options));
  };
  Class.prototype = Base.prototype;
  Object.defineProperty(Class, "name", { value: Base.name });
  return Class as unknown as C;
}

/** A `TypeError` whose stack starts at the user's call (see {@linkcode callerClass}). */
export const TypeError: TypeErrorConstructor = callerClass(globalThis.TypeError);
/** A `RangeError` whose stack starts at the user's call (see {@linkcode callerClass}). */
export const RangeError: RangeErrorConstructor = callerClass(globalThis.RangeError);
