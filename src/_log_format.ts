// Copyright the threading for Deno authors. MIT license.
/**
 * The `%` line formatter of the logging adapter: a `logging.Formatter` format
 * (`"(%(threadName)-10s) %(message)s"`) is checked and compiled once, then renders
 * records (Python's `LogRecord` fields) into lines, with the error's stack after, as
 * Python's `Formatter.format` does. `msg % args` itself is `_format.ts`.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import {
  checkStrftime,
  convert,
  parseTemplate,
  pyRepr,
  pyStr,
  strftime,
  type Template,
} from "./_format.ts";
import type { PythonRecord } from "./_log_record.ts";
import { tracebackText } from "./_traceback.ts";

const FLOAT_FIELDS = new Set(["created", "msecs", "relativeCreated"]);
/** The fields that need a stack trace per record (where the logging call was made). */
export const CALLER_FIELDS = new Set([
  "pathname",
  "filename",
  "module",
  "lineno",
  "funcName",
]);
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
export interface LineFormat {
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

/**
 * Checks and compiles a `logging.Formatter` format (and its datefmt) once.
 *
 * @throws {TypeError} If the format is not a string, or a conversion does not fit its field.
 * @throws {RangeError} If the format or datefmt is malformed or names an unknown field.
 */
export function compileFormat(
  format: unknown,
  datefmt: unknown,
  action: string,
): LineFormat {
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
export function renderLine(line: LineFormat, rec: PythonRecord): string {
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
    // As CPython's Formatter.formatException: the excepthook's traceback (_traceback.ts).
    out += "\n" + tracebackText(exc, pyStr);
  }
  return out;
}
