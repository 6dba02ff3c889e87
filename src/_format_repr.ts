// Copyright the threading for Deno authors. MIT license.
/**
 * Python's view of JavaScript values, for the logging adapter: `str()` and `repr()`
 * (lists, dicts, sets, `True`/`None`, floats as `1.0`), the type names of CPython's
 * error messages (`int`, `str`, `dict`), and which values are mappings (a plain object
 * or a `Map`).
 *
 * @module
 */
import { inspect } from "./_platform.ts";
import { two } from "./_format_time.ts";
import { errorName } from "./_traceback.ts";

/** Whether a value is a mapping as `logging` sees one: a plain object or a `Map`. */
export function isMapping(
  value: unknown,
): value is Record<string, unknown> | Map<unknown, unknown> {
  if (value instanceof Map) return true;
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The name of a value's Python type, for error messages (`int`, `str`, `dict`). */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "string") return "str";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (Array.isArray(value)) return "list";
  if (isMapping(value)) return "dict";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
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
    if (obj instanceof Error) {
      // As CPython's repr of an exception: its class's name, `MyErr()` without a message.
      return Object.hasOwn(obj, "message")
        ? `${errorName(obj)}(${stringRepr(obj.message)})`
        : `${errorName(obj)}()`;
    }
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
