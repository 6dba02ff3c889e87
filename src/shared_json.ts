// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SharedJSON}: one JSON-like value in shared memory, the same in every
 * thread, stored by the engine of `_json_store.ts` (whose module doc has the layout and
 * the lock words). Reads are deep-frozen copies; each write is atomic.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { adopting, reviveWith } from "./_adopt.ts";
import { guardPrototype, member } from "./_shared_syntax.ts";
import { servePending } from "./_futex.ts";
import {
  checkJSON,
  JSONStore,
  type JSONValue,
  pyRepr,
  type SharedJSONOptions,
} from "./_json_store.ts";

const inspectSymbol = customInspect;
const HERE = import.meta.url;

/**
 * A JSON-like value in shared memory, the same in every thread: a record of settings,
 * a status string. Reading `value` gives a deep-frozen copy; to change it, assign a new
 * value, or change a copy in one atomic {@linkcode SharedJSON.update} call. Numbers are
 * stored as `JSON.stringify` writes them: `-0` reads back as `0`.
 *
 * A SharedJSON holds its value; it is not the value, even when the value is a record:
 * `doc.key` and `doc[0]` of a key the value has, and `doc.key = ...`, throw a `TypeError`
 * that says what to write instead (`doc.value.key`, `doc.update((v) => { v.key = ...; })`),
 * where they would otherwise read `undefined` or make a property that no other thread
 * sees. A change to the copy that `value` gives throws too (it is frozen). `key in doc`,
 * `for...in` and `Object.keys(doc)` see the SharedJSON, not its value: use
 * `key in doc.value`.
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
    servePending(); // a polling loop on the main thread serves threads' starts
    return this.#store.read() as T;
  }
  set value(value: T) {
    const action = "Cannot set SharedJSON";
    checkJSON(value, "the value", action);
    this.#store.replace(action, value);
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

  static {
    guardPrototype(SharedJSON.prototype, {
      name: "SharedJSON",
      instead:
        "set the whole value (doc.value = ...), or change it in one atomic step (doc.update((v) => { v.key = ...; }))",
      owns: (receiver) => #store in receiver,
      read: (doc, key) => {
        const value = (doc as SharedJSON).#store.read();
        // `then` stays unread: `await doc` and a promise's resolution probe it.
        if (
          key !== "then" && typeof value === "object" && value !== null &&
          Object.hasOwn(value, key)
        ) {
          throw new TypeError(
            `Cannot read ${
              JSON.stringify(key)
            } of a SharedJSON: the SharedJSON holds its value, it is not the value; read doc.value${
              member(key)
            }`,
          );
        }
        return undefined;
      },
    });
  }

  /** The value, for `JSON.stringify`. @returns The value. */
  toJSON(): T {
    return this.value;
  }

  /** The value as Python prints it (`{'a': 1}`). @returns The text. */
  toString(): string {
    return pyRepr(this.value);
  }

  /** For `console.log`. */
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

registerKind("SharedJSON", { create: reviveWith(() => new SharedJSON(null)) });
