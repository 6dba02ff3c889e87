// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SharedFloat64}: a JavaScript number in shared memory, one
 * SharedArrayBuffer of 8 bytes, read and written as one 64-bit word of its bits. The
 * cells are gathered in `shared_cells.ts`; what is shared and what is copied is in
 * `shared.ts`.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { notePrimitive } from "./_warn_once.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { describe, servePending } from "./_futex.ts";
import { adopting, reviveWith } from "./_adopt.ts";
import { guardPrototype } from "./_shared_syntax.ts";

const inspectSymbol = customInspect;
const HERE = import.meta.url;

function checkNumber(value: unknown, action: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`${action}: expected a number, received ${describe(value)}`);
  }
  return value;
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
 * Its one shared datum is `value`: a new property (`cell.vlaue = 1`) throws a
 * `TypeError`, where it would make a property that no other thread sees.
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
    notePrimitive(this.#i64.buffer, 0, 2); // `_warn_once.ts`
    this.#i64[0] = toBits(value);
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not a number.
   */
  get value(): number {
    servePending(); // a polling loop on the main thread serves threads' starts
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
    return `SharedFloat64(${inspect(this.value)})`;
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

registerKind("SharedFloat64", { create: reviveWith(() => new SharedFloat64()) });
// `cell.vlaue = 1` throws instead of making an unshared property (`_shared_syntax.ts`).
guardPrototype(SharedFloat64.prototype, {
  name: "SharedFloat64",
  instead: "its one shared datum is .value (cell.value = ...)",
  owns: (receiver) => receiver instanceof SharedFloat64,
});
