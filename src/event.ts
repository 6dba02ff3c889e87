// Copyright the threading for Deno authors. MIT license.
/**
 * `Event`: Python's `threading.Event`, a flag that threads wait for, shared through a
 * 64-byte slot of a slab of shared memory (see `carve` in `_slab.ts`:
 * creating one allocates no SharedArrayBuffer of its own).
 *
 * ## Shared words (`Int32Array` indexes, in a view of the event's slot)
 *
 * | word | values | meaning | who moves it |
 * | --- | --- | --- | --- |
 * | `E_SEQ` | even: clear, odd: set | the flag in its low bit; the count of flag changes in the rest | `set()` even->odd, `clear()` odd->even, each by one CAS that adds 1 |
 * | `E_WAITERS` | >= 0 | threads and tasks sleeping on `E_SEQ` | a waiter, +1 before it sleeps, -1 after |
 * | `E_ID` | 0 / id | the id in reports (see `_waits.ts`) | stamped at creation (`stampId`), or given by the first sleeper |
 *
 * A waiter that found the flag clear (an even `E_SEQ`) sleeps while `E_SEQ` keeps that
 * value; any change means that `set()` ran since, so `wait()` returns `true` even if a
 * `clear()` came right after: a `set(); clear()` pair never goes unseen, as in Python.
 * `set()` calls `Atomics.notify` only if `E_WAITERS` is above 0 (the waiter counts
 * itself before it sleeps, the setter changes `E_SEQ` before it reads the count).
 *
 * @module
 */
import { customInspect } from "./_platform.ts";
import { kTravel, registerKind, type Ticket } from "./_codec.ts";
import { carveView } from "./_slab.ts";
import { KIND_EVENT, noteCreation, recordCreation, stampId } from "./_waits.ts";
import {
  deadlineAfter,
  remaining,
  servePending,
  waitArgs,
  waitAsyncCounted,
  type WaitOptions,
  waitRecorded,
  waitTimeout,
} from "./_futex.ts";

/** Word: the flag (low bit) and the count of its changes. */
export const E_SEQ = 0;
/** Word: the number of waiters sleeping on `E_SEQ`. */
export const E_WAITERS = 1;
/** Word: the event's id in reports, stamped at creation (see `stampId` in `_waits.ts`). */
export const E_ID = 2;
/** Bytes of an event's slot: one cache line. */
export const EVENT_BYTES = 64;

let revived: Int32Array | undefined;
let wordsOf: (event: Event) => Int32Array;

/**
 * An event, as Python's `threading.Event`: a flag, initially clear, that `set()` sets
 * and `clear()` clears, and that `wait()` waits for. It is shared: sent to another
 * thread, it arrives as the same event.
 *
 * Ordering contract: a `set()` happens before every `wait()` that returns `true`
 * because of it, so what the setter wrote before `set()` is visible to the waiters.
 *
 * Fairness: `set()` wakes every waiter.
 *
 * @example Waiting for a flag
 * ```ts
 * import { Event } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * assert.equal(ready.wait(5), false);
 * ready.set();
 * assert.equal(ready.wait(), true);
 * ```
 */
export class Event {
  #i32: Int32Array;

  /**
   * Creates an event whose flag is clear.
   *
   * @example Creating an event
   * ```ts
   * import { Event } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event().isSet(), false);
   * ```
   */
  constructor() {
    if (revived === undefined) {
      this.#i32 = carveView(EVENT_BYTES);
      stampId(KIND_EVENT, this.#i32, 0);
      if (recordCreation) noteCreation(KIND_EVENT, this.#i32, 0);
    } else {
      this.#i32 = revived;
      revived = undefined;
    }
  }

  /**
   * Whether the flag is set (Python's `is_set()`).
   *
   * @returns The flag.
   *
   * @example Reading the flag
   * ```ts
   * import { Event } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * assert.equal(e.isSet(), true);
   * ```
   */
  isSet(): boolean {
    servePending(); // a polling loop on the main thread serves threads' starts
    return (Atomics.load(this.#i32, E_SEQ) & 1) === 1;
  }

  /**
   * Sets the flag and wakes every waiter. Setting a set flag does nothing.
   *
   * @example Setting
   * ```ts
   * import { Event } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * e.set();
   * assert.equal(e.isSet(), true);
   * ```
   */
  set(): void {
    const i32 = this.#i32;
    for (;;) {
      const s = Atomics.load(i32, E_SEQ);
      if (s & 1) return;
      if (Atomics.compareExchange(i32, E_SEQ, s, s + 1) === s) break;
    }
    if (Atomics.load(i32, E_WAITERS) > 0) Atomics.notify(i32, E_SEQ);
  }

  /**
   * Clears the flag.
   *
   * @example Clearing
   * ```ts
   * import { Event } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * e.clear();
   * assert.equal(e.isSet(), false);
   * ```
   */
  clear(): void {
    const i32 = this.#i32;
    for (;;) {
      const s = Atomics.load(i32, E_SEQ);
      if (!(s & 1)) return;
      if (Atomics.compareExchange(i32, E_SEQ, s, s + 1) === s) return;
    }
  }

  /**
   * Blocks (on any thread, the main thread included) until the flag is set, or until
   * `timeout` milliseconds have passed.
   *
   * @param timeout Longest wait in milliseconds; `undefined` means no limit, a negative
   * number means do not wait.
   * @returns `true` if the flag was set (now or while waiting), `false` on timeout.
   * @throws {TypeError} If `timeout` is not a number.
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX`.
   *
   * @example Timing out
   * ```ts
   * import { Event } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event().wait(1), false);
   * ```
   */
  wait(timeout?: number): boolean {
    const i32 = this.#i32;
    const s = Atomics.load(i32, E_SEQ);
    if (s & 1) return true;
    const deadline = deadlineAfter(waitTimeout(timeout, "Cannot wait on Event"));
    for (;;) {
      const left = remaining(deadline);
      if (left <= 0) {
        servePending(); // `while (!e.wait(0)) {}` serves threads' starts
        return Atomics.load(i32, E_SEQ) !== s;
      }
      waitRecorded(KIND_EVENT, i32, 0, i32, E_SEQ, s, left, E_WAITERS);
      if (Atomics.load(i32, E_SEQ) !== s) return true;
    }
  }

  /**
   * Waits without blocking the event loop: the `...Async` twin of
   * {@linkcode Event.prototype.wait}.
   *
   * @param timeout Longest wait in milliseconds; `undefined` means no limit. Or the
   * options in its place (`waitAsync({ signal })`).
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}).
   * @returns A promise of `true` if the flag was set, `false` on timeout; it rejects
   * with `signal.reason` if the signal aborts first.
   * @throws {TypeError} If `timeout` is not a number, or `options.signal` not an
   * `AbortSignal` (synchronously).
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX` (synchronously).
   *
   * @example Waiting in async code
   * ```ts
   * import { Event } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * setTimeout(() => e.set(), 1);
   * assert.equal(await e.waitAsync(), true);
   * ```
   */
  waitAsync(timeout?: number | WaitOptions, options?: WaitOptions): Promise<boolean> {
    const [t, signal] = waitArgs(timeout, options, "Cannot wait on Event");
    const i32 = this.#i32;
    const ms = waitTimeout(t, "Cannot wait on Event");
    const s = Atomics.load(i32, E_SEQ);
    if (s & 1) return Promise.resolve(true);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return waitChange(i32, s, deadlineAfter(ms), signal);
  }

  /**
   * A description: `<Event set>` or `<Event unset>`.
   *
   * @returns The description.
   */
  toString(): string {
    return `<Event ${this.isSet() ? "set" : "unset"}>`;
  }

  /** How `console.log` shows the event. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /** How an event travels to another thread: its slot. @returns The ticket. */
  [kTravel](): Ticket {
    return { kind: "Event", head: this.#i32 };
  }

  static {
    wordsOf = (event) => event.#i32;
  }
}

async function waitChange(
  i32: Int32Array,
  s: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (;;) {
    const left = remaining(deadline);
    if (left <= 0) return Atomics.load(i32, E_SEQ) !== s;
    Atomics.add(i32, E_WAITERS, 1);
    const r = await waitAsyncCounted(i32, E_SEQ, s, left, E_WAITERS, signal);
    if (Atomics.load(i32, E_SEQ) !== s) return true;
    if (r === "aborted") throw signal!.reason;
  }
}

registerKind("Event", {
  create(head) {
    revived = head as Int32Array;
    return new Event();
  },
});

/** The shared words of an event (for tests). Not part of the API. */
export function eventWords(event: Event): Int32Array {
  return wordsOf(event);
}
