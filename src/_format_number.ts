// Copyright the threading for Deno authors. MIT license.
/**
 * The numeric conversions of Python's `%` formatting (`_format.ts`): `%d %i %u %x %X %o`
 * for integers, `%e %E %f %F %g %G` for floats, with CPython's rules for signs, the
 * alternate form (`#`), zero padding and precision.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import type { Spec } from "./_format.ts";
import { typeName } from "./_format_repr.ts";

/** `%d %i %u %x %X %o` of a value, as CPython formats it. */
export function formatInteger(
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

/** `%e %E %f %F %g %G` of a value, as CPython formats it. */
export function formatFloat(
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
