// Copyright the threading for Deno authors. MIT license.
/**
 * The JSON fast path of the codec's roads: data that survives a JSON round trip
 * unchanged (finite numbers other than -0, strings, booleans, null, and arrays and plain
 * objects of those, without holes) travels as JSON text, which V8 writes and reads
 * several times faster than the codec's walk and serializer (a warm thread start's
 * arguments: measured 2-4 µs against 20-45 µs a side for one small argument).
 *
 * - Queue road: an item that {@linkcode isJSON} accepts is stored as its text.
 * - Thread road: arguments, kwargs and fields that it accepts travel as their text, and
 *   arrive as a deep-frozen copy ({@linkcode frozenJSON}), as the codec's copies do.
 *
 * Anything else (a travelling object, a typed array, `undefined`, a `Map`, an object met
 * twice (`[shared, shared]`: JSON text would make two of it, the general road keeps one,
 * as structured clone and pickle do), a cycle, or data nested more than 32 levels) takes
 * the codec's general road, which says what cannot travel, and where.
 *
 * @module
 */
import { COLUMNS_MIN, isJSONLeaf } from "./_codec_columns.ts";
import { deepFreeze } from "./_json_store.ts";
import { lostKey } from "./_codec_copyable.ts";

/**
 * Whether `v` survives a JSON round trip unchanged (depth-limited: cycles go to v8),
 * and JSON is its fast road: a large array of numbers only or strings only is not (see
 * `_codec_columns.ts`).
 */
export function isJSON(v: unknown, depth: number): boolean {
  if (isJSONLeaf(v)) return true;
  if (typeof v !== "object" || v === null) return false;
  // Reused between calls (cleared after each); a fresh one if a getter re-entered.
  const visited = seen.size === 0 ? seen : new Set<object>();
  try {
    return jsonWalk(v, depth, visited);
  } finally {
    visited.clear();
  }
}

/** The objects met by the running {@linkcode isJSON}. */
const seen = new Set<object>();

/**
 * {@linkcode isJSON} below its root. An object met twice (`[shared, shared]`) is not
 * JSON: JSON text would make two objects of it, where the codec's road (as structured
 * clone and pickle) keeps it one.
 */
function jsonWalk(v: unknown, depth: number, visited: Set<object>): boolean {
  if (isJSONLeaf(v)) return true;
  switch (typeof v) {
    case "object": {
      if (v === null || depth > 32 || visited.has(v)) return false;
      visited.add(v);
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) return false;
        let numbers = 0;
        let strings = 0;
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (typeof x === "number") numbers++;
          else if (typeof x === "string") strings++;
          if (!jsonWalk(x, depth + 1, visited)) return false;
        }
        // A large array of numbers only, or strings only, is faster in the codec's
        // column form (one Float64Array, one joined string) than as JSON text.
        if (v.length >= COLUMNS_MIN && (numbers === v.length || strings === v.length)) {
          return false;
        }
        // JSON text drops an extra property: the codec's road refuses it, saying where.
        return lostKey(v, "array") === undefined;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      if (lostKey(v, "object") !== undefined) return false; // a symbol key
      for (const key in v) {
        if (!Object.hasOwn(v, key)) return false;
        if (!jsonWalk((v as Record<string, unknown>)[key], depth + 1, visited)) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

/** The deep-frozen value of JSON text made from data that {@linkcode isJSON} accepted. */
export function frozenJSON(text: string): unknown {
  return deepFreeze(JSON.parse(text));
}
