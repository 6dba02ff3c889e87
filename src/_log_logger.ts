// Copyright the threading for Deno authors. MIT license.
/**
 * The loggers of the logging adapter (Python's `logging.Logger`): named, dotted, one
 * object per name in a thread, with levels shared by every thread. A call checks the
 * level (see "Which level filters" in `logging.ts`), formats `msg % args`, makes one
 * LogTape record with the thread's name and ident, and sends it to one destination:
 *
 * | LogTape takes it (a sink for its category and level) | `basicConfig`'s handler | destination |
 * | --- | --- | --- |
 * | yes | any | LogTape's sinks (the app's configuration, any copy of LogTape) |
 * | no | set | `basicConfig`'s handler: one whole line |
 * | no | none | stderr, the bare message, `WARNING` and above (Python's last resort) |
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { stderr } from "./_platform.ts";
import type { Logger as LogTapeLogger, LogRecord } from "npm:@logtape/logtape@^2.4.2";
import { findLogTapeLogger } from "./_logtape.ts";
import { formatMessage, pyRepr } from "./_format.ts";
import {
  callStackText,
  captureCaller,
  CRITICAL,
  DEBUG,
  ERROR,
  getLevelName,
  handledError,
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
import { tracebackText } from "./_traceback.ts";
import { refresh, share, state } from "./_log_config.ts";

function reportError(error: unknown, msg: unknown, args: readonly unknown[]): void {
  writeStderrQuietly(loggingErrorText(error, msg, args, callStackText()) + "\n");
}

/**
 * Writes to stderr; a failure is dropped, as CPython's `Handler.handleError` and its
 * last-resort handler do (logging never raises into the code that logs).
 */
function writeStderrQuietly(text: string): void {
  try {
    writeAll(stderr, text);
  } catch {
    // stderr is gone: nothing can be said (CPython: `except OSError: pass`).
  }
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

  /**
   * This logger's LogTape logger (of whichever copy of LogTape made the logger tree), or
   * `undefined` while no copy made it in this thread (see `_logtape.ts`).
   */
  #bridge(): LogTapeLogger | undefined {
    return this.#logtape ??= findLogTapeLogger(this.#category);
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
   * Logs `msg % args` at `ERROR` with the caught error's traceback, as Python's
   * `logger.exception` logs the exception being handled. JavaScript has no "current
   * exception", so the error is the last `Error` among the arguments: passed after those
   * the message uses (`exception("failed in %s", step, e)`), or used by the message
   * (`exception("failed: %s", e)`, Python's spelling: the message prints `e` and the
   * traceback follows), or the message itself (`exception(e)`). Without an `Error` it
   * logs the message alone, with no traceback (where CPython prints the exception being
   * handled, or `NoneType: None`).
   *
   * @param msg The message.
   * @param args The arguments, then the error.
   */
  exception(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) this.#log(ERROR, msg, args, true);
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

  #log(levelno: number, msg: unknown, args: unknown[], handled = false): void {
    let excInfo: unknown;
    if (takesError(msg, args)) excInfo = args.pop();
    else if (handled) excInfo = handledError(msg, args);
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
        if (excInfo instanceof Error) text += tracebackText(excInfo, String) + "\n";
        writeStderrQuietly(text);
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
    if (toLogTape) logtape!.emit(record as Omit<LogRecord, "category">);
    else handler!(record);
  }
}

let warnedForeign = false;

/**
 * Whether LogTape's configuration in this thread takes a record of this level from this
 * LogTape logger: a sink for its category and level (filters can only drop it). The
 * logger tree is shared by every copy of LogTape in the program (through `globalThis`),
 * so this answers for the app's configuration even when the app's copy of LogTape is
 * not this library's. No logger (no copy of LogTape made the tree): `false`.
 */
export function logTapeTakes(
  logger: LogTapeLogger | undefined,
  levelno: number,
): boolean {
  if (logger === undefined) return false;
  const level = toLogTapeLevel(levelno);
  const l = logger as unknown as {
    isEnabledFor?: (level: string) => boolean;
    getSinks?: (level: string) => Iterator<unknown>;
    emit?: unknown;
  };
  // Whether a sink would see the record: filters can only drop it.
  if (typeof l.emit === "function") {
    if (typeof l.isEnabledFor === "function") return l.isEnabledFor(level);
    // LogTape 0.x and 1.x loggers have no isEnabledFor, but list their sinks.
    if (typeof l.getSinks === "function") return l.getSinks(level).next().done !== true;
  }
  if (!warnedForeign) {
    warnedForeign = true;
    writeStderrQuietly(
      "threading: the LogTape loggers of this program were made by a copy of LogTape " +
        "that this library cannot log through (no emit(), isEnabledFor() or getSinks()); its " +
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
