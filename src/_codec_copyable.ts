// Copyright the threading for Deno authors. MIT license.
/**
 * What the codec (`_codec.ts`) may copy, and how its refusals name the place: values
 * no copy can carry (promises, weak collections), instances whose class has methods or
 * accessors (a copy would lose them), the classes structured clone copies as they are,
 * and the path of a value inside the root (`args[0].pool`) for error messages.
 *
 * @module
 */

/** Whether a value is a promise or a weak collection, which no copy can carry. */
export function cannotCopy(value: object): boolean {
  return value instanceof Promise || value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef;
}

const methodsCache = new WeakMap<object, boolean>();

/**
 * Whether a prototype chain (below `Object.prototype`) has methods or accessors: an
 * instance of such a class loses them when copied, so copying it is refused.
 */
export function hasMethods(proto: object | null): boolean {
  if (proto === null) return false;
  const cached = methodsCache.get(proto);
  if (cached !== undefined) return cached;
  let found = false;
  for (let p: object | null = proto; p !== null && p !== Object.prototype;) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (d && (typeof d.value === "function" || d.get || d.set)) found = true;
    }
    if (found) break;
    p = Object.getPrototypeOf(p);
  }
  methodsCache.set(proto, found);
  return found;
}

/** Classes whose instances structured clone copies as they are (no methods lost). */
export const PASS_THROUGH: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Date,
  RegExp,
  Blob,
  Boolean,
  Number,
  String,
];

/** A step of a path: a key, an index, or a text to append as it is (it starts with " "). */
export type PathKey = string | number;

/** Where a value stands, for messages: `root` and `keys` as `args[0].pool`. */
export function pathOf(
  root: string,
  keys: readonly PathKey[],
  names?: Record<string, string>,
) {
  let out = root;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key === "number") out += `[${key}]`;
    else if (key.startsWith(" ")) out += key;
    else if (out === "") out = i === 0 && names?.[key] !== undefined ? names[key] : key;
    else out += `.${key}`;
  }
  return out || "the value";
}

/** An array index as `Object.keys` lists it (`"0"`, `"17"`, not `"01"` or `"-1"`). */
const INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * The first own enumerable key that a copy would lose: of an array, a key that is not an
 * index (`a.label = "x"`); of a `Map`, `Set`, `Date` or `RegExp`, any key; of any of
 * these or of a plain object, a symbol key. Structured clone keeps an array's extra keys
 * but drops the others; the codec refuses them all rather than lose one silently.
 *
 * Costs one `Object.keys` for an array or a collection (V8 lists the indices first, so
 * the last key tells), one `Object.getOwnPropertySymbols` for a plain object.
 *
 * @param kind `"array"`, `"object"` (a plain object: only symbol keys count) or
 * `"other"` (every key counts).
 * @returns The key, or `undefined` if the copy keeps everything.
 */
export function lostKey(
  value: object,
  kind: "array" | "object" | "other",
): string | symbol | undefined {
  if (kind !== "object") {
    const keys = Object.keys(value);
    if (kind === "other") {
      if (keys.length > 0) return keys[0];
    } else if (
      keys.length > 0 &&
      // The common case, no holes and no extra key: the last key is the last index.
      !(keys.length === (value as unknown[]).length &&
        keys[keys.length - 1] === String(keys.length - 1)) &&
      !INDEX.test(keys[keys.length - 1])
    ) {
      let first = keys.length - 1;
      while (first > 0 && !INDEX.test(keys[first - 1])) first--;
      return keys[first];
    }
  }
  const symbols = Object.getOwnPropertySymbols(value);
  for (let i = 0; i < symbols.length; i++) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbols[i])) return symbols[i];
  }
  return undefined;
}
