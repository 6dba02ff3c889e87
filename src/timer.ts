// Copyright the threading for Deno authors. MIT license.
/**
 * `Timer`: Python's `threading.Timer`, a thread that runs a function after a delay
 * unless it is cancelled first.
 *
 * @module
 */
import { describe, TIMEOUT_MAX } from "./_futex.ts";
import { Event } from "./event.ts";
import { Thread } from "./thread.ts";
import { kNameWithoutTarget } from "./_thread_state.ts";

/**
 * A thread that calls `fn(...args)` (and `kwargs` as a last argument, when given) after
 * `interval` milliseconds, unless `cancel()` came first, as Python's
 * `threading.Timer` (whose interval is in seconds). `fn` travels by reference like a
 * Thread's target: it must be an exported function of the module that creates the
 * Timer. Its default name is `Thread-N`, without the function's name, as in CPython
 * (whose `Timer` calls `Thread.__init__` without a target).
 *
 * @example A timer that is cancelled before it fires
 * ```ts ignore
 * import { Timer } from "@threading/threading";
 *
 * export function delayed() {
 *   console.log("worker running");
 * }
 *
 * if (import.meta.main) {
 *   const t = new Timer(300, delayed);
 *   t.start();
 *   t.cancel(); // delayed() never runs
 * }
 * ```
 */
export class Timer extends Thread {
  /** @internal CPython's Timer is named `Thread-N`, without ` (target)`. */
  static readonly [kNameWithoutTarget] = true;
  /** The delay before the call, in milliseconds. */
  interval: number;
  /** Set by `cancel()`, or once the function has run. */
  finished: Event;

  /**
   * Creates a timer; `start()` starts its countdown.
   *
   * @param interval Delay in milliseconds before `fn` runs: negative means at once (as
   * in CPython); `Infinity`: it never fires (a `cancel()` ends its thread).
   * @param fn The function to call: an exported function.
   * @param args Its positional arguments.
   * @param kwargs Python's keyword arguments, passed as one more, last argument.
   * @throws {TypeError} If `interval` is not a number or `fn` not a function.
   * @throws {RangeError} If `interval` is NaN, or over `TIMEOUT_MAX` and not `Infinity`.
   */
  constructor(
    interval: number,
    // deno-lint-ignore no-explicit-any
    fn: (...args: any[]) => unknown,
    args: readonly unknown[] = [],
    kwargs?: Record<string, unknown>,
  ) {
    if (typeof interval !== "number") {
      throw new TypeError(
        `Cannot create Timer: interval must be a number of milliseconds, received ${
          describe(interval)
        }`,
      );
    }
    // As CPython, whose Timer waits `finished.wait(interval)`: a negative interval means
    // now; Infinity (JavaScript's "no limit") means until cancel().
    if (Number.isNaN(interval) || (interval > TIMEOUT_MAX && interval !== Infinity)) {
      throw new RangeError(
        `Cannot create Timer: interval must be a number of milliseconds up to TIMEOUT_MAX (${TIMEOUT_MAX}), or Infinity, received ${interval}`,
      );
    }
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot create Timer: fn must be a function, received ${describe(fn)}`,
      );
    }
    super({ target: fn, args, kwargs });
    this.interval = interval;
    this.finished = new Event();
  }

  /** Stops the timer if it has not fired yet; does nothing otherwise. */
  cancel(): void {
    this.finished.set();
  }

  /** Waits `interval` milliseconds, then calls the function unless cancelled. */
  override run(): unknown {
    this.finished.wait(this.interval);
    if (!this.finished.isSet()) {
      try {
        return super.run();
      } finally {
        this.finished.set();
      }
    }
    return undefined;
  }
}
