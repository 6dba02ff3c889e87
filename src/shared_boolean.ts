// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SharedBoolean}: a boolean in shared memory, one SharedArrayBuffer of 4
 * bytes (0 or 1). The cells are gathered in `shared_cells.ts`; what is shared and what
 * is copied is in `shared.ts`.
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

function checkBoolean(value: unknown, action: string): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${action}: expected a boolean, received ${describe(value)}`);
  }
  return value;
}

/**
 * A boolean in shared memory, the same cell in every thread. Reads, writes, `exchange`
 * and `compareExchange` are atomic. (To wait until a flag is set, use an `Event`.)
 * Its one shared datum is `value`: a new property (`cell.vlaue = 1`) throws a
 * `TypeError`, where it would make a property that no other thread sees.
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
    notePrimitive(this.#i32.buffer, 0, 1); // `_warn_once.ts`
    this.#i32[0] = value ? 1 : 0;
  }

  /**
   * The value, read and written atomically.
   *
   * @throws {TypeError} On set, if the value is not a boolean.
   */
  get value(): boolean {
    servePending(); // a polling loop on the main thread serves threads' starts
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
    return `SharedBoolean(${inspect(this.value)})`;
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

registerKind("SharedBoolean", { create: reviveWith(() => new SharedBoolean()) });
// `cell.vlaue = 1` throws instead of making an unshared property (`_shared_syntax.ts`).
guardPrototype(SharedBoolean.prototype, {
  name: "SharedBoolean",
  instead: "its one shared datum is .value (cell.value = ...)",
  owns: (receiver) => receiver instanceof SharedBoolean,
});
