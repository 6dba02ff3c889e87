// Copyright the threading for Deno authors. MIT license.
/**
 * The order of a `PriorityQueue`: Python's `<` on numbers, strings and tuples (arrays).
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { describe } from "./_futex.ts";
import { isJSON } from "./_codec_json.ts";

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return describe(v);
  return typeof v;
}

/**
 * Compares two items as Python compares values with `<`: numbers (and bigints,
 * booleans) by value, strings by code units, arrays lexicographically like tuples,
 * `Date`s by time. Equal values of other kinds compare equal.
 *
 * @throws {TypeError} If the two cannot be ordered.
 */
export function compareItems(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if (
    (ta === "number" || ta === "bigint" || ta === "boolean") &&
    (tb === "number" || tb === "bigint" || tb === "boolean")
  ) {
    // deno-lint-ignore no-explicit-any
    return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0;
  }
  if (ta === "string" && tb === "string") {
    return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareItems(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a === b || (a === null && b === null)) return 0;
  if (
    ta === "object" && tb === "object" && isJSON(a, 0) && isJSON(b, 0) &&
    JSON.stringify(a) === JSON.stringify(b)
  ) return 0;
  throw new TypeError(
    `Cannot order items of a PriorityQueue: '<' is not supported between ${
      typeName(a)
    } and ${
      typeName(b)
    }; put [priority, data] arrays whose priorities are numbers or strings`,
  );
}

const TYPE_RANK: Record<string, number> = {
  undefined: 0,
  boolean: 1,
  number: 1,
  bigint: 1,
  string: 2,
  object: 3,
};

/** As {@linkcode compareItems}, but never throws (for the sift-down of a get). */
export function compareTotal(a: unknown, b: unknown): number {
  try {
    return compareItems(a, b);
  } catch {
    const ra = Array.isArray(a) ? 4 : TYPE_RANK[typeof a] ?? 5;
    const rb = Array.isArray(b) ? 4 : TYPE_RANK[typeof b] ?? 5;
    return ra - rb;
  }
}
