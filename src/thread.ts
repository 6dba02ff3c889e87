// Copyright the threading for Deno authors. MIT license.
/**
 * `Thread`: a thread of control, one Worker each, as Python's `threading.Thread`.
 *
 * A thread's state (started, alive, name, daemon flag, ident) lives in the shared
 * runtime's thread table (`_runtime.ts`), so every call here answers the same from every
 * thread, and every blocking call works while any other thread, the main thread
 * included, is blocked. The functions that answer about threads are in
 * `thread_functions.ts`, the excepthook in `excepthook.ts`; how a start finds its code
 * and how the Worker marks the thread's life are in `_thread_start.ts`; the start
 * itself (its order), in the starting thread, in `_thread_launch.ts`.
 *
 * Code travels by reference: the Worker imports the module that defines the target
 * function or the Thread subclass and looks it up by its exported name.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { customInspect } from "./_platform.ts";
import { kTravel, type Ticket } from "./_codec.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  servePending,
  TIMEOUT_MAX,
  waitArgs,
  waitAsync,
  type WaitOptions,
  waitRecorded,
  waitTimeout,
} from "./_futex.ts";
import { prewarmSoon } from "./_pool.ts";
import { KIND_JOIN } from "./_waits.ts";
import {
  JOIN_FRESH_MS,
  JOIN_SPIN_MS,
  joinGate,
  settleEnd,
  spinWhile,
} from "./_thread_spin.ts";
import { callerModule, captureOrigin } from "./_reference.ts";
import { current, runtime, S_ALIVE, S_IDENT, slotBase, writeName } from "./_runtime.ts";
import { ThreadError } from "./errors.ts";
import { currentThread } from "./thread_functions.ts";
import {
  checkName,
  checkOptions,
  defaultName,
  handles,
  here,
  i32,
  kNameWithoutTarget,
  kState,
  mainNativeId,
  NO_STATE,
  refresh,
  setState,
  type Snapshot,
  stateOf,
  type ThreadState,
} from "./_thread_state.ts";
import { refuseKeywordKwargs } from "./_kwargs.ts";
import { classModules, targetModules } from "./_thread_start.ts";
import { ownFields, startThread } from "./_thread_launch.ts";
export { TIMEOUT_MAX };

/**
 * The parameter lists of a target function `F`: one for each of its overloads (the
 * last 8 of more: TypeScript shows no more), `[x: unknown]` for a generic `<T>(x: T)`,
 * `any[]` for an untyped `(...args: any[])`, `unknown[]` for a target cast to `never`.
 * What a Thread's `args` are checked against.
 */
export type TargetParameters<F> = [F] extends [never] ? unknown[]
  : F extends {
    (...args: infer P1): unknown;
    (...args: infer P2): unknown;
    (...args: infer P3): unknown;
    (...args: infer P4): unknown;
    (...args: infer P5): unknown;
    (...args: infer P6): unknown;
    (...args: infer P7): unknown;
    (...args: infer P8): unknown;
  } ? P1 | P2 | P3 | P4 | P5 | P6 | P7 | P8
  : never;

/**
 * The `args` a target with the parameter lists `P` takes, when `kwargs` (of type `K`) is
 * given or not (`undefined`): all of its parameters (a `readonly` list is accepted, and
 * optional ones may be left out), or all but the last when `kwargs` gives that last one
 * (`target(...args, kwargs)`). A list with a rest parameter (`...args: T[]`) is its own
 * answer.
 */
export type TargetArgs<P, K = undefined> = P extends readonly unknown[]
  ? [K] extends [undefined] ? Readonly<P>
  : number extends P["length"] ? Readonly<P>
  : P extends readonly [...infer Head, (infer _Last)?] ? Readonly<Head>
  : Readonly<P>
  : never;

/**
 * The `kwargs` a target with the parameter lists `P` takes: its last parameter, when it
 * takes an object (`never`, so `kwargs` cannot be given, when it does not, or when the
 * target takes no parameter); any object of named values (`Record<string, unknown>`)
 * when the last parameter is `unknown`, or the list ends with a rest parameter
 * (`...args: T[]`).
 */
export type TargetKwargs<P> = P extends readonly unknown[]
  ? number extends P["length"] ? Record<string, unknown>
  : P extends readonly [] ? never
  : P extends readonly [...infer _Head, (infer Last)?]
    ? Last extends object ? Last : object extends Last ? Record<string, unknown> : never
  : never
  : never;

/**
 * Options of the {@linkcode Thread} constructor, as Python's keyword arguments.
 *
 * `new Thread({...})` infers the type parameters, so that `args` and `kwargs` are
 * type-checked against the target's parameters (as TypeScript checks a call
 * `target(...args, kwargs)`; every overload of the target is tried): too few, too many
 * or of the wrong type fail `deno check`. `args` may be left out only when the target
 * needs no argument. A generic caller passes its target's own parameters
 * (`fn: (...a: T) => R, args: T`, or `args: Parameters<F>`). Not checked: `args` that
 * is an array of any length (`unknown[]`, not a tuple), a target cast to `never`, a
 * `ThreadOptions` written without type arguments (its target is any function), and a
 * subclass's `super({ target, args })` unless it extends `Thread<typeof target>`.
 *
 * @typeParam F The target's type, inferred from `target`.
 * @typeParam A The type of `args`, inferred: checked when it is a tuple (a list written
 *   in place, a `readonly` tuple, an `as const` array).
 * @typeParam K The type of `kwargs`, inferred: `undefined` when not given.
 */
export interface ThreadOptions<
  // deno-lint-ignore no-explicit-any
  F extends (...args: any[]) => unknown = (...args: any[]) => unknown,
  A extends readonly unknown[] | [] = never,
  K extends TargetKwargs<TargetParameters<F>> | undefined = undefined,
> {
  /**
   * The function that `run()` calls: an exported function of the module that
   * constructs the Thread (or of the main module, or of `module`).
   */
  target?: F;
  /** The thread's name; default `Thread-N (target)`, or `Thread-N` without a target. */
  name?: string | number;
  /** Positional arguments for the target. @default {[]} */
  args?:
    | (number extends A["length"] ? A : TargetArgs<TargetParameters<F>, K>)
    | ([K] extends [undefined] ? Readonly<Parameters<F>> : never);
  /**
   * Python's keyword arguments: when given, the target is called with them as one more,
   * last argument: `target(...args, kwargs)`.
   */
  kwargs?: [K] extends [undefined] ? TargetKwargs<TargetParameters<F>> : K;
  /** Whether the thread is a daemon; default: the starting thread's flag. */
  daemon?: boolean;
  /**
   * The module that exports the target (or the subclass), as a URL; needed only where it
   * cannot be found from the stack (e.g. `import.meta.url` of the defining module).
   */
  module?: string | URL;
  /** Reserved for thread groups, as in Python: must be `null` (or left out). */
  group?: null;
}

function fileUrl(module: string | URL): string {
  return new URL(String(module), callerModule() ?? "file:///").href;
}

/**
 * A thread of control: a Worker running a function or a subclass's `run()`, in
 * parallel with the others, as Python's `threading.Thread`.
 *
 * The target must be an exported function (code travels by reference, as pickle
 * does): the new thread imports the module that constructs the Thread, or the main
 * module, or `module`, and calls that module's export of the same name. A subclass must
 * be exported too; its own fields (set in its constructor) arrive in the new thread
 * through the codec, and its constructor does not run again there.
 *
 * `args` and `kwargs` are type-checked against the target's parameters: `new Thread({
 * target: worker, args: ["x"] })` for `worker(n: number)` fails `deno check` (see
 * {@linkcode ThreadOptions}, whose type parameters `new Thread({...})` infers).
 *
 * @typeParam F The target's type (see {@linkcode ThreadOptions}).
 * @typeParam A The type of `args`.
 * @typeParam K The type of `kwargs`.
 *
 * @example Start a thread and wait for it
 * ```ts ignore
 * import { Thread } from "@threading/threading";
 *
 * export function worker(n: number) {
 *   console.log(`Worker: ${n}`);
 * }
 *
 * if (import.meta.main) {
 *   const t = new Thread({ target: worker, args: [1] });
 *   t.start();
 *   t.join();
 * }
 * ```
 */
export class Thread<
  // deno-lint-ignore no-explicit-any
  F extends (...args: any[]) => unknown = (...args: any[]) => unknown,
  A extends readonly unknown[] | [] = never,
  K extends TargetKwargs<TargetParameters<F>> | undefined = undefined,
> {
  /** @internal */
  declare [kState]: ThreadState;

  /**
   * Creates a thread; `start()` runs it.
   *
   * @param options The target, its arguments, the name (a false one, or one that is
   * `""` as a string, gets the default; another is turned into a string, as CPython's
   * `str(name)`), the daemon flag.
   * @throws {TypeError} If the target is not a function, `kwargs` is not an object of
   * named arguments (an array: CPython's "argument after ** must be a mapping"), an
   * option is unknown (CPython refuses an unexpected keyword argument), or `group` is
   * not `null`.
   * @throws {RangeError} If the name is longer than 256 bytes of UTF-8.
   */
  constructor(
    options?:
      & ThreadOptions<F, A, K>
      // `args` may be left out only when the target needs no argument.
      & ([] extends TargetArgs<TargetParameters<F>, K> ? unknown
        : { args: A | Readonly<Parameters<F>> }),
  ) {
    if ((options as unknown) === NO_STATE) return;
    const given = (options === undefined ? {} : options) as ThreadOptions;
    checkOptions(given);
    const { target, args = [], kwargs, daemon, module } = given;
    refuseKeywordKwargs(
      target,
      args,
      kwargs,
      new.target === Thread ? "Cannot create Thread" : `Cannot create ${new.target.name}`,
    );
    // As CPython 3.10+ (Thread.__init__): a false name (None, "", 0, False) gets the
    // next `Thread-N`, followed by ` (target)` when a target is given:
    // `Thread-1 (worker)`; any other is turned into a string, as the setter does.
    const name = !given.name || checkName(given.name) === ""
      ? defaultName(
        (new.target as { [kNameWithoutTarget]?: boolean })[kNameWithoutTarget]
          ? undefined
          : target,
      )
      : checkName(given.name);
    const sub = new.target !== Thread;
    // Boot a spare Worker at the first start(), with those of the other Threads
    // constructed: not here, creating a Worker blocks for tens of ms.
    if (runtime.isMain) prewarmSoon(++here.unstarted);
    setState(this, {
      name,
      daemon: daemon ?? currentThread().daemon,
      target: target ?? undefined,
      args,
      kwargs: kwargs ?? undefined,
      moduleOption: module === undefined ? undefined : fileUrl(module),
      // Captured now (cheap), read by start() only for code it has not found before.
      origin:
        (target && !targetModules.has(target)) || (sub && !classModules.has(new.target))
          ? captureOrigin()
          : undefined,
    });
  }

  /**
   * The work of the thread: calls the target with the arguments (and kwargs as a last
   * argument, when given). Override it in a subclass. May return a promise: the thread
   * ends when it settles.
   *
   * Once `start()` has returned, the Thread object in the starting thread no longer
   * holds the target and the arguments (CPython drops them as `run()` ends): its thread
   * runs from its own copy, and `run()` called here does nothing.
   *
   * @returns What the target returns.
   */
  run(): unknown {
    const state = stateOf(this);
    const target = state.target;
    if (target === undefined) return undefined;
    return state.kwargs === undefined
      ? target(...state.args)
      : target(...state.args, state.kwargs);
  }

  /**
   * Starts the thread: returns once it runs (`isAlive()` true, `ident` set, listed by
   * `enumerate()`).
   *
   * @throws {ThreadError} If it was started before, or cannot start (the message says
   * how to fix it).
   * @throws {TypeError} If the target cannot travel (anonymous, a closure, not
   * exported) or an argument or field cannot travel (the structured clone refuses it).
   * Whatever it throws, a failed start gives back all it took: the thread is not
   * counted, and its slot and Worker serve the next thread.
   */
  start(): void {
    startThread(this, stateOf(this));
  }

  /**
   * Waits until the thread ends, or until `timeout` milliseconds have passed. As in
   * Python, it returns nothing: call `isAlive()` to know whether the thread ended.
   *
   * @param timeout Timeout in milliseconds; `undefined` or `null`: no limit.
   * @throws {ThreadError} If the thread was not started, or is the current thread.
   * @throws {RangeError} If the timeout is larger than `TIMEOUT_MAX`.
   */
  join(timeout?: number | null): void {
    const { slot, ident } = this.#joinable();
    const ms = waitTimeout(timeout, "Cannot join thread");
    const deadline = deadlineAfter(ms);
    const word = slotBase(slot) + S_ALIVE;
    // A thread joined right after a start that saw it run on another CPU may be about to
    // end: spin a little before sleeping (see `_thread_spin.ts`), until its slot is
    // free, the last mark of its end; a thread that has run a while sleeps at once.
    const startedAt = stateOf(this).startedAt;
    if (
      startedAt !== undefined && ms > JOIN_SPIN_MS &&
      performance.now() - startedAt < JOIN_FRESH_MS && joinGate.open()
    ) {
      joinGate.record(spinWhile(i32, slotBase(slot) + S_IDENT, ident, JOIN_SPIN_MS));
    }
    for (;;) {
      if (Atomics.load(i32, word) !== ident) return this.#ended();
      const left = remaining(deadline);
      if (left === 0) return servePending(); // `join(0)` in a polling loop serves
      waitRecorded(KIND_JOIN, undefined, ident, i32, word, ident, left);
    }
  }

  /**
   * Waits without blocking the event loop until the thread ends, or until `timeout`
   * milliseconds have passed.
   *
   * @param timeout Timeout in milliseconds; `undefined` or `null`: no limit. Or the
   * options in its place (`joinAsync({ signal })`).
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}).
   * @returns A promise that resolves when the thread has ended or the time is up; it
   * rejects with `signal.reason` if the signal aborts first.
   * @throws {ThreadError} If the thread was not started, or is the current thread.
   * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
   */
  async joinAsync(
    timeout?: number | null | WaitOptions,
    options?: WaitOptions,
  ): Promise<void> {
    const [t, signal] = waitArgs(timeout, options, "Cannot join thread");
    const { slot, ident } = this.#joinable();
    const deadline = deadlineAfter(waitTimeout(t, "Cannot join thread"));
    const word = slotBase(slot) + S_ALIVE;
    for (;;) {
      if (Atomics.load(i32, word) !== ident) return this.#ended();
      const left = remaining(deadline);
      if (left === 0) return;
      signal?.throwIfAborted();
      await waitAsync(i32, word, ident, left, signal);
    }
  }

  /** After a join saw the end: the snapshot of the thread's last record, and forget it. */
  #ended(): void {
    const state = stateOf(this);
    // The end seen (`S_ALIVE`) while its Worker is still in `endThread`. The main
    // thread (slot 0) has no Worker and keeps its slot: its end is final at once (a
    // settle would wait its full second for a slot that is never freed).
    if (state.slot !== 0) settleEnd(i32, slotBase(state.slot), state.ident!);
    refresh(state);
    if (handles.get(state.ident!) === this) handles.delete(state.ident!);
  }

  #joinable(): { slot: number; ident: number } {
    const state = stateOf(this);
    if (!state.started) {
      throw new ThreadError(
        `Cannot join thread ${
          JSON.stringify(this.name)
        }: it was never started; call start() first`,
      );
    }
    if (state.ident === current.ident) {
      throw new ThreadError(
        `Cannot join thread ${
          JSON.stringify(this.name)
        }: it is the current thread, which would wait for itself forever`,
      );
    }
    return { slot: state.slot, ident: state.ident! };
  }

  /** Whether the thread has started and not yet ended. */
  isAlive(): boolean {
    servePending(); // a polling loop on the main thread serves threads' starts
    const state = stateOf(this);
    return state.started &&
      Atomics.load(i32, slotBase(state.slot) + S_ALIVE) === state.ident;
  }

  /**
   * The thread's name: seen the same from every thread; a change is seen by all, the
   * change made inside the thread included (read after `join()`, it is the name the
   * thread had at its end). A handle always names its own thread, even once the thread
   * has ended and its slot serves another one.
   *
   * A new name that is not a string is turned into one (`String()`), as CPython's
   * setter does (`str(name)`), and as the constructor does.
   *
   * @throws {RangeError} If a new name is longer than 256 bytes of UTF-8.
   */
  get name(): string {
    const state = stateOf(this);
    refresh(state);
    return state.name;
  }

  set name(name: string) {
    const state = stateOf(this);
    state.name = checkName(name);
    state.nameVersion = -1;
    if (state.started) writeName(runtime, state.slot, state.name, state.ident);
  }

  /** The thread's ident, a positive integer the same in every thread; `undefined` before start. */
  get ident(): number | undefined {
    servePending();
    return stateOf(this).ident;
  }

  /**
   * The thread's OS thread id where the platform tells it (kept after the thread ends,
   * as CPython keeps `native_id`), else its ident; `undefined` before start.
   */
  get nativeId(): number | undefined {
    servePending();
    const state = stateOf(this);
    if (!state.started) return undefined;
    if (state.ident === 1) mainNativeId();
    refresh(state);
    return state.nativeId !== 0 ? state.nativeId : state.ident;
  }

  /**
   * Whether the thread is a daemon: the process does not wait for daemon threads.
   * Set it before `start()`.
   */
  get daemon(): boolean {
    return stateOf(this).daemon;
  }

  set daemon(daemon: boolean) {
    const state = stateOf(this);
    if (typeof daemon !== "boolean") {
      throw new TypeError(
        `Cannot set daemon: expected a boolean, received ${describe(daemon)}`,
      );
    }
    if (state.started) {
      throw new ThreadError(
        "Cannot set daemon status of an active thread: set it before start()",
      );
    }
    state.daemon = daemon;
  }

  /** Python 2's spelling of `name`. @returns The name. */
  getName(): string {
    return this.name;
  }

  /** Python 2's spelling of `name = ...`. @param name The new name. */
  setName(name: string): void {
    this.name = name;
  }

  /** Python 2's spelling of `daemon`. @returns The daemon flag. */
  isDaemon(): boolean {
    return this.daemon;
  }

  /** Python 2's spelling of `daemon = ...`. @param daemon The new flag. */
  setDaemon(daemon: boolean): void {
    this.daemon = daemon;
  }

  /**
   * Python's repr of a thread: `<Thread(name, started 3)>`.
   *
   * @returns The description.
   */
  toString(): string {
    const state = stateOf(this);
    const status = !state.started ? "initial" : this.isAlive() ? "started" : "stopped";
    const daemon = state.daemon ? " daemon" : "";
    const ident = state.started ? ` ${state.ident}` : "";
    return `<${this.constructor.name}(${this.name}, ${status}${daemon}${ident})>`;
  }

  /** How `console.log` shows a thread. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /**
   * How a started thread travels to another thread: as a handle to the same thread; a
   * subclass's handle as its subclass, with its own fields, when the receiving thread
   * finds the class (else as a plain Thread).
   */
  [kTravel](): Ticket {
    const state = stateOf(this);
    if (!state.started) {
      throw new TypeError(
        `Cannot send thread ${
          JSON.stringify(state.name)
        } to another thread before it is started; start it first`,
      );
    }
    refresh(state);
    const head: Snapshot = {
      slot: state.slot,
      ident: state.ident!,
      name: state.name,
      daemon: state.daemon,
      nativeId: state.nativeId,
    };
    const ctor = this.constructor;
    if (ctor === Thread) return { kind: "Thread", head };
    // A subclass travels as its class (found in the receiving thread as a subclass is
    // found at start()), with its own fields, as start() sends them.
    const fields = ownFields(this);
    const module = classModules.get(ctor)?.[0];
    return {
      kind: "Thread",
      head: { ...head, className: ctor.name, module },
      module,
      body: fields,
    };
  }
}
