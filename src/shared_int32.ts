// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SharedInt32}: a 32-bit signed integer in shared memory, one
 * SharedArrayBuffer of 4 bytes; `add` and `sub` refuse to wrap around. The cells are
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

/**
 * A 32-bit signed integer in shared memory, the same cell in every thread. Reads and
 * writes are atomic, and so are `add`, `sub`, `exchange` and `compareExchange` (which
 * return the previous value, as `Atomics` does).
 * Its one shared datum is `value`: a new property (`cell.vlaue = 1`) throws a
 * `TypeError`, where it would make a property that no other thread sees.
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
    notePrimitive(this.#i32.buffer, 0, 1); // `_warn_once.ts`
    this.#i32[0] = value;
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not an integer.
   * @throws {RangeError} On set, if the value is out of range.
   */
  get value(): number {
    servePending(); // a polling loop on the main thread serves threads' starts
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
    return `SharedInt32(${inspect(this.value)})`;
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

registerKind("SharedInt32", { create: reviveWith(() => new SharedInt32()) });
// `cell.vlaue = 1` throws instead of making an unshared property (`_shared_syntax.ts`).
guardPrototype(SharedInt32.prototype, {
  name: "SharedInt32",
  instead: "its one shared datum is .value (cell.value = ...)",
  owns: (receiver) => receiver instanceof SharedInt32,
});
