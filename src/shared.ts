// Copyright the threading for Deno authors. MIT license.
/**
 * Shared state for user code: classes whose instances travel into threads as instances
 * of the same class ({@linkcode Shareable}), and values that live in shared memory so
 * that every thread sees every change: number, bigint and boolean cells
 * ({@linkcode SharedInt32}, {@linkcode SharedFloat64}, {@linkcode SharedBigInt64},
 * {@linkcode SharedBoolean}, and the {@linkcode shared} decorator that makes a field one),
 * and JSON-like data ({@linkcode SharedList}, {@linkcode SharedJSON}).
 *
 * ## What is shared, what is copied
 *
 * - Shared: this library's primitives (`Lock`, `Event`, …), the shared values of this
 *   file, and `local` objects. In every thread they are the same object.
 * - Copied: everything else. A plain field of a `Shareable` (a number, a string, an
 *   array, a plain object) is copied when the object first reaches a thread; later
 *   changes on either side are not seen by the other. Treat plain fields as constants
 *   and keep what changes in shared values.
 * - Refused: functions, symbols, promises, instances of classes with methods that are
 *   neither `Shareable` nor a primitive of this library (a `TypeError` at `start()` that
 *   names the field).
 *
 * ## Atomicity
 *
 * Every single call on a shared value is atomic: a cell's `value`, `add()`,
 * `compareExchange()`; a list's `push()`, `remove()`, `splice()`, `update()`. A
 * compound change (read, then write) needs a `Lock` around it, as in Python, or one
 * `update()` call. A write in one thread happens before a read in another that sees it.
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
 *
 * A reader whose cached copy has the current version uses it without locking.
 *
 * @module
 */
import {
  addKindResolver,
  kTravel,
  loadedModule,
  registerKind,
  type Ticket,
} from "./_codec.ts";
import { describe, wait } from "./_futex.ts";
import { definingModule, findExport } from "./_reference.ts";
import { findLoaded } from "./_locate.ts";

const inspectSymbol = Symbol.for("Deno.customInspect");
const HERE = import.meta.url;

// ---------------------------------------------------------------------------------------
// Python-style text of JSON-like data, as Python prints a list: ['0', '1'].

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
function pyRepr(value: unknown): string {
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

// ---------------------------------------------------------------------------------------
// Cells.

function checkInt32(value: unknown, action: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${action}: expected an integer, received ${describe(value)}`);
  }
  if (value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(
      `${action}: a SharedInt32 holds -2147483648 to 2147483647, received ${value}`,
    );
  }
  return value;
}

function checkNumber(value: unknown, action: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${action}: expected a number, received ${describe(value)}`);
  }
  return value;
}

function checkBigInt64(value: unknown, action: string): bigint {
  if (typeof value !== "bigint") {
    throw new TypeError(`${action}: expected a bigint, received ${describe(value)}`);
  }
  if (BigInt.asIntN(64, value) !== value) {
    throw new RangeError(
      `${action}: a SharedBigInt64 holds 64-bit signed integers, received ${value}n`,
    );
  }
  return value;
}

function checkBoolean(value: unknown, action: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${action}: expected a boolean, received ${describe(value)}`);
  }
  return value;
}

// Revival: a reviver sets the buffer to adopt, then calls the public constructor, which
// takes it instead of making a new one.
let adoptBuffer: SharedArrayBuffer | undefined;
function adopting(): SharedArrayBuffer | undefined {
  const sab = adoptBuffer;
  adoptBuffer = undefined;
  return sab;
}
function reviveWith<T>(make: () => T): (head: unknown) => T {
  return (head) => {
    adoptBuffer = head as SharedArrayBuffer;
    try {
      return make();
    } finally {
      adoptBuffer = undefined;
    }
  };
}

function cellInspect(
  name: string,
  value: unknown,
  inspect: (v: unknown) => string,
): string {
  return `${name}(${inspect(value)})`;
}

/**
 * A 32-bit signed integer in shared memory, the same cell in every thread. Reads and
 * writes are atomic, and so are `add`, `sub`, `exchange` and `compareExchange` (which
 * return the previous value, as `Atomics` does).
 *
 * @example A counter incremented without a lock
 * ```ts
 * import { SharedInt32 } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const hits = new SharedInt32(0);
 * hits.add(2);
 * hits.value = hits.value + 1;
 * assert.equal(hits.value, 3);
 * assert.equal(`${hits}`, "3");
 * ```
 */
export class SharedInt32 {
  readonly #i32: Int32Array;

  /**
   * Creates a cell.
   *
   * @param initial The first value, an integer from -2³¹ to 2³¹ - 1.
   * @throws {TypeError} If `initial` is not an integer.
   * @throws {RangeError} If `initial` is out of range.
   */
  constructor(initial: number = 0) {
    const sab = adopting();
    if (sab) {
      this.#i32 = new Int32Array(sab);
      return;
    }
    const value = checkInt32(initial, "Cannot create SharedInt32");
    this.#i32 = new Int32Array(new SharedArrayBuffer(4));
    this.#i32[0] = value;
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not an integer.
   * @throws {RangeError} On set, if the value is out of range.
   */
  get value(): number {
    return Atomics.load(this.#i32, 0);
  }
  set value(value: number) {
    Atomics.store(this.#i32, 0, checkInt32(value, "Cannot set SharedInt32"));
  }

  /**
   * Adds `n` atomically (wrapping around at 32 bits, as `Atomics.add`).
   *
   * @param n The integer to add.
   * @returns The previous value.
   */
  add(n: number = 1): number {
    return Atomics.add(this.#i32, 0, checkInt32(n, "Cannot add to SharedInt32"));
  }

  /**
   * Subtracts `n` atomically (wrapping around at 32 bits, as `Atomics.sub`).
   *
   * @param n The integer to subtract.
   * @returns The previous value.
   */
  sub(n: number = 1): number {
    return Atomics.sub(this.#i32, 0, checkInt32(n, "Cannot subtract from SharedInt32"));
  }

  /**
   * Replaces the value atomically.
   *
   * @param value The new value.
   * @returns The previous value.
   */
  exchange(value: number): number {
    return Atomics.exchange(this.#i32, 0, checkInt32(value, "Cannot set SharedInt32"));
  }

  /**
   * Replaces the value with `replacement` if it is `expected`, atomically.
   *
   * @param expected The value it must hold.
   * @param replacement The value to store.
   * @returns The previous value: the exchange happened if it equals `expected`.
   */
  compareExchange(expected: number, replacement: number): number {
    return Atomics.compareExchange(
      this.#i32,
      0,
      checkInt32(expected, "Cannot compare SharedInt32"),
      checkInt32(replacement, "Cannot set SharedInt32"),
    );
  }

  /** The value, so that `+cell` and `${cell}` read it. @returns The value. */
  valueOf(): number {
    return this.value;
  }
  /** The value as text. @returns The value as text. */
  toString(): string {
    return String(this.value);
  }
  /** The value, for `JSON.stringify`. @returns The value. */
  toJSON(): number {
    return this.value;
  }
  /** For `Deno.inspect`. */
  [inspectSymbol](inspect: (v: unknown) => string): string {
    return cellInspect("SharedInt32", this.value, inspect);
  }
  /**
   * How the cell crosses threads: its shared memory.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    return { kind: "SharedInt32", module: HERE, head: this.#i32.buffer };
  }
}

// Float64 bits travel through a BigInt64 word, so that reads and writes are atomic.
const scratch = new ArrayBuffer(8);
const scratchF64 = new Float64Array(scratch);
const scratchI64 = new BigInt64Array(scratch);
function toBits(value: number): bigint {
  scratchF64[0] = value;
  return scratchI64[0];
}
function fromBits(bits: bigint): number {
  scratchI64[0] = bits;
  return scratchF64[0];
}

/**
 * A JavaScript number (a 64-bit float) in shared memory, the same cell in every thread.
 * Reads and writes are atomic (the bits are moved as one 64-bit word, so a reader never
 * sees half of a write); `add`, `sub`, `exchange` and `compareExchange` are atomic too
 * and return the previous value. `compareExchange` compares bit patterns: `0` and `-0`
 * differ, a `NaN` matches the same `NaN`.
 *
 * @example Adding fractions from any thread
 * ```ts
 * import { SharedFloat64 } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const total = new SharedFloat64(0.5);
 * total.add(0.25);
 * assert.equal(total.value, 0.75);
 * ```
 */
export class SharedFloat64 {
  readonly #i64: BigInt64Array;

  /**
   * Creates a cell.
   *
   * @param initial The first value.
   * @throws {TypeError} If `initial` is not a number.
   */
  constructor(initial: number = 0) {
    const sab = adopting();
    if (sab) {
      this.#i64 = new BigInt64Array(sab);
      return;
    }
    const value = checkNumber(initial, "Cannot create SharedFloat64");
    this.#i64 = new BigInt64Array(new SharedArrayBuffer(8));
    this.#i64[0] = toBits(value);
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not a number.
   */
  get value(): number {
    return fromBits(Atomics.load(this.#i64, 0));
  }
  set value(value: number) {
    Atomics.store(this.#i64, 0, toBits(checkNumber(value, "Cannot set SharedFloat64")));
  }

  /**
   * Adds `n` atomically.
   *
   * @param n The number to add.
   * @returns The previous value.
   */
  add(n: number = 1): number {
    checkNumber(n, "Cannot add to SharedFloat64");
    for (;;) {
      const old = Atomics.load(this.#i64, 0);
      const before = fromBits(old);
      if (Atomics.compareExchange(this.#i64, 0, old, toBits(before + n)) === old) {
        return before;
      }
    }
  }

  /**
   * Subtracts `n` atomically.
   *
   * @param n The number to subtract.
   * @returns The previous value.
   */
  sub(n: number = 1): number {
    return this.add(-checkNumber(n, "Cannot subtract from SharedFloat64"));
  }

  /**
   * Replaces the value atomically.
   *
   * @param value The new value.
   * @returns The previous value.
   */
  exchange(value: number): number {
    const bits = toBits(checkNumber(value, "Cannot set SharedFloat64"));
    return fromBits(Atomics.exchange(this.#i64, 0, bits));
  }

  /**
   * Replaces the value with `replacement` if its bits are those of `expected`,
   * atomically.
   *
   * @param expected The value it must hold.
   * @param replacement The value to store.
   * @returns The previous value.
   */
  compareExchange(expected: number, replacement: number): number {
    const e = toBits(checkNumber(expected, "Cannot compare SharedFloat64"));
    const r = toBits(checkNumber(replacement, "Cannot set SharedFloat64"));
    return fromBits(Atomics.compareExchange(this.#i64, 0, e, r));
  }

  /** The value, so that `+cell` and `${cell}` read it. @returns The value. */
  valueOf(): number {
    return this.value;
  }
  /** The value as text. @returns The value as text. */
  toString(): string {
    return String(this.value);
  }
  /** The value, for `JSON.stringify`. @returns The value. */
  toJSON(): number {
    return this.value;
  }
  /** For `Deno.inspect`. */
  [inspectSymbol](inspect: (v: unknown) => string): string {
    return cellInspect("SharedFloat64", this.value, inspect);
  }
  /**
   * How the cell crosses threads: its shared memory.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    return { kind: "SharedFloat64", module: HERE, head: this.#i64.buffer };
  }
}

/**
 * A 64-bit signed integer (a `bigint`) in shared memory, the same cell in every thread.
 * Reads, writes, `add`, `sub`, `exchange` and `compareExchange` are atomic; the last
 * four return the previous value.
 *
 * @example A byte count past 2³²
 * ```ts
 * import { SharedBigInt64 } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const bytes = new SharedBigInt64(1n << 40n);
 * bytes.add(1n);
 * assert.equal(bytes.value, (1n << 40n) + 1n);
 * ```
 */
export class SharedBigInt64 {
  readonly #i64: BigInt64Array;

  /**
   * Creates a cell.
   *
   * @param initial The first value, from -2⁶³ to 2⁶³ - 1.
   * @throws {TypeError} If `initial` is not a bigint.
   * @throws {RangeError} If `initial` is out of range.
   */
  constructor(initial: bigint = 0n) {
    const sab = adopting();
    if (sab) {
      this.#i64 = new BigInt64Array(sab);
      return;
    }
    const value = checkBigInt64(initial, "Cannot create SharedBigInt64");
    this.#i64 = new BigInt64Array(new SharedArrayBuffer(8));
    this.#i64[0] = value;
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not a bigint.
   * @throws {RangeError} On set, if the value is out of range.
   */
  get value(): bigint {
    return Atomics.load(this.#i64, 0);
  }
  set value(value: bigint) {
    Atomics.store(this.#i64, 0, checkBigInt64(value, "Cannot set SharedBigInt64"));
  }

  /**
   * Adds `n` atomically (wrapping around at 64 bits).
   *
   * @param n The bigint to add.
   * @returns The previous value.
   */
  add(n: bigint = 1n): bigint {
    return Atomics.add(this.#i64, 0, checkBigInt64(n, "Cannot add to SharedBigInt64"));
  }

  /**
   * Subtracts `n` atomically (wrapping around at 64 bits).
   *
   * @param n The bigint to subtract.
   * @returns The previous value.
   */
  sub(n: bigint = 1n): bigint {
    return Atomics.sub(
      this.#i64,
      0,
      checkBigInt64(n, "Cannot subtract from SharedBigInt64"),
    );
  }

  /**
   * Replaces the value atomically.
   *
   * @param value The new value.
   * @returns The previous value.
   */
  exchange(value: bigint): bigint {
    return Atomics.exchange(
      this.#i64,
      0,
      checkBigInt64(value, "Cannot set SharedBigInt64"),
    );
  }

  /**
   * Replaces the value with `replacement` if it is `expected`, atomically.
   *
   * @param expected The value it must hold.
   * @param replacement The value to store.
   * @returns The previous value.
   */
  compareExchange(expected: bigint, replacement: bigint): bigint {
    return Atomics.compareExchange(
      this.#i64,
      0,
      checkBigInt64(expected, "Cannot compare SharedBigInt64"),
      checkBigInt64(replacement, "Cannot set SharedBigInt64"),
    );
  }

  /** The value. @returns The value. */
  valueOf(): bigint {
    return this.value;
  }
  /** The value as text. @returns The value as text. */
  toString(): string {
    return String(this.value);
  }
  /** The value as a decimal string, for `JSON.stringify`. @returns The value as text. */
  toJSON(): string {
    return String(this.value);
  }
  /** For `Deno.inspect`. */
  [inspectSymbol](inspect: (v: unknown) => string): string {
    return cellInspect("SharedBigInt64", this.value, inspect);
  }
  /**
   * How the cell crosses threads: its shared memory.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    return { kind: "SharedBigInt64", module: HERE, head: this.#i64.buffer };
  }
}

/**
 * A boolean in shared memory, the same cell in every thread. Reads, writes, `exchange`
 * and `compareExchange` are atomic. (To wait until a flag is set, use an `Event`.)
 *
 * @example A stop flag
 * ```ts
 * import { SharedBoolean } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const stop = new SharedBoolean();
 * assert.equal(stop.exchange(true), false);
 * assert.equal(stop.value, true);
 * ```
 */
export class SharedBoolean {
  readonly #i32: Int32Array;

  /**
   * Creates a cell.
   *
   * @param initial The first value.
   * @throws {TypeError} If `initial` is not a boolean.
   */
  constructor(initial: boolean = false) {
    const sab = adopting();
    if (sab) {
      this.#i32 = new Int32Array(sab);
      return;
    }
    const value = checkBoolean(initial, "Cannot create SharedBoolean");
    this.#i32 = new Int32Array(new SharedArrayBuffer(4));
    this.#i32[0] = value ? 1 : 0;
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not a boolean.
   */
  get value(): boolean {
    return Atomics.load(this.#i32, 0) !== 0;
  }
  set value(value: boolean) {
    Atomics.store(this.#i32, 0, checkBoolean(value, "Cannot set SharedBoolean") ? 1 : 0);
  }

  /**
   * Replaces the value atomically.
   *
   * @param value The new value.
   * @returns The previous value.
   */
  exchange(value: boolean): boolean {
    const v = checkBoolean(value, "Cannot set SharedBoolean") ? 1 : 0;
    return Atomics.exchange(this.#i32, 0, v) !== 0;
  }

  /**
   * Replaces the value with `replacement` if it is `expected`, atomically.
   *
   * @param expected The value it must hold.
   * @param replacement The value to store.
   * @returns The previous value.
   */
  compareExchange(expected: boolean, replacement: boolean): boolean {
    const e = checkBoolean(expected, "Cannot compare SharedBoolean") ? 1 : 0;
    const r = checkBoolean(replacement, "Cannot set SharedBoolean") ? 1 : 0;
    return Atomics.compareExchange(this.#i32, 0, e, r) !== 0;
  }

  /** The value. @returns The value. */
  valueOf(): boolean {
    return this.value;
  }
  /** The value as text. @returns `"true"` or `"false"`. */
  toString(): string {
    return String(this.value);
  }
  /** The value, for `JSON.stringify`. @returns The value. */
  toJSON(): boolean {
    return this.value;
  }
  /** For `Deno.inspect`. */
  [inspectSymbol](inspect: (v: unknown) => string): string {
    return cellInspect("SharedBoolean", this.value, inspect);
  }
  /**
   * How the cell crosses threads: its shared memory.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    return { kind: "SharedBoolean", module: HERE, head: this.#i32.buffer };
  }
}

registerKind("SharedInt32", { create: reviveWith(() => new SharedInt32()) });
registerKind("SharedFloat64", { create: reviveWith(() => new SharedFloat64()) });
registerKind("SharedBigInt64", { create: reviveWith(() => new SharedBigInt64()) });
registerKind("SharedBoolean", { create: reviveWith(() => new SharedBoolean()) });

// ---------------------------------------------------------------------------------------
// JSON stores.

/** Header word: the store's lock (0 free, 1 held, 2 held and someone may wait). */
const J_LOCK = 0;
/** Header word: bumped by every write. */
const J_VERSION = 1;
/** Header word: length of the JSON text in bytes. */
const J_LENGTH = 2;
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

function checkJSON(value: unknown, where: string, action: string, depth = 0): void {
  const refuse = (what: string): never => {
    throw new TypeError(
      `${action}: ${where} is ${what}, which is not JSON data; store null, booleans, finite numbers, strings, arrays and plain objects`,
    );
  };
  if (depth > 256) refuse("nested too deeply");
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) refuse(String(value));
      return;
    case "object":
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          checkJSON(value[i], `${where}[${i}]`, action, depth + 1);
        }
        return;
      }
      {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) refuse(describe(value));
        for (const key of Object.keys(value)) {
          checkJSON(
            (value as Record<string, unknown>)[key],
            `${where}.${key}`,
            action,
            depth + 1,
          );
        }
      }
      return;
    default:
      refuse(describe(value));
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) {
      deepFreeze((value as Record<string, unknown>)[key]);
    }
  }
  return value;
}

function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const CHUNK = 4096;

/** UTF-8 bytes → text; plain JavaScript for ASCII (no op call), else a TextDecoder. */
function decodeText(u8: Uint8Array, start: number, end: number): string {
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

/** Text → UTF-8 bytes: the text itself when it is ASCII (written by `putText`). */
function encodeText(text: string): Uint8Array | string {
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
class JSONStore {
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
    const sab = new SharedArrayBuffer(Math.min(max, Math.max(need, INITIAL_BYTES)), {
      maxByteLength: max,
    });
    const store = new JSONStore(sab);
    putText(store.#u8, J_HEADER_BYTES, encoded);
    store.#i32[J_LENGTH] = encoded.length;
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

  #write(value: unknown, action: string): void {
    const text = JSON.stringify(value);
    const encoded = encodeText(text);
    const need = J_HEADER_BYTES + encoded.length;
    const sab = this.sab;
    if (need > sab.byteLength) {
      if (need > sab.maxByteLength) {
        throw new RangeError(
          `${action}: the JSON would take ${encoded.length} bytes, more than maxBytes ${
            sab.maxByteLength - J_HEADER_BYTES
          }; create it with a larger { maxBytes }`,
        );
      }
      sab.grow(Math.min(sab.maxByteLength, Math.max(need, sab.byteLength * 2)));
    }
    putText(this.#u8, J_HEADER_BYTES, encoded);
    this.#i32[J_LENGTH] = encoded.length;
    this.#text = text;
    this.#parsed = false;
    this.#version = Atomics.add(this.#i32, J_VERSION, 1) + 1 | 0;
  }
}

function normalIndex(index: number, length: number, action: string): number {
  if (!Number.isInteger(index)) {
    throw new TypeError(
      `${action}: index must be an integer, received ${describe(index)}`,
    );
  }
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) {
    throw new RangeError(
      `${action}: index out of range for a list of length ${length}, received ${index}`,
    );
  }
  return i;
}

function checkItems(items: readonly unknown[], action: string): void {
  for (let i = 0; i < items.length; i++) checkJSON(items[i], `items[${i}]`, action);
}

/**
 * A list of JSON-like data in shared memory, the same list in every thread: ActivePool's
 * list of names. It has the `Array` methods that make sense for a shared list (`push`,
 * `pop`, `shift`, `unshift`, `splice`, `at`, `indexOf`, `includes`, `length`, iteration)
 * and Python's `remove(item)` and `insert(index, item)`; it prints as Python prints a
 * list (`['0', '1']`).
 *
 * Each call is atomic. A compound change (look, then change) needs a `Lock` around it,
 * or one {@linkcode SharedList.update} call. Items are stored as JSON text (in a growable
 * SharedArrayBuffer of at most `maxBytes`): an item read back is a deep-frozen copy,
 * items compare by their JSON text, and only JSON data can be stored.
 *
 * @typeParam T The type of the items.
 *
 * @example The seeds' ActivePool
 * ```ts
 * import { Lock, Shareable, SharedList } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * class ActivePool extends Shareable {
 *   active = new SharedList<string>();
 *   lock = new Lock();
 *   makeActive(name: string) {
 *     using _ = this.lock.hold();
 *     this.active.push(name);
 *   }
 *   makeInactive(name: string) {
 *     using _ = this.lock.hold();
 *     this.active.remove(name);
 *   }
 * }
 * const pool = new ActivePool();
 * pool.makeActive("0");
 * pool.makeActive("1");
 * pool.makeInactive("0");
 * assert.equal(`Running: ${pool.active}`, "Running: ['1']");
 * ```
 */
export class SharedList<T = JSONValue> implements Iterable<T> {
  readonly #store: JSONStore;

  /**
   * Creates a list.
   *
   * @param items The first items.
   * @param options The most bytes its JSON text may take.
   * @throws {TypeError} If an item is not JSON data.
   * @throws {RangeError} If `maxBytes` is out of range or the items do not fit.
   */
  constructor(items: Iterable<T> = [], options?: SharedJSONOptions) {
    const sab = adopting();
    if (sab) {
      this.#store = new JSONStore(sab);
      return;
    }
    const array = [...items];
    checkItems(array, "Cannot create SharedList");
    this.#store = JSONStore.create(array, options, "SharedList");
  }

  #items(): readonly T[] {
    return this.#store.read() as readonly T[];
  }

  #modify<R>(action: string, change: (items: T[]) => R): R {
    return this.#store.modify(action, (draft) => [change(draft as T[]), draft]);
  }

  /** The number of items. */
  get length(): number {
    return this.#items().length;
  }

  /**
   * The item at `index` (negative counts from the end), or `undefined`.
   *
   * @param index The index.
   * @returns The item, deep-frozen.
   */
  at(index: number): T | undefined {
    return this.#items().at(index);
  }

  /**
   * Replaces the item at `index` (negative counts from the end).
   *
   * @param index The index of an existing item.
   * @param item The new item.
   * @throws {RangeError} If there is no item at `index`.
   * @throws {TypeError} If `item` is not JSON data.
   */
  set(index: number, item: T): void {
    const action = "Cannot set SharedList item";
    checkItems([item], action);
    this.#modify(action, (items) => {
      items[normalIndex(index, items.length, action)] = item;
    });
  }

  /**
   * Appends items.
   *
   * @param items The items.
   * @returns The new length.
   * @throws {TypeError} If an item is not JSON data.
   * @throws {RangeError} If the list would outgrow its `maxBytes`.
   */
  push(...items: T[]): number {
    const action = "Cannot push to SharedList";
    checkItems(items, action);
    return this.#modify(action, (list) => list.push(...items));
  }

  /**
   * Removes the last item.
   *
   * @returns The item, or `undefined` if the list is empty.
   */
  pop(): T | undefined {
    return this.#modify("Cannot pop from SharedList", (list) => list.pop());
  }

  /**
   * Removes the first item.
   *
   * @returns The item, or `undefined` if the list is empty.
   */
  shift(): T | undefined {
    return this.#modify("Cannot shift SharedList", (list) => list.shift());
  }

  /**
   * Puts items at the start.
   *
   * @param items The items.
   * @returns The new length.
   * @throws {TypeError} If an item is not JSON data.
   */
  unshift(...items: T[]): number {
    const action = "Cannot unshift to SharedList";
    checkItems(items, action);
    return this.#modify(action, (list) => list.unshift(...items));
  }

  /**
   * Inserts an item before `index`, as Python's `list.insert` (an index past either
   * end puts it at that end; negative counts from the end).
   *
   * @param index The index.
   * @param item The item.
   * @throws {TypeError} If `item` is not JSON data.
   */
  insert(index: number, item: T): void {
    const action = "Cannot insert into SharedList";
    if (!Number.isInteger(index)) {
      throw new TypeError(
        `${action}: index must be an integer, received ${describe(index)}`,
      );
    }
    checkItems([item], action);
    this.#modify(action, (list) => {
      list.splice(index < 0 ? Math.max(0, list.length + index) : index, 0, item);
    });
  }

  /**
   * Removes the first item equal to `item` (same JSON text), as Python's `list.remove`.
   *
   * @param item The item to remove.
   * @throws {RangeError} If no item equals `item`.
   */
  remove(item: T): void {
    this.#modify("Cannot remove from SharedList", (list) => {
      const i = list.findIndex((x) => sameJSON(x, item));
      if (i < 0) {
        throw new RangeError(
          `Cannot remove from SharedList: ${describe(item)} is not in the list`,
        );
      }
      list.splice(i, 1);
    });
  }

  /**
   * Removes and inserts items, as `Array.prototype.splice`.
   *
   * @param start Where to start (negative counts from the end).
   * @param deleteCount How many items to remove (default: all from `start`).
   * @param items Items to insert at `start`.
   * @returns The removed items.
   * @throws {TypeError} If an item is not JSON data.
   */
  splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    const action = "Cannot splice SharedList";
    checkItems(items, action);
    return this.#modify(
      action,
      (list) =>
        deleteCount === undefined
          ? list.splice(start)
          : list.splice(start, deleteCount, ...items),
    );
  }

  /**
   * Removes every item.
   */
  clear(): void {
    this.#store.modify("Cannot clear SharedList", () => [undefined, []]);
  }

  /**
   * The index of the first item equal to `item` (same JSON text), or -1.
   *
   * @param item The item to find.
   * @returns The index or -1.
   */
  indexOf(item: T): number {
    return this.#items().findIndex((x) => sameJSON(x, item));
  }

  /**
   * Whether an item equals `item` (same JSON text).
   *
   * @param item The item to find.
   * @returns Whether it is in the list.
   */
  includes(item: T): boolean {
    return this.indexOf(item) >= 0;
  }

  /**
   * Changes the list in one atomic step: `change` receives a mutable copy of the items,
   * changes it in place, and the copy becomes the list. Other threads' calls wait
   * meanwhile (keep `change` short, and do not touch this list inside it).
   *
   * @param change Changes the items.
   * @returns What `change` returns.
   * @throws {TypeError} If the items are no longer JSON data.
   */
  update<R>(change: (items: T[]) => R): R {
    const action = "Cannot update SharedList";
    return this.#store.modify(action, (draft) => {
      const result = change(draft as T[]);
      checkJSON(draft, "the list", action);
      return [result, draft];
    });
  }

  /** A new array of the items (each deep-frozen). @returns The items. */
  toArray(): T[] {
    return this.#items().slice();
  }

  /** The items, for `JSON.stringify`. @returns The items. */
  toJSON(): T[] {
    return this.toArray();
  }

  /** Iterates over a snapshot of the items. @returns An iterator. */
  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  /** The items as Python prints a list: `['0', '1']`. @returns The text. */
  toString(): string {
    return pyRepr(this.#items());
  }

  /** For `Deno.inspect`: as Python prints a list. */
  [inspectSymbol](): string {
    return this.toString();
  }

  /**
   * How the list crosses threads: its shared memory.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    return { kind: "SharedList", module: HERE, head: this.#store.sab };
  }
}

/**
 * A JSON-like value in shared memory, the same in every thread: a record of settings,
 * a status string. Reading `value` gives a deep-frozen copy; to change it, assign a new
 * value, or change a copy in one atomic {@linkcode SharedJSON.update} call.
 *
 * @typeParam T The type of the value.
 *
 * @example A shared status record
 * ```ts
 * import { SharedJSON } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const status = new SharedJSON({ done: 0, failed: [] as string[] });
 * status.update((s) => {
 *   s.done += 1;
 *   s.failed.push("b");
 * });
 * assert.deepEqual(status.value, { done: 1, failed: ["b"] });
 * ```
 */
export class SharedJSON<T = JSONValue> {
  readonly #store: JSONStore;

  /**
   * Creates a shared value.
   *
   * @param initial The first value.
   * @param options The most bytes its JSON text may take.
   * @throws {TypeError} If `initial` is not JSON data.
   * @throws {RangeError} If `maxBytes` is out of range or the value does not fit.
   */
  constructor(initial: T, options?: SharedJSONOptions) {
    const sab = adopting();
    if (sab) {
      this.#store = new JSONStore(sab);
      return;
    }
    checkJSON(initial, "the value", "Cannot create SharedJSON");
    this.#store = JSONStore.create(initial, options, "SharedJSON");
  }

  /**
   * The value: a deep-frozen copy on read; replaced as a whole on write.
   *
   * @throws {TypeError} On set, if the value is not JSON data.
   * @throws {RangeError} On set, if it does not fit in `maxBytes`.
   */
  get value(): T {
    return this.#store.read() as T;
  }
  set value(value: T) {
    const action = "Cannot set SharedJSON";
    checkJSON(value, "the value", action);
    this.#store.modify(action, () => [undefined, value]);
  }

  /**
   * Changes the value in one atomic step: `change` receives a mutable copy and either
   * changes it in place or returns a new value.
   *
   * @param change Changes the value, or returns the new one.
   * @returns The new value (a deep-frozen copy).
   * @throws {TypeError} If the new value is not JSON data.
   */
  update(change: (draft: T) => T | void): T {
    const action = "Cannot update SharedJSON";
    this.#store.modify(action, (draft) => {
      const returned = change(draft as T);
      const next = returned === undefined ? draft : returned;
      checkJSON(next, "the value", action);
      return [undefined, next];
    });
    return this.value;
  }

  /** The value, for `JSON.stringify`. @returns The value. */
  toJSON(): T {
    return this.value;
  }

  /** The value as Python prints it (`{'a': 1}`). @returns The text. */
  toString(): string {
    return pyRepr(this.value);
  }

  /** For `Deno.inspect`. */
  [inspectSymbol](inspect: (v: unknown) => string): string {
    return `SharedJSON(${inspect(this.value)})`;
  }

  /**
   * How the value crosses threads: its shared memory.
   *
   * @ignore
   */
  [kTravel](): Ticket {
    return { kind: "SharedJSON", module: HERE, head: this.#store.sab };
  }
}

registerKind("SharedList", { create: reviveWith(() => new SharedList()) });
registerKind("SharedJSON", { create: reviveWith(() => new SharedJSON(null)) });

// ---------------------------------------------------------------------------------------
// The `shared` decorator and Shareable.

type Cell = SharedFloat64 | SharedBigInt64 | SharedBoolean | SharedJSON;
const kCells = Symbol("@threading/threading:cells");
/** Prefix of a decorated field's cell in a Shareable's ticket body. */
const CELL_PREFIX = "\u0000accessor ";

interface WithCells {
  [kCells]?: Record<string, Cell>;
}

function cellsOf(object: WithCells): Record<string, Cell> {
  let cells = object[kCells];
  if (cells === undefined) {
    cells = {};
    Object.defineProperty(object, kCells, { value: cells, configurable: true });
  }
  return cells;
}

function makeCell(value: unknown, name: string): Cell {
  switch (typeof value) {
    case "number":
      return new SharedFloat64(value);
    case "bigint":
      return new SharedBigInt64(value);
    case "boolean":
      return new SharedBoolean(value);
    default:
      checkJSON(value, name, `Cannot make ${name} shared`);
      return new SharedJSON(value as JSONValue);
  }
}

/**
 * Makes an auto-accessor field live in shared memory, so that it reads and writes like
 * an ordinary field and every thread sees the same value: `@shared accessor value = 0`.
 * The initial value chooses the cell: a number is a {@linkcode SharedFloat64}, a bigint
 * a {@linkcode SharedBigInt64}, a boolean a {@linkcode SharedBoolean}, other JSON data a
 * {@linkcode SharedJSON} (read as a deep-frozen copy; assign a new value to change it).
 * Use it in a {@linkcode Shareable} class. Each read and each write is atomic; a
 * read-then-write such as `this.value = this.value + 1` needs a `Lock` around it.
 *
 * @typeParam This The class.
 * @typeParam V The field's type.
 * @param _target The accessor being decorated.
 * @param context The decorator context.
 * @returns The shared accessor.
 * @throws {TypeError} On a static field, or an initial value that is not JSON data.
 *
 * @example The seeds' Counter
 * ```ts
 * import { Lock, Shareable, shared } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * class Counter extends Shareable {
 *   lock = new Lock();
 *   @shared accessor value = 0;
 *   increment() {
 *     this.lock.acquire();
 *     try {
 *       this.value = this.value + 1;
 *     } finally {
 *       this.lock.release();
 *     }
 *   }
 * }
 * const counter = new Counter();
 * counter.increment();
 * assert.equal(counter.value, 1);
 * ```
 */
export function shared<This extends object, V>(
  _target: ClassAccessorDecoratorTarget<This, V>,
  context: ClassAccessorDecoratorContext<This, V>,
): ClassAccessorDecoratorResult<This, V> {
  const name = String(context.name);
  if (context.static) {
    throw new TypeError(
      `Cannot make ${name} shared: a static field cannot be shared, received a static accessor; use an instance field`,
    );
  }
  const cell = (self: This): Cell => {
    const found = (self as WithCells)[kCells]?.[name];
    if (found === undefined) {
      throw new TypeError(
        `Cannot read ${name}: the shared field was not initialized on ${describe(self)}`,
      );
    }
    return found;
  };
  return {
    get(this: This): V {
      return cell(this).value as V;
    },
    set(this: This, value: V): void {
      (cell(this) as { value: unknown }).value = value;
    },
    init(this: This, value: V): V {
      cellsOf(this as WithCells)[name] = makeCell(value, name);
      return value;
    },
  };
}

/** For each Shareable class seen in this thread: the URL of the module that defines it. */
const origins = new WeakMap<
  abstract new (...args: never[]) => unknown,
  string | undefined
>();

/**
 * The base of a user class whose instances travel into threads as instances of the same
 * class: methods work there, and fields that are shared (this library's primitives,
 * shared values, `@shared` fields, other Shareables) are the same objects in every
 * thread. The same instance sent twice arrives as one object.
 *
 * How it travels: by reference, as Thread targets do. The class must be **exported** by
 * the module that defines it (found from the constructor's stack); the receiving thread
 * imports that module and creates the object from the class's prototype **without
 * running the constructor**, then puts in its own fields. Plain fields (numbers,
 * strings, arrays, plain objects) are copied when the object first reaches a thread:
 * keep what changes in shared values. A field that cannot travel (a function, an
 * instance of a class with methods that is not shareable) is refused by `start()` with
 * a `TypeError` that names it. Private (`#`) fields do not travel.
 *
 * @example The seeds' Counter, shared with threads
 * ```ts
 * import { Lock, Shareable, SharedInt32 } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * // export class Counter extends Shareable { … } in a module, and pass it as an argument
 * class Counter extends Shareable {
 *   lock = new Lock();
 *   count = new SharedInt32(0);
 *   increment() {
 *     this.lock.acquire();
 *     try {
 *       this.count.value = this.count.value + 1;
 *     } finally {
 *       this.lock.release();
 *     }
 *   }
 * }
 * const counter = new Counter();
 * counter.increment();
 * assert.equal(counter.count.value, 1);
 * ```
 */
export abstract class Shareable {
  /** Records which module defines the subclass, for the threads that receive it. */
  constructor() {
    const Class = new.target;
    if (!origins.has(Class)) origins.set(Class, definingModule(Class.name));
  }

  /**
   * How the object crosses threads: its class by reference, its own fields by value
   * (shared ones as themselves).
   *
   * @ignore
   * @returns The ticket.
   * @throws {TypeError} If the class is anonymous or its module cannot be found.
   */
  [kTravel](): Ticket {
    const Class = this.constructor as abstract new (...args: never[]) => unknown;
    const name = Class.name;
    const url = origins.get(Class);
    if (!name || url === undefined) {
      throw new TypeError(
        `Cannot send ${
          describe(this)
        } to another thread: cannot tell which module defines its class${
          name ? "" : ", received an anonymous class"
        }; give the class a name and export it from its module`,
      );
    }
    const body: Record<string, unknown> = {};
    for (const key of Object.keys(this)) {
      body[key] = (this as Record<string, unknown>)[key];
    }
    const cells = (this as WithCells)[kCells];
    if (cells) {
      for (const key of Object.keys(cells)) body[CELL_PREFIX + key] = cells[key];
    }
    return { kind: `${url}#${name}`, module: url, head: null, body };
  }
}

function fillShareable(object: object, body: unknown): void {
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.startsWith(CELL_PREFIX)) {
      cellsOf(object as WithCells)[key.slice(CELL_PREFIX.length)] = record[key] as Cell;
    } else {
      Object.defineProperty(object, key, {
        value: record[key],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
}

addKindResolver((kind) => {
  const hash = kind.lastIndexOf("#");
  if (hash <= 0) return undefined;
  const url = kind.slice(0, hash);
  const name = kind.slice(hash + 1);
  const namespace = loadedModule(url);
  if (namespace === undefined) {
    throw new TypeError(
      `Cannot receive a ${name} from another thread: its module ${url} is not loaded in this thread`,
    );
  }
  const isShareable = (v: unknown) =>
    typeof v === "function" && v.prototype instanceof Shareable;
  let Class = findExport(namespace, name, undefined);
  // Exported by a module that the named one imports (see `_locate.ts`).
  if (!isShareable(Class)) Class = findLoaded(name, undefined, isShareable)?.value;
  if (typeof Class !== "function" || !(Class.prototype instanceof Shareable)) {
    throw new TypeError(
      `Cannot receive a ${name} from another thread: ${url} does not export a Shareable class named ${name}, received ${
        describe(Class)
      }; export the class from the module that defines it`,
    );
  }
  origins.set(Class as abstract new () => unknown, url);
  return {
    create: () => Object.create(Class.prototype),
    fill: fillShareable,
  };
});
