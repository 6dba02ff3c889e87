// Copyright the threading for Deno authors. MIT license.
/**
 * The engine under every queue kind: one thread's handle on a queue's shared buffers
 * ({@linkcode Core}: the layout, storing and taking records, the blocking wait), and
 * the items' serialization. The put and get paths are in `_queue_ops.ts`; the public
 * classes (`fifo_queue.ts`, `lifo_queue.ts`, `priority_queue.ts`, `simple_queue.ts`)
 * are thin wrappers over both.
 *
 * A queue holds an index (two `Int32Array` words an item: its offset in the arena, and
 * its length, negative for the codec's bytes) and a byte arena holding the serialized
 * items, in three SharedArrayBuffers: a fixed block (the control words, then a small
 * index of {@linkcode SMALL_ENTRIES} entries and a small arena of
 * {@linkcode SMALL_ARENA} bytes), and a growable index and a growable arena, created
 * empty. A queue starts small; the first put that needs more room moves the records to
 * the growable pair and sets `Q_BIG` (each thread's {@linkcode Core} reads its views
 * from that word, under the lock), and it stays big.
 *
 * Why: a growable SharedArrayBuffer reserves its largest size up front, and once it
 * holds bytes it takes two memory mappings of the process (the part in use, the part
 * reserved; empty, its reservation merges with its neighbours'). Linux allows 65,530
 * (`vm.max_map_count`), and a loop that never yields keeps every queue it sends alive
 * until it yields (the codec's same-object rule, `_codec_kinds.ts`): with a growable
 * pair in use from the start (four mappings a queue), a synchronous loop that sent a
 * fresh reply queue per request died after about 15,000 requests with a bare
 * "Array buffer allocation failed". A small queue takes no mapping (the fixed block
 * comes from the allocator), so the loop is bounded by memory only (about 3 KB a
 * queue kept alive). An allocation that still fails is a `RangeError` that says what
 * ran out and what to do (`_alloc.ts`).
 * Items are serialized outside the lock (JSON text when the item is JSON data, else
 * the bytes of `_codec.ts`'s `encodeBytes`, which also carries a large array of
 * numbers only or strings only, in column form); the lock is held only to copy bytes in or
 * out and move the index, and the item is decoded after the lock is let go.
 *
 * The shared memory an item refers to (the slab of a `Lock` in it, the buffers of a
 * `Queue` or a `SharedList` in it) is held in Deno's process-wide SharedArrayBuffer
 * store from `put()` until the `get()` that takes the item: it stays alive while the
 * item sits in the queue, and is freed after. `shutdown(true)` releases the items it
 * drops; the items of a queue dropped unread stay held until the process ends. A
 * `PriorityQueue` compares items decoded without their shared memory (a shared object
 * compares as a placeholder: put `[priority, data]`).
 *
 * ## Control words (`Int32Array` indexes)
 *
 * | word | meaning | who moves it |
 * | --- | --- | --- |
 * | `Q_LOCK`, `Q_LOCK + 1` | the queue's mutex (state, starving count; see `_lock_algorithm.ts`) | every method, for a few copies |
 * | `Q_COUNT` | items in the queue (`qsize()`, read without the lock) | `put` +1, `get` -1, under the lock |
 * | `Q_MAXSIZE` | the bound, 0 for none | the constructor |
 * | `Q_START`, `Q_END` | live index entries are `[start, end)` | under the lock |
 * | `Q_TOP`, `Q_LIVE` | arena bytes used, and still holding items | under the lock |
 * | `Q_UNFINISHED` | items put and not yet `taskDone()` | `put` +1, `taskDone` -1 |
 * | `Q_NE_SEQ`, `Q_NE_WAITERS` | "not empty" sequence word and its sleeping getters | a getter counts itself and sleeps on the sequence; `put` bumps it and wakes one |
 * | `Q_NF_SEQ`, `Q_NF_WAITERS` | "not full" sequence word and its sleeping putters | as above, `get` wakes one putter |
 * | `Q_DONE_SEQ`, `Q_DONE_WAITERS` | "all tasks done" sequence word and its joiners | `taskDone` bumps it and wakes all when the count reaches 0 |
 * | `Q_FLAGS` | bit 0: shut down | `shutdown()` |
 * | `Q_EPOCH` | bumped when arena offsets are reused (a priority queue's decode cache) | under the lock |
 * | `Q_ID` | the queue's id in wait reports (`Queue #3`) | stamped at creation (`stampId` in `_waits.ts`) |
 * | `Q_RESERVED` | bytes of codec records taken and not yet decoded (room kept to put them back) | `take` +len under the lock, `unreserve`/`restore` -len |
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
 * ## Room, and an item that cannot be decoded
 *
 * A put fits when the live bytes, the reserved bytes and its own fit in `maxBytes`
 * (compacting the arena if needed); a blocking put waits for room as for `maxsize`, a
 * put without blocking raises `QueueFull`, and an item larger than `maxBytes` alone is
 * a `RangeError` at once. A get decodes after letting the lock go; a codec record keeps
 * its bytes reserved until then. If the decode throws (a class whose module this thread
 * has not loaded), the get puts the record back at the head (FIFO: first; LIFO: last;
 * priority: its place by priority), counted again, without a new unfinished task, and
 * the error leaves the get: the item is not lost, and `getAsync()` (which imports the
 * modules first) gets it.
 *
 * ## Fairness
 *
 * None promised, as in Python: a waiter woken for an item may find that a newcomer
 * took it first, and then waits again.
 * * @module
 */
import { RangeError } from "./_caller_stack.ts";
import { notePrimitive } from "./_warn_once.ts";
import { allocateShared as allocate, growShared } from "./_alloc.ts";
import { encodeBytes, peekBytes, releaseBytes } from "./_codec.ts";
import { deadlineAfter, remaining, waitRecorded } from "./_futex.ts";
import { lock, unlock } from "./_lock_algorithm.ts";
import { compareItems, compareTotal } from "./_queue_order.ts";
import { isJSON } from "./_codec_json.ts";
import {
  KIND_QUEUE_GET,
  KIND_QUEUE_JOIN,
  KIND_QUEUE_PUT,
  noteCreation,
  recordCreation,
  stampId,
} from "./_waits.ts";

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
/** Word: the queue's id in wait reports (`_waits.ts`). */
export const Q_ID = 17;
/**
 * Word: arena bytes of codec records taken by a get and not yet decoded (the get puts
 * a record it cannot decode back, so their room stays reserved until it has decoded).
 */
export const Q_RESERVED = 18;
/** Word: 1 once the records live in the growable index and arena (see the module doc). */
export const Q_BIG = 19;
/** Bytes of the control words. */
const CONTROL_BYTES = 128;
/** Index entries of a small queue (in the fixed block, after the control words). */
export const SMALL_ENTRIES = 16;
/** Arena bytes of a small queue (in the fixed block, after the small index). */
export const SMALL_ARENA = 1024;
/** Bytes of the fixed block: control words, small index, small arena. */
const FIXED_BYTES = CONTROL_BYTES + SMALL_ENTRIES * 8 + SMALL_ARENA;
/** Initial arena bytes. */
const ARENA_INITIAL = 4096;
/** Initial index entries. */
const INDEX_INITIAL = 64;
/** Default most bytes of items a queue holds at once. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export const KIND_FIFO = 0;
export const KIND_LIFO = 1;
export const KIND_PRIORITY = 2;
export const KIND_NAMES = ["Queue", "LifoQueue", "PriorityQueue"];

// ---------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------
// Serialization.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An item serialized for the arena: bytes, and whether they are JSON text. */
export interface Encoded {
  bytes: Uint8Array;
  v8: boolean;
}

/** What the item is called in messages. */
const ITEM = "the item";

export function encodeItem(item: unknown, action: string): Encoded {
  if (isJSON(item, 0)) {
    return { bytes: encoder.encode(JSON.stringify(item)), v8: false };
  }
  return { bytes: encodeBytes(item, ITEM, action), v8: true };
}

/** What a get copies out under the lock: JSON text, or the codec's bytes. */
export type Raw = string | Uint8Array;

/** The item of a record for comparisons: its shared memory is left in the store. */
function peekRaw(raw: Raw): unknown {
  if (typeof raw === "string") return JSON.parse(raw);
  return peekBytes(raw);
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
export interface QueueHead {
  kind: number;
  ctl: SharedArrayBuffer;
  idx: SharedArrayBuffer;
  arena: SharedArrayBuffer;
}

/** One thread's handle on a queue's shared buffers. */
export class Core {
  readonly kind: number;
  readonly ctl: Int32Array;
  readonly head: QueueHead;
  readonly #smallIdx: Int32Array;
  readonly #smallArena: Uint8Array;
  readonly #bigIdx: Int32Array;
  readonly #bigArena: Uint8Array;
  #cache = new Map<number, unknown>();
  #cacheEpoch = -1;

  constructor(head: QueueHead) {
    this.head = head;
    this.kind = head.kind;
    this.ctl = new Int32Array(head.ctl, 0, CONTROL_BYTES / 4);
    this.#smallIdx = new Int32Array(head.ctl, CONTROL_BYTES, SMALL_ENTRIES * 2);
    this.#smallArena = new Uint8Array(head.ctl, CONTROL_BYTES + SMALL_ENTRIES * 8);
    this.#bigIdx = new Int32Array(head.idx); // length-tracking: follows grow()
    this.#bigArena = new Uint8Array(head.arena);
  }

  /** The index in use (read with the lock held: a put may move it to the big one). */
  get idx(): Int32Array {
    return this.ctl[Q_BIG] === 0 ? this.#smallIdx : this.#bigIdx;
  }

  /** The arena in use (read with the lock held, as {@linkcode idx}). */
  get arena(): Uint8Array {
    return this.ctl[Q_BIG] === 0 ? this.#smallArena : this.#bigArena;
  }

  static create(kind: number, maxsize: number, maxBytes: number): Core {
    const what = `a ${KIND_NAMES[kind] ?? "queue"}`;
    const ctl = allocate(() => new SharedArrayBuffer(FIXED_BYTES), what);
    notePrimitive(ctl, 0, CONTROL_BYTES >> 2); // a module-level queue: `_warn_once.ts`
    // Both growable buffers start empty: an empty one takes no memory mapping.
    const arena = allocate(
      () => new SharedArrayBuffer(0, { maxByteLength: maxBytes }),
      what,
    );
    // As many entries as 8-byte items fill maxBytes (an item of fewer bytes is rare:
    // past that many items, a put is a RangeError that says so).
    const idx = allocate(
      () =>
        new SharedArrayBuffer(0, {
          maxByteLength: Math.max(INDEX_INITIAL * 8, Math.min(maxBytes, 2 ** 29)),
        }),
      what,
    );
    const core = new Core({ kind, ctl, idx, arena });
    core.ctl[Q_MAXSIZE] = maxsize;
    stampId(KIND_QUEUE_GET, core.ctl, 0);
    if (recordCreation) noteCreation(KIND_QUEUE_GET, core.ctl, 0);
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
    const value = peekRaw(this.rawAt(e));
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

  /** The most bytes of items the queue holds (its `maxBytes`). */
  get maxBytes(): number {
    return this.head.arena.maxByteLength;
  }

  /** Whether `len` more bytes fit (with the lock held), compacting the arena if needed. */
  fits(len: number): boolean {
    const { ctl } = this;
    return ctl[Q_LIVE] + Atomics.load(ctl, Q_RESERVED) + len <= this.maxBytes;
  }

  /**
   * Appends the bytes to the arena and the entry to the index. `restored`: a record a
   * get took and puts back (at the head for FIFO; not a new unfinished task).
   */
  store(rec: Encoded, action: string, target: number, restored = false): void {
    const { ctl } = this;
    const len = rec.bytes.length;
    // Index room.
    if (2 * ctl[Q_END] + 2 > this.idx.length) {
      const start = ctl[Q_START];
      if (start > 0) {
        this.idx.copyWithin(0, 2 * start, 2 * ctl[Q_END]);
        ctl[Q_END] -= start;
        ctl[Q_START] = 0;
      } else if (ctl[Q_BIG] === 0) {
        this.#toBig(0, action);
      } else {
        const sab = this.head.idx;
        if (sab.byteLength + 8 > sab.maxByteLength) {
          throw new RangeError(
            `${action}: the queue holds as many items as it can, received one more`,
          );
        }
        growShared(
          sab,
          Math.min(sab.maxByteLength, sab.byteLength * 2),
          "a queue",
          action,
        );
      }
    }
    // Arena room.
    if (ctl[Q_TOP] + len > this.arena.length) {
      const garbage = ctl[Q_TOP] - ctl[Q_LIVE];
      if (
        garbage > 0 &&
        (garbage >= ctl[Q_LIVE] || ctl[Q_TOP] + len > this.maxBytes)
      ) this.compact();
      if (ctl[Q_TOP] + len > this.arena.length) {
        const sab = this.head.arena;
        const need = ctl[Q_TOP] + len;
        if (need > sab.maxByteLength) {
          throw new RangeError(
            `${action}: the queue's items would take ${need} bytes, more than its maxBytes ${sab.maxByteLength}; get items first, or create the queue with a larger { maxBytes }, received an item of ${len} bytes`,
          );
        }
        if (ctl[Q_BIG] === 0) this.#toBig(len, action);
        if (ctl[Q_TOP] + len > this.arena.length) {
          growShared(
            sab,
            Math.min(sab.maxByteLength, Math.max(need, sab.byteLength * 2)),
            "a queue",
            action,
          );
        }
      }
    }
    const idx = this.idx;
    const off = ctl[Q_TOP];
    this.arena.set(rec.bytes, off);
    ctl[Q_TOP] = off + len;
    ctl[Q_LIVE] += len;
    const end = ctl[Q_END];
    let pos = end;
    if (restored && this.kind === KIND_FIFO) {
      // Back at the head: before the first live entry.
      if (ctl[Q_START] === 0) {
        idx.copyWithin(2, 0, 2 * end);
        ctl[Q_END] = end + 1;
      } else ctl[Q_START]--;
      pos = ctl[Q_START];
    } else if (this.kind === KIND_PRIORITY) {
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
    if (restored) {
      if (this.kind !== KIND_FIFO) ctl[Q_END] = end + 1;
      Atomics.sub(ctl, Q_RESERVED, len);
    } else {
      ctl[Q_END] = end + 1;
      ctl[Q_UNFINISHED]++;
    }
    Atomics.add(ctl, Q_COUNT, 1);
    if (Atomics.load(ctl, Q_NE_WAITERS) > 0) {
      Atomics.add(ctl, Q_NE_SEQ, 1);
      Atomics.notify(ctl, Q_NE_SEQ, 1);
    }
  }

  /** Moves the live records to the front of the arena (offsets change: new epoch). */
  compact(): void {
    const { ctl, idx, arena } = this;
    this.#moveRecords(idx, arena, idx, arena);
    ctl[Q_EPOCH]++;
  }

  /**
   * Copies the live records from one index and arena to another, packed at the front
   * of the arena in offset order (the two may be the same: a compaction).
   */
  #moveRecords(
    fromIdx: Int32Array,
    fromArena: Uint8Array,
    toIdx: Int32Array,
    toArena: Uint8Array,
  ): void {
    const { ctl } = this;
    const start = ctl[Q_START];
    const end = ctl[Q_END];
    const entries: number[] = [];
    for (let e = start; e < end; e++) entries.push(e);
    entries.sort((x, y) => fromIdx[2 * x] - fromIdx[2 * y]);
    let dst = 0;
    for (const e of entries) {
      const off = fromIdx[2 * e];
      const len = Math.abs(fromIdx[2 * e + 1]);
      if (fromArena === toArena) {
        if (off !== dst) toArena.copyWithin(dst, off, off + len);
      } else toArena.set(fromArena.subarray(off, off + len), dst);
      toIdx[2 * e] = dst;
      toIdx[2 * e + 1] = fromIdx[2 * e + 1];
      dst += len;
    }
    ctl[Q_TOP] = dst;
    ctl[Q_LIVE] = dst;
  }

  /**
   * Moves a small queue's records to the growable index and arena (with room for `len`
   * more bytes and twice the entries), for good: every thread's views follow `Q_BIG`.
   */
  #toBig(len: number, action: string): void {
    const { ctl } = this;
    const small = this.#smallIdx;
    const idxBytes = Math.min(
      this.head.idx.maxByteLength,
      Math.max(INDEX_INITIAL * 8, small.byteLength * 2),
    );
    growShared(this.head.idx, idxBytes, "a queue", action);
    const need = ctl[Q_LIVE] + len;
    growShared(
      this.head.arena,
      Math.min(this.maxBytes, Math.max(ARENA_INITIAL, 2 * SMALL_ARENA, need)),
      "a queue",
      action,
    );
    this.#moveRecords(small, this.#smallArena, this.#bigIdx, this.#bigArena);
    ctl[Q_EPOCH]++;
    ctl[Q_BIG] = 1;
  }

  /**
   * Removes the next item and returns its raw bytes or text; the bytes of a codec
   * record stay reserved (`Q_RESERVED`) until {@linkcode unreserve} or
   * {@linkcode restore}.
   */
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
    if (idx[2 * e + 1] < 0) Atomics.add(ctl, Q_RESERVED, len);
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

  /** Lets go of the room a taken codec record kept (it was decoded): wakes a putter. */
  unreserve(len: number): void {
    const { ctl } = this;
    Atomics.sub(ctl, Q_RESERVED, len);
    if (Atomics.load(ctl, Q_NF_WAITERS) > 0) {
      Atomics.add(ctl, Q_NF_SEQ, 1);
      Atomics.notify(ctl, Q_NF_SEQ, 1);
    }
  }

  /**
   * Puts back at the head, with the lock held, a codec record that a get took and could
   * not decode (`bytes` hold its shared memory again; `len`, the taken record's length,
   * is the room it reserved).
   */
  restore(bytes: Uint8Array, len: number): void {
    const { ctl } = this;
    // The room reserved was the old record's; the new one may differ by a few bytes.
    Atomics.sub(ctl, Q_RESERVED, len - bytes.length);
    const target = this.kind === KIND_PRIORITY
      ? this.siftUpTarget(peekRaw(bytes))
      : this.kind === KIND_LIFO
      ? ctl[Q_END]
      : 0;
    this.store({ bytes, v8: true }, "Cannot put back the item", target, true);
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

  /** Releases the shared memory that the live records hold (they are being dropped). */
  releaseAll(): void {
    const { ctl, idx } = this;
    for (let e = ctl[Q_START]; e < ctl[Q_END]; e++) {
      if (idx[2 * e + 1] < 0) releaseBytes(this.rawAt(e) as Uint8Array);
    }
  }

  /** Shuts the queue down; with `immediate`, drops its items. */
  shutdownLocked(immediate: boolean): void {
    const { ctl } = this;
    ctl[Q_FLAGS] |= 1;
    if (immediate) {
      this.releaseAll();
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
   * Each sleep is recorded as a wait on the queue (see `_waits.ts`), as a get, a put
   * or a join by `seq`, for `dumpThreads()` and the deadlock detector.
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
    const kind = seq === Q_NE_SEQ
      ? KIND_QUEUE_GET
      : seq === Q_NF_SEQ
      ? KIND_QUEUE_PUT
      : KIND_QUEUE_JOIN;
    for (;;) {
      if (ready()) return;
      const left = remaining(deadline);
      if (left <= 0) fail();
      Atomics.add(ctl, waiters, 1);
      const s = Atomics.load(ctl, seq);
      unlock(ctl, Q_LOCK);
      try {
        waitRecorded(kind, ctl, 0, ctl, seq, s, left);
      } finally {
        lock(ctl, Q_LOCK, Infinity);
        Atomics.sub(ctl, waiters, 1);
      }
    }
  }
}
