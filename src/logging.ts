// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `logging`, as the seeds use it, for threads on Deno: `basicConfig`,
 * `getLogger`, `debug`...`critical`, `%(threadName)s` and the other format fields, and
 * `%`-style message arguments, built on [LogTape](https://logtape.org).
 *
 * ```ts ignore
 * import { logging } from "@threading/threading";
 *
 * logging.basicConfig({ level: logging.DEBUG, format: "(%(threadName)-10s) %(message)s" });
 * logging.debug("Sleeping %0.02f", 0.47); // (MainThread) Sleeping 0.47
 * ```
 *
 * The entry point `@threading/threading/logging` is this module; `mod.ts` exports it as
 * the namespace `logging` (so `logging.Logger` is a type too).
 *
 * ## How it works
 *
 * - A logger call checks the level first (numbers as Python's: `DEBUG` 10 ... `CRITICAL`
 *   50; see "Which level filters"), then formats `msg % args` and makes a LogTape
 *   record of the same category (`"a.b"` is `["a", "b"]`, the root logger is `[]`), with
 *   the properties `threadName` and `thread` (the ident), `levelno`, `levelname` and
 *   `args`: every LogTape filter and sink sees them.
 * - One record, one destination, in this order: LogTape's configuration in this thread,
 *   if it takes the record (a sink or a filter for its category and level, made by the
 *   app with any copy of LogTape); else the handler of `basicConfig`; else, for
 *   `WARNING` and above, the bare message on stderr (Python's "last resort").
 * - This module never configures LogTape: the app's `configure()` works before or after
 *   any logging call, in any module.
 * - A thread's Worker loads LogTape only once some copy of LogTape is in use there (the
 *   app's setup module, or the thread's own code, imported it): about 1 MB less in
 *   every other Worker. Without LogTape in a thread, no LogTape configuration exists
 *   there, so its records go to `basicConfig`'s handler or to the last resort, as above.
 * - `basicConfig` stores its configuration (level, format, datefmt, stream) in the
 *   shared runtime, so it holds in every thread, started before or after, by any
 *   thread. Each thread notices a new configuration on its next logger call (one
 *   `Atomics.load`). Its handler writes each record as one line, in one synchronous
 *   write under the output lock: lines of different threads never mix.
 * - {@linkcode configureEveryThread} makes the app's own setup module (a LogTape
 *   `configure()`, an `@std/log` `setup()`) run in every thread started afterwards,
 *   before the thread's code; a Worker that ran a thread whose code configured LogTape
 *   resets that configuration before its next thread.
 * - Without `basicConfig`, as in Python: the module-level functions (`logging.debug`)
 *   call `basicConfig()` first (level `WARNING`, format
 *   `%(levelname)s:%(name)s:%(message)s`, stderr) unless LogTape takes the root
 *   logger's records.
 *
 * ## Which level filters
 *
 * A Python level set with `basicConfig({ level })` or `setLevel()` (on the logger or an
 * ancestor) filters first, in every thread. With none set, a record of `WARNING` and
 * above goes on, and one below goes on if LogTape's configuration takes it (its
 * `lowestLevel` for that category): set LogTape to `debug` and `debug()` calls reach it.
 *
 * ## Differences from Python's logging
 *
 * - Arrays print as lists (`['0', '1']`), plain objects and `Map`s as dicts
 *   (`{'a': 'A'}`), `true` as `True`, `null`/`undefined` as `None`. There are no tuples,
 *   and a whole number prints without `.0` (`%s` of `1.0` is `1`).
 * - A trailing `Error` argument that the message does not use is logged with its stack,
 *   as Python's `exc_info`. JavaScript has no "current exception": `exception()` logs
 *   the traceback of the last `Error` among its arguments, used by the message or not
 *   (`exception("failed: %s", e)` prints `e` in the message, then its traceback, as
 *   Python does in an `except` block), or of the message if it is an `Error`; with no
 *   `Error` it logs the message alone (CPython would print the exception being handled,
 *   or `NoneType: None`).
 * - A traceback prints as the excepthook prints it: headed by the error's class name,
 *   without the library's frames below the user's, with its `Error.cause` chain.
 * - Only the `%` style; `handlers`, `filename` and `encoding` are not supported. A
 *   `stream` is `"stderr"` (default), `"stdout"`, `Deno.stderr`, `Deno.stdout`, or an
 *   object with `writeSync(bytes)`: such an object holds only in the thread that passed
 *   it (objects cannot be shared); the other threads write to stderr.
 * - A bad format, datefmt or level throws at `basicConfig` time, with the reason.
 * - `%(filename)s`, `%(lineno)d`, `%(funcName)s`, `%(module)s`, `%(pathname)s` come from
 *   a stack trace taken per record when the format uses them (slower).
 * - `%(relativeCreated)d` counts from the load of this module in the thread that made
 *   the configuration; `%(processName)s` is always `MainProcess`.
 *
 * @module
 */
// First: one copy of the library per thread (see `_self.ts`).
import "./_self.ts";
import { findLogTapeLogger } from "./_logtape.ts";
import { CRITICAL, type Level } from "./_log_record.ts";
import { basicConfig, refresh, state } from "./_log_config.ts";
import { logTapeTakes, root } from "./_log_logger.ts";

export {
  BASIC_FORMAT,
  CRITICAL,
  DEBUG,
  ERROR,
  FATAL,
  getLevelName,
  INFO,
  type Level,
  NOTSET,
  type PythonRecord,
  type SyncWriter,
  WARN,
  WARNING,
} from "./_log_record.ts";
export {
  type ContextLocalStorage,
  type LogTapeLevel,
  type LogTapeRecord,
  type LogTapeSink,
  type LogTapeTextFormatter,
  pythonFormatter,
  pythonSink,
  type PythonSinkOptions,
  threadContext,
  withThreadName,
} from "./_log_logtape.ts";
export { stdLogFormatter, type StdLogRecord } from "./_log_std.ts";
export {
  basicConfig,
  type BasicConfigOptions,
  configureEveryThread,
} from "./_log_config.ts";
export { getLogger, Logger, root } from "./_log_logger.ts";

// ---------------------------------------------------------------------------------------
// The module-level functions

/**
 * Python's rule for the module-level functions: `basicConfig()` first if the root logger
 * has no handler, which here means neither `basicConfig`'s nor a LogTape sink for the
 * root category. This configures the adapter, never LogTape.
 */
function ensureConfigured(): void {
  refresh();
  if (state.handler === null && !logTapeTakes(findLogTapeLogger([]), CRITICAL)) {
    basicConfig();
  }
}

/**
 * Logs `msg % args` at `DEBUG` on the root logger; configures logging with
 * `basicConfig()` first if nothing has.
 *
 * @param msg The message, with `%s`-style conversions.
 * @param args The arguments.
 *
 * @example The seeds' call
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "(%(threadName)-10s) %(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.debug("Sleeping %0.02f", 0.4712);
 * assert.deepEqual(lines, ["(MainThread) Sleeping 0.47\n"]);
 * ```
 */
export function debug(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.debug(msg, ...args);
}

/**
 * Logs `msg % args` at `INFO` on the root logger, as {@linkcode debug}.
 *
 * @param msg The message.
 * @param args The arguments.
 *
 * @example Logging at INFO
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "%(levelname)s:%(name)s:%(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.info("%d threads", 3);
 * assert.deepEqual(lines, ["INFO:root:3 threads\n"]);
 * ```
 */
export function info(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.info(msg, ...args);
}

/**
 * Logs `msg % args` at `WARNING` on the root logger, as {@linkcode debug}.
 *
 * @param msg The message.
 * @param args The arguments.
 *
 * @example Logging at WARNING
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "%(levelname)s:%(name)s:%(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.warning("low on %s", "memory");
 * assert.deepEqual(lines, ["WARNING:root:low on memory\n"]);
 * ```
 */
export function warning(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.warning(msg, ...args);
}

/**
 * Logs `msg % args` at `WARNING` on the root logger: Python's deprecated spelling of
 * {@linkcode warning} (`logging.warn`, in CPython up to 3.12).
 *
 * @param msg The message.
 * @param args The arguments.
 */
export function warn(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.warning(msg, ...args);
}

/**
 * Logs `msg % args` at `ERROR` on the root logger, as {@linkcode debug}.
 *
 * @param msg The message.
 * @param args The arguments.
 *
 * @example Logging at ERROR
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "%(levelname)s:%(name)s:%(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.error("failed: %r", "x");
 * assert.deepEqual(lines, ["ERROR:root:failed: 'x'\n"]);
 * ```
 */
export function error(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.error(msg, ...args);
}

/**
 * Logs `msg % args` at `ERROR` on the root logger, with the traceback of the caught
 * error, as Python's `logging.exception`: pass the error as an argument, after the
 * message's arguments (`exception("failed in %s", step, e)`) or as one of them
 * (`exception("failed: %s", e)`); the last `Error` among the arguments is the one whose
 * traceback prints. Without an `Error`, the message prints alone (JavaScript has no
 * "current exception" to take).
 *
 * @param msg The message.
 * @param args The arguments, then the error.
 *
 * @example Logging a caught error with its stack
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({ format: "%(levelname)s %(message)s", stream, force: true });
 * try {
 *   throw new RangeError("bad value");
 * } catch (e) {
 *   logging.exception("failed in %s", "step 2", e);
 * }
 * assert.match(lines[0], /^ERROR failed in step 2\nRangeError: bad value\n/);
 * ```
 */
export function exception(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.exception(msg, ...args);
}

/**
 * Logs `msg % args` at `CRITICAL` on the root logger, as {@linkcode debug}.
 *
 * @param msg The message.
 * @param args The arguments.
 *
 * @example Logging at CRITICAL
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "%(levelname)s:%(name)s:%(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.critical("down");
 * assert.deepEqual(lines, ["CRITICAL:root:down\n"]);
 * ```
 */
export function critical(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.critical(msg, ...args);
}

/**
 * Logs `msg % args` at `CRITICAL` on the root logger: Python's alias `logging.fatal` of
 * {@linkcode critical}.
 *
 * @param msg The message.
 * @param args The arguments.
 */
export function fatal(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.critical(msg, ...args);
}

/**
 * Logs `msg % args` at the given level on the root logger, as {@linkcode debug}.
 *
 * @param level A level number or name.
 * @param msg The message.
 * @param args The arguments.
 * @throws {RangeError} If the level is unknown or negative.
 * @throws {TypeError} If the level is neither a number nor a string.
 *
 * @example Logging at a level given by name
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync: (b: Uint8Array) => lines.push(new TextDecoder().decode(b)) && b.length,
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "%(levelname)s:%(name)s:%(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.log("INFO", "%s=%d", "n", 1);
 * assert.deepEqual(lines, ["INFO:root:n=1\n"]);
 * ```
 */
export function log(level: Level, msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  root.log(level, msg, ...args);
}
