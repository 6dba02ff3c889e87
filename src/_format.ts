// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `%` formatting for the logging adapter: the parsed templates (`msg % args`
 * for message arguments, the `%(field)s` record formats of `logging.Formatter`) and the
 * conversion of one value by one spec.
 *
 * A template is parsed once into parts (literal text and conversion specs) and kept;
 * formatting walks the parts. Beside it: the numeric conversions (`%d %x %o %e %f %g`)
 * in `_format_number.ts`, Python's `str()`/`repr()` of JavaScript values in
 * `_format_repr.ts`, and `time.strftime` for `datefmt` in `_format_time.ts`; this
 * module re-exports what the logging modules use of them.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { formatFloat, formatInteger } from "./_format_number.ts";
import { floatRepr, isMapping, pyRepr, pyStr } from "./_format_repr.ts";
export { floatRepr, isMapping, pyRepr, pyStr } from "./_format_repr.ts";
export { checkStrftime, strftime } from "./_format_time.ts";

/** One `%` conversion: `%(key)flags width .precision type`. */
export interface Spec {
  /** The mapping key of `%(key)s`, or `undefined` for a positional spec. */
  readonly key: string | undefined;
  /** `-`: align left. */
  readonly left: boolean;
  /** `0`: pad numbers with zeros. */
  readonly zero: boolean;
  /** `+`, `" "` or `""`: what a non-negative number starts with. */
  readonly sign: string;
  /** `#`: the alternate form (`0x`, `0o`, keep zeros of `%g`). */
  readonly alt: boolean;
  /**
   * Minimum width in characters (code points, as Python's `len(str)`: an emoji, U+1F680,
   * is one, not JavaScript's two UTF-16 units); `-1` for none, `-2` for `*` (taken from
   * the arguments).
   */
  readonly width: number;
  /** Precision (for `%s`, `%r`, `%a`: the most code points kept); `-1` for none, `-2` for `*`. */
  readonly precision: number;
  /** The conversion type: one of `diouxXeEfFgGcrsa%`. */
  readonly type: string;
}

/** A parsed template: literal strings and specs, in order. */
export interface Template {
  /** The parts, in order. */
  readonly parts: readonly (string | Spec)[];
  /** Number of positional arguments the template consumes (`*` included). */
  readonly positional: number;
  /** Whether some spec has a mapping key. */
  readonly keyed: boolean;
}

const SPEC = /%(?:\(([^)]*)\))?([#0+ -]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/y;
const TYPES = "diouxXeEfFgGcrsa%";

/**
 * Parses a `%` template.
 *
 * @param template The template.
 * @param what What is being parsed, for error messages ("format", "message").
 * @returns The parsed template.
 * @throws {RangeError} If a spec is incomplete or has an unknown type.
 */
export function parseTemplate(template: string, what: string): Template {
  const parts: (string | Spec)[] = [];
  let positional = 0;
  let keyed = false;
  let text = "";
  let i = 0;
  while (i < template.length) {
    const pct = template.indexOf("%", i);
    if (pct < 0) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(template)!;
    const [all, key, flags, width, precision, type] = m;
    if (template.indexOf("(", pct + 1) === pct + 1 && key === undefined) {
      throw new RangeError(
        `Cannot parse ${what}: unterminated "%(" at index ${pct}, received ${
          JSON.stringify(template)
        }`,
      );
    }
    if (type === "" || !TYPES.includes(type)) {
      throw new RangeError(
        `Cannot parse ${what}: ${
          type === ""
            ? "incomplete conversion at the end"
            : `unsupported conversion "%${type}"`
        } (use one of %s %r %d %i %f %e %g %x %o %c %%) at index ${pct}, received ${
          JSON.stringify(template)
        }`,
      );
    }
    i = pct + all.length;
    if (type === "%" && all === "%%") {
      text += "%";
      continue;
    }
    if (text) parts.push(text);
    text = "";
    const spec: Spec = {
      key,
      left: flags.includes("-"),
      zero: flags.includes("0"),
      sign: flags.includes("+") ? "+" : flags.includes(" ") ? " " : "",
      alt: flags.includes("#"),
      width: width === undefined ? -1 : width === "*" ? -2 : Number(width),
      precision: precision === undefined
        ? -1
        : precision === "*"
        ? -2
        : Number(precision || "0"),
      type,
    };
    if (key !== undefined) keyed = true;
    else if (type !== "%") positional++;
    if (spec.width === -2) positional++;
    if (spec.precision === -2) positional++;
    parts.push(spec);
  }
  if (text) parts.push(text);
  return { parts, positional, keyed };
}

const messageCache = new Map<string, Template>();
const MESSAGE_CACHE_MAX = 512;

/** Parses a message template, caching the result. */
function messageTemplate(msg: string): Template {
  let t = messageCache.get(msg);
  if (t === undefined) {
    t = parseTemplate(msg, "message");
    if (messageCache.size >= MESSAGE_CACHE_MAX) messageCache.clear();
    messageCache.set(msg, t);
  }
  return t;
}

/**
 * The number of positional arguments a message template takes (`*` included), or
 * `-1` if it is malformed.
 *
 * @param msg The message template.
 * @returns The count.
 */
export function positionalCount(msg: string): number {
  try {
    return messageTemplate(msg).positional;
  } catch {
    return -1;
  }
}

/**
 * Python's `LogRecord.getMessage()`: `str(msg) % args` when there are arguments; a single
 * non-empty mapping argument serves `%(key)s` specs.
 *
 * @param msg The message template (any value: it is converted with `str()`).
 * @param args The arguments.
 * @returns The message.
 * @throws {TypeError} If the arguments do not fit the template.
 * @throws {RangeError} If the template is malformed.
 */
export function formatMessage(msg: unknown, args: readonly unknown[]): string {
  const text = typeof msg === "string" ? msg : pyStr(msg);
  if (args.length === 0) return text;
  const t = messageTemplate(text);
  if (
    args.length === 1 && isMapping(args[0]) &&
    (args[0] instanceof Map ? args[0].size > 0 : Object.keys(args[0]).length > 0)
  ) {
    return applyMapping(t, args[0]);
  }
  if (t.keyed) {
    throw new TypeError(
      `Cannot format message: %(key)s needs a single object argument, received ${args.length} arguments`,
    );
  }
  if (t.positional > args.length) {
    throw new TypeError(
      `Cannot format message: not enough arguments for the format string, it needs ${t.positional}, received ${args.length}`,
    );
  }
  if (t.positional < args.length) {
    throw new TypeError(
      `Cannot format message: not all arguments converted during string formatting, it takes ${t.positional}, received ${args.length}`,
    );
  }
  let out = "";
  let a = 0;
  for (const part of t.parts) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    let width = part.width;
    let precision = part.precision;
    if (width === -2) width = starArgument(args[a++]);
    if (precision === -2) precision = starArgument(args[a++]);
    out += part.type === "%"
      ? pad("%", part, width)
      : convert(args[a++], part, width, precision);
  }
  return out;
}

function starArgument(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `Cannot format message: * wants an integer, received ${pyRepr(value)}`,
    );
  }
  return value;
}

function applyMapping(
  t: Template,
  mapping: Record<string, unknown> | Map<unknown, unknown>,
): string {
  let out = "";
  for (const part of t.parts) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    if (part.type === "%") {
      out += pad("%", part, part.width);
      continue;
    }
    let value: unknown = mapping;
    if (part.key !== undefined) {
      const has = mapping instanceof Map
        ? mapping.has(part.key)
        : Object.hasOwn(mapping, part.key);
      if (!has) {
        throw new TypeError(
          `Cannot format message: the argument has no key ${pyRepr(part.key)}`,
        );
      }
      value = mapping instanceof Map ? mapping.get(part.key) : mapping[part.key];
    }
    if (part.width === -2 || part.precision === -2) {
      throw new TypeError(
        "Cannot format message: * is not allowed with a mapping argument",
      );
    }
    out += convert(value, part, part.width, part.precision);
  }
  return out;
}

/**
 * Formats one value by one spec, as Python's `%` does.
 *
 * @param value The value.
 * @param spec The spec.
 * @param width The width (`*` resolved), `-1` for none.
 * @param precision The precision (`*` resolved), `-1` for none.
 * @param isFloat Whether the value is a Python float (`%s` of `1` prints `1.0`).
 * @returns The formatted text.
 * @throws {TypeError} If the value does not fit the conversion.
 */
export function convert(
  value: unknown,
  spec: Spec,
  width: number,
  precision: number,
  isFloat = false,
): string {
  switch (spec.type) {
    case "s":
    case "r":
    case "a": {
      let s = spec.type === "s"
        ? (isFloat && typeof value === "number" ? floatRepr(value) : pyStr(value))
        : spec.type === "r"
        ? pyRepr(value)
        : asciiRepr(value);
      if (precision >= 0) s = codePointSlice(s, precision);
      return pad(s, spec, width);
    }
    case "c": {
      let s: string;
      if (
        typeof value === "number" && Number.isInteger(value) && value >= 0 &&
        value <= 0x10ffff
      ) {
        s = String.fromCodePoint(value);
      } else if (typeof value === "string" && [...value].length === 1) s = value;
      else {
        throw new TypeError(
          `Cannot format message: %c requires an integer or a single character, received ${
            pyRepr(value)
          }`,
        );
      }
      return pad(s, spec, width);
    }
    case "d":
    case "i":
    case "u":
    case "x":
    case "X":
    case "o":
      return formatInteger(value, spec, width, precision);
    default:
      return formatFloat(value, spec, width, precision);
  }
}

/**
 * Pads a string to a width in code points (Python's `len(str)`), right-aligned unless
 * the spec has `-`.
 */
export function pad(s: string, spec: Spec, width: number): string {
  if (width <= 0) return s;
  const length = codePointLength(s);
  if (width <= length) return s;
  return spec.left ? s + " ".repeat(width - length) : " ".repeat(width - length) + s;
}

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * The length of a string in code points, as Python's `len(str)`: a surrogate pair (an
 * emoji, U+1F680) is one, a lone surrogate one too (Python's strings hold it as one code
 * point).
 */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** The first `count` code points of a string, as Python's `s[:count]` (never half a pair). */
export function codePointSlice(s: string, count: number): string {
  let i = 0;
  for (let k = 0; k < count && i < s.length; k++) {
    i += isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))
      ? 2
      : 1;
  }
  return s.slice(0, i);
}

/**
 * Python's `ascii(value)`, what `%a` prints: `repr` with each non-ASCII code point
 * escaped (`\xe9`, `\u20ac`, `\U0001f680`).
 */
export function asciiRepr(value: unknown): string {
  const s = pyRepr(value);
  let out = "";
  for (const char of s) {
    const c = char.codePointAt(0)!;
    out += c < 0x80
      ? char
      : c < 0x100
      ? "\\x" + c.toString(16).padStart(2, "0")
      : c < 0x10000
      ? "\\u" + c.toString(16).padStart(4, "0")
      : "\\U" + c.toString(16).padStart(8, "0");
  }
  return out;
}
