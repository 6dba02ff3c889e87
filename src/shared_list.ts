// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SharedList}: a list of JSON-like data in shared memory, the same list in
 * every thread, stored by the engine of `_json_store.ts` (whose module doc has the
 * layout and the lock words). Each call is atomic.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { adopting, reviveWith } from "./_adopt.ts";
import { describe, servePending } from "./_futex.ts";
import { guardPrototype } from "./_shared_syntax.ts";
import {
  checkJSON,
  JSONStore,
  type JSONValue,
  pyRepr,
  sameJSON,
  type SharedJSONOptions,
} from "./_json_store.ts";

const inspectSymbol = customInspect;
const HERE = import.meta.url;

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

/** A search's start as `Array.prototype.indexOf` reads `fromIndex` (integers only). */
function startIndex(
  fromIndex: number | undefined,
  length: number,
  action: string,
): number {
  if (fromIndex === undefined) return 0;
  if (!Number.isInteger(fromIndex)) {
    throw new TypeError(
      `${action}: fromIndex must be an integer, received ${describe(fromIndex)}`,
    );
  }
  return fromIndex < 0 ? Math.max(0, length + fromIndex) : fromIndex;
}

/** A slice's bound, as Python reads `start`/`end` of `list.index`: clamped to the list. */
function sliceBound(
  bound: number | undefined,
  absent: number,
  length: number,
  name: string,
  action: string,
): number {
  if (bound === undefined) return absent;
  if (!Number.isInteger(bound)) {
    throw new TypeError(
      `${action}: ${name} must be an integer, received ${describe(bound)}`,
    );
  }
  return bound < 0 ? Math.max(0, length + bound) : Math.min(bound, length);
}

function checkItems(items: readonly unknown[], action: string): void {
  checkJSON(items, "items", action, -1); // each item at depth 0, as checked alone
}

/**
 * A list of JSON-like data in shared memory, the same list in every thread: ActivePool's
 * list of names. It has the `Array` methods that make sense for a shared list (`push`,
 * `pop`, `shift`, `unshift`, `splice`, `at`, `indexOf`, `includes`, `length`, iteration)
 * and Python's `remove(item)`, `insert(index, item)` and `index(item, start, end)`; it
 * prints as Python prints a list (`['0', '1']`). Where Python's list raises (`pop()` of
 * an empty list, `remove` or `index` of a missing item, an index out of range) it throws
 * a `RangeError` (this library's IndexError and ValueError).
 *
 * `list[i]` and `list[i] = item` are Python's: a negative index counts from the end, an
 * index out of range (the length included: a list does not grow by assignment) is a
 * `RangeError`, and a write is {@linkcode SharedList.set}, checked and atomic, seen by
 * every thread (`at(i)` is `Array`'s: `undefined` out of range). `list.length = n`
 * shortens it. What would make an unshared property of this thread's object throws a
 * `TypeError` that says what to call: a new property (`list.name = ...`) and `i in list`
 * (use `i < list.length`, or `list.includes(item)` for Python's `item in list`). What
 * the language asks of the object alone sees none of the items and does not throw:
 * `delete list[i]` does nothing (use `pop(i)` or `splice(i, 1)`, Python's
 * `del list[i]`), and `for...in`, `Object.keys(list)` and `{...list}` find no items (use
 * `for...of` and `toArray()`).
 *
 * Each call is atomic. A compound change (look, then change) needs a `Lock` around it,
 * or one {@linkcode SharedList.update} call. Items are stored as JSON text (in a growable
 * SharedArrayBuffer of at most `maxBytes`): an item read back is a deep-frozen copy,
 * items compare by their JSON text, and only JSON data can be stored. A number is
 * stored as `JSON.stringify` writes it, so `-0` reads back as `0` (the one number JSON
 * does not keep; `NaN` and the infinities are refused).
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
 *
 * @example Indexes as in Python
 * ```ts
 * import { SharedList } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const names = new SharedList(["a", "b", "c"]);
 * names[0] = "A"; // names.set(0, "A"): every thread sees it
 * assert.equal(names[-1], "c");
 * assert.throws(() => names[3], RangeError); // Python's IndexError
 * assert.throws(() => names[3] = "d", RangeError); // append with push("d")
 * names.length = 1;
 * assert.deepEqual([...names], ["A"]);
 * ```
 */
export class SharedList<T = JSONValue> implements Iterable<T> {
  readonly #store: JSONStore;
  /**
   * The item at an index, read and written as Python's `list[i]` and `list[i] = v`:
   * negative counts from the end, an index out of range is a `RangeError` (Python's
   * IndexError), a write is {@linkcode SharedList.set} (checked, atomic, seen by every
   * thread).
   */
  [index: number]: T;

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

  /**
   * The number of items. Setting it shortens the list, as an `Array`'s `length = n`
   * does (`list.length = 0` empties it), in one atomic step.
   *
   * @throws {RangeError} On set, if the new length is not an integer from 0 to the
   * length (a list has no holes: `push` items to lengthen it).
   */
  get length(): number {
    servePending(); // a polling loop on the main thread serves threads' starts
    return this.#store.count(); // a header word: no read of the items
  }
  set length(length: number) {
    const action = "Cannot set SharedList length";
    this.#modify(action, (list) => {
      if (!Number.isInteger(length) || length < 0 || length > list.length) {
        throw new RangeError(
          `${action}: a list can only be shortened, to an integer from 0 to its length ${list.length} (it has no holes: push items to lengthen it), received ${
            describe(length)
          }`,
        );
      }
      list.length = length;
    });
  }

  /** `list[i]`: the item, as Python reads it (negative from the end; out of range throws). */
  #item(index: number): T {
    const action = "Cannot read SharedList item";
    if (!Number.isInteger(index)) {
      throw new TypeError(
        `${action}: index must be an integer, received ${describe(index)}`,
      );
    }
    const items = this.#items();
    return items[normalIndex(index, items.length, action)];
  }

  static {
    guardPrototype(SharedList.prototype, {
      name: "SharedList",
      instead: "keep data in its items (push, set, list[i] = item)",
      owns: (receiver) => #store in receiver,
      index: {
        get: (list, index) => (list as SharedList).#item(index),
        set: (list, index, item) => (list as SharedList).set(index, item as JSONValue),
        test:
          "test an index with i < list.length, an item with list.includes(item) (and call an Array method, which asks this, on list.toArray())",
      },
    });
  }

  /**
   * The item at `index` (negative counts from the end), or `undefined`.
   *
   * @param index The index.
   * @returns The item, deep-frozen.
   * @throws {TypeError} If `index` is not an integer (as Python's `list[1.5]`).
   */
  at(index: number): T | undefined {
    if (!Number.isInteger(index)) {
      throw new TypeError(
        `Cannot read SharedList item: index must be an integer, received ${
          describe(index)
        }`,
      );
    }
    return this.#items().at(index);
  }

  /**
   * Replaces the item at `index` (negative counts from the end), as Python's
   * `list[i] = item`, which `list[i] = item` is here too: an index out of range, the
   * length included, is CPython's IndexError (a `RangeError`; append with `push`).
   *
   * @param index The index of an existing item.
   * @param item The new item.
   * @throws {RangeError} If there is no item at `index`.
   * @throws {TypeError} If `index` is not an integer, or `item` is not JSON data.
   */
  set(index: number, item: T): void {
    const action = "Cannot set SharedList item";
    checkItems([item], action);
    this.#modify(action, (items) => {
      if (index === items.length) {
        throw new RangeError(
          `${action}: index out of range for a list of length ${index}, received ${index} (a list does not grow by assignment: append with push(item))`,
        );
      }
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
    return this.#store.append(action, items); // O(the items): writes their text only
  }

  /**
   * Removes and returns the last item, or, given `index`, the item at `index` (negative
   * counts from the end), as Python's `list.pop(i)`: `pop(0)` takes the first item. As
   * CPython's `list.pop` raises IndexError (here a RangeError, Python's ValueError and
   * IndexError alike) for an empty list ("pop from empty list"), with or without an
   * index, and for an index out of range: it never returns `undefined` (JavaScript's
   * `Array.prototype.pop` would). Check `length` first, or use {@linkcode shift}'s
   * `undefined`, where an empty list is expected. `pop()` and `push` cost O(the item),
   * not O(the list) (`pop(i)` of another index re-writes the list).
   *
   * @param index The index of the item to remove (default: the last).
   * @returns The item.
   * @throws {TypeError} If `index` is not an integer.
   * @throws {RangeError} If the list is empty, or there is no item at `index`.
   */
  pop(index?: number): T {
    const action = "Cannot pop from SharedList";
    if (index !== undefined && !Number.isInteger(index)) {
      throw new TypeError(
        `${action}: index must be an integer, received ${describe(index)}`,
      );
    }
    const empty = () =>
      new RangeError(`${action}: pop from empty list (the list is empty)`);
    if (index === undefined || index === -1) {
      return this.#store.popLast(empty) as T; // O(the item): reads its text only
    }
    return this.#modify(action, (list) => {
      if (list.length === 0) throw empty();
      return list.splice(
        index === undefined ? list.length - 1 : normalIndex(index, list.length, action),
        1,
      )[0];
    });
  }

  /**
   * Removes the first item, as `Array.prototype.shift` (Python's `pop(0)`, which throws
   * on an empty list, is {@linkcode pop}).
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
   * @throws {RangeError} If no item equals `item` (CPython's ValueError).
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
    this.#store.replace("Cannot clear SharedList", []);
  }

  /**
   * The index of the first item equal to `item` (same JSON text), or -1.
   *
   * As `Array.prototype.indexOf`, the search starts at `fromIndex` (negative counts
   * from the end), as Python's `list.index(x, start)` (which raises where this gives -1).
   *
   * @param item The item to find.
   * @param fromIndex Where the search starts (default 0).
   * @returns The index or -1.
   * @throws {TypeError} If `fromIndex` is not an integer.
   */
  indexOf(item: T, fromIndex?: number): number {
    const items = this.#items();
    const start = startIndex(fromIndex, items.length, "Cannot search SharedList");
    for (let i = start; i < items.length; i++) {
      if (sameJSON(items[i], item)) return i;
    }
    return -1;
  }

  /**
   * The index of the first item equal to `item` (same JSON text) between `start` and
   * `end`, as Python's `list.index(x, start, end)`: it throws where {@linkcode indexOf}
   * gives -1. `start` and `end` are read as a slice's bounds (negative counts from the
   * end; past either end is the end).
   *
   * @param item The item to find.
   * @param start Where the search starts (default 0).
   * @param end Where it stops, not included (default: the length).
   * @returns The index.
   * @throws {RangeError} If no item equals `item` there (CPython's ValueError).
   * @throws {TypeError} If `start` or `end` is not an integer.
   */
  index(item: T, start?: number, end?: number): number {
    const action = "Cannot find in SharedList";
    const items = this.#items();
    const from = sliceBound(start, 0, items.length, "start", action);
    const to = sliceBound(end, items.length, items.length, "end", action);
    for (let i = from; i < to; i++) {
      if (sameJSON(items[i], item)) return i;
    }
    throw new RangeError(`${action}: ${describe(item)} is not in list`);
  }

  /**
   * Whether an item equals `item` (same JSON text), from `fromIndex` on, as
   * `Array.prototype.includes`.
   *
   * @param item The item to find.
   * @param fromIndex Where the search starts (default 0; negative counts from the end).
   * @returns Whether it is in the list.
   * @throws {TypeError} If `fromIndex` is not an integer.
   */
  includes(item: T, fromIndex?: number): boolean {
    return this.indexOf(item, fromIndex) >= 0;
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

  /** For `console.log`: as Python prints a list. */
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

registerKind("SharedList", { create: reviveWith(() => new SharedList()) });
