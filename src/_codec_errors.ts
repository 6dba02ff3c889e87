// Copyright the threading for Deno authors. MIT license.
/**
 * Errors in the codec: the error classes a thread can restore (the built-in ones, the
 * library's, those seen travelling, and those exported by modules loaded in the
 * thread, found as Thread targets are), and the hint added to a `TypeError` thrown by a
 * change to a frozen copy.
 *
 * @module
 */
import { mainModuleURL, namespaces } from "./_modules.ts";
import { BrokenBarrierError, ThreadError } from "./errors.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./queue_errors.ts";
import { SOURCE_DIR } from "./_self.ts";

/** A class of errors. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** The built-in error classes, by name. */
export const BUILTIN_ERRORS: Record<string, ErrorClass> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError,
};

/** Error classes this thread knows by name: the library's, and those seen travelling. */
const errorClasses = new Map<string, ErrorClass>([
  ["ThreadError", ThreadError],
  ["BrokenBarrierError", BrokenBarrierError],
  ["QueueEmpty", QueueEmpty],
  ["QueueFull", QueueFull],
  ["QueueShutDown", QueueShutDown],
]);
// The web's DOMException (what `AbortSignal.timeout()` and an aborted fetch throw): every
// thread has it, and it arrives as one (see `isHostError`).
if (typeof DOMException === "function") {
  errorClasses.set("DOMException", DOMException as unknown as ErrorClass);
}

/**
 * Whether an error class keeps its `name`, `message` and `code` in internal slots
 * (`DOMException`, and classes that extend it): an object made without its constructor
 * throws "Illegal invocation" when they are read, so it is revived by constructing it
 * (`new DOMException(message, name)`; `code` follows from the name).
 */
export function isHostError(Class: ErrorClass): boolean {
  return typeof DOMException === "function" &&
    ((Class as unknown) === DOMException || Class.prototype instanceof DOMException);
}

/**
 * Makes an error class known to the codec of this thread by its name, so that errors
 * of this class arrive as instances of it. The library registers its own; classes of
 * errors this thread sends are registered as they go.
 */
export function registerErrorClass(Class: ErrorClass): void {
  if (Class.name && !Object.hasOwn(BUILTIN_ERRORS, Class.name)) {
    errorClasses.set(Class.name, Class);
  }
}

/** Frames under it are the library's own (its modules, or the bundle in `src/_bundle/`). */
const LIBRARY_PREFIX = SOURCE_DIR;
const FRAME_URL = /((?:file|https?|jsr|npm|data):[^\s)]*?):\d+:\d+\)?$/;

/** The module URLs (outside this library) that an error's stack passes through. */
export function stackModules(stack: unknown): string[] {
  if (typeof stack !== "string") return [];
  const out: string[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME_URL.exec(line);
    if (m && !m[1].startsWith(LIBRARY_PREFIX) && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** Whether `value` is `Error` or a subclass of it. */
export function isErrorClass(value: unknown): value is ErrorClass {
  return typeof value === "function" &&
    (value === Error || (value as { prototype?: unknown }).prototype instanceof Error);
}

/**
 * The class to restore an error of constructor `ctor` with: its own when this thread can
 * find it, else the built-in class `base`.
 */
export function findErrorClass(
  token: { ctor: string; base: string; modules: string[] },
): ErrorClass {
  const builtin = BUILTIN_ERRORS[token.ctor];
  if (builtin !== undefined && Object.hasOwn(BUILTIN_ERRORS, token.ctor)) return builtin;
  const known = errorClasses.get(token.ctor);
  if (known !== undefined) return known;
  // As targets are found: the modules its stack passes through (the one that made it
  // first), the main module, then any module loaded in this thread.
  const main = mainModuleURL();
  const urls = main === undefined ? token.modules : [...token.modules, main];
  for (const url of [...urls, ...namespaces.keys()]) {
    const namespace = namespaces.get(url);
    if (namespace === undefined || !Object.hasOwn(namespace, token.ctor)) continue;
    const value = namespace[token.ctor];
    if (isErrorClass(value)) {
      errorClasses.set(token.ctor, value);
      return value;
    }
  }
  return BUILTIN_ERRORS[token.base] ?? Error;
}

/** The name of the nearest built-in class of an error. */
export function builtinBase(error: Error): string {
  for (let p = Object.getPrototypeOf(error); p !== null; p = Object.getPrototypeOf(p)) {
    const name = (p.constructor as { name?: string } | undefined)?.name;
    if (
      name !== undefined && Object.hasOwn(BUILTIN_ERRORS, name) &&
      BUILTIN_ERRORS[name] === p.constructor
    ) return name;
  }
  return "Error";
}

const COPY_ERROR =
  /object is not extensible|read[- ]only property|Cannot delete property|Cannot add property|frozen/;
/** Why a copy is frozen: the words every frozen copy's message carries. */
export const COPY_WHY =
  "a thread's arguments, kwargs and fields arrive frozen: a change would not reach the thread that sent them";
const COPY_HINT =
  `if it came from another thread, it is a frozen copy (${COPY_WHY}); keep data that threads change in a SharedList or SharedJSON (a Thread subclass's result too: declare the field as one, or put the result on a Queue), or change a copy of your own (structuredClone(x))`;

/**
 * Adds to a `TypeError` thrown by a change to a frozen copy (see "Copies" in the module
 * doc) the hint that says why and what to use instead, in its message and its stack.
 *
 * @returns Whether the error was such a `TypeError`.
 */
export function explainCopy(error: unknown): boolean {
  if (!(error instanceof TypeError) || !COPY_ERROR.test(error.message)) return false;
  // Explained already, or a frozen copy's own words (`_codec_frozen.ts`).
  if (error.message.includes(COPY_WHY)) return true;
  const header = `${error.name}: ${error.message}`;
  const stack = error.stack;
  error.message = `${error.message}; ${COPY_HINT}`;
  if (typeof stack === "string" && stack.startsWith(header)) {
    error.stack = `${error.name}: ${error.message}${stack.slice(header.length)}`;
  }
  return true;
}
