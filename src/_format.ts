// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `%` formatting for the logging adapter: `msg % args` for message arguments,
 * the `%(field)s` record formats of `logging.Formatter`, `str()`/`repr()` of JavaScript
 * values in Python's notation, and `time.strftime` for `datefmt`.
 *
 * A template is parsed once into parts (literal text and conversion specs) and kept;
 * formatting walks the parts.
 *
 * @module
 */
import { inspect } from "./_platform.ts";

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
  /** Minimum width in characters; `-1` for none, `-2` for `*` (taken from the arguments). */
  readonly width: number;
  /** Precision; `-1` for none, `-2` for `*`. */
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

/** Whether a value is a mapping as `logging` sees one: a plain object or a `Map`. */
export function isMapping(
  value: unknown,
): value is Record<string, unknown> | Map<unknown, unknown> {
  if (value instanceof Map) return true;
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
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
        : pyRepr(value);
      if (precision >= 0) s = s.slice(0, precision);
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

function typeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "string") return "str";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (Array.isArray(value)) return "list";
  if (isMapping(value)) return "dict";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

function formatInteger(
  value: unknown,
  spec: Spec,
  width: number,
  precision: number,
): string {
  const decimal = spec.type === "d" || spec.type === "i" || spec.type === "u";
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "boolean") n = value ? 1n : 0n;
  else if (typeof value === "number" && (decimal || Number.isInteger(value))) {
    if (Number.isNaN(value)) {
      throw new RangeError("Cannot format message: cannot convert float NaN to integer");
    }
    if (!Number.isFinite(value)) {
      throw new RangeError(
        "Cannot format message: cannot convert float infinity to integer",
      );
    }
    n = BigInt(Math.trunc(value));
  } else {
    throw new TypeError(
      `Cannot format message: %${spec.type} format: ${
        decimal ? "a real number" : "an integer"
      } is required, not ${typeName(value)}`,
    );
  }
  const negative = n < 0n;
  if (negative) n = -n;
  let digits = spec.type === "x" || spec.type === "X"
    ? n.toString(16)
    : spec.type === "o"
    ? n.toString(8)
    : n.toString();
  if (spec.type === "X") digits = digits.toUpperCase();
  if (precision > digits.length) digits = "0".repeat(precision - digits.length) + digits;
  const prefix = !spec.alt
    ? ""
    : spec.type === "x"
    ? "0x"
    : spec.type === "X"
    ? "0X"
    : spec.type === "o"
    ? "0o"
    : "";
  return padNumber(negative ? "-" : spec.sign, prefix, digits, spec, width);
}

function formatFloat(
  value: unknown,
  spec: Spec,
  width: number,
  precision: number,
): string {
  let x: number;
  if (typeof value === "number") x = value;
  else if (typeof value === "boolean") x = value ? 1 : 0;
  else if (typeof value === "bigint") x = Number(value);
  else {
    throw new TypeError(
      `Cannot format message: %${spec.type} format: a real number is required, not ${
        typeName(value)
      }`,
    );
  }
  const upper = spec.type === "E" || spec.type === "F" || spec.type === "G";
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? "-" : spec.sign;
  x = Math.abs(x);
  let body: string;
  if (!Number.isFinite(x)) {
    body = Number.isNaN(x) ? "nan" : "inf";
    if (upper) body = body.toUpperCase();
    return padNumber(Number.isNaN(x) ? spec.sign : sign, "", body, {
      ...spec,
      zero: false,
    }, width);
  }
  const p = precision < 0 ? 6 : precision;
  switch (spec.type) {
    case "f":
    case "F":
      body = fixed(x, p);
      if (spec.alt && p === 0) body += ".";
      break;
    case "e":
    case "E":
      body = exponential(x, p);
      if (spec.alt && p === 0) body = body.replace("e", ".e");
      break;
    default:
      body = general(x, p === 0 ? 1 : p, spec.alt);
  }
  if (upper) body = body.toUpperCase();
  return padNumber(sign, "", body, spec, width);
}

const bitsView = new DataView(new ArrayBuffer(8));

/**
 * If `x * 10^q` (x finite, positive) lies exactly half-way between two integers, the even
 * one of them (Python rounds ties to even; JavaScript's `toFixed` and `toExponential`
 * round them up); otherwise `undefined`.
 */
function evenTie(x: number, q: number): bigint | undefined {
  // Quick answer for the common case: far from a half, computed in floating point.
  const y = x * 10 ** q;
  if (y < 1e9 && Math.abs(y - Math.floor(y) - 0.5) > 1e-6) return undefined;
  bitsView.setFloat64(0, x);
  const bits = bitsView.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let e = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    e = biased - 1075;
  }
  // x * 10^q = num / den
  let num = mantissa * 2n;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (q >= 0) num *= 10n ** BigInt(q);
  else den *= 10n ** BigInt(-q);
  if (num % den !== 0n) return undefined;
  const twice = num / den;
  if (twice % 2n === 0n) return undefined;
  const low = twice / 2n;
  return low % 2n === 0n ? low : low + 1n;
}

function fixed(x: number, p: number): string {
  p = Math.min(p, 100);
  const tie = x === 0 ? undefined : evenTie(x, p);
  if (tie !== undefined) {
    const digits = tie.toString().padStart(p + 1, "0");
    return p === 0 ? digits : digits.slice(0, -p) + "." + digits.slice(-p);
  }
  if (x < 1e21) return x.toFixed(p);
  return BigInt(x).toString() + (p > 0 ? "." + "0".repeat(p) : "");
}

function exponential(x: number, p: number): string {
  p = Math.min(p, 100);
  let s = x.toExponential(p);
  let e = s.indexOf("e");
  let exp = Number(s.slice(e + 1));
  if (x !== 0) {
    const tie = evenTie(x, p - exp);
    if (tie !== undefined) {
      let digits = tie.toString();
      if (digits.length > p + 1) {
        digits = digits.slice(0, p + 1);
        exp++;
      }
      s = digits[0] + (p > 0 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") +
        Math.abs(exp);
      e = s.indexOf("e");
    }
  }
  const expDigits = s.slice(e + 2);
  return s.slice(0, e + 2) + (expDigits.length < 2 ? "0" + expDigits : expDigits);
}

function general(x: number, p: number, alt: boolean): string {
  const exp = x === 0 ? 0 : Number(exponential(x, p - 1).split("e")[1]);
  let s = exp >= -4 && exp < p ? fixed(x, p - 1 - exp) : exponential(x, p - 1);
  if (!alt) {
    const e = s.indexOf("e");
    let mantissa = e < 0 ? s : s.slice(0, e);
    if (mantissa.includes(".")) mantissa = mantissa.replace(/\.?0+$/, "");
    s = e < 0 ? mantissa : mantissa + s.slice(e);
  }
  return s;
}

function padNumber(
  sign: string,
  prefix: string,
  digits: string,
  spec: Spec,
  width: number,
): string {
  const len = sign.length + prefix.length + digits.length;
  if (width <= len) return sign + prefix + digits;
  if (spec.left) return sign + prefix + digits + " ".repeat(width - len);
  if (spec.zero) return sign + prefix + "0".repeat(width - len) + digits;
  return " ".repeat(width - len) + sign + prefix + digits;
}

/** Pads a string to a width, right-aligned unless the spec has `-`. */
export function pad(s: string, spec: Spec, width: number): string {
  if (width <= s.length) return s;
  return spec.left ? s + " ".repeat(width - s.length) : " ".repeat(width - s.length) + s;
}

/** Python's `repr()` of a float: `1.0`, `0.1`, `1e-05`, `1e+16`, `inf`, `nan`. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    if (s.includes("e")) {
      return x.toFixed(Math.max(0, mantissa.replace(/[-.]/g, "").length - 1 - exp));
    }
    return s.includes(".") ? s : s + ".0";
  }
  const digits = exp < 0 ? String(-exp) : String(exp);
  return `${mantissa}e${exp < 0 ? "-" : "+"}${digits.length < 2 ? "0" + digits : digits}`;
}

function numberStr(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  return floatRepr(x);
}

/**
 * Python's `str()` of a JavaScript value: strings as they are, `true` as `True`,
 * `null`/`undefined` as `None`, arrays as lists (`['0', '1']`), plain objects and maps as
 * dicts (`{'a': 'A'}`), sets as sets, errors as their message.
 *
 * @param value The value.
 * @returns The text.
 */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value instanceof Error) return value.message;
  return repr(value, new Set());
}

/**
 * Python's `repr()` of a JavaScript value: strings quoted as Python quotes them
 * (`'text'`, `"it's"`), everything else as {@linkcode pyStr}.
 *
 * @param value The value.
 * @returns The text.
 */
export function pyRepr(value: unknown): string {
  return repr(value, new Set());
}

function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else out += ch;
  }
  return out + quote;
}

function two(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

function repr(value: unknown, seen: Set<unknown>): string {
  switch (typeof value) {
    case "string":
      return stringRepr(value);
    case "number":
      return numberStr(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "True" : "False";
    case "undefined":
      return "None";
    case "symbol":
      return value.toString();
    case "function":
      return `<function ${value.name || "<anonymous>"}>`;
  }
  if (value === null) return "None";
  const obj = value as object;
  if (seen.has(obj)) return Array.isArray(obj) ? "[...]" : "{...}";
  seen.add(obj);
  try {
    if (Array.isArray(obj) || ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      return "[" + Array.from(obj as ArrayLike<unknown>, (v) =>
        repr(v, seen)).join(", ") +
        "]";
    }
    if (obj instanceof Map) {
      return "{" +
        Array.from(obj, ([k, v]) => `${repr(k, seen)}: ${repr(v, seen)}`).join(", ") +
        "}";
    }
    if (obj instanceof Set) {
      return obj.size === 0
        ? "set()"
        : "{" + Array.from(obj, (v) => repr(v, seen)).join(", ") + "}";
    }
    if (obj instanceof Error) return `${obj.name}(${stringRepr(obj.message)})`;
    if (obj instanceof Date) {
      return `${obj.getFullYear()}-${two(obj.getMonth() + 1)}-${two(obj.getDate())} ${
        two(obj.getHours())
      }:${two(obj.getMinutes())}:${two(obj.getSeconds())}.${
        String(obj.getMilliseconds()).padStart(3, "0")
      }000`;
    }
    if (isMapping(obj)) {
      return "{" +
        Object.entries(obj).map(([k, v]) => `${stringRepr(k)}: ${repr(v, seen)}`).join(
          ", ",
        ) +
        "}";
    }
    if (typeof (obj as { toString?: unknown }).toString === "function") {
      const own = (obj as { toString: () => string }).toString;
      if (own !== Object.prototype.toString) return String(own.call(obj));
    }
    return inspect(obj);
  } finally {
    seen.delete(obj);
  }
}

const DAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const STRFTIME_CODES = "aAbBcdeHIjmMpSUwWxXyYzZsn%t";

/**
 * Checks a `datefmt` once, so that a bad one fails at configuration time.
 *
 * @param fmt The `time.strftime` format.
 * @throws {RangeError} If it has a code this implementation does not know.
 */
export function checkStrftime(fmt: string): void {
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== "%") continue;
    const code = fmt[++i];
    if (code === undefined || !STRFTIME_CODES.includes(code)) {
      throw new RangeError(
        `Cannot configure logging: unsupported datefmt code "%${
          code ?? ""
        }" (supported: ${[...STRFTIME_CODES].map((c) => "%" + c).join(" ")}), received ${
          JSON.stringify(fmt)
        }`,
      );
    }
  }
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round(
    (new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) /
      864e5,
  ) + 1;
}

function weekNumber(d: Date, firstDay: number): number {
  const yday = dayOfYear(d) - 1;
  const wday = (d.getDay() - firstDay + 7) % 7;
  return Math.floor((yday + 7 - wday) / 7);
}

let zoneName: string | undefined;

/**
 * Python's `time.strftime(fmt, time.localtime(ms / 1000))`, in the C locale.
 *
 * @param fmt The format, checked with {@linkcode checkStrftime}.
 * @param ms The time in milliseconds since the epoch.
 * @returns The formatted time.
 */
export function strftime(fmt: string, ms: number): string {
  const d = new Date(ms);
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== "%") {
      out += ch;
      continue;
    }
    const code = fmt[++i];
    switch (code) {
      case "a":
        out += DAYS[d.getDay()].slice(0, 3);
        break;
      case "A":
        out += DAYS[d.getDay()];
        break;
      case "b":
        out += MONTHS[d.getMonth()].slice(0, 3);
        break;
      case "B":
        out += MONTHS[d.getMonth()];
        break;
      case "c":
        out += strftime("%a %b %e %H:%M:%S %Y", ms);
        break;
      case "d":
        out += two(d.getDate());
        break;
      case "e":
        out += String(d.getDate()).padStart(2, " ");
        break;
      case "H":
        out += two(d.getHours());
        break;
      case "I":
        out += two(d.getHours() % 12 || 12);
        break;
      case "j":
        out += String(dayOfYear(d)).padStart(3, "0");
        break;
      case "m":
        out += two(d.getMonth() + 1);
        break;
      case "M":
        out += two(d.getMinutes());
        break;
      case "p":
        out += d.getHours() < 12 ? "AM" : "PM";
        break;
      case "S":
        out += two(d.getSeconds());
        break;
      case "U":
        out += two(weekNumber(d, 0));
        break;
      case "w":
        out += String(d.getDay());
        break;
      case "W":
        out += two(weekNumber(d, 1));
        break;
      case "x":
        out += strftime("%m/%d/%y", ms);
        break;
      case "X":
        out += strftime("%H:%M:%S", ms);
        break;
      case "y":
        out += two(d.getFullYear() % 100);
        break;
      case "Y":
        out += String(d.getFullYear());
        break;
      case "z": {
        const off = -d.getTimezoneOffset();
        const a = Math.abs(off);
        out += (off < 0 ? "-" : "+") + two(Math.floor(a / 60)) + two(a % 60);
        break;
      }
      case "Z":
        zoneName ??= new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
          .formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? "";
        out += zoneName;
        break;
      case "s":
        out += String(Math.floor(ms / 1000));
        break;
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      default:
        out += "%";
    }
  }
  return out;
}
