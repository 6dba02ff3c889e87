// Copyright the threading for Deno authors. MIT license.
/**
 * Records and levels of the logging adapter: Python's level numbers and names, their
 * LogTape counterparts, the fields of a record (Python's `LogRecord`), the thread that
 * makes it, and where the logging call was made (the caller fields).
 *
 * | Python level | number | LogTape level |
 * | --- | --- | --- |
 * | (none) | 5 | `trace` |
 * | `DEBUG` | 10 | `debug` |
 * | `INFO` | 20 | `info` |
 * | `WARNING` | 30 | `warning` |
 * | `ERROR` | 40 | `error` |
 * | `CRITICAL` | 50 | `fatal` |
 *
 * A number between two levels maps to the LogTape level below it (`45` -> `error`).
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import type { LogLevel } from "npm:@logtape/logtape@^2.4.2";
import { currentThread, getIdent } from "./thread_functions.ts";
import { positionalCount, pyRepr, pyStr } from "./_format.ts";
import { BUNDLE_FILE } from "./_self.ts";
import { errorName } from "./_traceback.ts";
import { exactFrames, toModuleURL } from "./_platform.ts";
import { userStack } from "./_reference.ts";

/** Python's `logging.CRITICAL`: 50. */
export const CRITICAL = 50;
/** Python's `logging.FATAL`: the same as `CRITICAL`. */
export const FATAL = 50;
/** Python's `logging.ERROR`: 40. */
export const ERROR = 40;
/** Python's `logging.WARNING`: 30. */
export const WARNING = 30;
/** Python's `logging.WARN`: the same as `WARNING`. */
export const WARN = 30;
/** Python's `logging.INFO`: 20. */
export const INFO = 20;
/** Python's `logging.DEBUG`: 10. */
export const DEBUG = 10;
/** Python's `logging.NOTSET`: 0, "inherit the parent's level". */
export const NOTSET = 0;

/** Python's default format, used when `basicConfig` is given none. */
export const BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s";

/** A level: a number (`logging.DEBUG`) or a name (`"DEBUG"`, case-insensitive). */
export type Level = number | string;

/** Something a line can be written to, synchronously (`Deno.stderr`, a `Deno.FsFile`). */
export interface SyncWriter {
  /**
   * Writes some of the bytes.
   *
   * @param bytes The bytes.
   * @returns How many were written.
   */
  writeSync(bytes: Uint8Array): number;
}

const LEVEL_NAMES: Record<number, string> = {
  50: "CRITICAL",
  40: "ERROR",
  30: "WARNING",
  20: "INFO",
  10: "DEBUG",
  0: "NOTSET",
};
/** Level numbers by name (Python's names, `WARN` and `FATAL` included). */
export const NAME_LEVELS: Record<string, number> = {
  CRITICAL: 50,
  FATAL: 50,
  ERROR: 40,
  WARN: 30,
  WARNING: 30,
  INFO: 20,
  DEBUG: 10,
  NOTSET: 0,
};
const TO_LOGTAPE: readonly LogLevel[] = [
  "trace",
  "debug",
  "info",
  "warning",
  "error",
  "fatal",
];
/** Python level numbers of LogTape's levels (`trace` is 5). */
export const FROM_LOGTAPE: Record<string, number> = {
  trace: 5,
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  fatal: 50,
};

/**
 * Python's `logging.getLevelName`: the name of a level number (`"Level 15"` for one
 * without a name), or the number of a level name.
 *
 * @param level The level.
 * @returns Its name, or its number.
 *
 * @example Names of levels
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * assert.equal(logging.getLevelName(logging.DEBUG), "DEBUG");
 * assert.equal(logging.getLevelName(15), "Level 15");
 * assert.equal(logging.getLevelName("ERROR"), 40);
 * ```
 */
export function getLevelName(level: number): string;
/**
 * Python's `logging.getLevelName` of a name: the level number of a level name, or
 * `"Level <name>"` for an unknown name.
 *
 * @param level The level name, in capitals (`"DEBUG"`).
 * @returns Its number, or `"Level <name>"`.
 */
export function getLevelName(level: string): number | string;
export function getLevelName(level: number | string): number | string {
  if (typeof level === "string") return NAME_LEVELS[level] ?? `Level ${level}`;
  return LEVEL_NAMES[level] ?? (level === 5 ? "TRACE" : `Level ${level}`);
}

/**
 * A level number from a number or a (case-insensitive) name.
 *
 * @throws {RangeError} If the name is unknown or the number is negative or fractional.
 * @throws {TypeError} If the level is neither a number nor a string.
 */
export function toLevel(level: unknown, action: string): number {
  if (typeof level === "number") {
    if (!Number.isInteger(level) || level < 0) {
      throw new RangeError(
        `Cannot ${action}: a level is a non-negative integer or a level name, received ${level}`,
      );
    }
    return level;
  }
  if (typeof level === "string") {
    const n = NAME_LEVELS[level.toUpperCase()];
    if (n === undefined) {
      throw new RangeError(
        `Cannot ${action}: unknown level name (use DEBUG, INFO, WARNING, ERROR, CRITICAL or a number), received ${
          JSON.stringify(level)
        }`,
      );
    }
    return n;
  }
  throw new TypeError(
    `Cannot ${action}: a level is a number or a level name, received ${pyRepr(level)}`,
  );
}

/** The LogTape level of a Python level number (the one below for numbers between). */
export function toLogTapeLevel(levelno: number): LogLevel {
  return levelno < 10 ? "trace" : TO_LOGTAPE[Math.min(5, Math.floor(levelno / 10))];
}

// ---------------------------------------------------------------------------------------
// Records

/** A record as Python's `logging.LogRecord` has it: the fields a format can name. */
export interface PythonRecord {
  /** The logger's name (`"root"` for the root logger). */
  name: string;
  /** The message template. */
  msg: unknown;
  /** The message arguments. */
  args: readonly unknown[];
  /** The level number. */
  levelno: number;
  /** The level name. */
  levelname: string;
  /** The full path of the source file of the call, or `"(unknown file)"`. */
  pathname: string;
  /** The file name part of `pathname`. */
  filename: string;
  /** The file name without its extension. */
  module: string;
  /** The line number of the call, or 0. */
  lineno: number;
  /** The function that made the call, or `"<module>"` at top level. */
  funcName: string;
  /** Creation time, in seconds since the epoch. */
  created: number;
  /** The milliseconds part of `created`. */
  msecs: number;
  /** Milliseconds from the start of logging to the record. */
  relativeCreated: number;
  /** The thread's ident. */
  thread: number;
  /** The thread's name. */
  threadName: string;
  /** The process id. */
  process: number;
  /** Always `"MainProcess"`. */
  processName: string;
  /** `msg % args`. */
  message: string;
  /** The time, as `datefmt` (or the default) formats it. */
  asctime: string;
  /** Always `null`. */
  taskName: null;
  /** The error logged with the record, if any. */
  excInfo: unknown;
}

/** The time logging started in this thread's view, ms since the epoch (`relativeCreated`). */
export const clock = { start: Date.now() };

/** Milliseconds since the epoch at which `relativeCreated` counts from. */
export function startTime(): number {
  return clock.start;
}

/** The name and ident of the thread that runs this. */
export function threadFields(): { threadName: string; thread: number } {
  return { threadName: currentThread().name, thread: getIdent() };
}

/** Where the logging call was made, from a stack trace. */
export interface Caller {
  pathname: string;
  filename: string;
  module: string;
  lineno: number;
  funcName: string;
}

/** The caller fields when no stack frame tells them, as Python prints them. */
export const UNKNOWN_CALLER: Caller = {
  pathname: "(unknown file)",
  filename: "(unknown file)",
  module: "Unknown module",
  lineno: 0,
  funcName: "(unknown function)",
};
/**
 * A frame line as V8 (Deno, Node) and Bun print it, with its function (group 1, absent
 * for a module's top level and Node's anonymous functions), its module (group 2) and
 * line: `at work (file:///app/main.ts:4:7)`, `at async Lock.acquireAsync (...)`,
 * `at #log (...)` (a private method: no class name, on Node and Bun), `at new Thread
 * (...)`, `at <anonymous> (...)`, `at file:///app/main.ts:11:1`. Node and Deno name a
 * module by URL, Bun by path (`at #o (/app/node_modules/.../threading.js:120:35)`):
 * `toModuleURL` makes both a URL.
 */
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/**
 * A frame of the runtime's own code, never the caller's: Deno's `ext:`, Node's `node:`,
 * Bun's `native` (`at map (native:1:11)`).
 */
const RUNTIME_MODULE = /^(?:ext|node):|^native$/;

/** The caller fields of a file URL or path, a line and a function name. */
export function callerFromLocation(
  file: string,
  line: number,
  func: string | undefined,
): Caller {
  let pathname = file;
  if (file.startsWith("file://")) {
    try {
      pathname = decodeURIComponent(new URL(file).pathname);
    } catch {
      // keep the URL
    }
  }
  const filename = pathname.slice(pathname.lastIndexOf("/") + 1);
  const dot = filename.lastIndexOf(".");
  const name = func?.split(".").pop();
  return {
    pathname,
    filename,
    module: dot > 0 ? filename.slice(0, dot) : filename,
    lineno: line,
    funcName: !name || name === "<anonymous>" ? "<module>" : name,
  };
}

/**
 * The files of the logging adapter: their frames are not the caller's. In the bundle,
 * every frame of the library is the bundle's: all of them are skipped.
 */
const OWN_FILES = new Set(
  BUNDLE_FILE !== undefined ? [BUNDLE_FILE] : [
    "logging.ts",
    "_log_config.ts",
    "_log_format.ts",
    "_log_logger.ts",
    "_log_logtape.ts",
    "_log_record.ts",
    "_log_std.ts",
  ].map((file) => new URL(`./${file}`, import.meta.url).href),
);

/**
 * Where the logging call was made: the first frame outside the logging adapter (and
 * outside the files `skip` matches: another logger's, as `@std/log`'s).
 */
export function captureCaller(skip?: RegExp): Caller {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const holder: { stack?: unknown } = {};
  Error.captureStackTrace(holder, captureCaller);
  Error.stackTraceLimit = limit;
  // Deno: the modules' URLs exactly (its formatted stack shows them partly decoded).
  const exact = exactFrames(holder);
  if (exact !== undefined) {
    for (const f of exact) {
      if (OWN_FILES.has(f.url) || skip?.test(f.url)) continue;
      return callerFromLocation(f.url, f.line, f.fn === "" ? undefined : f.fn);
    }
    return UNKNOWN_CALLER;
  }
  const stack = typeof holder.stack === "string" ? holder.stack : "";
  for (const frame of stack.split("\n")) {
    const m = FRAME.exec(frame);
    if (
      m === null || OWN_FILES.has(toModuleURL(m[2])) || skip?.test(m[2]) ||
      RUNTIME_MODULE.test(m[2])
    ) continue;
    return callerFromLocation(m[2], Number(m[3]), m[1]);
  }
  return UNKNOWN_CALLER;
}

/** The most frames of the user's that a `Call stack:` section shows. */
const CALL_STACK_FRAMES = 10;

/**
 * The `Call stack:` section of a logging error's report, as CPython's
 * `Handler.handleError` prints it (the stack of the logging call, so that the faulty
 * call can be found in a large program): the frames from the first outside the logging
 * adapter (and outside the files `skip` matches: another logger's, as `@std/log`'s), at
 * most {@linkcode CALL_STACK_FRAMES}, as V8 prints them (the most recent first, as the
 * traceback above it), without the library's and the runtime's frames below the user's
 * (a thread's job loop: `userStack`); `""` when no frame is the user's.
 *
 * @returns The section, `"Call stack:\n    at ..."` without a last `"\n"`, or `""`.
 */
export function callStackText(skip?: RegExp): string {
  const limit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = 40;
    Error.captureStackTrace(holder, callStackText);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frames = String(holder.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  const first = frames.findIndex((frame) => {
    const m = FRAME.exec(frame);
    return m !== null && !OWN_FILES.has(toModuleURL(m[2])) && !skip?.test(m[2]) &&
      !RUNTIME_MODULE.test(m[2]);
  });
  if (first < 0) return "";
  const shown = userStack(frames.slice(first, first + CALL_STACK_FRAMES).join("\n"));
  return `Call stack:\n${shown}`;
}

/**
 * Python's report of a record whose message and arguments do not fit (its
 * `Handler.handleError`, without the traceback): the error, the `Call stack:` of the
 * logging call ({@linkcode callStackText}: pass what it returned in the logging call),
 * the message and the arguments; lines, without the last `"\n"`.
 */
export function loggingErrorText(
  error: unknown,
  msg: unknown,
  args: readonly unknown[],
  callStack = "",
): string {
  const detail = error instanceof Error
    ? `${errorName(error)}: ${error.message}`
    : pyStr(error);
  const calls = callStack === "" ? "" : `\n${callStack}`;
  return `--- Logging error ---\n${detail}${calls}\nMessage: ${pyRepr(msg)}\nArguments: ${
    pyRepr(args)
  }`;
}

/**
 * Whether the last argument is an `Error` that the message does not use: it is then
 * logged with its stack, as Python's `exc_info`.
 */
export function takesError(msg: unknown, args: readonly unknown[]): boolean {
  if (args.length === 0 || !(args[args.length - 1] instanceof Error)) return false;
  if (typeof msg !== "string") return true;
  const n = positionalCount(msg);
  return n >= 0 && n < args.length;
}

/**
 * The error whose traceback `exception()` logs when no trailing argument is one the
 * message leaves unused (see {@linkcode takesError}): the last `Error` among the
 * arguments (Python's `logging.exception("failed: %s", e)`, where the message prints `e`
 * and the traceback is the exception being handled, `e`), else the message if it is an
 * `Error` (`logging.exception(e)`), else `undefined` (no traceback).
 */
export function handledError(msg: unknown, args: readonly unknown[]): Error | undefined {
  for (let i = args.length - 1; i >= 0; i--) {
    if (args[i] instanceof Error) return args[i] as Error;
  }
  return msg instanceof Error ? msg : undefined;
}
