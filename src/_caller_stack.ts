// Copyright the threading for Deno authors. MIT license.
/**
 * The stack of an error that the library throws at a user's call starts at the user's
 * line: CPython's traceback ends at the caller's line, and Deno's own APIs throw with
 * the user's frame first. Without this, the frames on top are the library's: minified
 * helpers of the bundle (`at Cr`, `at ct`, `at gE`), the codec's recursive walk that
 * can fill all of V8's 10 frames, the wait machinery under `join()` that throws a
 * `DeadlockError`; and Deno's report of such an error left uncaught shows the library's
 * `throw` as its code frame, Node's and Bun's a line of the minified bundle.
 *
 * Every error the library makes gets the stack of the public call that is running
 * ({@linkcode atCaller}), when it is made: `TypeError` and `RangeError` through the
 * classes of the same names that this module gives the library's modules, which import
 * them instead of the global ones (`new TypeError(...)` stays as written, and makes a
 * plain `TypeError`); `ThreadError`, its subclasses and the queue errors in their
 * constructors. {@linkcode showCaller} does the same for an error of unknown origin that
 * the library catches on its way out (the codec's).
 *
 * | the stack at the making | the error's stack |
 * | --- | --- |
 * | a frame of the user's under the library's, under a public function, method, accessor or class of the library | captured again from that public entry, as `Error.captureStackTrace(error, entry)` at the API boundary: the user's frame first (in `error.stack`, and in the frames V8 keeps for the runtime's report of it uncaught: its code frame is the user's line) |
 * | the same, under no public entry it can find (a call through the runtime, as `array.map(q.put)`; on Bun, an entry that called on in tail position, whose frame JavaScriptCore drops) | `error.stack` set to the frames from the first frame outside the library (at most `Error.stackTraceLimit`); Bun's report of it uncaught reads that text, Deno's and Node's keep V8's frames |
 * | no frame of the user's (the library's own work: a thread's job loop, a Worker's start) | unchanged |
 *
 * The public entry is found by name: the frame just above the user's names it (its
 * method or function name: `put` of `Queue.put`, `SharedList` of `new SharedList`,
 * `value` of `set value [as value]`), and the functions, classes, methods and accessors
 * that the library exports ({@linkcode setPublicApi}: `src/threading.ts` gives its
 * namespace) with that name are tried until one is on the stack with the user's frame
 * right above it; the entry found is kept for that place of the library's code.
 *
 * Cost: on the error's path only (the lock's fast paths make no error). The stack is
 * read as V8's call sites (a temporary `Error.prepareStackTrace`), never formatted as
 * text, 6 frames deep (more only if the user's frame is deeper), each frame's script read
 * once up to the user's; a place seen before needs no search. Never throws: an error it cannot handle keeps its stack.
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
/** How deep the first look for the user's frame goes (most throws are a few deep). */
const FIRST_DEPTH = 6;
/** Frames a second look adds: the library's between here and the user (a deep walk). */
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

/** What V8's (and JavaScriptCore's) call sites tell, of what this module reads. */
interface Site {
  getScriptNameOrSourceURL?(): string | null | undefined;
  getFileName(): string | null | undefined;
  getFunctionName(): string | null | undefined;
  getMethodName(): string | null | undefined;
  getLineNumber(): number | null | undefined;
  getColumnNumber(): number | null | undefined;
}

/** The error constructor's settings that a capture of call sites changes for a moment. */
const ErrorSettings = Error as ErrorConstructor & {
  prepareStackTrace?: unknown;
  stackTraceLimit: number;
};

/**
 * The call sites of the stack above the topmost call of `fn` (at most `depth`), as the
 * runtime gives them to `Error.prepareStackTrace`; `undefined` where it does not.
 */
function callSites(fn: Fn, depth: number): Site[] | undefined {
  const { prepareStackTrace, stackTraceLimit } = ErrorSettings;
  try {
    ErrorSettings.prepareStackTrace = (_: unknown, sites: Site[]) => sites;
    ErrorSettings.stackTraceLimit = depth;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, fn);
    const sites = holder.stack; // prepared now, while prepareStackTrace is this one
    return Array.isArray(sites) ? sites : undefined;
  } finally {
    ErrorSettings.prepareStackTrace = prepareStackTrace;
    ErrorSettings.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * The file of a call site: its script's URL where the runtime tells it (Deno: a few
 * times cheaper than `getFileName()`, which maps the TypeScript source), else its file.
 */
function fileOf(site: Site): string | null | undefined {
  return site.getScriptNameOrSourceURL?.() ?? site.getFileName();
}

/** Where a call site is: `file:line:column` (its file as read already). */
function place(site: Site, file: string): string {
  return `${file}:${site.getLineNumber()}:${site.getColumnNumber()}`;
}

/** The library's folder as a path (call sites name files by path on Deno and Bun). */
let libraryPath: string | undefined;

/** Whether a file a call site names is one of the library's (`src/` or the bundle). */
function ofLibraryFile(file: string): boolean {
  if (file.startsWith(SOURCE_DIR)) return true;
  if (file.startsWith("/")) {
    libraryPath ??= SOURCE_DIR.startsWith("file:")
      ? decodeURIComponent(new URL(SOURCE_DIR).pathname)
      : "\u0000";
    return file.startsWith(libraryPath);
  }
  return shownUnder(file, SOURCE_DIR);
}

/** Whether a file a call site names is a module (not the runtime's `ext:`, `node:`). */
const MODULE_FILE = /^(?:file:|https?:|jsr:|npm:|data:|\/)/;

/**
 * The first of `sites` that is the user's, if only the library's (and the runtime's)
 * are above it: its index, and its file; else `undefined`. Reads each site's file once
 * (a call site's first read is what costs).
 */
function firstUserSite(sites: Site[]): { user: number; file: string } | undefined {
  let library = false;
  for (let i = 0; i < sites.length; i++) {
    const file = fileOf(sites[i]);
    if (typeof file !== "string" || !MODULE_FILE.test(file)) continue;
    if (ofLibraryFile(file)) library = true;
    else return library ? { user: i, file } : undefined;
  }
  return undefined;
}

/** The names a public entry may have, by what its call site shows. */
function siteNames(site: Site): string[] {
  const names: string[] = [];
  const method = site.getMethodName();
  if (method) names.push(method);
  const fn = site.getFunctionName();
  if (fn) {
    const name = fn.slice(fn.lastIndexOf(".") + 1).replace(/^[gs]et /, "");
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The public entry found for a place of the library's code (`null`: none). */
const entryAt = new Map<string, Fn | null>();

/**
 * The public function whose frame is `sites[user - 1]`, right under the user's frame
 * `sites[user]` in `file` (see the module doc), or `undefined`.
 */
function publicEntry(sites: Site[], user: number, file: string): Fn | undefined {
  const above = sites[user - 1];
  const key = place(above, String(fileOf(above)));
  const known = entryAt.get(key);
  if (known !== undefined) return known ?? undefined;
  const want = place(sites[user], file);
  let found: Fn | null = null;
  search: for (const name of siteNames(above)) {
    for (const entry of publicEntries().get(name) ?? []) {
      const top = callSites(entry, 1)?.[0];
      if (top !== undefined && place(top, String(fileOf(top))) === want) {
        found = entry;
        break search;
      }
    }
  }
  entryAt.set(key, found);
  return found ?? undefined;
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
 * of that call: the user's frame first (see the module doc). Costs a capture of call
 * sites, on the error's path only. Never throws.
 *
 * @param error An error the library just made (its first frames are the library's).
 * @returns `error`, to throw.
 */
export function atCaller<T>(error: T): T {
  if (!(error instanceof Error)) return error;
  try {
    const limit = ErrorSettings.stackTraceLimit;
    if (typeof limit !== "number" || limit <= 0) return error;
    let sites = callSites(atCaller, FIRST_DEPTH);
    if (sites === undefined) return error;
    let found = firstUserSite(sites);
    if (found === undefined && sites.length >= FIRST_DEPTH) {
      sites = callSites(atCaller, FIRST_DEPTH + limit + EXTRA_FRAMES);
      found = sites === undefined ? undefined : firstUserSite(sites);
    }
    // No frame of the user's, or none of the library's above it: nothing to do.
    if (sites === undefined || found === undefined) return error;
    const entry = publicEntry(sites, found.user, found.file);
    if (entry !== undefined) {
      Error.captureStackTrace(error, entry);
      return error;
    }
    rewriteStack(error, limit, found.user);
  } catch {
    // A frozen error, or this module not evaluated yet (an error of a module that it
    // imports, made while the modules load): the stack stays.
  }
  return error;
}

/**
 * Sets `error.stack` to the frames of the running stack from the first of the user's
 * (the fallback of the module doc; `user` frames under `atCaller`'s), as the runtime
 * formats them: Node and Bun format a
 * frame as its call site's text (cheaper than a formatted capture), Deno its own way.
 */
function rewriteStack(error: Error, limit: number, user: number): void {
  const depth = user + 1 + limit; // atCaller's frame, the library's, the user's
  let shown: string[];
  if (RUNTIME === "deno") {
    const here: { stack?: string } = {};
    try {
      ErrorSettings.stackTraceLimit = depth;
      Error.captureStackTrace(here, rewriteStack);
    } finally {
      ErrorSettings.stackTraceLimit = limit;
    }
    const frames = String(here.stack ?? "").split("\n").filter((line) =>
      /^\s+at /.test(line)
    );
    const user = frames.findIndex(isUserFrame);
    if (user < 0) return;
    shown = frames.slice(user, user + limit);
  } else {
    const sites = callSites(rewriteStack, depth);
    const found = sites === undefined ? undefined : firstUserSite(sites);
    if (sites === undefined || found === undefined) return;
    shown = sites.slice(found.user, found.user + limit).map((site) => `    at ${site}`);
  }
  // Bun's report of an uncaught error reads `error.stack` (its code frame too), but
  // only a frame with a name: its own nameless `at /path:1:2` gets one.
  if (RUNTIME === "bun") {
    shown[0] = shown[0].replace(/^(\s*at )(\/.*)$/, "$1<anonymous> ($2)");
  }
  error.stack = [Error.prototype.toString.call(error), ...shown].join("\n");
}

/**
 * `TypeError` and `RangeError` for the library's modules: `new TypeError(message)` made
 * with one of these is a plain `TypeError` (its prototype, its `instanceof`) whose stack
 * starts at the user's call ({@linkcode atCaller}). A module imports them by the global
 * names, so that its `throw new TypeError(...)` lines stay as they are.
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
