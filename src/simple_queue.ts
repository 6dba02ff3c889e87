// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode SimpleQueue}: an unbounded FIFO queue without task tracking (Python's
 * `queue.SimpleQueue`), a thin class over the engine of `_queue_core.ts`.
 *
 * @module
 */
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { Core, KIND_FIFO, Q_COUNT, type QueueOptions } from "./_queue_core.ts";
import { servePending, waitArgs, type WaitOptions } from "./_futex.ts";
import {
  adopting,
  checkMaxBytes,
  coreGetters,
  GET,
  getAsyncImpl,
  getSync,
  PUT,
  putSync,
  queueTimeout,
  reviver,
} from "./_queue_ops.ts";

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
    servePending(); // a polling loop on the main thread serves threads' starts
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
   * Puts an item. Python's `SimpleQueue.put` never blocks (it has no bound) and ignores
   * `block` and `timeout`; here the items' bytes have a bound (`maxBytes`), and while
   * they leave no room for this item, `put` waits for room as {@linkcode Queue.put}
   * does, with `block` and `timeout` (milliseconds) as there.
   *
   * @param item The item; it is copied.
   * @param block Whether to wait for room (default `true`).
   * @param timeout The most milliseconds to wait; `undefined`/`null` for no limit.
   * @throws {TypeError} If the item cannot go through a queue.
   * @throws {QueueFull} If there is no room for the item's bytes, without blocking or
   * within the timeout.
   * @throws {RangeError} If the item alone takes more than the queue's `maxBytes`.
   */
  put(item: T, block = true, timeout?: number | null): void {
    putSync(this.#core, item, queueTimeout(block, timeout, PUT));
  }

  /**
   * Puts an item without waiting, as `put(item, false)`.
   *
   * @param item The item.
   * @throws {TypeError} If the item cannot go through a queue.
   * @throws {QueueFull} If the items' bytes leave no room for it (`maxBytes`).
   * @throws {RangeError} If the item alone takes more than the queue's `maxBytes`.
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
    const ms = queueTimeout(block, timeout, GET);
    // `get(false)` in a polling loop on the main thread serves threads' starts.
    if (ms === 0) servePending();
    return getSync(this.#core, ms) as T;
  }

  /**
   * Removes and returns the next item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   */
  getNowait(): T {
    servePending(); // a polling loop on the main thread serves threads' starts
    return getSync(this.#core, 0) as T;
  }

  /**
   * As {@linkcode SimpleQueue.get}, waiting without blocking the event loop.
   *
   * @param block Whether to wait for an item, or the options in place of both
   * arguments (`getAsync({ signal })`).
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit.
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}): once it aborts, the get withdraws and takes no item (the
   * item goes to another get), and the promise rejects with `signal.reason`. Use it (or
   * `timeout`) rather than `Promise.race` against a timer: a raced-away get stays
   * pending and takes an item that nobody reads.
   * @returns A promise of the item.
   * @throws {QueueEmpty} If no item came (the promise rejects).
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`.
   */
  getAsync(
    block?: boolean | WaitOptions,
    timeout?: number | null,
    options?: WaitOptions,
  ): Promise<T> {
    try {
      const [b, signal] = waitArgs(block, options, GET);
      return getAsyncImpl(
        this.#core,
        queueTimeout(b, timeout, GET),
        signal,
      ) as Promise<T>;
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
  [customInspect](): string {
    return this.toString();
  }

  /** How a simple queue travels to another thread: its buffers. @returns The ticket. */
  [kTravel](): Ticket {
    return { kind: "SimpleQueue", head: this.#core.head };
  }

  static {
    coreGetters.push((q) => #core in q ? q.#core : undefined);
  }
}

registerKind("SimpleQueue", reviver(() => new SimpleQueue()));
