// Copyright the threading for Deno authors. MIT license.
/**
 * The shared engine under `SharedList` and `SharedJSON`: a JSON value stored as UTF-8
 * text in one growable SharedArrayBuffer, with the checks and the Python-style text of
 * JSON-like data.
 *
 * ## Layout of a JSON store (`SharedList`, `SharedJSON`)
 *
 * One growable SharedArrayBuffer: four `Int32Array` header words, then the value as
 * UTF-8 JSON. It grows (doubling) up to its `maxBytes`, fixed at construction.
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `J_LOCK` | 0 / 1 / 2 | free / held / held and someone may wait | a method, for its duration |
 * | `J_VERSION` | any | bumped by each write, before the lock is let go | the writer |
 * | `J_LENGTH` | bytes | length of the JSON text | the writer |
 * | `J_COUNT` | items | the array's length (0 if the value is not an array) | the writer |
 *
 * A reader whose cached copy has the current version uses it without locking.
 *
 * The text is compact JSON (`JSON.stringify`'s, no white space), so an array's last item
 * can be found from the end of the text: {@linkcode JSONStore.append} writes the new
 * items' text over the closing `]`, and {@linkcode JSONStore.popLast} scans back over
 * the last item only (skipping its strings by their unescaped quotes; `"`, `\`, `,`
 * and the brackets are ASCII and never inside a multi-byte UTF-8 sequence). Both cost
 * O(the item), not O(the list): `SharedList.push`/`pop()` of 16,000 numbers took 9.5 s
 * each when every call parsed and re-wrote the whole text (bench/shared_bench.ts).
 *
 * Large values cost about what `JSON.stringify`/`JSON.parse` cost: the JSON check builds
 * the path of an element only to name it in a refusal, a text above 4 KiB is converted
 * natively, and a plain set does not parse the value it replaces (a 256K-element
 * `number[]`: set 255 -> 35 ms, first read 92 -> 44 ms, `new SharedList` 226 -> 38 ms;
 * medians of 5 alternated rounds on a 2-core VM at load 8).
 *
 * @module
 */
import { notePrimitive } from "./_warn_once.ts";
import { describe, wait } from "./_futex.ts";
import { RangeError, showCaller, TypeError } from "./_caller_stack.ts";
import { allocateShared, growShared } from "./_alloc.ts";

function pyString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch < " ") out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr` of JSON-like data: strings quoted, `None`, `True`, `[...]`, `{...}`. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "string") return pyString(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const parts = Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`);
    return `{${parts.join(", ")}}`;
  }
  return String(value);
}

/** Header word: the store's lock (0 free, 1 held, 2 held and someone may wait). */
export const J_LOCK = 0;
/** Header word: bumped by every write. */
export const J_VERSION = 1;
/** Header word: length of the JSON text in bytes. */
export const J_LENGTH = 2;
/** Header word: the number of items, when the value is an array (else 0). */
export const J_COUNT = 3;
/** Bytes of the header. */
const J_HEADER_BYTES = 16;
/** Default largest size of a store, in bytes. */
const DEFAULT_MAX_BYTES = 1 << 20;
/** Size of a new store, in bytes, unless its first value needs more. */
const INITIAL_BYTES = 256;

/** Options of {@linkcode SharedList} and {@linkcode SharedJSON}. */
export interface SharedJSONOptions {
  /**
   * The most bytes the value's UTF-8 JSON text may take (it is stored in a growable
   * SharedArrayBuffer that reserves this much address space).
   *
   * @default {1048576}
   */
  maxBytes?: number;
}

/** JSON-like data: what {@linkcode SharedList} and {@linkcode SharedJSON} hold. */
export type JSONValue =
  | null
  | boolean
  | number
  | string
  | readonly JSONValue[]
  | { readonly [key: string]: JSONValue };

export function checkJSON(
  value: unknown,
  where: string,
  action: string,
  depth = 0,
): void {
  // The path of the value being checked, built only for a refusal: a large array costs
  // one test per element, not one string.
  const keys: (string | number)[] = [];
  const refuse = (what: string): never => {
    let path = where;
    for (const key of keys) path += typeof key === "number" ? `[${key}]` : `.${key}`;
    throw new TypeError(
      `${action}: ${path} is ${what}, which is not JSON data; store null, booleans, finite numbers, strings, arrays and plain objects`,
    );
  };
  const check = (v: unknown, level: number): void => {
    if (level > 256) refuse("nested too deeply");
    switch (typeof v) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (!Number.isFinite(v)) refuse(String(v));
        return;
      case "object":
        if (v === null) return;
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            const x = v[i];
            if (
              typeof x === "string" || typeof x === "boolean" || x === null ||
              (typeof x === "number" && Number.isFinite(x))
            ) continue;
            keys.push(i);
            check(x, level + 1);
            keys.pop();
          }
          return;
        }
        {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) refuse(describe(v));
          for (const key of Object.keys(v)) {
            keys.push(key);
            check((v as Record<string, unknown>)[key], level + 1);
            keys.pop();
          }
        }
        return;
      default:
        refuse(describe(v));
    }
  };
  try {
    check(value, depth);
  } catch (error) {
    // A refusal from deep in the walk: with the user's call in its stack.
    throw showCaller(error);
  }
}

/**
 * Freezes `value` and every object in it (skipping what is frozen already), as the
 * library's copies arrive: shared here by the JSON stores and the codec's JSON roads.
 * @returns `value`.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const x = value[i];
        if (typeof x === "object" && x !== null) deepFreeze(x);
      }
    } else {
      for (const key of Object.keys(value)) {
        const x = (value as Record<string, unknown>)[key];
        if (typeof x === "object" && x !== null) deepFreeze(x);
      }
    }
  }
  return value;
}

export function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const CHUNK = 4096;

/** Above this many bytes, text is converted natively (one call beats a JavaScript loop). */
const NATIVE_TEXT = 4096;

/** UTF-8 bytes -> text; plain JavaScript for short ASCII (no op call), else a TextDecoder. */
function decodeText(u8: Uint8Array, start: number, end: number): string {
  if (end - start > NATIVE_TEXT) return textDecoder.decode(u8.slice(start, end));
  for (let i = start; i < end; i++) {
    if (u8[i] > 0x7f) return textDecoder.decode(u8.slice(start, end));
  }
  let text = "";
  for (let i = start; i < end; i += CHUNK) {
    text += String.fromCharCode.apply(
      null,
      u8.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[],
    );
  }
  return text;
}

/** Text -> UTF-8 bytes: the text itself when it is short ASCII (written by `putText`). */
function encodeText(text: string): Uint8Array | string {
  if (text.length > NATIVE_TEXT) return textEncoder.encode(text);
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return textEncoder.encode(text);
  }
  return text;
}

function putText(u8: Uint8Array, offset: number, encoded: Uint8Array | string): void {
  if (typeof encoded !== "string") {
    u8.set(encoded, offset);
    return;
  }
  for (let i = 0; i < encoded.length; i++) u8[offset + i] = encoded.charCodeAt(i);
}

/** The shared engine under SharedList and SharedJSON. */
export class JSONStore {
  readonly sab: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #u8: Uint8Array;
  /** The version whose text `#text` holds (-1: none). */
  #version = -1;
  #text = "";
  /** The parsed, deep-frozen value of `#text`, made on first read. */
  #value: unknown = undefined;
  #parsed = false;

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.#i32 = new Int32Array(sab, 0, J_HEADER_BYTES / 4);
    this.#u8 = new Uint8Array(sab);
  }

  static create(
    initial: unknown,
    options: SharedJSONOptions | undefined,
    what: string,
  ): JSONStore {
    const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 64 || maxBytes > 2 ** 31) {
      throw new RangeError(
        `Cannot create ${what}: maxBytes must be an integer from 64 to 2147483648, received ${
          describe(maxBytes)
        }`,
      );
    }
    const encoded = encodeText(JSON.stringify(initial));
    const need = J_HEADER_BYTES + encoded.length;
    if (encoded.length > maxBytes) {
      throw new RangeError(
        `Cannot create ${what}: its JSON takes ${encoded.length} bytes, more than maxBytes ${maxBytes}; pass a larger { maxBytes }`,
      );
    }
    const max = maxBytes + J_HEADER_BYTES;
    const sab = allocateShared(
      () =>
        new SharedArrayBuffer(Math.min(max, Math.max(need, INITIAL_BYTES)), {
          maxByteLength: max,
        }),
      `a ${what}`,
    );
    const store = new JSONStore(sab);
    notePrimitive(sab, 0, J_HEADER_BYTES >> 2); // a module-level value: `_warn_once.ts`
    putText(store.#u8, J_HEADER_BYTES, encoded);
    store.#i32[J_LENGTH] = encoded.length;
    store.#i32[J_COUNT] = Array.isArray(initial) ? initial.length : 0;
    return store;
  }

  #lock(): void {
    const i32 = this.#i32;
    let c = Atomics.compareExchange(i32, J_LOCK, 0, 1);
    if (c === 0) return;
    for (let spin = 0; spin < 100 && c !== 0; spin++) {
      c = Atomics.compareExchange(i32, J_LOCK, 0, 1);
      if (c === 0) return;
    }
    for (;;) {
      if (c === 2 || Atomics.compareExchange(i32, J_LOCK, 1, 2) !== 0) {
        wait(i32, J_LOCK, 2, Infinity);
      }
      c = Atomics.compareExchange(i32, J_LOCK, 0, 2);
      if (c === 0) return;
    }
  }

  #unlock(): void {
    if (Atomics.sub(this.#i32, J_LOCK, 1) !== 1) {
      Atomics.store(this.#i32, J_LOCK, 0);
      Atomics.notify(this.#i32, J_LOCK, 1);
    }
  }

  /** The current JSON text; call with the lock held. */
  #currentText(): string {
    const version = this.#i32[J_VERSION];
    if (version !== this.#version) {
      const len = this.#i32[J_LENGTH];
      this.#text = decodeText(this.#u8, J_HEADER_BYTES, J_HEADER_BYTES + len);
      this.#version = version;
      this.#parsed = false;
    }
    return this.#text;
  }

  /** The current value, deep-frozen; shared between callers until the next write. */
  read(): unknown {
    if (Atomics.load(this.#i32, J_VERSION) !== this.#version) {
      this.#lock();
      try {
        this.#currentText();
      } finally {
        this.#unlock();
      }
    }
    if (!this.#parsed) {
      this.#value = deepFreeze(JSON.parse(this.#text));
      this.#parsed = true;
    }
    return this.#value;
  }

  /**
   * Runs `change` on a fresh mutable copy of the value, under the lock. If it returns
   * `[result, next]`, stores `next` (which the caller has checked is JSON data); if
   * `[result]`, stores nothing. Returns `result`.
   */
  modify<R>(action: string, change: (draft: unknown) => [R, unknown] | [R]): R {
    this.#lock();
    try {
      const out = change(JSON.parse(this.#currentText()));
      if (out.length === 2) this.#write(out[1], action);
      return out[0];
    } finally {
      this.#unlock();
    }
  }

  /** Stores `value` (checked by the caller), without reading the current one. */
  replace(action: string, value: unknown): void {
    this.#lock();
    try {
      this.#write(value, action);
    } finally {
      this.#unlock();
    }
  }

  /** Grows the buffer (doubling) to hold `textBytes` of JSON; call with the lock held. */
  #room(textBytes: number, action: string): void {
    const need = J_HEADER_BYTES + textBytes;
    const sab = this.sab;
    if (need > sab.byteLength) {
      if (need > sab.maxByteLength) {
        throw new RangeError(
          `${action}: the JSON would take ${textBytes} bytes, more than maxBytes ${
            sab.maxByteLength - J_HEADER_BYTES
          }; create it with a larger { maxBytes }`,
        );
      }
      growShared(
        sab,
        Math.min(sab.maxByteLength, Math.max(need, sab.byteLength * 2)),
        "a shared JSON value",
        action,
      );
    }
  }

  #write(value: unknown, action: string): void {
    const text = JSON.stringify(value);
    const encoded = encodeText(text);
    this.#room(encoded.length, action);
    putText(this.#u8, J_HEADER_BYTES, encoded);
    this.#i32[J_LENGTH] = encoded.length;
    this.#i32[J_COUNT] = Array.isArray(value) ? value.length : 0;
    this.#text = text;
    this.#parsed = false;
    this.#version = Atomics.add(this.#i32, J_VERSION, 1) + 1 | 0;
  }

  /** The number of items of an array value, without reading the text. */
  count(): number {
    return Atomics.load(this.#i32, J_COUNT);
  }

  /**
   * Appends `items` (checked by the caller) to the array value, writing only their text
   * over the closing `]`: O(the items). Returns the new number of items.
   */
  append(action: string, items: readonly unknown[]): number {
    if (items.length === 0) return this.count();
    const inner = JSON.stringify(items);
    const encoded = encodeText(inner);
    this.#lock();
    try {
      const i32 = this.#i32;
      const len = i32[J_LENGTH];
      const count = i32[J_COUNT];
      // Over the closing "]" after an item, its "[" becomes ","; over "[]", all of it.
      const at = J_HEADER_BYTES + len - (count > 0 ? 1 : 2);
      const bytes = at - J_HEADER_BYTES + encoded.length;
      this.#room(bytes, action);
      const u8 = this.#u8;
      putText(u8, at, encoded);
      if (count > 0) u8[at] = 0x2c; // ","
      i32[J_LENGTH] = bytes;
      i32[J_COUNT] = count + items.length;
      Atomics.add(i32, J_VERSION, 1); // the cached text is stale: the next read decodes
      return count + items.length;
    } finally {
      this.#unlock();
    }
  }

  /**
   * Removes and returns the last item of the array value, scanning back over its text
   * only: O(the item). Throws `empty()` if the array is empty.
   */
  popLast(empty: () => Error): unknown {
    this.#lock();
    try {
      const i32 = this.#i32;
      const count = i32[J_COUNT];
      if (count === 0) throw empty();
      const u8 = this.#u8;
      const end = J_HEADER_BYTES + i32[J_LENGTH] - 1; // the closing "]"
      const start = itemStart(u8, end - 1);
      const item = JSON.parse(decodeText(u8, start, end));
      // start - 1 is the "," before the item or the opening "["
      const close = count === 1 ? start : start - 1;
      u8[close] = 0x5d; // "]"
      i32[J_LENGTH] = close + 1 - J_HEADER_BYTES;
      i32[J_COUNT] = count - 1;
      Atomics.add(i32, J_VERSION, 1);
      return item;
    } finally {
      this.#unlock();
    }
  }
}

/** Whether the quote at `i` is escaped (an odd run of backslashes before it). */
function escaped(u8: Uint8Array, i: number): boolean {
  let n = 0;
  while (u8[i - 1 - n] === 0x5c) n++;
  return (n & 1) === 1;
}

/** The index of the opening quote of the string whose closing quote is at `i`. */
function stringStart(u8: Uint8Array, i: number): number {
  for (let j = i - 1;; j--) {
    if (u8[j] === 0x22 && !escaped(u8, j)) return j;
  }
}

/**
 * The first byte of the compact JSON value that ends at `last` (an array item: it is
 * preceded by "," or "["), found by scanning back over that value only.
 */
function itemStart(u8: Uint8Array, last: number): number {
  const c = u8[last];
  if (c === 0x22) return stringStart(u8, last);
  if (c !== 0x5d && c !== 0x7d) { // a number, true, false, null: up to "," or "["
    let j = last;
    while (u8[j - 1] !== 0x2c && u8[j - 1] !== 0x5b) j--;
    return j;
  }
  let depth = 0;
  for (let j = last;; j--) {
    const b = u8[j];
    if (b === 0x22) j = stringStart(u8, j);
    else if (b === 0x5d || b === 0x7d) depth++;
    else if ((b === 0x5b || b === 0x7b) && --depth === 0) return j;
  }
}
