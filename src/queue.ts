// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `queue` module for threads: {@linkcode Queue} (FIFO), {@linkcode LifoQueue},
 * {@linkcode PriorityQueue} and {@linkcode SimpleQueue}, living in shared memory so that
 * every thread puts into and gets from the same queue.
 *
 * A queue is three SharedArrayBuffers: a fixed block of control words, a growable index
 * (two `Int32Array` words an item: its offset in the arena, and its length, negative
 * for the `node:v8` encoding), and a growable byte arena holding the serialized items.
 * Items are serialized outside the lock (JSON text when the item is JSON data, else
 * `node:v8` serialize); the lock is held only to copy bytes in or out and move the
 * index, and the item is parsed after the lock is let go.
 *
 * ## Control words (`Int32Array` indexes)
 *
 * | word | meaning | who moves it |
 * | --- | --- | --- |
 * | `Q_LOCK`, `Q_LOCK + 1` | the queue's mutex (state, starving count; see `_lock_algorithm.ts`) | every method, for a few copies |
 * | `Q_COUNT` | items in the queue (`qsize()`, read without the lock) | `put` +1, `get` −1, under the lock |
 * | `Q_MAXSIZE` | the bound, 0 for none | the constructor |
 * | `Q_START`, `Q_END` | live index entries are `[start, end)` | under the lock |
 * | `Q_TOP`, `Q_LIVE` | arena bytes used, and still holding items | under the lock |
 * | `Q_UNFINISHED` | items put and not yet `taskDone()` | `put` +1, `taskDone` −1 |
 * | `Q_NE_SEQ`, `Q_NE_WAITERS` | "not empty" sequence word and its sleeping getters | a getter counts itself and sleeps on the sequence; `put` bumps it and wakes one |
 * | `Q_NF_SEQ`, `Q_NF_WAITERS` | "not full" sequence word and its sleeping putters | as above, `get` wakes one putter |
 * | `Q_DONE_SEQ`, `Q_DONE_WAITERS` | "all tasks done" sequence word and its joiners | `taskDone` bumps it and wakes all when the count reaches 0 |
 * | `Q_FLAGS` | bit 0: shut down | `shutdown()` |
 * | `Q_EPOCH` | bumped when arena offsets are reused (a priority queue's decode cache) | under the lock |
 *
 * A waiter reads the sequence word under the lock, lets the lock go and sleeps while
 * the word still holds that value: a change made after it read the word wakes it (or
 * it sees the new value and does not sleep), so no wake-up is lost. Every waiter
 * re-checks its condition under the lock after it wakes.
 *
 * ## Ordering contract
 *
 * A `put()` happens before the `get()` that returns its item; a `taskDone()` that
 * brings the count to zero happens before the `join()` it releases.
 *
 * ## Fairness
 *
 * None promised, as in Python: a waiter woken for an item may find that a newcomer
 * took it first, and then waits again.
 *
 * ## What can go through a queue
 *
 * Anything `node:v8` can serialize (the structured-clone types): JSON data (the fast
 * path), `undefined`, `NaN`, `-0`, bigint, `Map`, `Set`, `Date`, `RegExp`, `Error`s
 * (their name, message, stack and cause; the class becomes the nearest built-in one),
 * `ArrayBuffer`s and typed arrays (copied), with cycles. Refused with a `TypeError`:
 * functions, symbols, promises, `SharedArrayBuffer`s and views of them, this library's
 * shared objects (pass those to the thread as arguments instead), and instances of
 * classes with methods (put their data instead).
 *
 * ## Differences from Python's `queue`
 *
 * - Timeouts are in milliseconds.
 * - Items are copied: a mutable item put into a queue and changed afterwards arrives
 *   as it was when it was put, as with `multiprocessing.Queue`.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { cannotCopy, hasMethods, kTravel, registerKind, type Ticket } from "./_codec.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  TIMEOUT_MAX,
  wait,
  waitAsync,
  waitAsyncCounted,
} from "./_futex.ts";
import {
  CONTENDED,
  HANDOFF,
  lock,
  LOCKED,
  STARVING,
  tryLock,
  unlock,
  UNLOCKED,
} from "./_lock_algorithm.ts";

/** Word: the queue's mutex (and `Q_LOCK + 1`, its starving count). */
export const Q_LOCK = 0;
/** Word: items in the queue. */
export const Q_COUNT = 2;
/** Word: the queue's bound, 0 for none. */
export const Q_MAXSIZE = 3;
/** Word: the first live index entry. */
export const Q_START = 4;
/** Word: one past the last live index entry. */
export const Q_END = 5;
/** Word: arena bytes in use. */
export const Q_TOP = 6;
/** Word: arena bytes that hold items. */
export const Q_LIVE = 7;
/** Word: unfinished tasks. */
export const Q_UNFINISHED = 8;
/** Word: "not empty" sequence. */
export const Q_NE_SEQ = 9;
/** Word: getters asleep on `Q_NE_SEQ`. */
export const Q_NE_WAITERS = 10;
/** Word: "not full" sequence. */
export const Q_NF_SEQ = 11;
/** Word: putters asleep on `Q_NF_SEQ`. */
export const Q_NF_WAITERS = 12;
/** Word: "all tasks done" sequence. */
export const Q_DONE_SEQ = 13;
/** Word: joiners asleep on `Q_DONE_SEQ`. */
export const Q_DONE_WAITERS = 14;
/** Word: flags; bit 0 set once the queue is shut down. */
export const Q_FLAGS = 15;
/** Word: bumped whenever arena offsets may be reused. */
export const Q_EPOCH = 16;
/** Bytes of the control block. */
const CONTROL_BYTES = 128;
/** Initial arena bytes. */
const ARENA_INITIAL = 4096;
/** Initial index entries. */
const INDEX_INITIAL = 64;
/** Default most bytes of items a queue holds at once. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

const KIND_FIFO = 0;
const KIND_LIFO = 1;
const KIND_PRIORITY = 2;
const KIND_NAMES = ["Queue", "LifoQueue", "PriorityQueue"];

// ---------------------------------------------------------------------------------------
// Errors.

/**
 * Thrown by a non-blocking or timed `get()` when no item came, as Python's
 * `queue.Empty`.
 *
 * @example Getting from an empty queue
 * ```ts
 * import { Queue, QueueEmpty } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new Queue().getNowait(), QueueEmpty);
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Creates a QueueEmpty error.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueEmpty";
  }
}

/**
 * Thrown by a non-blocking or timed `put()` into a full bounded queue, as Python's
 * `queue.Full`.
 *
 * @example Putting into a full queue
 * ```ts
 * import { Queue, QueueFull } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue(1);
 * q.put("a");
 * assert.throws(() => q.putNowait("b"), QueueFull);
 * ```
 */
export class QueueFull extends Error {
  /**
   * Creates a QueueFull error.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueFull";
  }
}

/**
 * Thrown by `put()` on a queue that was shut down, and by `get()` on one that was shut
 * down and is empty, as Python 3.13's `queue.ShutDown`.
 *
 * @example Putting into a shut-down queue
 * ```ts
 * import { Queue, QueueShutDown } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue();
 * q.shutdown();
 * assert.throws(() => q.put(1), QueueShutDown);
 * ```
 */
export class QueueShutDown extends Error {
  /**
   * Creates a QueueShutDown error.
   *
   * @param message What happened.
   * @param options The error's cause, if any.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueShutDown";
  }
}

// ---------------------------------------------------------------------------------------
// Serialization.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether `v` survives a JSON round trip unchanged (depth-limited: cycles go to v8). */
function isJSON(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0);
    case "object": {
      if (v === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) return false;
        for (let i = 0; i < v.length; i++) if (!isJSON(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) {
        if (!Object.hasOwn(v, key)) return false;
        if (!isJSON((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const PASS_THROUGH: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Date,
  RegExp,
  ArrayBuffer,
  Boolean,
  Number,
  String,
];

/** Refuses, with a TypeError naming where it sits, what cannot go through a queue. */
function checkCopyable(item: unknown, action: string): void {
  const seen = new Set<object>();
  const refuse = (where: string, what: string, fix: string): never => {
    throw new TypeError(
      `${action}: ${where} is ${what}, which cannot go through a queue; ${fix}`,
    );
  };
  const walk = (v: unknown, where: string): void => {
    switch (typeof v) {
      case "function":
        return refuse(where, describe(v), "put data instead");
      case "symbol":
        return refuse(where, describe(v), "put a string instead");
      case "object":
        break;
      default:
        return;
    }
    if (v === null || seen.has(v)) return;
    seen.add(v);
    const shared = "pass it to the thread as an argument (Thread args) instead";
    if (typeof (v as { [kTravel]?: unknown })[kTravel] === "function") {
      return refuse(
        where,
        `a shared ${describe(v).replace(/^an instance of /, "")}`,
        shared,
      );
    }
    if (v instanceof SharedArrayBuffer) {
      return refuse(where, "a SharedArrayBuffer", shared);
    }
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof SharedArrayBuffer) {
        return refuse(where, `a view of a SharedArrayBuffer (${describe(v)})`, shared);
      }
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${where}[${i}]`);
      return;
    }
    if (v instanceof Map) {
      for (const [k, val] of v) {
        walk(k, `${where} key`);
        walk(val, `${where}.get(…)`);
      }
      return;
    }
    if (v instanceof Set) {
      for (const x of v) walk(x, `${where} item`);
      return;
    }
    if (v instanceof Error) {
      if ("cause" in v) walk(v.cause, `${where}.cause`);
      return;
    }
    if (PASS_THROUGH.some((C) => v instanceof C)) return;
    if (cannotCopy(v)) {
      return refuse(where, describe(v), "put the data it holds instead");
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null && hasMethods(proto)) {
      const name = (v.constructor as { name?: string } | undefined)?.name ||
        "(anonymous)";
      return refuse(
        where,
        `an instance of class ${name} (a class with methods)`,
        "put a plain object with its data instead",
      );
    }
    for (const key of Object.keys(v)) {
      walk((v as Record<string, unknown>)[key], `${where}.${key}`);
    }
  };
  walk(item, "the item");
}

/** An item serialized for the arena: bytes, and whether they are v8 (else JSON). */
interface Encoded {
  bytes: Uint8Array;
  v8: boolean;
}

function encodeItem(item: unknown, action: string): Encoded {
  if (isJSON(item, 0)) {
    return { bytes: encoder.encode(JSON.stringify(item)), v8: false };
  }
  checkCopyable(item, action);
  return { bytes: serialize(item), v8: true };
}

/** What a get copies out under the lock: JSON text, or v8 bytes. */
type Raw = string | Uint8Array;

function decodeRaw(raw: Raw): unknown {
  if (typeof raw === "string") return JSON.parse(raw);
  return restoreErrorNames(deserialize(raw));
}

const BUILTIN_ERRORS = new Set([
  "Error",
  "EvalError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "TypeError",
  "URIError",
]);

/** v8 keeps an Error's built-in class only: take a custom name back from its stack. */
function restoreErrorNames(value: unknown): unknown {
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== "object" || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Error) {
      const stack = typeof v.stack === "string" ? v.stack : "";
      const m = /^([A-Za-z_$][\w$]*)(?::|\n|$)/.exec(stack);
      if (m && m[1] !== v.name && !BUILTIN_ERRORS.has(m[1])) {
        Object.defineProperty(v, "name", {
          value: m[1],
          writable: true,
          configurable: true,
          enumerable: false,
        });
      }
      if ("cause" in v) walk(v.cause);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        walk(k);
        walk(x);
      }
    } else if (v instanceof Set) {
      for (const x of v) walk(x);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      for (const key of Object.keys(v)) walk((v as Record<string, unknown>)[key]);
    }
  };
  walk(value);
  return value;
}

// ---------------------------------------------------------------------------------------
// Priority order: Python's `<` on numbers, strings and tuples (arrays).

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return describe(v);
  return typeof v;
}

/**
 * Compares two items as Python compares values with `<`: numbers (and bigints,
 * booleans) by value, strings by code units, arrays lexicographically like tuples,
 * `Date`s by time. Equal values of other kinds compare equal.
 *
 * @throws {TypeError} If the two cannot be ordered.
 */
function compareItems(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if (
    (ta === "number" || ta === "bigint" || ta === "boolean") &&
    (tb === "number" || tb === "bigint" || tb === "boolean")
  ) {
    // deno-lint-ignore no-explicit-any
    return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0;
  }
  if (ta === "string" && tb === "string") {
    return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareItems(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a === b || (a === null && b === null)) return 0;
  if (
    ta === "object" && tb === "object" && isJSON(a, 0) && isJSON(b, 0) &&
    JSON.stringify(a) === JSON.stringify(b)
  ) return 0;
  throw new TypeError(
    `Cannot order items of a PriorityQueue: '<' is not supported between ${
      typeName(a)
    } and ${
      typeName(b)
    }; put [priority, data] arrays whose priorities are numbers or strings`,
  );
}

const TYPE_RANK: Record<string, number> = {
  undefined: 0,
  boolean: 1,
  number: 1,
  bigint: 1,
  string: 2,
  object: 3,
};

/** As {@linkcode compareItems}, but never throws (for the sift-down of a get). */
function compareTotal(a: unknown, b: unknown): number {
  try {
    return compareItems(a, b);
  } catch {
    const ra = Array.isArray(a) ? 4 : TYPE_RANK[typeof a] ?? 5;
    const rb = Array.isArray(b) ? 4 : TYPE_RANK[typeof b] ?? 5;
    return ra - rb;
  }
}

// ---------------------------------------------------------------------------------------
// Timeouts.

function queueTimeout(
  block: boolean | undefined,
  timeout: number | null | undefined,
  action: string,
): number {
  if (block === undefined) block = true;
  if (typeof block !== "boolean") {
    throw new TypeError(
      `${action}: block must be a boolean, received ${describe(block)}`,
    );
  }
  if (!block) return 0;
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `${action}: timeout must be a number of milliseconds, received ${
        describe(timeout)
      }`,
    );
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `${action}: 'timeout' must be a non-negative number, received ${timeout}`,
    );
  }
  if (timeout > TIMEOUT_MAX) {
    throw new RangeError(
      `${action}: timeout must be at most TIMEOUT_MAX (${TIMEOUT_MAX} ms), received ${timeout}`,
    );
  }
  return timeout;
}

// ---------------------------------------------------------------------------------------
// The shared engine.

/** Options of a queue. */
export interface QueueOptions {
  /**
   * The most bytes the serialized items may take at once (the arena is a growable
   * SharedArrayBuffer reserved up to this size).
   *
   * @default {268435456}
   */
  maxBytes?: number;
}

/** The buffers of a queue: what travels. */
interface QueueHead {
  kind: number;
  ctl: SharedArrayBuffer;
  idx: SharedArrayBuffer;
  arena: SharedArrayBuffer;
}

/** One thread's handle on a queue's shared buffers. */
class Core {
  readonly kind: number;
  readonly ctl: Int32Array;
  readonly idx: Int32Array;
  readonly arena: Uint8Array;
  readonly head: QueueHead;
  #cache = new Map<number, unknown>();
  #cacheEpoch = -1;

  constructor(head: QueueHead) {
    this.head = head;
    this.kind = head.kind;
    this.ctl = new Int32Array(head.ctl);
    this.idx = new Int32Array(head.idx); // length-tracking: follows grow()
    this.arena = new Uint8Array(head.arena);
  }

  static create(kind: number, maxsize: number, maxBytes: number): Core {
    const ctl = new SharedArrayBuffer(CONTROL_BYTES);
    const arenaMax = maxBytes;
    const arena = new SharedArrayBuffer(Math.min(ARENA_INITIAL, arenaMax), {
      maxByteLength: arenaMax,
    });
    // Every item takes at least one arena byte, so the index needs no more entries.
    const idxMax = Math.min(2 ** 30, Math.max(INDEX_INITIAL, arenaMax) * 8);
    const idx = new SharedArrayBuffer(INDEX_INITIAL * 8, {
      maxByteLength: Math.min(idxMax, 512 * 1024 * 1024),
    });
    const core = new Core({ kind, ctl, idx, arena });
    core.ctl[Q_MAXSIZE] = maxsize;
    return core;
  }

  // ---- under the lock ----

  /** The decoded item of index entry `e` (priority comparisons), cached per epoch. */
  valueAt(e: number): unknown {
    const epoch = this.ctl[Q_EPOCH];
    if (epoch !== this.#cacheEpoch || this.#cache.size > 4096) {
      this.#cache.clear();
      this.#cacheEpoch = epoch;
    }
    const off = this.idx[2 * e];
    if (this.#cache.has(off)) return this.#cache.get(off);
    const value = decodeRaw(this.rawAt(e));
    this.#cache.set(off, value);
    return value;
  }

  rawAt(e: number): Raw {
    const off = this.idx[2 * e];
    const len = this.idx[2 * e + 1];
    if (len > 0) return decoder.decode(this.arena.subarray(off, off + len));
    return this.arena.slice(off, off - len);
  }

  /** The heap position the new item would take (priority): comparisons only. */
  siftUpTarget(item: unknown): number {
    let pos = this.ctl[Q_END];
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (compareItems(item, this.valueAt(parent)) >= 0) break;
      pos = parent;
    }
    return pos;
  }

  /** Appends the bytes to the arena and the entry to the index. */
  store(rec: Encoded, action: string, target: number): void {
    const { ctl, idx } = this;
    const len = rec.bytes.length;
    // Index room.
    if (2 * ctl[Q_END] + 2 > idx.length) {
      const start = ctl[Q_START];
      if (start > 0) {
        idx.copyWithin(0, 2 * start, 2 * ctl[Q_END]);
        ctl[Q_END] -= start;
        ctl[Q_START] = 0;
      } else {
        const sab = this.head.idx;
        if (sab.byteLength + 8 > sab.maxByteLength) {
          throw new RangeError(
            `${action}: the queue holds as many items as it can, received one more`,
          );
        }
        sab.grow(Math.min(sab.maxByteLength, sab.byteLength * 2));
      }
    }
    // Arena room.
    if (ctl[Q_TOP] + len > this.arena.length) {
      const garbage = ctl[Q_TOP] - ctl[Q_LIVE];
      if (garbage > 0 && garbage >= ctl[Q_LIVE]) this.compact();
      if (ctl[Q_TOP] + len > this.arena.length) {
        const sab = this.head.arena;
        const need = ctl[Q_TOP] + len;
        if (need > sab.maxByteLength) {
          throw new RangeError(
            `${action}: the queue's items would take ${need} bytes, more than its maxBytes ${sab.maxByteLength}; get items first, or create the queue with a larger { maxBytes }, received an item of ${len} bytes`,
          );
        }
        sab.grow(Math.min(sab.maxByteLength, Math.max(need, sab.byteLength * 2)));
      }
    }
    const off = ctl[Q_TOP];
    this.arena.set(rec.bytes, off);
    ctl[Q_TOP] = off + len;
    ctl[Q_LIVE] += len;
    const end = ctl[Q_END];
    let pos = end;
    if (this.kind === KIND_PRIORITY) {
      // Move the parents on the path down, then place the new entry.
      while (pos > target) {
        const parent = (pos - 1) >> 1;
        idx[2 * pos] = idx[2 * parent];
        idx[2 * pos + 1] = idx[2 * parent + 1];
        pos = parent;
      }
    }
    idx[2 * pos] = off;
    idx[2 * pos + 1] = rec.v8 ? -len : len;
    ctl[Q_END] = end + 1;
    ctl[Q_UNFINISHED]++;
    Atomics.add(ctl, Q_COUNT, 1);
    if (Atomics.load(ctl, Q_NE_WAITERS) > 0) {
      Atomics.add(ctl, Q_NE_SEQ, 1);
      Atomics.notify(ctl, Q_NE_SEQ, 1);
    }
  }

  /** Moves the live records to the front of the arena (offsets change: new epoch). */
  compact(): void {
    const { ctl, idx, arena } = this;
    const start = ctl[Q_START];
    const end = ctl[Q_END];
    const entries: number[] = [];
    for (let e = start; e < end; e++) entries.push(e);
    entries.sort((x, y) => idx[2 * x] - idx[2 * y]);
    let dst = 0;
    for (const e of entries) {
      const off = idx[2 * e];
      const len = Math.abs(idx[2 * e + 1]);
      if (off !== dst) arena.copyWithin(dst, off, off + len);
      idx[2 * e] = dst;
      dst += len;
    }
    ctl[Q_TOP] = dst;
    ctl[Q_LIVE] = dst;
    ctl[Q_EPOCH]++;
  }

  /** Removes the next item and returns its raw bytes or text. */
  take(): Raw {
    const { ctl, idx } = this;
    let e: number;
    if (this.kind === KIND_FIFO) e = ctl[Q_START]++;
    else if (this.kind === KIND_LIFO) e = ctl[Q_END] - 1;
    else e = 0;
    const raw = this.rawAt(e);
    const off = idx[2 * e];
    const len = Math.abs(idx[2 * e + 1]);
    ctl[Q_LIVE] -= len;
    if (this.kind === KIND_LIFO) {
      ctl[Q_END]--;
      ctl[Q_TOP] = off;
    } else if (this.kind === KIND_PRIORITY) {
      const last = --ctl[Q_END];
      if (last > 0) this.siftDown(idx[2 * last], idx[2 * last + 1], last);
    }
    const count = Atomics.sub(ctl, Q_COUNT, 1) - 1;
    if (count === 0) this.reset();
    if (Atomics.load(ctl, Q_NF_WAITERS) > 0) {
      Atomics.add(ctl, Q_NF_SEQ, 1);
      Atomics.notify(ctl, Q_NF_SEQ, 1);
    }
    return raw;
  }

  /** Places the entry (off, len) from the root down, in a heap of `size` entries. */
  siftDown(off: number, len: number, size: number): void {
    const { idx } = this;
    // The moved entry's value: decode it through the cache by parking it at the root.
    idx[0] = off;
    idx[1] = len;
    const value = this.valueAt(0);
    let pos = 0;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= size) break;
      if (
        child + 1 < size &&
        compareTotal(this.valueAt(child + 1), this.valueAt(child)) < 0
      ) child++;
      if (compareTotal(this.valueAt(child), value) >= 0) break;
      idx[2 * pos] = idx[2 * child];
      idx[2 * pos + 1] = idx[2 * child + 1];
      pos = child;
    }
    idx[2 * pos] = off;
    idx[2 * pos + 1] = len;
  }

  /** Forgets all records (the queue is empty): offsets restart at 0. */
  reset(): void {
    const { ctl } = this;
    ctl[Q_START] = 0;
    ctl[Q_END] = 0;
    ctl[Q_TOP] = 0;
    ctl[Q_LIVE] = 0;
    ctl[Q_EPOCH]++;
  }

  /** Shuts the queue down; with `immediate`, drops its items. */
  shutdownLocked(immediate: boolean): void {
    const { ctl } = this;
    ctl[Q_FLAGS] |= 1;
    if (immediate) {
      const n = Atomics.exchange(ctl, Q_COUNT, 0);
      ctl[Q_UNFINISHED] = Math.max(0, ctl[Q_UNFINISHED] - n);
      this.reset();
      Atomics.add(ctl, Q_DONE_SEQ, 1);
      Atomics.notify(ctl, Q_DONE_SEQ);
    }
    Atomics.add(ctl, Q_NE_SEQ, 1);
    Atomics.notify(ctl, Q_NE_SEQ);
    Atomics.add(ctl, Q_NF_SEQ, 1);
    Atomics.notify(ctl, Q_NF_SEQ);
  }

  isShutDown(): boolean {
    return (this.ctl[Q_FLAGS] & 1) !== 0;
  }

  /**
   * With the lock held, waits until `ready()` (which may throw) is true: sleeps on the
   * sequence word `seq`, counted in `waiters`. Calls `fail()` when `timeout` passes.
   */
  waitLocked(
    seq: number,
    waiters: number,
    ready: () => boolean,
    timeout: number,
    fail: () => never,
  ): void {
    const { ctl } = this;
    const deadline = deadlineAfter(timeout);
    for (;;) {
      if (ready()) return;
      const left = remaining(deadline);
      if (left <= 0) fail();
      Atomics.add(ctl, waiters, 1);
      const s = Atomics.load(ctl, seq);
      unlock(ctl, Q_LOCK);
      try {
        wait(ctl, seq, s, left);
      } finally {
        lock(ctl, Q_LOCK, Infinity);
        Atomics.sub(ctl, waiters, 1);
      }
    }
  }
}

/**
 * Runs `fn` with the queue's lock held, taking the lock without blocking the event loop.
 * The lock is never held across an `await`: `fn` runs in the same turn that takes it,
 * so a blocking call made on this thread meanwhile cannot deadlock against it.
 */
async function withLockAsync<R>(ctl: Int32Array, fn: () => R): Promise<R> {
  let waited = false;
  for (;;) {
    if (waited ? takeContended(ctl) : tryLock(ctl, Q_LOCK)) {
      try {
        return fn();
      } finally {
        unlock(ctl, Q_LOCK);
      }
    }
    let s = Atomics.load(ctl, Q_LOCK);
    if (s === UNLOCKED) continue;
    if (s === LOCKED) {
      // Mark it contended, so that the holder's unlock wakes us.
      if (Atomics.compareExchange(ctl, Q_LOCK, LOCKED, CONTENDED) !== LOCKED) continue;
      s = CONTENDED;
    }
    waited = true;
    // Bounded, as a safety net: the holder's critical section lasts microseconds.
    await waitAsync(ctl, Q_LOCK, s, 20);
  }
}

/**
 * Takes the lock after having slept on it: as `CONTENDED`, so that our unlock wakes the
 * other sleepers (taking it as `LOCKED` could strand them).
 */
function takeContended(ctl: Int32Array): boolean {
  for (;;) {
    const s = Atomics.load(ctl, Q_LOCK);
    if (s === UNLOCKED) {
      if (Atomics.compareExchange(ctl, Q_LOCK, UNLOCKED, CONTENDED) === UNLOCKED) {
        return true;
      }
      continue;
    }
    if (s === HANDOFF && Atomics.load(ctl, Q_LOCK + STARVING) === 0) {
      if (Atomics.compareExchange(ctl, Q_LOCK, HANDOFF, CONTENDED) === HANDOFF) {
        return true;
      }
      continue;
    }
    return false;
  }
}

/**
 * Waits without blocking the event loop until `ready()` (run under the lock; it may
 * throw) is true, then runs `act()` under the same hold of the lock. Sleeps on the
 * sequence word `seq`, counted in `waiters`; calls `fail()` when `timeout` passes.
 */
async function whenReadyAsync<R>(
  core: Core,
  seq: number,
  waiters: number,
  ready: () => boolean,
  act: () => R,
  timeout: number,
  fail: () => never,
): Promise<R> {
  const { ctl } = core;
  const deadline = deadlineAfter(timeout);
  for (;;) {
    const step = await withLockAsync(ctl, (): { value: R } | number => {
      if (ready()) return { value: act() };
      if (remaining(deadline) <= 0) fail();
      Atomics.add(ctl, waiters, 1);
      return Atomics.load(ctl, seq);
    });
    if (typeof step !== "number") return step.value;
    await waitAsyncCounted(ctl, seq, step, remaining(deadline), waiters);
  }
}

const PUT = "Cannot put into the queue";
const GET = "Cannot get from the queue";

function shutDownError(action: string): QueueShutDown {
  return new QueueShutDown(`${action}: the queue was shut down`);
}

/** The pieces of a put that do not depend on blocking or async. */
function putParts(core: Core, item: unknown, timeout: number) {
  const ctl = core.ctl;
  const maxsize = ctl[Q_MAXSIZE];
  const ready = () => {
    if (core.isShutDown()) throw shutDownError(PUT);
    return maxsize <= 0 || Atomics.load(ctl, Q_COUNT) < maxsize;
  };
  const fail = (): never => {
    throw new QueueFull(
      timeout === 0
        ? `${PUT}: it is full (maxsize ${maxsize})`
        : `${PUT}: it stayed full (maxsize ${maxsize}) for ${timeout} ms`,
    );
  };
  const place = (rec: Encoded) => {
    const target = core.kind === KIND_PRIORITY ? core.siftUpTarget(item) : 0;
    core.store(rec, PUT, target);
  };
  return { ready, fail, place };
}

/** The pieces of a get that do not depend on blocking or async. */
function getParts(core: Core, timeout: number) {
  const ctl = core.ctl;
  const ready = () => {
    if (Atomics.load(ctl, Q_COUNT) > 0) return true;
    if (core.isShutDown()) throw shutDownError(GET);
    return false;
  };
  const fail = (): never => {
    throw new QueueEmpty(
      timeout === 0 ? `${GET}: it is empty` : `${GET}: it stayed empty for ${timeout} ms`,
    );
  };
  return { ready, fail };
}

function putSync(core: Core, item: unknown, timeout: number): void {
  const rec = encodeItem(item, PUT);
  const { ctl } = core;
  const { ready, fail, place } = putParts(core, item, timeout);
  lock(ctl, Q_LOCK, Infinity);
  try {
    core.waitLocked(Q_NF_SEQ, Q_NF_WAITERS, ready, timeout, fail);
    place(rec);
  } finally {
    unlock(ctl, Q_LOCK);
  }
}

function putAsyncImpl(core: Core, item: unknown, timeout: number): Promise<void> {
  const rec = encodeItem(item, PUT);
  const { ready, fail, place } = putParts(core, item, timeout);
  return whenReadyAsync(
    core,
    Q_NF_SEQ,
    Q_NF_WAITERS,
    ready,
    () => place(rec),
    timeout,
    fail,
  );
}

function getSync(core: Core, timeout: number): unknown {
  const { ctl } = core;
  let raw: Raw;
  lock(ctl, Q_LOCK, Infinity);
  try {
    if (Atomics.load(ctl, Q_COUNT) === 0) {
      const { ready, fail } = getParts(core, timeout);
      core.waitLocked(Q_NE_SEQ, Q_NE_WAITERS, ready, timeout, fail);
    }
    raw = core.take();
  } finally {
    unlock(ctl, Q_LOCK);
  }
  return decodeRaw(raw);
}

async function getAsyncImpl(core: Core, timeout: number): Promise<unknown> {
  const { ready, fail } = getParts(core, timeout);
  const raw = await whenReadyAsync(
    core,
    Q_NE_SEQ,
    Q_NE_WAITERS,
    ready,
    () => core.take(),
    timeout,
    fail,
  );
  return decodeRaw(raw);
}

const never = (): never => {
  throw new Error("unreachable");
};

function checkMaxsize(maxsize: unknown, what: string): number {
  if (typeof maxsize !== "number" || !Number.isInteger(maxsize)) {
    throw new TypeError(
      `Cannot create ${what}: maxsize must be an integer, received ${describe(maxsize)}`,
    );
  }
  if (maxsize > 0x7fff_ffff) {
    throw new RangeError(
      `Cannot create ${what}: maxsize must be at most 2147483647, received ${maxsize}`,
    );
  }
  return maxsize < 0 ? 0 : maxsize;
}

function checkMaxBytes(options: QueueOptions | undefined, what: string): number {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number" || !Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(
      `Cannot create ${what}: maxBytes must be a positive integer, received ${
        describe(maxBytes)
      }`,
    );
  }
  return maxBytes;
}

// Revival: a reviver sets the head to adopt, then calls the public constructor.
let adoptHead: QueueHead | undefined;
function adopting(kind: number): Core | undefined {
  const head = adoptHead;
  adoptHead = undefined;
  return head !== undefined && head.kind === kind ? new Core(head) : undefined;
}

let coreOf: (q: Queue | SimpleQueue) => Core;

// ---------------------------------------------------------------------------------------
// The public classes.

/**
 * A first-in, first-out queue shared by threads, as Python's `queue.Queue`: any thread
 * may `put()` and `get()`; `get()` blocks while the queue is empty and `put()` while a
 * bounded queue is full. Items are copied through shared memory (see the module doc for
 * what can go through). A queue passed to a thread as an argument arrives as the same
 * queue.
 *
 * `taskDone()` and `join()` let a producer wait until every item put has been
 * processed, as in Python.
 *
 * @typeParam T The type of the items.
 *
 * @example A worker thread reports its exception through a queue (Python's ExcThread)
 * ```ts ignore
 * import { Queue, QueueEmpty, Thread } from "@threading/threading";
 *
 * export class ExcThread extends Thread {
 *   constructor(public bucket: Queue<Error>) {
 *     super();
 *   }
 *   override run() {
 *     try {
 *       throw new Error("An error occured here.");
 *     } catch (e) {
 *       this.bucket.put(e as Error);
 *     }
 *   }
 * }
 *
 * if (import.meta.main) {
 *   const bucket = new Queue<Error>();
 *   const thread = new ExcThread(bucket);
 *   thread.start();
 *   thread.join();
 *   try {
 *     const exc = bucket.get(false);
 *     console.log(exc.name, exc.message);
 *   } catch (e) {
 *     if (!(e instanceof QueueEmpty)) throw e;
 *   }
 * }
 * ```
 *
 * @example Put and get in one thread
 * ```ts
 * import { Queue } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<number | string>();
 * q.put(1);
 * q.put("two");
 * assert.equal(q.qsize(), 2);
 * assert.equal(q.get(), 1);
 * assert.equal(q.get(), "two");
 * assert.equal(q.empty(), true);
 * ```
 */
export class Queue<T = unknown> {
  readonly #core: Core;

  /**
   * Creates a queue.
   *
   * @param maxsize The most items it holds; `put()` blocks while it is full. 0 or
   * less: no bound.
   * @param options The most bytes its serialized items may take at once.
   * @throws {TypeError} If `maxsize` is not an integer.
   * @throws {RangeError} If `maxsize` is over 2³¹−1 or `maxBytes` is not positive.
   */
  constructor(maxsize = 0, options?: QueueOptions) {
    const kind =
      new.target === PriorityQueue || new.target.prototype instanceof PriorityQueue
        ? KIND_PRIORITY
        : new.target === LifoQueue || new.target.prototype instanceof LifoQueue
        ? KIND_LIFO
        : KIND_FIFO;
    const adopted = adopting(kind);
    if (adopted !== undefined) {
      this.#core = adopted;
      return;
    }
    const what = this.constructor.name || "Queue";
    this.#core = Core.create(
      kind,
      checkMaxsize(maxsize, what),
      checkMaxBytes(options, what),
    );
  }

  /** The bound given at construction, 0 for none. */
  get maxsize(): number {
    return this.#core.ctl[Q_MAXSIZE];
  }

  /**
   * The number of items in the queue, as Python's `qsize()`: only a hint, since other
   * threads may put or get at any time.
   *
   * @returns The number of items.
   */
  qsize(): number {
    return Atomics.load(this.#core.ctl, Q_COUNT);
  }

  /**
   * Whether the queue is empty (a hint, as `qsize()`).
   *
   * @returns `true` if it holds no item.
   */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Whether a bounded queue holds `maxsize` items (a hint, as `qsize()`).
   *
   * @returns `true` if a `put()` would block now.
   */
  full(): boolean {
    const max = this.#core.ctl[Q_MAXSIZE];
    return max > 0 && this.qsize() >= max;
  }

  /**
   * Puts an item into the queue. With `block` (the default), waits while a bounded
   * queue is full, at most `timeout` milliseconds if given; without, fails at once.
   *
   * @param item The item; it is copied (see the module doc for what can go through).
   * @param block Whether to wait for a free slot.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit. Ignored
   * when `block` is false.
   * @throws {QueueFull} If the queue stayed full.
   * @throws {QueueShutDown} If the queue was shut down.
   * @throws {TypeError} If the item cannot go through a queue, or an argument has the
   * wrong type.
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  put(item: T, block = true, timeout?: number | null): void {
    putSync(this.#core, item, queueTimeout(block, timeout, PUT));
  }

  /**
   * Puts an item without waiting, as `put(item, false)`.
   *
   * @param item The item.
   * @throws {QueueFull} If the queue is full.
   * @throws {QueueShutDown} If the queue was shut down.
   * @throws {TypeError} If the item cannot go through a queue.
   */
  putNowait(item: T): void {
    putSync(this.#core, item, 0);
  }

  /**
   * As {@linkcode Queue.put}, waiting without blocking the event loop.
   *
   * @param item The item.
   * @param block Whether to wait for a free slot.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit.
   * @returns A promise that resolves once the item is in the queue.
   * @throws {QueueFull} If the queue stayed full (the promise rejects).
   * @throws {QueueShutDown} If the queue was shut down (the promise rejects).
   * @throws {TypeError} If the item cannot go through a queue.
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  putAsync(item: T, block = true, timeout?: number | null): Promise<void> {
    try {
      return putAsyncImpl(this.#core, item, queueTimeout(block, timeout, PUT));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Removes and returns the next item. With `block` (the default), waits while the
   * queue is empty, at most `timeout` milliseconds if given; without, fails at once.
   *
   * @param block Whether to wait for an item.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit. Ignored
   * when `block` is false.
   * @returns The item (a copy of what was put).
   * @throws {QueueEmpty} If no item came.
   * @throws {QueueShutDown} If the queue was shut down and is empty.
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  get(block = true, timeout?: number | null): T {
    return getSync(this.#core, queueTimeout(block, timeout, GET)) as T;
  }

  /**
   * Removes and returns the next item without waiting, as `get(false)`.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   * @throws {QueueShutDown} If the queue was shut down and is empty.
   */
  getNowait(): T {
    return getSync(this.#core, 0) as T;
  }

  /**
   * As {@linkcode Queue.get}, waiting without blocking the event loop.
   *
   * @param block Whether to wait for an item.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit.
   * @returns A promise of the item.
   * @throws {QueueEmpty} If no item came (the promise rejects).
   * @throws {QueueShutDown} If the queue was shut down and is empty (the promise rejects).
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  getAsync(block = true, timeout?: number | null): Promise<T> {
    try {
      return getAsyncImpl(this.#core, queueTimeout(block, timeout, GET)) as Promise<T>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Tells the queue that one item got earlier has been processed, as Python's
   * `task_done()`. When every item put has been marked done, `join()` returns.
   *
   * @throws {RangeError} If called more times than items were put ("task_done() called
   * too many times", Python's ValueError).
   */
  taskDone(): void {
    const { ctl } = this.#core;
    lock(ctl, Q_LOCK, Infinity);
    try {
      const left = ctl[Q_UNFINISHED] - 1;
      if (left < 0) {
        throw new RangeError(
          "Cannot mark a task done: task_done() called too many times, received one more call than items put",
        );
      }
      ctl[Q_UNFINISHED] = left;
      if (left === 0 && Atomics.load(ctl, Q_DONE_WAITERS) > 0) {
        Atomics.add(ctl, Q_DONE_SEQ, 1);
        Atomics.notify(ctl, Q_DONE_SEQ);
      }
    } finally {
      unlock(ctl, Q_LOCK);
    }
  }

  /**
   * The number of items put and not yet marked done with `taskDone()`.
   *
   * @returns Python's `unfinished_tasks`.
   */
  get unfinishedTasks(): number {
    return Atomics.load(this.#core.ctl, Q_UNFINISHED);
  }

  /** Blocks until every item put has been marked done with `taskDone()`. */
  join(): void {
    const core = this.#core;
    const { ctl } = core;
    lock(ctl, Q_LOCK, Infinity);
    try {
      core.waitLocked(
        Q_DONE_SEQ,
        Q_DONE_WAITERS,
        () => ctl[Q_UNFINISHED] === 0,
        Infinity,
        never,
      );
    } finally {
      unlock(ctl, Q_LOCK);
    }
  }

  /**
   * As {@linkcode Queue.join}, waiting without blocking the event loop.
   *
   * @returns A promise that resolves once every item put has been marked done.
   */
  joinAsync(): Promise<void> {
    const core = this.#core;
    const { ctl } = core;
    return whenReadyAsync(
      core,
      Q_DONE_SEQ,
      Q_DONE_WAITERS,
      () => ctl[Q_UNFINISHED] === 0,
      () => {},
      Infinity,
      never,
    );
  }

  /**
   * Shuts the queue down, as Python 3.13's `Queue.shutdown()`: later `put()`s throw
   * {@linkcode QueueShutDown}, and so do `get()`s once the queue is empty; blocked
   * callers wake up. With `immediate`, the items left are dropped (and counted as done
   * for `join()`), so that `get()` throws at once.
   *
   * @param immediate Whether to drop the items left.
   */
  shutdown(immediate = false): void {
    const { ctl } = this.#core;
    lock(ctl, Q_LOCK, Infinity);
    try {
      this.#core.shutdownLocked(immediate);
    } finally {
      unlock(ctl, Q_LOCK);
    }
  }

  /** Whether `shutdown()` was called. */
  get isShutdown(): boolean {
    return this.#core.isShutDown();
  }

  /**
   * A short description.
   *
   * @returns `<Queue size=N>` (with the class's name).
   */
  toString(): string {
    return `<${this.constructor.name} size=${this.qsize()}${
      this.maxsize > 0 ? ` maxsize=${this.maxsize}` : ""
    }>`;
  }

  /** How `console.log` shows a queue. @returns The same as `toString()`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How a queue travels to another thread: its buffers. @returns The ticket. */
  [kTravel](): Ticket {
    return { kind: KIND_NAMES[this.#core.kind], head: this.#core.head };
  }

  static {
    coreOf = (q) => (q as Queue).#core;
  }
}

/**
 * A last-in, first-out queue (a stack) shared by threads, as Python's
 * `queue.LifoQueue`.
 *
 * @typeParam T The type of the items.
 *
 * @example The last item put comes out first
 * ```ts
 * import { LifoQueue } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new LifoQueue<number>();
 * for (const n of [1, 2, 3]) q.put(n);
 * assert.deepEqual([q.get(), q.get(), q.get()], [3, 2, 1]);
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
}

/**
 * A queue shared by threads that returns its smallest item first, as Python's
 * `queue.PriorityQueue`. Items are compared as Python compares them: numbers by value,
 * strings by code units, arrays element by element like tuples (so `[priority, data]`
 * entries come out by priority). Putting an item that cannot be ordered against the
 * items it meets throws a `TypeError`, as Python's `'<' not supported`.
 *
 * @typeParam T The type of the items.
 *
 * @example Entries come out by priority
 * ```ts
 * import { PriorityQueue } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new PriorityQueue<[number, string]>();
 * q.put([3, "low"]);
 * q.put([1, "high"]);
 * q.put([2, "mid"]);
 * assert.deepEqual(q.get(), [1, "high"]);
 * assert.deepEqual(q.get(), [2, "mid"]);
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
}

/**
 * An unbounded first-in, first-out queue shared by threads, as Python's
 * `queue.SimpleQueue`: no bound, no `taskDone()`/`join()`.
 *
 * @typeParam T The type of the items.
 *
 * @example Put and get
 * ```ts
 * import { SimpleQueue } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const q = new SimpleQueue<string>();
 * q.put("a");
 * assert.equal(q.get(), "a");
 * assert.equal(q.empty(), true);
 * ```
 */
export class SimpleQueue<T = unknown> {
  readonly #core: Core;

  /**
   * Creates a simple queue.
   *
   * @param options The most bytes its serialized items may take at once.
   * @throws {RangeError} If `maxBytes` is not a positive integer.
   */
  constructor(options?: QueueOptions) {
    this.#core = adopting(KIND_FIFO) ??
      Core.create(KIND_FIFO, 0, checkMaxBytes(options, "SimpleQueue"));
  }

  /**
   * The number of items in the queue (a hint).
   *
   * @returns The number of items.
   */
  qsize(): number {
    return Atomics.load(this.#core.ctl, Q_COUNT);
  }

  /**
   * Whether the queue is empty (a hint).
   *
   * @returns `true` if it holds no item.
   */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Puts an item; never blocks. `block` and `timeout` are accepted for compatibility
   * with {@linkcode Queue.put} and ignored, as in Python.
   *
   * @param item The item; it is copied.
   * @param _block Ignored.
   * @param _timeout Ignored.
   * @throws {TypeError} If the item cannot go through a queue.
   */
  put(item: T, _block = true, _timeout?: number | null): void {
    putSync(this.#core, item, 0);
  }

  /**
   * Puts an item, as `put(item)`.
   *
   * @param item The item.
   * @throws {TypeError} If the item cannot go through a queue.
   */
  putNowait(item: T): void {
    putSync(this.#core, item, 0);
  }

  /**
   * Removes and returns the next item; see {@linkcode Queue.get}.
   *
   * @param block Whether to wait for an item.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit.
   * @returns The item.
   * @throws {QueueEmpty} If no item came.
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  get(block = true, timeout?: number | null): T {
    return getSync(this.#core, queueTimeout(block, timeout, GET)) as T;
  }

  /**
   * Removes and returns the next item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   */
  getNowait(): T {
    return getSync(this.#core, 0) as T;
  }

  /**
   * As {@linkcode SimpleQueue.get}, waiting without blocking the event loop.
   *
   * @param block Whether to wait for an item.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit.
   * @returns A promise of the item.
   * @throws {QueueEmpty} If no item came (the promise rejects).
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  getAsync(block = true, timeout?: number | null): Promise<T> {
    try {
      return getAsyncImpl(this.#core, queueTimeout(block, timeout, GET)) as Promise<T>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * A short description.
   *
   * @returns `<SimpleQueue size=N>`.
   */
  toString(): string {
    return `<SimpleQueue size=${this.qsize()}>`;
  }

  /** How `console.log` shows a queue. @returns The same as `toString()`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How a simple queue travels to another thread: its buffers. @returns The ticket. */
  [kTravel](): Ticket {
    return { kind: "SimpleQueue", head: this.#core.head };
  }

  static {
    const base = coreOf;
    coreOf = (q) => q instanceof SimpleQueue ? q.#core : base(q);
  }
}

function reviver(make: () => object) {
  return {
    create(head: unknown): object {
      adoptHead = head as QueueHead;
      try {
        return make();
      } finally {
        adoptHead = undefined;
      }
    },
  };
}

registerKind("Queue", reviver(() => new Queue()));
registerKind("LifoQueue", reviver(() => new LifoQueue()));
registerKind("PriorityQueue", reviver(() => new PriorityQueue()));
registerKind("SimpleQueue", reviver(() => new SimpleQueue()));

/** The control words of a queue (for tests). Not part of the API. */
export function queueWords(q: Queue | SimpleQueue): Int32Array {
  return coreOf(q).ctl;
}
