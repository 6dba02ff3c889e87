// Copyright the threading for Deno authors. MIT license.
/**
 * {@linkcode Queue}, the first-in, first-out queue shared by threads (Python's
 * `queue.Queue`), a thin class over the engine of `_queue_core.ts`; `LifoQueue` and
 * `PriorityQueue` extend it.
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import {
  Core,
  KIND_FIFO,
  KIND_NAMES,
  Q_COUNT,
  Q_DONE_SEQ,
  Q_DONE_WAITERS,
  Q_LOCK,
  Q_MAXSIZE,
  Q_UNFINISHED,
  type QueueOptions,
} from "./_queue_core.ts";
import { servePending, signalOf, waitArgs, type WaitOptions } from "./_futex.ts";
import {
  adopting,
  checkMaxBytes,
  checkMaxsize,
  coreGetters,
  GET,
  getAsyncImpl,
  getSync,
  never,
  PUT,
  putAsyncImpl,
  putSync,
  queueKindOf,
  queueTimeout,
  reviver,
  setQueueKind,
  whenReadyAsync,
} from "./_queue_ops.ts";
import { lock, unlock } from "./_lock_algorithm.ts";

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
   * @throws {RangeError} If `maxsize` is over 2³¹-1 or `maxBytes` is not positive.
   */
  constructor(maxsize = 0, options?: QueueOptions) {
    const kind = queueKindOf(new.target);
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
    servePending(); // a polling loop on the main thread serves threads' starts
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
   * queue is full, or while the items' bytes leave no room for this one (`maxBytes`,
   * 256 MiB by default: so a put into an unbounded queue waits rather than fails, as
   * Python's never fails), at most `timeout` milliseconds if given; without, fails at
   * once.
   *
   * @param item The item; it is copied (see the module doc for what can go through).
   * @param block Whether to wait for a free slot.
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit. Ignored
   * when `block` is false.
   * @throws {QueueFull} If the queue stayed full.
   * @throws {QueueShutDown} If the queue was shut down.
   * @throws {TypeError} If the item cannot go through a queue, or an argument has the
   * wrong type.
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`, or the item
   * alone takes more than the queue's `maxBytes`.
   */
  put(item: T, block = true, timeout?: number | null): void {
    putSync(this.#core, item, queueTimeout(block, timeout, PUT));
  }

  /**
   * Puts an item without waiting, as `put(item, false)`.
   *
   * @param item The item.
   * @throws {QueueFull} If the queue is full (`maxsize` items, or no room for the
   * item's bytes within `maxBytes`).
   * @throws {QueueShutDown} If the queue was shut down.
   * @throws {TypeError} If the item cannot go through a queue.
   * @throws {RangeError} If the item alone takes more than the queue's `maxBytes`.
   */
  putNowait(item: T): void {
    putSync(this.#core, item, 0);
  }

  /**
   * As {@linkcode Queue.put}, waiting without blocking the event loop.
   *
   * @param item The item.
   * @param block Whether to wait for a free slot, or the options in place of both
   * arguments (`putAsync(item, { signal })`).
   * @param timeout Most milliseconds to wait; `undefined`/`null`: no limit.
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}): once it aborts, the item is not put, and the promise
   * rejects with `signal.reason`.
   * @returns A promise that resolves once the item is in the queue.
   * @throws {QueueFull} If the queue stayed full (the promise rejects).
   * @throws {QueueShutDown} If the queue was shut down (the promise rejects).
   * @throws {TypeError} If the item cannot go through a queue.
   * @throws {RangeError} If `timeout` is negative or over `TIMEOUT_MAX`, or the item
   * alone takes more than the queue's `maxBytes`.
   */
  putAsync(
    item: T,
    block?: boolean | WaitOptions,
    timeout?: number | null,
    options?: WaitOptions,
  ): Promise<void> {
    try {
      const [b, signal] = waitArgs(block, options, PUT);
      return putAsyncImpl(this.#core, item, queueTimeout(b, timeout, PUT), signal);
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
   * @throws {TypeError} If the item holds an object of a class whose module this
   * thread has not imported by reference (a blocking get cannot import it): the item
   * stays at the head of the queue, and `getAsync()`, which imports it, gets it.
   */
  get(block = true, timeout?: number | null): T {
    const ms = queueTimeout(block, timeout, GET);
    // `get(false)` in a polling loop on the main thread serves threads' starts.
    if (ms === 0) servePending();
    return getSync(this.#core, ms) as T;
  }

  /**
   * Removes and returns the next item without waiting, as `get(false)`.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   * @throws {QueueShutDown} If the queue was shut down and is empty.
   */
  getNowait(): T {
    servePending(); // a polling loop on the main thread serves threads' starts
    return getSync(this.#core, 0) as T;
  }

  /**
   * As {@linkcode Queue.get}, waiting without blocking the event loop.
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
   * @throws {QueueShutDown} If the queue was shut down and is empty (the promise rejects).
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
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}).
   * @returns A promise that resolves once every item put has been marked done; it
   * rejects with `signal.reason` if the signal aborts first.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal` (the promise
   * rejects).
   */
  joinAsync(options?: WaitOptions): Promise<void> {
    const core = this.#core;
    const { ctl } = core;
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options, "Cannot join the queue");
    } catch (e) {
      return Promise.reject(e);
    }
    return whenReadyAsync(
      core,
      Q_DONE_SEQ,
      Q_DONE_WAITERS,
      () => ctl[Q_UNFINISHED] === 0,
      () => {},
      Infinity,
      never,
      signal,
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
  [customInspect](): string {
    return this.toString();
  }

  /** How a queue travels to another thread: its buffers. @returns The ticket. */
  [kTravel](): Ticket {
    return { kind: KIND_NAMES[this.#core.kind], head: this.#core.head };
  }

  static {
    coreGetters.push((q) => #core in q ? q.#core : undefined);
  }
}

setQueueKind(Queue, KIND_FIFO);
registerKind("Queue", reviver(() => new Queue()));
