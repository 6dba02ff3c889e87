// Copyright the threading for Deno authors. MIT license.
/**
 * The column form of large plain arrays, for the codec (`_codec.ts`): an array of at
 * least {@linkcode COLUMNS_MIN} primitives (numbers, strings, booleans, `null`,
 * `undefined`, bigints, holes) or of plain records of primitives travels as a few
 * typed arrays and one string, instead of value by value.
 *
 * Why: V8's serializer writes and reads an array element by element (a 256K-element
 * `number[]` took 74-107 ms to start a thread with, a `Float64Array` of the same data
 * 5.5 ms). In column form the numbers are one `Float64Array` (a memory copy each way),
 * the strings one joined string cut by a `Uint32Array` of lengths. Measured with
 * `bench/codec_bench.ts` (medians of 5 alternated rounds, 2-core VM at load 1.2-2.2): a
 * thread started with a 256K `number[]` 106 -> 24 ms, `string[]` 132 -> 36 ms, 32K
 * records 107 -> 39 ms (V8's `structuredClone` of them: 11, 26 and 41 ms).
 *
 * ## Forms
 *
 * | array | column form |
 * | --- | --- |
 * | numbers only, no holes | `{ n, nums }`: `nums` a `Float64Array` (keeps `-0`, `NaN`) |
 * | strings only, no holes | `{ n, text, lens }`: the strings joined, and their lengths in UTF-16 units |
 * | any other mix of primitives and holes | `{ n, tags, nums, text, lens, bigs }`: a tag byte per element ({@linkcode Tag}), the numbers, strings and bigints in order |
 * | plain objects (`Object.prototype` or `null` prototype) with the same own keys in the same order, each value a primitive | `{ n, keys, cols }`: one column (a form above, no holes) per key |
 * | else, a tree of plain objects and arrays that JSON carries exactly (strings, booleans, `null`, finite numbers but `-0`; no holes, no object met twice or met elsewhere in the value) | its JSON text ({@linkcode jsonTree}): V8's serializer reads objects one by one, `JSON.parse` many times faster |
 *
 * An object of a JSON tree met again later in the value (after the tree was taken) makes
 * the codec encode the whole value again without JSON trees, so that it arrives as one
 * object (`_codec.ts`).
 *
 * Anything else (an element that is an object of another kind, a record with other
 * keys or its own `[kTravel]()`, an object met twice or already met elsewhere in the value, an array with
 * holes for more than half its length, an array whose prototype is not
 * `Array.prototype`) keeps the element-by-element road: what arrives is the same
 * either way. An array's own non-index properties are dropped on both roads.
 *
 * @module
 */

import { kTravel } from "./_codec_kinds.ts";
import { lostKey } from "./_codec_copyable.ts";
import { deepFreeze } from "./_json_store.ts";

/** Fewest elements for the column form (below, the element-by-element road is cheaper). */
export const COLUMNS_MIN = 128;

/** The tag of each element of a mixed column. */
export const Tag = {
  Number: 0,
  String: 1,
  True: 2,
  False: 3,
  Null: 4,
  Undefined: 5,
  Hole: 6,
  BigInt: 7,
} as const;

/** A column of primitives (see the module doc for its forms). */
export interface Column {
  n: number;
  tags?: Uint8Array;
  nums?: Float64Array;
  text?: string;
  lens?: Uint32Array;
  bigs?: bigint[];
}

/** A column of records: one {@linkcode Column} per key. */
export interface Records {
  n: number;
  keys: string[];
  cols: Column[];
}

function isPrimitive(x: unknown): boolean {
  const t = typeof x;
  return t === "object" ? x === null : t !== "function" && t !== "symbol";
}

/**
 * The column form of `array`'s primitives, or `undefined` if it holds anything else.
 * `holes` says whether holes may be kept (in a record's column they may not).
 */
export function primitiveColumn(
  array: readonly unknown[],
  holes = true,
): Column | undefined {
  const n = array.length;
  let numbers = 0;
  let strings = 0;
  let holesSeen = 0;
  for (let i = 0; i < n; i++) {
    const x = array[i];
    switch (typeof x) {
      case "number":
        numbers++;
        break;
      case "string":
        strings++;
        break;
      case "boolean":
      case "bigint":
        break;
      case "undefined":
        if (!(i in array)) {
          if (!holes || ++holesSeen > n >> 1) return undefined;
        }
        break;
      case "object":
        if (x === null) break;
        return undefined;
      default:
        return undefined;
    }
  }
  if (numbers === n) return { n, nums: new Float64Array(array as number[]) };
  if (strings === n) {
    const lens = new Uint32Array(n);
    for (let i = 0; i < n; i++) lens[i] = (array[i] as string).length;
    return { n, text: array.join(""), lens };
  }
  const tags = new Uint8Array(n);
  const nums = new Float64Array(numbers);
  const lens = new Uint32Array(strings);
  const parts: string[] = [];
  const bigs: bigint[] = [];
  let ni = 0;
  for (let i = 0; i < n; i++) {
    const x = array[i];
    switch (typeof x) {
      case "number":
        nums[ni++] = x;
        break;
      case "string":
        tags[i] = Tag.String;
        lens[parts.length] = x.length;
        parts.push(x);
        break;
      case "boolean":
        tags[i] = x ? Tag.True : Tag.False;
        break;
      case "bigint":
        tags[i] = Tag.BigInt;
        bigs.push(x);
        break;
      case "undefined":
        tags[i] = i in array ? Tag.Undefined : Tag.Hole;
        break;
      default:
        tags[i] = Tag.Null;
    }
  }
  const column: Column = { n, tags, nums, text: parts.join(""), lens };
  if (bigs.length > 0) column.bigs = bigs;
  return column;
}

/**
 * The column form of an array of plain records of primitives, or `undefined` if
 * `array` is not one. `claim` registers a record as part of the value, and says false
 * if it was met before (elsewhere in the value, or earlier in the array): such an
 * object must keep its identity, so the array keeps the element-by-element road, and
 * `unclaim` forgets the records claimed so far.
 */
export function recordColumns(
  array: readonly unknown[],
  claim: (record: object, index: number) => boolean,
  unclaim: (record: object) => void,
): Records | undefined {
  const n = array.length;
  const first = array[0];
  if (typeof first !== "object" || first === null) return undefined;
  const keys = Object.keys(first);
  const width = keys.length;
  if (width === 0) return undefined;
  const values: unknown[][] = [];
  for (let k = 0; k < width; k++) values.push(new Array(n));
  let claimed = 0;
  const give = (): undefined => {
    for (let i = 0; i < claimed; i++) unclaim(array[i] as object);
    return undefined;
  };
  for (let i = 0; i < n; i++) {
    const record = array[i];
    if (typeof record !== "object" || record === null) return give();
    const proto = Object.getPrototypeOf(record);
    if (proto !== Object.prototype && proto !== null) return give();
    // A plain object may travel by its own [kTravel]() (a symbol key Object.keys skips).
    if ((record as { [kTravel]?: unknown })[kTravel] !== undefined) return give();
    // A symbol key (which Object.keys skips): the element-by-element road refuses it.
    if (lostKey(record, "object") !== undefined) return give();
    const own = Object.keys(record);
    if (own.length !== width) return give();
    for (let k = 0; k < width; k++) {
      const key = keys[k];
      if (own[k] !== key || key === "__proto__") return give();
      const value = (record as Record<string, unknown>)[key];
      if (!isPrimitive(value)) return give();
      values[k][i] = value;
    }
    if (!claim(record, i)) return give();
    claimed++;
  }
  const cols: Column[] = [];
  for (let k = 0; k < width; k++) cols.push(primitiveColumn(values[k], false)!);
  return { n, keys, cols };
}

/** The array a {@linkcode Column} stands for. */
export function fromColumn(column: Column): unknown[] {
  const { n, tags, nums, text, lens } = column;
  const out: unknown[] = new Array(n);
  if (tags === undefined) {
    if (nums !== undefined) {
      for (let i = 0; i < n; i++) out[i] = nums[i];
    } else {
      for (let i = 0, at = 0; i < n; i++) {
        const end = at + lens![i];
        out[i] = text!.slice(at, end);
        at = end;
      }
    }
    return out;
  }
  let ni = 0;
  let si = 0;
  let at = 0;
  let bi = 0;
  for (let i = 0; i < n; i++) {
    switch (tags[i]) {
      case Tag.Number:
        out[i] = nums![ni++];
        break;
      case Tag.String: {
        const end = at + lens![si++];
        out[i] = text!.slice(at, end);
        at = end;
        break;
      }
      case Tag.True:
        out[i] = true;
        break;
      case Tag.False:
        out[i] = false;
        break;
      case Tag.Null:
        out[i] = null;
        break;
      case Tag.Undefined:
        out[i] = undefined;
        break;
      case Tag.BigInt:
        out[i] = column.bigs![bi++];
        break;
        // Tag.Hole: left a hole.
    }
  }
  return out;
}

/** The records a {@linkcode Records} stands for, each frozen when `freeze` is set. */
export function fromRecords(records: Records, freeze: boolean): unknown[] {
  const { n, keys } = records;
  const cols = records.cols.map(fromColumn);
  const width = keys.length;
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const record: Record<string, unknown> = {};
    for (let k = 0; k < width; k++) record[keys[k]] = cols[k][i];
    out[i] = freeze ? Object.freeze(record) : record;
  }
  return out;
}

/**
 * The JSON text of a large array that JSON carries exactly, or `undefined`: a tree (no
 * object met twice) of plain objects and arrays (no holes) whose leaves are strings,
 * booleans, `null` and finite numbers other than `-0`, no deeper than level `deepest`
 * (the array itself is at level `level`). `claim` registers each object of the tree as
 * part of the value, and says false if it was met before (elsewhere in the value, or
 * earlier in the tree); then `unclaim` forgets the objects claimed so far.
 */
export function jsonTree(
  array: readonly unknown[],
  level: number,
  deepest: number,
  claim: (object: object) => boolean,
  unclaim: (object: object) => void,
): string | undefined {
  const claimed: object[] = [];
  const exact = (v: unknown, at: number): boolean => {
    if (isJSONLeaf(v)) return true;
    switch (typeof v) {
      case "object": {
        if (v === null || at > deepest) return false;
        const proto = Object.getPrototypeOf(v);
        if (Array.isArray(v)) {
          if (proto !== Array.prototype || lostKey(v, "array") !== undefined) {
            return false;
          }
          if (!claim(v)) return false;
          claimed.push(v);
          for (let i = 0; i < v.length; i++) {
            if (!(i in v) || !exact(v[i], at + 1)) return false;
          }
          return true;
        }
        if (proto !== Object.prototype && proto !== null) return false;
        if (
          (v as { [kTravel]?: unknown })[kTravel] !== undefined ||
          lostKey(v, "object") !== undefined || !claim(v)
        ) {
          return false;
        }
        claimed.push(v);
        for (const key of Object.keys(v)) {
          if (!exact((v as Record<string, unknown>)[key], at + 1)) return false;
        }
        return true;
      }
      default:
        return false;
    }
  };
  for (let i = 0; i < array.length; i++) {
    if (!(i in array) || !exact(array[i], level + 1)) {
      for (const object of claimed) unclaim(object);
      return undefined;
    }
  }
  return JSON.stringify(array);
}

/** The array a {@linkcode jsonTree} text stands for, deep-frozen when `freeze` is set. */
export function fromJSONTree(text: string, freeze: boolean): unknown[] {
  const out = JSON.parse(text) as unknown[];
  if (freeze) deepFreeze(out);
  return out;
}

/**
 * Whether `v` is a leaf that a JSON round trip keeps exactly: a string, a boolean,
 * `null`, or a finite number other than `-0`.
 */
export function isJSONLeaf(v: unknown): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0);
    default:
      return v === null;
  }
}
