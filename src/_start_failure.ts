// Copyright the threading for Deno authors. MIT license.
/**
 * Why a thread failed to start, from its Worker to the thread that called `start()`: the
 * error's class name, the message, and the original error (`cause`: its class name,
 * message and stack), written as one text in the thread's slot (`failStart`, at most
 * `TEXT_BYTES`) and read back as the error `start()` throws.
 *
 * Text: `"<name>\n<message>"`, then, if there is a cause, `"\u0000"` and the cause as
 * JSON (`{ name, message, stack }`; the stack cut, whole lines from its end, to fit).
 *
 * A module that fails while the thread imports it (its top-level code throws, a syntax
 * error, a module it imports is not found) is named in the message with where it failed
 * ({@linkcode moduleFailureMessage}): the module whose top-level code threw, not only
 * the module the thread imported (CPython's traceback of a failed import shows both).
 *
 * @module
 */
import { ThreadError } from "./errors.ts";
import { userStack } from "./_reference.ts";
import { hasUserFrame, TypeError } from "./_caller_stack.ts";
import { shownAs, shownUnder, toModuleURL } from "./_platform.ts";
import { MOD_TS, SOURCE_DIR } from "./_self.ts";

/** The original error of a failed start, as it travels. */
interface CauseText {
  name: string;
  message: string;
  stack?: string;
}

/** Room for the whole text in a slot (`TEXT_BYTES` of `_runtime.ts`, 2048), in bytes. */
const ROOM = 2000;

const encoder = new TextEncoder();

/** The cause of `error`, as it travels: its class name, message and stack. */
function causeOf(error: unknown): CauseText {
  if (error instanceof Error) {
    // Without the library's frames below the user's (its import of the module).
    const stack = typeof error.stack === "string" ? userStack(error.stack) : undefined;
    return { name: error.name, message: error.message, stack };
  }
  return { name: "Error", message: String(error) };
}

/**
 * Whether a cause would only repeat the message: its message is in it, and its stack is
 * the library's alone (a refusal of the thread's decoding: "Caused by:" would print the
 * same words again, over the library's frames).
 */
function saysNothingMore(cause: unknown, message: string): boolean {
  if (!(cause instanceof Error)) return false;
  try {
    return message.includes(cause.message) && !hasUserFrame(cause.stack);
  } catch {
    return false;
  }
}

/**
 * The text of a failed start (see the module doc): the stack of `cause` is cut, whole
 * lines from its end, so that the text fits the slot.
 */
export function encodeStartFailure(
  name: string,
  message: string,
  cause?: unknown,
): string {
  const head = `${name}\n${message}`;
  if (cause === undefined || saysNothingMore(cause, message)) return head;
  const c = causeOf(cause);
  const lines = (c.stack ?? "").split("\n");
  for (let keep = lines.length; keep >= 0; keep--) {
    const text = `${head}\u0000${
      JSON.stringify(
        keep > 0 ? { ...c, stack: lines.slice(0, keep).join("\n") } : {
          name: c.name,
          message: c.message,
        },
      )
    }`;
    if (encoder.encode(text).length <= ROOM) return text;
  }
  return head;
}

/** The original error, rebuilt: its own class when it is one of JavaScript's. */
function reviveCause(c: CauseText): Error {
  const Class = (globalThis as Record<string, unknown>)[c.name];
  const error = typeof Class === "function" && Class.prototype instanceof Error
    ? new (Class as ErrorConstructor)(c.message)
    : new Error(c.message);
  if (error.name !== c.name) error.name = c.name;
  if (c.stack !== undefined) error.stack = c.stack;
  return error;
}

/**
 * The error that `start()` throws for a failed start's `text`: a `TypeError` or a
 * `ThreadError` whose message is `action: <message>`, with the original error as its
 * `cause` when the Worker sent one.
 */
export function startFailureError(text: string, action: string): Error {
  const at = text.indexOf("\u0000");
  const [name, ...rest] = (at < 0 ? text : text.slice(0, at)).split("\n");
  const message = `${action}: ${rest.join("\n")}`;
  let cause: Error | undefined;
  if (at >= 0) {
    try {
      cause = reviveCause(JSON.parse(text.slice(at + 1)) as CauseText);
    } catch {
      cause = undefined; // cut short: the message stays
    }
  }
  const options = cause === undefined ? undefined : { cause };
  const error = name === "TypeError"
    ? new TypeError(message, options)
    : new ThreadError(message, options);
  // Both classes give it the stack of the user's start() call (`_caller_stack.ts`).
  return error;
}

/** This library's folder. */
const LIBRARY = SOURCE_DIR;

function ofLibrary(shown: string): boolean {
  return shownUnder(shown, LIBRARY) || shownAs(shown, MOD_TS);
}

/**
 * A stack line of module code (no function: the module's top level), and where: a URL
 * (Deno, Node) or a path (Bun: `at /app/helper.ts:3:26`).
 */
const TOP_LEVEL_FRAME = /^\s*at (?:async )?((?:file|https?|data):.*?|\/.*?):(\d+):(\d+)$/;
/** Any stack line, and where (a URL, or Bun's path). */
const FRAME =
  /^\s*at (?:async )?(?:.*? \()?((?:file|https?|data|jsr|npm):.*?|\/[^(]*?):(\d+):(\d+)\)?$/;

/**
 * Where the module evaluation that `error` ended was: the module whose top-level code
 * threw (its first top-level frame) and the error's first location, as its stack shows
 * them (Deno shows a file URL partly decoded: for reading, not for loading).
 */
function failedAt(error: unknown): { module?: string; location?: string } {
  let stack = error instanceof Error && typeof error.stack === "string"
    ? error.stack
    : "";
  // Only the frames: a message may hold "at" lines of its own (a syntax error's).
  const header = error instanceof Error ? `${error.name}: ${error.message}` : "";
  if (header !== "" && stack.startsWith(header)) stack = stack.slice(header.length);
  let module: string | undefined;
  let location: string | undefined;
  for (const line of stack.split("\n")) {
    if (location === undefined) {
      const m = FRAME.exec(line);
      if (m && !ofLibrary(toModuleURL(m[1]))) {
        location = `${toModuleURL(m[1])}:${m[2]}:${m[3]}`;
      }
    }
    const top = TOP_LEVEL_FRAME.exec(line);
    // The library's own module (a second copy refusing to load) is not the one to name.
    if (top && !ofLibrary(toModuleURL(top[1]))) {
      module = toModuleURL(top[1]);
      break;
    }
  }
  return { module, location };
}

/**
 * The words for the module `url` that failed to load in a new thread with `error`: the
 * module whose top-level code threw, when it is another one (`url` imports it), where
 * the error was thrown, and the error itself (its class name and message).
 */
export function moduleFailureMessage(url: string, error: unknown): string {
  const { module, location } = failedAt(error);
  // The class name of the user's error (`TypeError: ...`), not of the library's own
  // (an unguarded module's start() in the thread: its words are the library's).
  // (A ThreadError of another copy of the library, too: one that refuses to load.)
  const what = error instanceof ThreadError ||
      (error instanceof Error && error.name === "ThreadError")
    ? error.message
    : error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  const failed = module !== undefined && !shownAs(module, url)
    ? `the module ${module} failed to load in the new thread (imported by ${url})`
    : `the module ${url} failed to load in the new thread`;
  return `${failed}: ${what}${location === undefined ? "" : ` (at ${location})`}`;
}
