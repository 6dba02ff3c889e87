// Copyright the threading for Deno authors. MIT license.
/**
 * The LogTape bridge of the logging adapter: LogTape records as Python records
 * ({@linkcode pythonFormatter}), sinks that write whole lines ({@linkcode pythonSink}),
 * thread names on LogTape's own records ({@linkcode withThreadName},
 * {@linkcode threadContext}).
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { pid, stderr } from "./_platform.ts";
import { writeWhole } from "./_output.ts";
import { pyRepr, pyStr } from "./_format.ts";
import { compileFormat, type LineFormat, renderLine } from "./_log_format.ts";
import { tracebackText } from "./_traceback.ts";
import {
  BASIC_FORMAT,
  type Caller,
  callerFromLocation,
  callStackText,
  FROM_LOGTAPE,
  getLevelName,
  type PythonRecord,
  startTime,
  type SyncWriter,
  threadFields,
  UNKNOWN_CALLER,
} from "./_log_record.ts";

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

function renderLogTapeMessage(message: readonly unknown[]): string {
  if (message.length === 1 && typeof message[0] === "string") return message[0];
  let out = "";
  for (let i = 0; i < message.length; i++) {
    out += i % 2 === 0 ? String(message[i]) : pyStr(message[i]);
  }
  return out;
}

/** A LogTape record as Python's record, for the fields a line format uses. */
export function recordFromLogTape(record: LogTapeRecord, line: LineFormat): PythonRecord {
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
    process: pid,
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
  return (record: LogTapeRecord) =>
    renderLine(line, recordFromLogTape(record, line)) + "\n";
}

// ---------------------------------------------------------------------------------------
// Writing lines

const encoder = new TextEncoder();

/**
 * LogTape's mark of a sink that is done with a record when it returns: LogTape then
 * skips copying the record's properties for it (about 2 µs a record).
 */
const IMMEDIATE = Symbol.for("LogTape.sinkSnapshotPolicy.immediate");

/** Marks a sink as done with each record when it returns (LogTape then does not copy it). */
export function immediate<S extends (record: LogTapeRecord) => unknown>(sink: S): S {
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

/** Writes a line whole, under the program-wide output lock. */
export function writeAll(writer: SyncWriter, text: string): void {
  writeWhole(writer, encodeLine(text));
}

/**
 * A handler's emit, with Python's rule that logging never raises into the code that
 * logs: CPython's `Handler.emit` calls `self.handleError(record)` when formatting or
 * writing fails (Lib/logging/__init__.py, `StreamHandler.emit`), and
 * `Handler.handleError` prints `--- Logging error ---`, the traceback, and the record's
 * message and arguments to stderr, then goes on; if stderr fails too, nothing is said.
 * So a stream that closed (`| head`: BrokenPipe) costs one report per record, never an
 * exception in the thread that logs.
 */
export function emitLine(
  writer: SyncWriter,
  line: LineFormat,
  record: LogTapeRecord,
): void {
  try {
    writeAll(writer, renderLine(line, recordFromLogTape(record, line)) + "\n");
  } catch (error) {
    handleError(error, record);
  }
}

/** A frame of LogTape's own code (a logger's emit that calls the sinks). */
const LOGTAPE_FRAME = /\/@logtape\/logtape\//;

/** CPython's `Handler.handleError`: the report on stderr; a failure there is dropped. */
function handleError(error: unknown, record: LogTapeRecord): void {
  const trace = tracebackText(error, pyStr);
  // The logging call's frames (LogTape calls its sinks in it), as CPython's "Call stack:".
  const stack = callStackText(LOGTAPE_FRAME);
  const calls = stack === "" ? "" : `${stack}\n`;
  const args = record.properties.args;
  try {
    writeAll(
      stderr,
      `--- Logging error ---\nTraceback (most recent call last):\n${trace}\n${calls}Message: ${
        pyRepr(
          typeof record.rawMessage === "string"
            ? record.rawMessage
            : record.rawMessage.join("{}"),
        )
      }\nArguments: ${pyRepr(Array.isArray(args) ? args : [])}\n`,
    );
  } catch {
    // As CPython's handleError: `except OSError: pass` (stderr is gone too).
  }
}

/** The options of {@linkcode pythonSink}. */
export interface PythonSinkOptions {
  /** The line format. @default {"%(levelname)s:%(name)s:%(message)s"} */
  format?: string;
  /** The `time.strftime` format of `%(asctime)s`. */
  datefmt?: string;
  /** Where lines go. @default {stderr} */
  stream?: SyncWriter;
}

/**
 * A LogTape sink that formats each record as Python's logging does and writes it as one
 * line in one synchronous write, so that lines of different threads never mix. The
 * sink `basicConfig` installs is one of these. A line the stream cannot take (a closed
 * pipe) is reported on stderr as CPython's `Handler.handleError` reports it (`--- Logging
 * error ---`), never thrown into the code that logs.
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
  const stream = options.stream ?? stderr;
  return immediate((record: LogTapeRecord) => {
    emitLine(stream, line, record);
  });
}

/**
 * Wraps a LogTape sink or filter so that every record it receives carries the
 * properties `threadName` and `thread` (the ident) of the thread that logged it. The
 * adapter's loggers put them on their records already (every sink and filter sees
 * them); LogTape's own loggers (`getLogger` of `@logtape/logtape`) do not, so wrap the
 * sinks and filters that read them.
 *
 * @param fn The sink or filter to wrap.
 * @returns The wrapping sink or filter, returning what `fn` returns.
 *
 * @example Thread names on LogTape's JSON lines, and a filter by thread
 * ```ts
 * import { logging } from "@threading/threading";
 * import type { LogRecord } from "npm:@logtape/logtape@^2.4.2";
 * import assert from "node:assert/strict";
 *
 * const seen: LogRecord[] = [];
 * const sink = logging.withThreadName((record) => seen.push(record));
 * const record: LogRecord = {
 *   category: [],
 *   level: "info",
 *   message: ["hi"],
 *   rawMessage: "hi",
 *   timestamp: 0,
 *   properties: {},
 * };
 * sink(record);
 * assert.equal(seen[0].properties.threadName, "MainThread");
 * assert.equal(seen[0].properties.thread, 1);
 * const notMain = logging.withThreadName((r) => r.properties.threadName !== "MainThread");
 * assert.equal(notMain(record), false);
 * ```
 */
export function withThreadName<R>(
  fn: (record: LogTapeRecord) => R,
): (record: LogTapeRecord) => R {
  const wrapper = (record: LogTapeRecord): R => {
    const p = record.properties;
    if (typeof p.threadName === "string" && typeof p.thread === "number") {
      return fn(record);
    }
    return fn({ ...record, properties: { ...p, ...threadFields() } });
  };
  return (fn as unknown as Record<symbol, unknown>)[IMMEDIATE] === true
    ? immediate(wrapper)
    : wrapper;
}

/**
 * LogTape's `ContextLocalStorage` (the `contextLocalStorage` option of `configure()`),
 * by its shape: `AsyncLocalStorage` of `node:async_hooks` is one.
 */
export interface ContextLocalStorage<T> {
  /**
   * Runs a callback with the given store as the context-local store.
   *
   * @param store The store.
   * @param callback The callback.
   * @returns What the callback returns.
   */
  run<R>(store: T, callback: () => R): R;
  /**
   * The current context-local store.
   *
   * @returns The store, or `undefined` outside any.
   */
  getStore(): T | undefined;
}

/**
 * Wraps LogTape's context-local storage so that the implicit context of every record of
 * LogTape's own loggers holds `threadName` and `thread` (the ident) of the thread that
 * logs: filters and sinks see them with no wrapping of their own. A `withContext()`
 * value of the same name wins. Each record of LogTape's own loggers then carries the
 * implicit context (a little slower than without one).
 *
 * @typeParam T The store's type.
 * @param storage The storage to wrap (`new AsyncLocalStorage()`).
 * @returns The wrapping storage, for `configure({ contextLocalStorage })`.
 *
 * @example Thread names on LogTape's own records, before filters
 * ```ts
 * import { logging } from "@threading/threading";
 * import {
 *   configureSync,
 *   getLogger,
 *   type LogRecord,
 *   resetSync,
 *   withContext,
 * } from "npm:@logtape/logtape@^2.4.2";
 * import { AsyncLocalStorage } from "node:async_hooks";
 * import assert from "node:assert/strict";
 *
 * const seen: LogRecord[] = [];
 * configureSync({
 *   contextLocalStorage: logging.threadContext(new AsyncLocalStorage()),
 *   sinks: { seen: (record) => seen.push(record) },
 *   filters: { main: (record) => record.properties.threadName === "MainThread" },
 *   loggers: [
 *     { category: "doc", sinks: ["seen"], filters: ["main"], lowestLevel: "debug" },
 *     { category: ["logtape", "meta"], lowestLevel: "warning" },
 *   ],
 * });
 * getLogger("doc").info("hello");
 * withContext({ user: "ana" }, () => getLogger("doc").info("in a context"));
 * resetSync();
 * assert.deepEqual(seen.map((r) => r.properties), [
 *   { threadName: "MainThread", thread: 1 },
 *   { threadName: "MainThread", thread: 1, user: "ana" },
 * ]);
 * ```
 */
export function threadContext<T extends Record<string | symbol, unknown>>(
  storage: ContextLocalStorage<T>,
): ContextLocalStorage<T> {
  if (
    typeof storage !== "object" || storage === null ||
    typeof storage.run !== "function" || typeof storage.getStore !== "function"
  ) {
    throw new TypeError(
      `Cannot wrap context storage: storage must have run() and getStore() (an AsyncLocalStorage), received ${
        pyStr(storage)
      }`,
    );
  }
  return {
    run: <R>(store: T, callback: () => R): R => storage.run(store, callback),
    getStore: (): T => ({ ...threadFields(), ...storage.getStore() }) as unknown as T,
  };
}
