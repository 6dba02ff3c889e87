// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `logging`, as the seeds use it, for threads on Deno: `basicConfig`,
 * `getLogger`, `debug`…`critical`, `%(threadName)s` and the other format fields, and
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
 * - A logger call checks the level first (numbers as Python's: `DEBUG` 10 … `CRITICAL`
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
 *   as Python's `exc_info`; `exception()` is `error()` with that rule (JavaScript has no
 *   "current exception").
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
import {
  getLogger as getLogTapeLogger,
  type Logger as LogTapeLogger,
  type LogRecord,
} from "npm:@logtape/logtape@^2.4.2";
import { formatMessage, pyRepr } from "./_format.ts";
import {
  captureCaller,
  CRITICAL,
  DEBUG,
  ERROR,
  getLevelName,
  INFO,
  type Level,
  loggingErrorText,
  NOTSET,
  takesError,
  threadFields,
  toLevel,
  toLogTapeLevel,
  WARNING,
} from "./_log_record.ts";
import { writeAll } from "./_log_logtape.ts";
import { basicConfig, refresh, share, state } from "./_log_config.ts";

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
  stdLogFormatter,
  type StdLogRecord,
  threadContext,
  withThreadName,
} from "./_log_logtape.ts";
export {
  basicConfig,
  type BasicConfigOptions,
  configureEveryThread,
} from "./_log_config.ts";

// ---------------------------------------------------------------------------------------
// Loggers

function reportError(error: unknown, msg: unknown, args: readonly unknown[]): void {
  writeAll(Deno.stderr, loggingErrorText(error, msg, args) + "\n");
}

/**
 * A logger, as Python's `logging.Logger`: get one with {@linkcode getLogger}. Its
 * level and its effective level are the same in every thread.
 *
 * @example A named logger with its own level
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
 * const log = logging.getLogger("doc.Logger");
 * log.setLevel(logging.WARNING);
 * log.info("hidden");
 * log.warning("%s of %d", "1", 2);
 * assert.deepEqual(lines, ["WARNING:doc.Logger:1 of 2\n"]);
 * ```
 */
export class Logger {
  /** The logger's name: `"root"` for the root logger, dotted for children (`"app.db"`). */
  readonly name: string;
  readonly #key: string;
  readonly #category: readonly string[];
  #logtape: LogTapeLogger | undefined;
  #generation = 0;
  /** The level set on this logger or its nearest ancestor, if any (cached). */
  #explicit: number | undefined;

  /**
   * Use {@linkcode getLogger}: loggers are kept by name.
   *
   * @param name The name (`""` for the root logger).
   */
  constructor(name: string) {
    this.#key = name;
    this.name = name === "" ? "root" : name;
    this.#category = name === "" ? [] : name.split(".");
  }

  /** The level set on this logger, `NOTSET` (0) if none. */
  get level(): number {
    refresh();
    return state.config.levels[this.#key] ?? (this.#key === "" ? WARNING : NOTSET);
  }

  /** The parent logger: the nearest by name, the root logger at the top; `null` for the root. */
  get parent(): Logger | null {
    if (this.#key === "") return null;
    const dot = this.#key.lastIndexOf(".");
    return getLogger(dot < 0 ? "" : this.#key.slice(0, dot));
  }

  /**
   * Sets this logger's level, in every thread.
   *
   * @param level A level number or name; `NOTSET` to inherit the parent's.
   * @throws {RangeError} If the level is unknown or negative.
   * @throws {TypeError} If the level is neither a number nor a string.
   *
   * @example Setting a level
   * ```ts
   * import { logging } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const log = logging.getLogger("doc.setLevel");
   * log.setLevel("ERROR");
   * assert.equal(log.getEffectiveLevel(), logging.ERROR);
   * assert.equal(logging.getLogger("doc.setLevel.child").getEffectiveLevel(), logging.ERROR);
   * ```
   */
  setLevel(level: Level): void {
    const n = toLevel(level, "set level");
    refresh();
    const levels = { ...state.config.levels };
    if (n === NOTSET && this.#key !== "") delete levels[this.#key];
    else levels[this.#key] = n;
    share({ ...state.config, levels });
  }

  /** The level set with `setLevel`/`basicConfig` on this logger or an ancestor, if any. */
  #explicitLevel(): number | undefined {
    refresh();
    if (this.#generation !== state.generation) {
      const levels = state.config.levels;
      let key = this.#key;
      let found: number | undefined;
      for (;;) {
        found = levels[key];
        if (found !== undefined && (found !== NOTSET || key === "")) break;
        found = undefined;
        if (key === "") break;
        const dot = key.lastIndexOf(".");
        key = dot < 0 ? "" : key.slice(0, dot);
      }
      this.#explicit = found;
      this.#generation = state.generation;
    }
    return this.#explicit;
  }

  /** This logger's LogTape logger (of whichever copy of LogTape made the logger tree). */
  #bridge(): LogTapeLogger {
    return this.#logtape ??= getLogTapeLogger(this.#category);
  }

  /**
   * The level that applies to this logger: its own, else the nearest ancestor's; with
   * none set, the lowest level LogTape's configuration takes for this logger's category
   * if that is below `WARNING`, else `WARNING` (Python's default).
   *
   * @returns The level number.
   */
  getEffectiveLevel(): number {
    const explicit = this.#explicitLevel();
    if (explicit !== undefined) return explicit;
    const logtape = this.#bridge();
    for (const levelno of [5, DEBUG, INFO]) {
      if (logTapeTakes(logtape, levelno)) return levelno;
    }
    return WARNING;
  }

  /**
   * Whether a record of this level would be handled: a level set on this logger or an
   * ancestor decides; with none set, a record of `WARNING` and above is handled, and
   * one below if LogTape's configuration takes it.
   *
   * @param level The level number.
   * @returns `true` if a record of that level would be handled.
   */
  isEnabledFor(level: number): boolean {
    const explicit = this.#explicitLevel();
    if (explicit !== undefined) return level >= explicit;
    return level >= WARNING || logTapeTakes(this.#bridge(), level);
  }

  /**
   * The logger named `<this name>.<suffix>`.
   *
   * @param suffix The child's name relative to this one.
   * @returns The child logger.
   */
  getChild(suffix: string): Logger {
    return getLogger(this.#key === "" ? suffix : `${this.#key}.${suffix}`);
  }

  /**
   * Logs `msg % args` at `DEBUG`.
   *
   * @param msg The message, with `%s`-style conversions.
   * @param args The arguments; a trailing `Error` the message does not use is logged
   * with its stack.
   */
  debug(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(DEBUG)) this.#log(DEBUG, msg, args);
  }

  /**
   * Logs `msg % args` at `INFO`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  info(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(INFO)) this.#log(INFO, msg, args);
  }

  /**
   * Logs `msg % args` at `WARNING`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  warning(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this.#log(WARNING, msg, args);
  }

  /**
   * Logs `msg % args` at `WARNING` (Python's deprecated spelling).
   *
   * @param msg The message.
   * @param args The arguments.
   */
  warn(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this.#log(WARNING, msg, args);
  }

  /**
   * Logs `msg % args` at `ERROR`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  error(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) this.#log(ERROR, msg, args);
  }

  /**
   * Logs `msg % args` at `ERROR`; pass the caught error last to log its stack.
   *
   * @param msg The message.
   * @param args The arguments, then the error.
   */
  exception(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) this.#log(ERROR, msg, args);
  }

  /**
   * Logs `msg % args` at `CRITICAL`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  critical(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this.#log(CRITICAL, msg, args);
  }

  /**
   * Logs `msg % args` at `CRITICAL` (Python's alias).
   *
   * @param msg The message.
   * @param args The arguments.
   */
  fatal(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this.#log(CRITICAL, msg, args);
  }

  /**
   * Logs `msg % args` at the given level.
   *
   * @param level A level number or name.
   * @param msg The message.
   * @param args The arguments.
   * @throws {RangeError} If the level is unknown or negative.
   * @throws {TypeError} If the level is neither a number nor a string.
   */
  log(level: Level, msg: unknown, ...args: unknown[]): void {
    const n = toLevel(level, "log");
    if (this.isEnabledFor(n)) this.#log(n, msg, args);
  }

  #log(levelno: number, msg: unknown, args: unknown[]): void {
    let excInfo: unknown;
    if (takesError(msg, args)) excInfo = args.pop();
    let message: string;
    try {
      message = formatMessage(msg, args);
    } catch (error) {
      reportError(error, msg, args);
      return;
    }
    const logtape = this.#bridge();
    const toLogTape = logTapeTakes(logtape, levelno);
    const handler = state.handler;
    if (!toLogTape && handler === null) {
      // Python's lastResort handler: WARNING and above, the message alone, to stderr.
      if (levelno >= WARNING) {
        let text = message + "\n";
        if (excInfo instanceof Error) text += (excInfo.stack ?? String(excInfo)) + "\n";
        writeAll(Deno.stderr, text);
      }
      return;
    }
    const properties: Record<string, unknown> = {
      ...threadFields(),
      levelno,
      levelname: getLevelName(levelno),
      args,
    };
    if (excInfo !== undefined) properties.excInfo = excInfo;
    if (state.line?.usesCaller) Object.assign(properties, captureCaller());
    const record = {
      category: this.#category,
      level: toLogTapeLevel(levelno),
      message: [message],
      rawMessage: typeof msg === "string" ? msg : message,
      timestamp: Date.now(),
      properties,
    };
    // LogTape first: a record its configuration takes does not go to basicConfig's handler.
    // Given its category, LogTape dispatches the record as it is (else it copies it).
    if (toLogTape) logtape.emit(record as Omit<LogRecord, "category">);
    else handler!(record);
  }
}

let warnedForeign = false;

/**
 * Whether LogTape's configuration in this thread takes a record of this level from this
 * LogTape logger: a sink for its category and level (filters can only drop it). The
 * logger tree is shared by every copy of LogTape in the program (through `globalThis`),
 * so this answers for the app's configuration even when the app's copy of LogTape is
 * not this library's.
 */
function logTapeTakes(logger: LogTapeLogger, levelno: number): boolean {
  const level = toLogTapeLevel(levelno);
  const l = logger as unknown as {
    isEnabledFor?: (level: string) => boolean;
    emit?: unknown;
  };
  // Whether a sink would see the record: filters can only drop it.
  if (typeof l.isEnabledFor === "function" && typeof l.emit === "function") {
    return l.isEnabledFor(level);
  }
  if (!warnedForeign) {
    warnedForeign = true;
    writeAll(
      Deno.stderr,
      "threading: the LogTape loggers of this program were made by a copy of LogTape " +
        "that this library cannot log through (too old: no emit()/isEnabledFor()); its " +
        "records go to basicConfig's handler or to stderr instead. Make every import of " +
        '@logtape/logtape resolve to one copy: in deno.json, "imports": ' +
        '{ "@logtape/logtape": "npm:@logtape/logtape@^2.4.2" }.\n',
    );
  }
  return false;
}

const loggers = new Map<string, Logger>();

/**
 * Python's `logging.getLogger`: the logger of that name, the same object for the same
 * name in a thread; the root logger without a name (or with `"root"`).
 *
 * @param name A dotted name (`"app.db"`): its ancestors' levels apply to it.
 * @returns The logger.
 * @throws {TypeError} If the name is not a string.
 *
 * @example A named logger
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const log = logging.getLogger("app.db");
 * assert.equal(log.name, "app.db");
 * assert.equal(log.parent?.name, "app");
 * assert.equal(logging.getLogger().name, "root");
 * assert.equal(logging.getLogger("app.db"), log);
 * ```
 */
export function getLogger(name?: string): Logger {
  if (name !== undefined && name !== null && typeof name !== "string") {
    throw new TypeError(
      `Cannot get logger: name must be a string, received ${pyRepr(name)}`,
    );
  }
  const key = !name || name === "root" ? "" : name;
  let logger = loggers.get(key);
  if (logger === undefined) {
    logger = new Logger(key);
    loggers.set(key, logger);
  }
  return logger;
}

/** The root logger of this thread (Python's `logging.root`). */
export const root: Logger = getLogger();

/**
 * Python's rule for the module-level functions: `basicConfig()` first if the root logger
 * has no handler, which here means neither `basicConfig`'s nor a LogTape sink for the
 * root category. This configures the adapter, never LogTape.
 */
function ensureConfigured(): void {
  refresh();
  if (state.handler === null && !logTapeTakes(getLogTapeLogger([]), CRITICAL)) {
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
 * Logs `msg % args` at `ERROR` on the root logger; pass the caught error last to log
 * its stack.
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
