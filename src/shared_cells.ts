// Copyright the threading for Deno authors. MIT license.
/**
 * Number, bigint and boolean cells in shared memory: {@linkcode SharedInt32},
 * {@linkcode SharedFloat64}, {@linkcode SharedBigInt64}, {@linkcode SharedBoolean}.
 * Each is one SharedArrayBuffer of one word (4 or 8 bytes), the same cell in every
 * thread; every single call is atomic (see `shared.ts` for what is shared and what is
 * copied).
 *
 * @module
 */
import { notePrimitive } from "./_warn_once.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { describe } from "./_futex.ts";
import { adopting, reviveWith } from "./_adopt.ts";

const inspectSymbol = customInspect;
const HERE = import.meta.url;

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

/** Adds `n` to word 0 with a compare-and-swap loop, refusing to wrap around. */
function addInt32(i32: Int32Array, n: number, verb: string): number {
  let old = Atomics.load(i32, 0);
  for (;;) {
    const next = old + n;
    if (next < -0x8000_0000 || next > 0x7fff_ffff) {
      throw new RangeError(
        `Cannot ${verb} SharedInt32: the result would be ${next}, out of its range -2147483648 to 2147483647 (it does not wrap around); use a SharedBigInt64 or a SharedFloat64, received ${
          Math.abs(n)
        }`,
      );
    }
    const seen = Atomics.compareExchange(i32, 0, old, next);
    if (seen === old) return old;
    old = seen;
  }
}

/** Adds `n` to word 0 with a compare-and-swap loop, refusing to wrap around. */
function addBigInt64(i64: BigInt64Array, n: bigint, verb: string): bigint {
  let old = Atomics.load(i64, 0);
  for (;;) {
    const next = old + n;
    if (BigInt.asIntN(64, next) !== next) {
      throw new RangeError(
        `Cannot ${verb} SharedBigInt64: the result would be ${next}n, out of its 64-bit signed range (it does not wrap around), received ${
          n < 0n ? -n : n
        }n`,
      );
    }
    const seen = Atomics.compareExchange(i64, 0, old, next);
    if (seen === old) return old;
    old = seen;
  }
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
    notePrimitive(); // `_warn_once.ts`
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
   * Adds `n` atomically. A SharedInt32 does not wrap around: a sum out of range throws
   * (Python's integers never wrap; `Atomics.add` would).
   *
   * @param n The integer to add.
   * @returns The previous value.
   * @throws {RangeError} If the sum is out of range; the value is left unchanged.
   */
  add(n: number = 1): number {
    return addInt32(this.#i32, checkInt32(n, "Cannot add to SharedInt32"), "add to");
  }

  /**
   * Subtracts `n` atomically. A difference out of range throws, as in
   * {@linkcode SharedInt32.add}.
   *
   * @param n The integer to subtract.
   * @returns The previous value.
   * @throws {RangeError} If the difference is out of range; the value is left unchanged.
   */
  sub(n: number = 1): number {
    return addInt32(
      this.#i32,
      -checkInt32(n, "Cannot subtract from SharedInt32"),
      "subtract from",
    );
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
  /** For `console.log`. */
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
    notePrimitive(); // `_warn_once.ts`
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
  /** For `console.log`. */
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
   * @param initial The first value, from -2^6³ to 2^6³ - 1.
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
    notePrimitive(); // `_warn_once.ts`
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
   * Adds `n` atomically. A SharedBigInt64 does not wrap around: a sum out of range
   * throws (Python's integers never wrap; `Atomics.add` would).
   *
   * @param n The bigint to add.
   * @returns The previous value.
   * @throws {RangeError} If the sum is out of range; the value is left unchanged.
   */
  add(n: bigint = 1n): bigint {
    return addBigInt64(
      this.#i64,
      checkBigInt64(n, "Cannot add to SharedBigInt64"),
      "add to",
    );
  }

  /**
   * Subtracts `n` atomically. A difference out of range throws, as in
   * {@linkcode SharedBigInt64.add}.
   *
   * @param n The bigint to subtract.
   * @returns The previous value.
   * @throws {RangeError} If the difference is out of range; the value is left unchanged.
   */
  sub(n: bigint = 1n): bigint {
    return addBigInt64(
      this.#i64,
      -checkBigInt64(n, "Cannot subtract from SharedBigInt64"),
      "subtract from",
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
  /** For `console.log`. */
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
    notePrimitive(); // `_warn_once.ts`
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
  /** For `console.log`. */
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
