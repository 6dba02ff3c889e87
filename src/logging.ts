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
 * ## How it works
 *
 * - A logger call checks the level first (numbers as Python's: `DEBUG` 10 … `CRITICAL`
 *   50), then formats `msg % args` and emits a LogTape record, with the properties
 *   `threadName` and `thread` (the ident), to the LogTape logger of the same category
 *   (`"a.b"` is `["a", "b"]`, the root logger is `[]`).
 * - `basicConfig` stores its configuration (level, format, datefmt, stream) in the
 *   shared runtime, so it holds in every thread, started before or after, by any
 *   thread. Each thread notices a new configuration on its next logger call (one
 *   `Atomics.load`) and configures its own LogTape with a sink that writes each record
 *   as one line, in one synchronous write: lines of different threads never mix.
 * - Without `basicConfig`, as in Python: the module-level functions (`logging.debug`)
 *   call `basicConfig()` first (level `WARNING`, format
 *   `%(levelname)s:%(name)s:%(message)s`, stderr); a named logger's records of level
 *   `WARNING` and above are written bare (`%(message)s`) to stderr, unless LogTape is
 *   configured in that thread, in which case they go to LogTape's sinks.
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
  configureSync,
  getConfig,
  getLogger as getLogTapeLogger,
  type Logger as LogTapeLogger,
  type LogLevel,
  type LogRecord,
} from "npm:@logtape/logtape@^2.4.2";
import { currentThread, getIdent } from "./thread.ts";
import { writeWhole } from "./_output.ts";

import {
  readSharedText,
  SharedTextKey,
  sharedTextVersion,
  writeSharedText,
} from "./_runtime.ts";
import {
  checkStrftime,
  convert,
  formatMessage,
  parseTemplate,
  positionalCount,
  pyRepr,
  pyStr,
  strftime,
  type Template,
} from "./_format.ts";

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

/** LogTape's levels (`LogLevel`). */
export type LogTapeLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/**
 * A LogTape log record, by its shape: the same type as LogTape's `LogRecord`, written
 * out here so that this module's types stand on their own.
 */
export interface LogTapeRecord {
  /** The logger's category (`["app", "db"]`; `[]` for the root). */
  readonly category: readonly string[];
  /** The level. */
  readonly level: LogTapeLevel;
  /** The message: text parts with the values between them (an odd count). */
  readonly message: readonly unknown[];
  /** The message template as it was given. */
  readonly rawMessage: string | TemplateStringsArray;
  /** When the record was made, in milliseconds since the epoch. */
  readonly timestamp: number;
  /** The record's properties; this module's records have `threadName` and `thread`. */
  readonly properties: Record<string, unknown>;
  /** Where the logging call was made, when LogTape captures it. */
  readonly sourceLocation?: {
    /** The file's path or URL. */
    readonly file: string;
    /** The 1-based line. */
    readonly line: number;
    /** The 1-based column. */
    readonly column: number;
  };
}

/** A LogTape sink (LogTape's `Sink`): takes each record. */
export type LogTapeSink = (record: LogTapeRecord) => void;

/** A LogTape text formatter (LogTape's `TextFormatter`): a record in, a line out. */
export type LogTapeTextFormatter = (record: LogTapeRecord) => string;

/** The options of {@linkcode basicConfig}, as Python's keyword arguments. */
export interface BasicConfigOptions {
  /** The root logger's level. */
  level?: Level;
  /** The line format, with `%(field)s` fields. @default {"%(levelname)s:%(name)s:%(message)s"} */
  format?: string;
  /** The `time.strftime` format of `%(asctime)s`; by default `2018-05-01 15:39:49,561`. */
  datefmt?: string;
  /** Where lines go. @default {"stderr"} */
  stream?: "stderr" | "stdout" | SyncWriter;
  /** Replace an existing configuration (and a LogTape configuration made in a thread). */
  force?: boolean;
  /** Only `"%"` is supported. @default {"%"} */
  style?: "%";
}

const LEVEL_NAMES: Record<number, string> = {
  50: "CRITICAL",
  40: "ERROR",
  30: "WARNING",
  20: "INFO",
  10: "DEBUG",
  0: "NOTSET",
};
const NAME_LEVELS: Record<string, number> = {
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
const FROM_LOGTAPE: Record<string, number> = {
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

function toLevel(level: unknown, action: string): number {
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

function toLogTapeLevel(levelno: number): LogLevel {
  return levelno < 10 ? "trace" : TO_LOGTAPE[Math.min(5, Math.floor(levelno / 10))];
}

// ---------------------------------------------------------------------------------------
// Records and the line format

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

const FLOAT_FIELDS = new Set(["created", "msecs", "relativeCreated"]);
const CALLER_FIELDS = new Set(["pathname", "filename", "module", "lineno", "funcName"]);
const FIELDS = [
  "name",
  "msg",
  "args",
  "levelno",
  "levelname",
  "pathname",
  "filename",
  "module",
  "lineno",
  "funcName",
  "created",
  "msecs",
  "relativeCreated",
  "thread",
  "threadName",
  "process",
  "processName",
  "message",
  "asctime",
  "taskName",
];

/** A compiled line format. */
interface LineFormat {
  readonly template: Template;
  readonly datefmt: string | undefined;
  readonly usesTime: boolean;
  readonly usesCaller: boolean;
}

function sampleRecord(): PythonRecord {
  return {
    name: "root",
    msg: "m",
    args: [],
    levelno: 10,
    levelname: "DEBUG",
    pathname: "/a/b.ts",
    filename: "b.ts",
    module: "b",
    lineno: 1,
    funcName: "f",
    created: 1.5,
    msecs: 500,
    relativeCreated: 1.5,
    thread: 1,
    threadName: "MainThread",
    process: 1,
    processName: "MainProcess",
    message: "m",
    asctime: "",
    taskName: null,
    excInfo: undefined,
  };
}

function compileFormat(format: unknown, datefmt: unknown, action: string): LineFormat {
  if (typeof format !== "string") {
    throw new TypeError(
      `Cannot ${action}: format must be a string, received ${pyRepr(format)}`,
    );
  }
  if (datefmt !== undefined && datefmt !== null && typeof datefmt !== "string") {
    throw new TypeError(
      `Cannot ${action}: datefmt must be a string, received ${pyRepr(datefmt)}`,
    );
  }
  let template: Template;
  try {
    template = parseTemplate(format, "format");
  } catch (e) {
    throw new RangeError(`Cannot ${action}: ${(e as Error).message}`);
  }
  let usesTime = false;
  let usesCaller = false;
  let fields = 0;
  for (const part of template.parts) {
    if (typeof part === "string" || part.type === "%") continue;
    if (part.key === undefined) {
      throw new RangeError(
        `Cannot ${action}: every field of a format names a record attribute, as %(message)s; "%${part.type}" names none, received ${
          JSON.stringify(format)
        }`,
      );
    }
    if (!FIELDS.includes(part.key)) {
      throw new RangeError(
        `Cannot ${action}: unknown field %(${part.key})${part.type} (known: ${
          FIELDS.join(", ")
        }), received ${JSON.stringify(format)}`,
      );
    }
    if (part.width === -2 || part.precision === -2) {
      throw new RangeError(
        `Cannot ${action}: "*" width or precision is not allowed in a format, received ${
          JSON.stringify(format)
        }`,
      );
    }
    fields++;
    if (part.key === "asctime") usesTime = true;
    if (CALLER_FIELDS.has(part.key)) usesCaller = true;
  }
  if (fields === 0) {
    throw new RangeError(
      `Cannot ${action}: a format needs at least one field such as %(message)s, received ${
        JSON.stringify(format)
      }`,
    );
  }
  if (typeof datefmt === "string") checkStrftime(datefmt);
  const line: LineFormat = {
    template,
    datefmt: datefmt ?? undefined,
    usesTime,
    usesCaller,
  };
  try {
    renderLine(line, sampleRecord());
  } catch (e) {
    throw new TypeError(
      `Cannot ${action}: ${(e as Error).message}, in ${JSON.stringify(format)}`,
    );
  }
  return line;
}

function defaultAsctime(ms: number): string {
  return strftime("%Y-%m-%d %H:%M:%S", ms) + "," +
    String(Math.floor(ms % 1000)).padStart(3, "0");
}

/** Formats a record by a compiled format, with its error text after, as Python does. */
function renderLine(line: LineFormat, rec: PythonRecord): string {
  if (line.usesTime) {
    const ms = rec.created * 1000;
    rec.asctime = line.datefmt === undefined
      ? defaultAsctime(ms)
      : strftime(line.datefmt, ms);
  }
  let out = "";
  for (const part of line.template.parts) {
    if (typeof part === "string") out += part;
    else if (part.type === "%") out += "%";
    else {
      const key = part.key!;
      out += convert(
        rec[key as keyof PythonRecord],
        part,
        part.width,
        part.precision,
        FLOAT_FIELDS.has(key),
      );
    }
  }
  const exc = rec.excInfo;
  if (exc !== undefined && exc !== null) {
    out += "\n" +
      (exc instanceof Error ? exc.stack ?? `${exc.name}: ${exc.message}` : pyStr(exc));
  }
  return out;
}

function threadFields(): { threadName: string; thread: number } {
  return { threadName: currentThread().name, thread: getIdent() };
}

/** Where the logging call was made, from a stack trace. */
interface Caller {
  pathname: string;
  filename: string;
  module: string;
  lineno: number;
  funcName: string;
}

const UNKNOWN_CALLER: Caller = {
  pathname: "(unknown file)",
  filename: "(unknown file)",
  module: "Unknown module",
  lineno: 0,
  funcName: "(unknown function)",
};
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

function callerFromLocation(
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

function captureCaller(): Caller {
  const stack = new Error().stack ?? "";
  for (const frame of stack.split("\n").slice(1)) {
    const m = FRAME.exec(frame);
    if (m === null || m[2] === import.meta.url) continue;
    return callerFromLocation(m[2], Number(m[3]), m[1]);
  }
  return UNKNOWN_CALLER;
}

function renderLogTapeMessage(message: readonly unknown[]): string {
  if (message.length === 1 && typeof message[0] === "string") return message[0];
  let out = "";
  for (let i = 0; i < message.length; i++) {
    out += i % 2 === 0 ? String(message[i]) : pyStr(message[i]);
  }
  return out;
}

function recordFromLogTape(record: LogRecord, line: LineFormat): PythonRecord {
  const p = record.properties;
  const levelno = typeof p.levelno === "number"
    ? p.levelno
    : FROM_LOGTAPE[record.level] ?? 0;
  const threadName = typeof p.threadName === "string" ? p.threadName : undefined;
  const thread = typeof p.thread === "number" ? p.thread : undefined;
  const here = threadName === undefined || thread === undefined
    ? threadFields()
    : undefined;
  let caller = UNKNOWN_CALLER;
  if (line.usesCaller) {
    if (typeof p.funcName === "string") caller = p as unknown as Caller;
    else if (record.sourceLocation !== undefined) {
      caller = callerFromLocation(
        record.sourceLocation.file,
        record.sourceLocation.line,
        undefined,
      );
      caller = { ...caller, funcName: "(unknown function)" };
    }
  }
  return {
    name: record.category.join(".") || "root",
    msg: typeof record.rawMessage === "string"
      ? record.rawMessage
      : record.rawMessage.join("{}"),
    args: Array.isArray(p.args) ? p.args : [],
    levelno,
    levelname: typeof p.levelname === "string" ? p.levelname : getLevelName(levelno),
    pathname: caller.pathname,
    filename: caller.filename,
    module: caller.module,
    lineno: caller.lineno,
    funcName: caller.funcName,
    created: record.timestamp / 1000,
    msecs: Math.floor(record.timestamp % 1000),
    relativeCreated: record.timestamp - startTime(),
    thread: thread ?? here!.thread,
    threadName: threadName ?? here!.threadName,
    process: Deno.pid,
    processName: "MainProcess",
    message: renderLogTapeMessage(record.message),
    asctime: "",
    taskName: null,
    excInfo: p.excInfo ?? (p.error instanceof Error ? p.error : undefined),
  };
}

/**
 * A LogTape text formatter that formats records as Python's `logging.Formatter(format,
 * datefmt)` does, `%(threadName)s` included (the record's `threadName` property, or
 * the thread that formats it). The line ends with `"\n"`, as LogTape's text formatters'
 * lines do.
 *
 * @param format The format, with `%(field)s` fields.
 * @param datefmt The `time.strftime` format of `%(asctime)s`.
 * @returns The formatter.
 * @throws {TypeError} If the format is not a string, or a field's conversion does not fit it.
 * @throws {RangeError} If the format or the datefmt is malformed or names an unknown field.
 *
 * @example Formatting a LogTape record
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const format = logging.pythonFormatter("[%(levelname)s] (%(threadName)-10s) %(message)s");
 * const line = format({
 *   category: ["app"],
 *   level: "info",
 *   message: ["Hello, ", "world", "!"],
 *   rawMessage: "Hello, {name}!",
 *   timestamp: Date.now(),
 *   properties: {},
 * });
 * assert.equal(line, "[INFO] (MainThread) Hello, world!\n");
 * ```
 */
export function pythonFormatter(
  format: string,
  datefmt?: string,
): LogTapeTextFormatter {
  const line = compileFormat(format, datefmt, "create formatter");
  return (record: LogRecord) => renderLine(line, recordFromLogTape(record, line)) + "\n";
}

/** A record of `@std/log`, by its shape. */
export interface StdLogRecord {
  /** The message. */
  readonly msg: string;
  /** The arguments after the message. */
  readonly args: readonly unknown[];
  /** When the record was made. */
  readonly datetime: Date;
  /** The level number (the same numbers as Python's). */
  readonly level?: number;
  /** The level name (`"WARN"` prints as `WARNING`). */
  readonly levelName: string;
  /** The logger's name. */
  readonly loggerName: string;
}

/**
 * A formatter for `@std/log` handlers (their `formatter` option) that formats records
 * as Python's `logging.Formatter(format, datefmt)` does: `msg % args` and
 * `%(threadName)s` of the thread that logs.
 *
 * Arguments the message does not use are appended, separated by spaces, as
 * `@std/log` users expect, instead of raising.
 *
 * @param format The format, with `%(field)s` fields.
 * @param datefmt The `time.strftime` format of `%(asctime)s`.
 * @returns The formatter: a record in, a line (without `"\n"`) out.
 * @throws {TypeError} If the format is not a string, or a field's conversion does not fit it.
 * @throws {RangeError} If the format or the datefmt is malformed or names an unknown field.
 *
 * @example Formatting a `@std/log` record
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const format = logging.stdLogFormatter("(%(threadName)-10s) %(levelname)s %(message)s");
 * const line = format({
 *   msg: "Sleeping %0.02f",
 *   args: [0.4712],
 *   datetime: new Date(),
 *   level: 30,
 *   levelName: "WARN",
 *   loggerName: "default",
 * });
 * assert.equal(line, "(MainThread) WARNING Sleeping 0.47");
 * ```
 */
export function stdLogFormatter(
  format: string,
  datefmt?: string,
): (record: StdLogRecord) => string {
  const line = compileFormat(format, datefmt, "create formatter");
  return (record: StdLogRecord) => {
    const { msg, args } = record;
    let message: string;
    try {
      const loose = args.length > 0 && positionalCount(msg) === 0 && !msg.includes("%(");
      message = loose ? [msg, ...args.map(pyStr)].join(" ") : formatMessage(msg, args);
    } catch {
      message = [msg, ...args.map(pyStr)].join(" ");
    }
    const ms = record.datetime.getTime();
    const levelno = record.level ?? NAME_LEVELS[record.levelName] ?? 0;
    const caller = line.usesCaller ? captureCaller() : UNKNOWN_CALLER;
    return renderLine(line, {
      name: record.loggerName,
      msg: record.msg,
      args: record.args,
      levelno,
      levelname: record.levelName === "WARN" ? "WARNING" : record.levelName,
      ...caller,
      created: ms / 1000,
      msecs: Math.floor(ms % 1000),
      relativeCreated: ms - startTime(),
      ...threadFields(),
      process: Deno.pid,
      processName: "MainProcess",
      message,
      asctime: "",
      taskName: null,
      excInfo: undefined,
    });
  };
}

// ---------------------------------------------------------------------------------------
// Writing lines

const encoder = new TextEncoder();

/**
 * LogTape's mark of a sink that is done with a record when it returns: LogTape then
 * skips copying the record's properties for it (about 2 µs a record).
 */
const IMMEDIATE = Symbol.for("LogTape.sinkSnapshotPolicy.immediate");

function immediate<S extends LogTapeSink>(sink: S): S {
  Object.defineProperty(sink, IMMEDIATE, { value: true });
  return sink;
}

let lineBuffer = new Uint8Array(512);

/**
 * UTF-8 of a line, in a buffer reused from call to call (a `writeSync` must not keep
 * the bytes it is given, as Deno's `WriterSync` contract says).
 */
function encodeLine(text: string): Uint8Array {
  const n = text.length;
  if (n * 3 > lineBuffer.length) lineBuffer = new Uint8Array(n * 3 + 512);
  const buffer = lineBuffer;
  if (n <= 512) {
    // Short ASCII lines, the common case, are copied without calling into the runtime.
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buffer[i] = c;
    }
    if (i === n) return buffer.subarray(0, n);
  }
  return buffer.subarray(0, encoder.encodeInto(text, buffer).written);
}

function writeAll(writer: SyncWriter, text: string): void {
  writeWhole(writer, encodeLine(text));
}

/** The options of {@linkcode pythonSink}. */
export interface PythonSinkOptions {
  /** The line format. @default {"%(levelname)s:%(name)s:%(message)s"} */
  format?: string;
  /** The `time.strftime` format of `%(asctime)s`. */
  datefmt?: string;
  /** Where lines go. @default {Deno.stderr} */
  stream?: SyncWriter;
}

/**
 * A LogTape sink that formats each record as Python's logging does and writes it as one
 * line in one synchronous write, so that lines of different threads never mix. The
 * sink `basicConfig` installs is one of these.
 *
 * @param options The format, the datefmt, the stream.
 * @returns The sink.
 * @throws {TypeError} If the format is not a string, or a field's conversion does not fit it.
 * @throws {RangeError} If the format or the datefmt is malformed or names an unknown field.
 *
 * @example Python-format lines in a LogTape configuration of one's own
 * ```ts
 * import { logging } from "@threading/threading";
 * import { configureSync, getLogger, resetSync } from "npm:@logtape/logtape@^2.4.2";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     lines.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
 * };
 * configureSync({
 *   sinks: { python: logging.pythonSink({ format: "(%(threadName)s) %(message)s", stream }) },
 *   loggers: [
 *     { category: "app", sinks: ["python"], lowestLevel: "debug" },
 *     { category: ["logtape", "meta"], lowestLevel: "warning" },
 *   ],
 * });
 * getLogger("app").info("Hello {who}", { who: "you" });
 * resetSync();
 * assert.deepEqual(lines, ["(MainThread) Hello you\n"]);
 * ```
 */
export function pythonSink(options: PythonSinkOptions = {}): LogTapeSink {
  const line = compileFormat(
    options.format ?? BASIC_FORMAT,
    options.datefmt,
    "create sink",
  );
  const stream = options.stream ?? Deno.stderr;
  return immediate((record: LogRecord) => {
    writeAll(stream, renderLine(line, recordFromLogTape(record, line)) + "\n");
  });
}

/**
 * Wraps a LogTape sink so that every record it receives carries the properties
 * `threadName` and `thread` (the ident) of the thread that logged it, for records made
 * with LogTape's own loggers (the loggers of this module add them already).
 *
 * @param sink The sink to wrap.
 * @returns The wrapping sink.
 *
 * @example Thread names on LogTape's JSON lines
 * ```ts
 * import { logging } from "@threading/threading";
 * import type { LogRecord } from "npm:@logtape/logtape@^2.4.2";
 * import assert from "node:assert/strict";
 *
 * const seen: LogRecord[] = [];
 * const sink = logging.withThreadName((record) => seen.push(record));
 * sink({
 *   category: [],
 *   level: "info",
 *   message: ["hi"],
 *   rawMessage: "hi",
 *   timestamp: 0,
 *   properties: {},
 * });
 * assert.equal(seen[0].properties.threadName, "MainThread");
 * assert.equal(seen[0].properties.thread, 1);
 * ```
 */
export function withThreadName(sink: LogTapeSink): LogTapeSink {
  const wrapper = (record: LogTapeRecord) => {
    const p = record.properties;
    if (typeof p.threadName === "string" && typeof p.thread === "number") {
      return sink(record);
    }
    sink({ ...record, properties: { ...p, ...threadFields() } });
  };
  return (sink as unknown as Record<symbol, unknown>)[IMMEDIATE] === true
    ? immediate(wrapper)
    : wrapper;
}

// ---------------------------------------------------------------------------------------
// The shared configuration

/** The configuration every thread applies, as JSON in the shared runtime. */
interface SharedConfig {
  /** The root handler of `basicConfig`, or null before it. */
  handler: {
    format: string;
    datefmt: string | null;
    stream: "stderr" | "stdout" | "local";
    /** The ident of the thread whose local stream `"local"` means. */
    owner: number;
    force: boolean;
  } | null;
  /** Levels set on loggers, by name (`""` for the root). */
  levels: Record<string, number>;
  /** When logging started, ms since the epoch (for `relativeCreated`). */
  start: number;
}

const loadTime = Date.now();

/** This thread's view of the logging configuration. */
const state = {
  /** The shared text version applied (0: none was ever written). */
  version: 0,
  /** Bumped at each change applied here: loggers cache their levels against it. */
  generation: 1,
  config: { handler: null, levels: {}, start: loadTime } as SharedConfig,
  /** The line format of the root handler. */
  line: undefined as LineFormat | undefined,
  /** The stream given to `basicConfig` in this thread, if it was an object. */
  localStream: undefined as SyncWriter | undefined,
  /** The LogTape configuration this module made in this thread. */
  logtape: undefined as unknown,
};

function startTime(): number {
  return state.config.start;
}

function sync(): void {
  const { text, version } = readSharedText(SharedTextKey.LOGGING);
  state.version = version;
  if (text === "") return;
  apply(JSON.parse(text) as SharedConfig);
}

function apply(config: SharedConfig): void {
  state.config = config;
  state.generation++;
  const handler = config.handler;
  if (handler === null) return;
  state.line = compileFormat(handler.format, handler.datefmt, "configure logging");
  const current = getConfig();
  if (current !== null && current !== state.logtape && !handler.force) return;
  const stream: SyncWriter = handler.stream === "stdout"
    ? Deno.stdout
    : handler.stream === "local" && handler.owner === getIdent() && state.localStream
    ? state.localStream
    : Deno.stderr;
  const line = state.line;
  const sink = immediate((record: LogRecord) => {
    writeAll(stream, renderLine(line, recordFromLogTape(record, line)) + "\n");
  });
  const logtapeConfig = {
    reset: true,
    sinks: { threading: sink },
    loggers: [
      {
        category: [] as string[],
        sinks: ["threading" as const],
        lowestLevel: "trace" as const,
      },
      { category: ["logtape", "meta"], lowestLevel: "warning" as const },
    ],
  };
  configureSync(logtapeConfig);
  state.logtape = getConfig();
}

/** Reads the shared configuration if it changed since this thread last applied it. */
function refresh(): void {
  if (sharedTextVersion(SharedTextKey.LOGGING) !== state.version) sync();
}

function share(config: SharedConfig): void {
  writeSharedText(
    SharedTextKey.LOGGING,
    JSON.stringify(config),
    "the logging configuration",
  );
  sync();
}

const BASIC_KEYS = new Set(["level", "format", "datefmt", "stream", "force", "style"]);

/**
 * Python's `logging.basicConfig`: gives the root logger a handler that writes lines of
 * the given format to stderr (or `stream`), and sets the root level. It does nothing if
 * the root logger already has one, unless `force` is true. The configuration holds in
 * every thread: the threads running now, the threads started later, and the threads
 * those start.
 *
 * @param options The level, format, datefmt, stream and force flag.
 * @throws {TypeError} If an option has the wrong type, or a field's conversion does not fit it.
 * @throws {RangeError} If the format or datefmt is malformed, a field or level is
 * unknown, or an option is not one of Python's `basicConfig` options supported here.
 *
 * @example Python's seed configuration
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     lines.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
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
export function basicConfig(options: BasicConfigOptions = {}): void {
  const action = "configure logging";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${pyRepr(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!BASIC_KEYS.has(key)) {
      throw new RangeError(
        `Cannot ${action}: unsupported option (supported: ${
          [...BASIC_KEYS].join(", ")
        }), received ${JSON.stringify(key)}`,
      );
    }
  }
  const {
    level,
    format = BASIC_FORMAT,
    datefmt,
    stream = "stderr",
    force = false,
    style = "%",
  } = options;
  if (style !== "%") {
    throw new RangeError(
      `Cannot ${action}: only the "%" style is supported, received ${pyRepr(style)}`,
    );
  }
  if (typeof force !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: force must be a boolean, received ${pyRepr(force)}`,
    );
  }
  const levelno = level === undefined ? undefined : toLevel(level, action);
  compileFormat(format, datefmt, action);
  let streamName: "stderr" | "stdout" | "local";
  let local: SyncWriter | undefined;
  if (stream === "stderr" || stream === Deno.stderr) streamName = "stderr";
  else if (stream === "stdout" || stream === Deno.stdout) streamName = "stdout";
  else if (
    typeof stream === "object" && stream !== null &&
    typeof (stream as SyncWriter).writeSync === "function"
  ) {
    streamName = "local";
    local = stream;
  } else {
    throw new TypeError(
      `Cannot ${action}: stream must be "stderr", "stdout" or an object with writeSync(bytes), received ${
        pyRepr(stream)
      }`,
    );
  }
  refresh();
  if (state.config.handler !== null && !force) return;
  if (local !== undefined) state.localStream = local;
  const levels = { ...state.config.levels };
  if (levelno !== undefined) levels[""] = levelno;
  share({
    handler: {
      format,
      datefmt: datefmt ?? null,
      stream: streamName,
      owner: getIdent(),
      force,
    },
    levels,
    start: state.config.start,
  });
}

// ---------------------------------------------------------------------------------------
// Loggers

const ERROR_LINE = "--- Logging error ---";

function reportError(error: unknown, msg: unknown, args: readonly unknown[]): void {
  const detail = error instanceof Error
    ? `${error.name}: ${error.message}`
    : pyStr(error);
  writeAll(
    Deno.stderr,
    `${ERROR_LINE}\n${detail}\nMessage: ${pyRepr(msg)}\nArguments: ${pyRepr(args)}\n`,
  );
}

function takesError(msg: unknown, args: readonly unknown[]): boolean {
  if (args.length === 0 || !(args[args.length - 1] instanceof Error)) return false;
  if (typeof msg !== "string") return true;
  const n = positionalCount(msg);
  return n >= 0 && n < args.length;
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
  #effective = WARNING;

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

  /**
   * The level that applies to this logger: its own, else the nearest ancestor's.
   *
   * @returns The level number.
   */
  getEffectiveLevel(): number {
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
      this.#effective = found ?? WARNING;
      this.#generation = state.generation;
    }
    return this.#effective;
  }

  /**
   * Whether a record of this level would be handled.
   *
   * @param level The level number.
   * @returns `true` if the level is at least the effective level.
   */
  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
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
    if (DEBUG >= this.getEffectiveLevel()) this.#log(DEBUG, msg, args);
  }

  /**
   * Logs `msg % args` at `INFO`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  info(msg: unknown, ...args: unknown[]): void {
    if (INFO >= this.getEffectiveLevel()) this.#log(INFO, msg, args);
  }

  /**
   * Logs `msg % args` at `WARNING`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  warning(msg: unknown, ...args: unknown[]): void {
    if (WARNING >= this.getEffectiveLevel()) this.#log(WARNING, msg, args);
  }

  /**
   * Logs `msg % args` at `WARNING` (Python's deprecated spelling).
   *
   * @param msg The message.
   * @param args The arguments.
   */
  warn(msg: unknown, ...args: unknown[]): void {
    if (WARNING >= this.getEffectiveLevel()) this.#log(WARNING, msg, args);
  }

  /**
   * Logs `msg % args` at `ERROR`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  error(msg: unknown, ...args: unknown[]): void {
    if (ERROR >= this.getEffectiveLevel()) this.#log(ERROR, msg, args);
  }

  /**
   * Logs `msg % args` at `ERROR`; pass the caught error last to log its stack.
   *
   * @param msg The message.
   * @param args The arguments, then the error.
   */
  exception(msg: unknown, ...args: unknown[]): void {
    if (ERROR >= this.getEffectiveLevel()) this.#log(ERROR, msg, args);
  }

  /**
   * Logs `msg % args` at `CRITICAL`.
   *
   * @param msg The message.
   * @param args The arguments.
   */
  critical(msg: unknown, ...args: unknown[]): void {
    if (CRITICAL >= this.getEffectiveLevel()) this.#log(CRITICAL, msg, args);
  }

  /**
   * Logs `msg % args` at `CRITICAL` (Python's alias).
   *
   * @param msg The message.
   * @param args The arguments.
   */
  fatal(msg: unknown, ...args: unknown[]): void {
    if (CRITICAL >= this.getEffectiveLevel()) this.#log(CRITICAL, msg, args);
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
    if (n >= this.getEffectiveLevel()) this.#log(n, msg, args);
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
    const logtape = getConfig();
    if (state.config.handler !== null && logtape === null) {
      // LogTape was reset in this thread (say by a test): put basicConfig's sink back.
      apply(state.config);
    } else if (logtape === null) {
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
    this.#logtape ??= getLogTapeLogger(this.#category);
    // Given its category, LogTape dispatches the record as it is (else it copies it).
    this.#logtape.emit({
      category: this.#category,
      level: toLogTapeLevel(levelno),
      message: [message],
      rawMessage: typeof msg === "string" ? msg : message,
      timestamp: Date.now(),
      properties,
    } as Omit<LogRecord, "category">);
  }
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

function ensureConfigured(): void {
  refresh();
  if (state.config.handler === null && getConfig() === null) basicConfig();
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

/**
 * Python's `logging` module as one object, for `import { logging } from
 * "@threading/threading"` and then `logging.basicConfig(...)`, `logging.debug(...)`.
 *
 * @example The seeds' logging
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     lines.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "[%(levelname)s] (%(threadName)-10s) %(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.debug("Running: %s", ["0", "1"]);
 * assert.deepEqual(lines, ["[DEBUG] (MainThread) Running: ['0', '1']\n"]);
 * ```
 */
export const logging = {
  CRITICAL,
  FATAL,
  ERROR,
  WARNING,
  WARN,
  INFO,
  DEBUG,
  NOTSET,
  BASIC_FORMAT,
  basicConfig,
  getLogger,
  getLevelName,
  Logger,
  root,
  debug,
  info,
  warning,
  error,
  exception,
  critical,
  log,
  pythonFormatter,
  pythonSink,
  stdLogFormatter,
  withThreadName,
} as const;
