// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SharedBigInt64}: a 64-bit signed `bigint` in shared memory, one
 * SharedArrayBuffer of 8 bytes; `add` and `sub` refuse to wrap around. The cells are
 * gathered in `shared_cells.ts`; what is shared and what is copied is in `shared.ts`.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { notePrimitive } from "./_warn_once.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { describe, servePending } from "./_futex.ts";
import { adopting, reviveWith } from "./_adopt.ts";
import { guardPrototype } from "./_shared_syntax.ts";

const inspectSymbol = customInspect;
const HERE = import.meta.url;

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

/**
 * A 64-bit signed integer (a `bigint`) in shared memory, the same cell in every thread.
 * Reads, writes, `add`, `sub`, `exchange` and `compareExchange` are atomic; the last
 * four return the previous value.
 * Its one shared datum is `value`: a new property (`cell.vlaue = 1`) throws a
 * `TypeError`, where it would make a property that no other thread sees.
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
    this.#i64 = new BigInt64Array(new SharedArrayBuffer(8));
    notePrimitive(this.#i64.buffer, 0, 2); // `_warn_once.ts`
    this.#i64[0] = value;
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not a bigint.
   * @throws {RangeError} On set, if the value is out of range.
   */
  get value(): bigint {
    servePending(); // a polling loop on the main thread serves threads' starts
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
    return `SharedBigInt64(${inspect(this.value)})`;
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

registerKind("SharedBigInt64", { create: reviveWith(() => new SharedBigInt64()) });
// `cell.vlaue = 1` throws instead of making an unshared property (`_shared_syntax.ts`).
guardPrototype(SharedBigInt64.prototype, {
  name: "SharedBigInt64",
  instead: "its one shared datum is .value (cell.value = ...)",
  owns: (receiver) => receiver instanceof SharedBigInt64,
});
