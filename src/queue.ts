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
 * for the `node:v8` encoding), and a growable byte arena holding the serialized items.
 * Items are serialized outside the lock (JSON text when the item is JSON data, else
 * `node:v8` serialize); the lock is held only to copy bytes in or out and move the
 * index, and the item is parsed after the lock is let go.
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
import { coreOf, type QueueOptions } from "./_queue_core.ts";
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
