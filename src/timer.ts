// Copyright the threading for Deno authors. MIT license.
/**
 * `Timer`: Python's `threading.Timer`, a thread that runs a function after a delay
 * unless it is cancelled first.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { describe, TIMEOUT_MAX } from "./_futex.ts";
import { Event } from "./event.ts";
import { Thread } from "./thread.ts";
import { kNameWithoutTarget, stateOf } from "./_thread_state.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

/**
 * The options of a Timer, after its positional arguments: `new Timer(ms, fn, args,
 * kwargs, { module })`.
 */
export interface TimerOptions {
  /**
   * The module that exports the function, as a URL (`import.meta.resolve("./tasks.ts")`),
   * as a Thread's `module` option: needed only where it cannot be found from the stack
   * (a module loaded by a dynamic `import()`). It must export the function itself: one
   * that exports another function of the same name and source text is refused.
   */
  module?: string | URL;
}

/** A Timer's call, as CPython's Timer keeps it: its `function`, `args` and `kwargs`. */
interface Call {
  function: Fn;
  args: readonly unknown[];
  kwargs: Record<string, unknown> | undefined;
}

/**
 * The call of each Timer made in this thread, kept after `start()`: CPython's Timer keeps
 * `function`, `args` and `kwargs` for its life, while a Thread's state lets go of its
 * target at `start()` (see `Thread.run`). In the Timer's own thread, the call is the
 * Thread state's (target, args, kwargs), which `start()` sent.
 */
const calls = new WeakMap<Timer, Call>();

/**
 * A thread that calls `fn(...args)` (and `kwargs` as a last argument, when given) after
 * `interval` milliseconds, unless `cancel()` came first, as Python's
 * `threading.Timer` (whose interval is in seconds). `fn` travels by reference like a
 * Thread's target: it must be an exported function of the module that creates the
 * Timer. Its default name is `Thread-N`, without the function's name, as in CPython
 * (whose `Timer` calls `Thread.__init__` without a target).
 *
 * As CPython's, a Timer has the attributes `interval`, `finished` (the `Event` that
 * `cancel()` sets), `function`, `args` and `kwargs`, in the thread that made it and in
 * its own thread (`run()`), so that the common subclass that repeats works as written in
 * Python:
 *
 * ```ts ignore
 * export class RepeatTimer extends Timer {
 *   override run() {
 *     while (!this.finished.wait(this.interval)) this.function(...this.args);
 *   }
 * }
 * ```
 *
 * (`kwargs` is `undefined` unless given; the Timer's own call is
 * `function(...args, kwargs)` when it is given, `function(...args)` otherwise.)
 *
 * `args` and `kwargs` are type-checked against `fn`'s parameters: `new Timer(100, work,
 * ["x"])` for `work(lock: Lock, n: number)` fails `deno check`. `args` are all of them,
 * or all but the last when that last one is an object that `kwargs` gives. Not checked:
 * an array of any length (`args: unknown[]`), a subclass (its parameters are `any[]`),
 * and a Timer whose type comes from an annotation (`const t: Timer = new Timer(...)`).
 *
 * @typeParam P The function's parameters, inferred from `fn`.
 * @typeParam A The type of `args`, inferred: checked when it is a tuple.
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
export class Timer<
  // deno-lint-ignore no-explicit-any
  P extends readonly unknown[] = any[],
  // deno-lint-ignore no-explicit-any
  A extends readonly unknown[] | [] = any[],
> extends Thread {
  /** @internal CPython's Timer is named `Thread-N`, without ` (target)`. */
  static readonly [kNameWithoutTarget] = true;
  /** The delay before the call, in milliseconds. */
  interval: number;
  /** Set by `cancel()`, or once the function has run. */
  finished: Event;

  /**
   * The function the Timer calls, as CPython's `Timer.function`: in the thread that made
   * it, and in its own thread.
   *
   * @throws {TypeError} When set to a value that is not a function.
   */
  // deno-lint-ignore no-explicit-any
  get function(): (...args: any[]) => unknown {
    return calls.get(this)?.function ?? stateOf(this).target!;
  }
  // deno-lint-ignore no-explicit-any
  set function(fn: (...args: any[]) => unknown) {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot set Timer.function: expected a function, received ${describe(fn)}`,
      );
    }
    changeCall(this, { function: fn });
  }

  /** The function's positional arguments, as CPython's `Timer.args`. */
  get args(): readonly unknown[] {
    return calls.get(this)?.args ?? stateOf(this).args;
  }
  set args(args: readonly unknown[]) {
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot set Timer.args: expected an array, received ${describe(args)}`,
      );
    }
    changeCall(this, { args });
  }

  /**
   * Python's keyword arguments, passed as one more, last argument when given (CPython's
   * `Timer.kwargs`, whose default is `{}`); `undefined` when not given.
   */
  get kwargs(): Record<string, unknown> | undefined {
    const call = calls.get(this);
    return call !== undefined ? call.kwargs : stateOf(this).kwargs;
  }
  set kwargs(kwargs: Record<string, unknown> | undefined) {
    changeCall(this, { kwargs });
  }

  /**
   * Creates a timer; `start()` starts its countdown.
   *
   * @param interval Delay in milliseconds before `fn` runs: negative means at once (as
   * in CPython); `Infinity`: it never fires (a `cancel()` ends its thread).
   * @param fn The function to call: an exported function.
   * @param args Its positional arguments.
   * @param kwargs Python's keyword arguments, passed as one more, last argument.
   * @param options `module`: the module that exports `fn`, as a Thread's `module` option
   * (an addition to Python's Timer): needed only where the Timer's thread cannot find it
   * (a function of a module loaded by a dynamic `import()`).
   * @throws {TypeError} If `interval` is not a number, `fn` not a function, or
   * `options.module` not a URL.
   * @throws {RangeError} If `interval` is NaN, or over `TIMEOUT_MAX` and not `Infinity`.
   */
  constructor(
    interval: number,
    fn: (...args: P) => unknown,
    args?: number extends A["length"] ? A
      : (
        | Readonly<P>
        | (P extends readonly [...infer Head, infer Last]
          ? (Last extends object ? Readonly<Head> : never)
          : never)
      ),
    kwargs?: P extends readonly [...unknown[], infer Last]
      ? (Last extends object ? Last : never)
      : Record<string, unknown>,
    options?: TimerOptions,
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
    if (
      options !== undefined &&
      (typeof options !== "object" || options === null || Array.isArray(options))
    ) {
      throw new TypeError(
        `Cannot create Timer: options must be an object ({ module }), received ${
          describe(options)
        }`,
      );
    }
    const module = options?.module;
    if (module !== undefined && typeof module !== "string" && !(module instanceof URL)) {
      throw new TypeError(
        `Cannot create Timer: options.module must be a URL (a string or a URL, as import.meta.resolve("./tasks.ts") gives), received ${
          describe(module)
        }`,
      );
    }
    const call: Call = {
      function: fn as Fn,
      args: (args ?? []) as readonly unknown[],
      kwargs: kwargs as Record<string, unknown> | undefined,
    };
    super({ target: call.function, args: call.args, kwargs: call.kwargs, module });
    this.interval = interval;
    this.finished = new Event();
    calls.set(this, call);
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

/**
 * Changes a Timer's call: the kept one in the thread that made the Timer, and the Thread
 * state's where it runs (the Timer's own thread, or before `start()`, which sends it). A
 * function, not a `#private` method: the Timer object of its own thread is made without
 * its constructor (`_thread_start.ts`), so it has no private members.
 */
function changeCall(timer: Timer, change: Partial<Call>): void {
  const call = calls.get(timer);
  if (call !== undefined) Object.assign(call, change);
  const state = stateOf(timer);
  if (call === undefined || !state.started) {
    if (change.function !== undefined) state.target = change.function;
    if (change.args !== undefined) state.args = change.args;
    if ("kwargs" in change) state.kwargs = change.kwargs;
  }
}
