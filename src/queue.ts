// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `queue` module for threads: {@linkcode Queue} (FIFO), {@linkcode LifoQueue},
 * {@linkcode PriorityQueue} and {@linkcode SimpleQueue}, living in shared memory so that
 * every thread puts into and gets from the same queue.
 *
 * The classes live one a file (`fifo_queue.ts`, `lifo_queue.ts`, `priority_queue.ts`,
 * `simple_queue.ts`, `queue_errors.ts`) over one engine, `_queue_core.ts`, whose module
 * doc has the layout, the control words and the ordering contract; this module gathers
 * them.
 *
 * A queue is three SharedArrayBuffers: a fixed block of control words, a growable index
 * (two `Int32Array` words an item: its offset in the arena, and its length, negative
 * for the codec's bytes), and a growable byte arena holding the serialized items.
 * Items are serialized outside the lock (JSON text when the item is JSON data, else
 * the bytes of `_codec.ts`'s `encodeBytes`); the lock is held only to copy bytes in or
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
 * ## What can go through a queue
 *
 * What can go through a thread's arguments, by the same codec (`_codec.ts`, whose
 * module doc has the table): this library's objects (every primitive, every queue
 * kind, `local`, the shared cells, `SharedList`/`SharedJSON`, `Shareable` instances,
 * Thread handles) nested anywhere in an item arrive as the same shared objects, the same
 * object put twice as one object; `SharedArrayBuffer`s and views of them as the same
 * memory; errors with their class (when the getter's thread can find it), name,
 * message, stack, cause, `errors` and own fields; other data as a copy: JSON data (the
 * fast path), `undefined`, `NaN`, `-0`, bigint, `Map`, `Set`, `Date`, `RegExp`,
 * `ArrayBuffer`s and typed arrays, with cycles. Refused with a `TypeError` that names
 * where it sits (`the item.reply`): functions, symbols, promises, weak collections, and
 * instances of classes with methods that do not travel; data nested more than 1,000
 * deep with a `RangeError`.
 *
 * A `Shareable` in an item needs its class loaded in the getter's thread: `getAsync()`
 * imports its module first (as a thread does for its arguments); `get()` cannot, and
 * throws a `TypeError` that says so when the class is not loaded there, leaving the
 * item at the head of the queue (see "Room, and an item that cannot be decoded" in
 * `_queue_core.ts`), where `getAsync()` finds it.
 *
 * ## Memory
 *
 * The serialized items waiting in a queue take at most `maxBytes` (256 MiB by
 * default). A full queue's blocking `put()` waits for room, as for `maxsize`;
 * `putNowait()` raises `QueueFull`; an item larger than `maxBytes` alone is a
 * `RangeError` at once.
 *
 * ## Differences from Python's `queue`
 *
 * - Timeouts are in milliseconds.
 * - Data in items is copied: a mutable item put into a queue and changed afterwards
 *   arrives as it was when it was put, as with `multiprocessing.Queue`; the getter owns
 *   its copy (not frozen: a queue item is a message).
 *
 * @module
 */
import { type QueueOptions } from "./_queue_core.ts";
import { coreOf } from "./_queue_ops.ts";
import type { Queue } from "./fifo_queue.ts";
import type { SimpleQueue } from "./simple_queue.ts";

export { Queue } from "./fifo_queue.ts";
export { LifoQueue } from "./lifo_queue.ts";
export { PriorityQueue } from "./priority_queue.ts";
export { SimpleQueue } from "./simple_queue.ts";
export { QueueEmpty, QueueFull, QueueShutDown } from "./queue_errors.ts";
export type { QueueOptions };
export {
  Q_COUNT,
  Q_DONE_SEQ,
  Q_DONE_WAITERS,
  Q_END,
  Q_EPOCH,
  Q_FLAGS,
  Q_LIVE,
  Q_LOCK,
  Q_MAXSIZE,
  Q_NE_SEQ,
  Q_NE_WAITERS,
  Q_NF_SEQ,
  Q_NF_WAITERS,
  Q_START,
  Q_TOP,
  Q_UNFINISHED,
} from "./_queue_core.ts";

/** The control words of a queue (for tests). Not part of the API. */
export function queueWords(q: Queue | SimpleQueue): Int32Array {
  return coreOf(q).ctl;
}
