// Copyright the threading for Deno authors. MIT license.
/**
 * `@std/log` in the logging adapter: {@linkcode stdLogFormatter}, a `formatter` for
 * `@std/log` handlers that formats its records (by their shape: `@std/log` is not
 * imported) as Python's `logging.Formatter` does, with the thread's name. `@std/log`
 * left the Deno standard library in September 2025; this keeps existing setups working.
 *
 * @module
 */
import { pid } from "./_platform.ts";
import { formatMessage, positionalCount, pyStr } from "./_format.ts";
import { compileFormat, renderLine } from "./_log_format.ts";
import {
  callStackText,
  captureCaller,
  loggingErrorText,
  NAME_LEVELS,
  startTime,
  takesError,
  threadFields,
  UNKNOWN_CALLER,
} from "./_log_record.ts";

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
    const msg = record.msg;
    const args = [...record.args];
    let excInfo: unknown;
    if (takesError(msg, args)) excInfo = args.pop();
    let message: string;
    if (args.length > 0 && positionalCount(msg) === 0 && !msg.includes("%(")) {
      // A message without conversions: its arguments follow it, as @std/log prints them.
      message = [msg, ...args.map(pyStr)].join(" ");
    } else {
      try {
        message = formatMessage(msg, args);
      } catch (error) {
        return loggingErrorText(error, msg, record.args, callStackText(STD_LOG_FRAME));
      }
    }
    const ms = record.datetime.getTime();
    const levelno = record.level ?? NAME_LEVELS[record.levelName] ?? 0;
    const caller = line.usesCaller ? captureCaller(STD_LOG_FRAME) : UNKNOWN_CALLER;
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
      process: pid,
      processName: "MainProcess",
      message,
      asctime: "",
      taskName: null,
      excInfo,
    });
  };
}

/** The frames of `@std/log` (from JSR or deno.land/std): not the caller's. */
const STD_LOG_FRAME = /\/@std\/log\/|\/std(?:@[^/]*)?\/log\//;
