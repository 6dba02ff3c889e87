// Copyright the threading for Deno authors. MIT license.
/**
 * `Thread` and the functions that answer about threads: `currentThread`, `mainThread`,
 * `enumerate`, `activeCount`, `getIdent`, `getNativeId`, `excepthook`,
 * `setExcepthook`, `sleep`, `shutdown`.
 *
 * One thread is one Worker. A thread's state (started, alive, name, daemon flag, ident)
 * lives in the shared runtime's thread table (`_runtime.ts`), so every call here
 * answers the same from every thread, and every blocking call works while any other
 * thread, the main thread included, is blocked.
 *
 * Code travels by reference: the Worker imports the module that defines the target
 * function or the Thread subclass and looks it up by its exported name.
 *
 * @module
 */
import {
  encode,
  type Encoded,
  explainCopy,
  importModule,
  kTravel,
  registerKind,
  type Ticket,
} from "./_codec.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  TIMEOUT_MAX,
  wait,
  waitAsync,
  waitRecorded,
  waitTimeout,
} from "./_futex.ts";
import { closeIdle, dispatch, prewarm } from "./_pool.ts";
import { KIND_JOIN, KIND_SLEEP } from "./_waits.ts";
import { writeStderr } from "./_output.ts";
import type { CodeRef, StartJob } from "./_protocol.ts";
import {
  callerModule,
  captureOrigin,
  definingModule,
  findExport,
  mainModule,
  type Origin,
} from "./_reference.ts";
import {
  abandonStart,
  bootData,
  countStart,
  current,
  endThread,
  failStart,
  H_HIGH,
  H_NEXT_IDENT,
  H_NEXT_NUMBER,
  H_NEXT_SLOT,
  H_REQUESTS,
  MAX_THREADS,
  nameBytes,
  nameVersion,
  readName,
  readSharedText,
  readSlotText,
  releaseAbandoned,
  runtime,
  S_ALIVE,
  S_DAEMON,
  S_IDENT,
  S_NATIVE_ID,
  S_RECORD,
  S_START,
  S_TEXT_LEN,
  SharedTextKey,
  sharedTextVersion,
  slotBase,
  START_ABANDONED,
  START_FAILED,
  START_PENDING,
  START_RUNNING,
  writeName,
  writeSharedText,
} from "./_runtime.ts";
import { ThreadError } from "./errors.ts";
import { locateExport } from "./_locate.ts";

const isFunction = (value: unknown) => typeof value === "function";

export { TIMEOUT_MAX };

/** Options of the {@linkcode Thread} constructor, as Python's keyword arguments. */
export interface ThreadOptions {
  /**
   * The function that `run()` calls: an exported function of the module that
   * constructs the Thread (or of the main module, or of `module`).
   */
  // deno-lint-ignore no-explicit-any
  target?: (...args: any[]) => unknown;
  /** The thread's name; default `Thread-N`. */
  name?: string | number;
  /** Positional arguments for the target. @default {[]} */
  args?: readonly unknown[];
  /**
   * Python's keyword arguments: when given, the target is called with them as one more,
   * last argument: `target(...args, kwargs)`.
   */
  kwargs?: Record<string, unknown>;
  /** Whether the thread is a daemon; default: the starting thread's flag. */
  daemon?: boolean;
  /**
   * The module that exports the target (or the subclass), as a URL; needed only where it
   * cannot be found from the stack (e.g. `import.meta.url` of the defining module).
   */
  module?: string | URL;
  /** Ignored, as in Python: reserved for thread groups. */
  group?: null;
}

/** What an excepthook receives, as Python's `threading.ExceptHookArgs`. */
export interface ExceptHookArgs {
  /** The class of the thrown value (its constructor), if it has one. */
  excType: unknown;
  /** The thrown value. */
  excValue: unknown;
  /** The stack of the thrown value, if it has one. */
  excTraceback: string | undefined;
  /** The thread whose `run()` threw. */
  thread: Thread | undefined;
}

/** A function that handles an uncaught error of a thread. */
export type ExceptHook = (args: ExceptHookArgs) => unknown;

/**
 * What a Thread object knows of its thread. Once started, `name`, `daemon` and
 * `nativeId` are a snapshot of the thread's record in its slot, refreshed at each read
 * while the slot holds that record (see `_runtime.ts`), kept as they were last seen once
 * the slot holds another thread's.
 */
interface ThreadState {
  /** Slot in the thread table once started, else -1. */
  slot: number;
  /** Ident once started. */
  ident: number | undefined;
  started: boolean;
  name: string;
  /** The name seqlock's value when `name` was read from the slot; -1: not read. */
  nameVersion: number;
  daemon: boolean;
  /** The OS thread id last read from the slot; 0: not known (yet). */
  nativeId: number;
  // deno-lint-ignore no-explicit-any
  target: ((...args: any[]) => unknown) | undefined;
  args: readonly unknown[];
  kwargs: Record<string, unknown> | undefined;
  /** The `module` option, as a URL. */
  moduleOption: string | undefined;
  /** The constructor's call stack, read by `start()` to find the code's modules. */
  origin: Origin | undefined;
}

const kState = Symbol("@threading/threading:thread");
const NO_STATE = Symbol("@threading/threading:no-state");

/** The modules where a target function was found by an earlier start, per function. */
const targetModules = new WeakMap<object, string[]>();
/** The modules where a Thread subclass was found by an earlier start, per class. */
const classModules = new WeakMap<object, string[]>();

/** Threads constructed in this thread and not started yet (sizes the spare Workers). */
let unstarted = 0;

/**
 * The Thread objects of this isolate, by ident, for threads that were alive when last
 * looked at: `enumerate()`, `currentThread()` and a received handle give the same object
 * for the same thread, as CPython's `_active` does. Strong references (a WeakRef would
 * keep its target, arguments included, until the current task ends: a synchronous loop of
 * starts would keep them all); the ended threads' entries are dropped by `join()`, by a
 * sweep whenever the map has doubled (so it stays within twice the live threads), and in
 * a Worker all at once when its thread ends.
 */
const handles = new Map<number, Thread>();
/** Size at which {@linkcode remember} sweeps {@linkcode handles}. */
let sweepAt = 32;
const i32 = runtime.i32;

/** The program's main module, as the main thread knows it. */
let programMain: string | undefined = runtime.isMain ? mainModule() : undefined;

/** Gives a Thread its state: the fields given, the rest at their initial values. */
function setState(
  thread: Thread,
  fields: Pick<ThreadState, "name" | "daemon"> & Partial<ThreadState>,
): void {
  const state: ThreadState = {
    slot: -1,
    ident: undefined,
    started: false,
    nameVersion: -1,
    nativeId: 0,
    target: undefined,
    args: [],
    kwargs: undefined,
    moduleOption: undefined,
    origin: undefined,
    ...fields,
  };
  Object.defineProperty(thread, kState, { value: state });
}

function stateOf(thread: Thread): ThreadState {
  const state = (thread as unknown as { [kState]?: ThreadState })[kState];
  if (state === undefined) {
    throw new TypeError(
      "Cannot use a Thread: its constructor did not run (call super() first)",
    );
  }
  return state;
}

/**
 * A thread name, checked: a string (a number is turned into one) of at most
 * `NAME_BYTES` (256) bytes of UTF-8.
 */
function checkName(name: unknown): string {
  let text: string;
  if (typeof name === "string") text = name;
  else if (typeof name === "number") text = String(name);
  else {
    throw new TypeError(
      `Cannot name a thread: a name must be a string, received ${describe(name)}`,
    );
  }
  nameBytes(text, "Cannot name a thread");
  return text;
}

/** Remembers the Thread object of a thread of this isolate (see {@linkcode handles}). */
function remember(ident: number, thread: Thread): void {
  handles.set(ident, thread);
  if (handles.size < sweepAt) return;
  for (const [id, t] of handles) {
    if (id !== 1 && Atomics.load(i32, slotBase(stateOf(t).slot) + S_ALIVE) !== id) {
      handles.delete(id);
    }
  }
  sweepAt = Math.max(32, handles.size * 2);
}

/**
 * Refreshes the snapshot of a started thread from its slot, if the slot still holds
 * that thread's record; else leaves it as last seen.
 */
function refresh(state: ThreadState): void {
  if (!state.started) return;
  const base = slotBase(state.slot);
  const ident = state.ident!;
  if (Atomics.load(i32, base + S_RECORD) !== ident) return;
  const version = nameVersion(runtime, state.slot);
  if (version !== state.nameVersion) {
    const name = readName(runtime, state.slot, ident);
    if (name === undefined) return;
    state.name = name;
    state.nameVersion = version;
  }
  const id = Atomics.load(i32, base + S_NATIVE_ID);
  if (id !== 0 && Atomics.load(i32, base + S_RECORD) === ident) state.nativeId = id;
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
export class Thread {
  /** @internal */
  declare [kState]: ThreadState;

  /**
   * Creates a thread; `start()` runs it.
   *
   * @param options The target, its arguments, the name, the daemon flag.
   * @throws {TypeError} If the target is not a function or the name not a string.
   * @throws {RangeError} If the name is longer than 256 bytes of UTF-8.
   */
  constructor(options: ThreadOptions = {}) {
    if ((options as unknown) === NO_STATE) return;
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create Thread: options must be an object, received ${describe(options)}`,
      );
    }
    const { target, args = [], kwargs, daemon, module } = options;
    if (target !== undefined && target !== null && typeof target !== "function") {
      throw new TypeError(
        `Cannot create Thread: target must be a function, received ${describe(target)}`,
      );
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot create Thread: args must be an array, received ${describe(args)}`,
      );
    }
    if (kwargs !== undefined && kwargs !== null && typeof kwargs !== "object") {
      throw new TypeError(
        `Cannot create Thread: kwargs must be an object, received ${describe(kwargs)}`,
      );
    }
    if (daemon !== undefined && daemon !== null && typeof daemon !== "boolean") {
      throw new TypeError(
        `Cannot create Thread: daemon must be a boolean, received ${describe(daemon)}`,
      );
    }
    // As CPython: a false name (None, "", 0) gets the next `Thread-N`.
    const name = options.name === undefined || options.name === null ||
        options.name === "" || options.name === 0
      ? `Thread-${Atomics.add(i32, H_NEXT_NUMBER, 1)}`
      : checkName(options.name);
    const sub = new.target !== Thread;
    // Boot a spare Worker now, so that start() finds it warm.
    if (runtime.isMain) prewarm(++unstarted);
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
    const state = stateOf(this);
    if (state.started) {
      throw new ThreadError("Cannot start thread: threads can only be started once");
    }
    const action = `Cannot start thread ${JSON.stringify(state.name)}`;
    if (importing !== undefined) {
      // Each new thread would import the module again, and start another: refuse, as
      // Python's multiprocessing refuses a start during its bootstrapping phase.
      throw new ThreadError(
        `${action}: this thread is still importing its code (${importing}), whose top-level code starts a thread; each new thread would import it again and start another. Guard the program's main code with \`if (import.meta.main) { … }\` (as Python guards it with \`if __name__ == "__main__":\`), or start threads from a function`,
      );
    }
    const code = codeOf(this, state, action);
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(this)) {
      fields[key] = (this as Record<string, unknown>)[key];
    }
    const encoded: Encoded = encode(
      { args: state.args, kwargs: state.kwargs, fields },
      "",
      action,
      { frozen: true, names: { fields: "this" } },
    );
    checkReadable(code, action);
    const ident = Atomics.add(i32, H_NEXT_IDENT, 1);
    const slot = reserveSlot(ident, action);
    const base = slotBase(slot);
    // The slot's record is this thread's from now on (before any word of it is written).
    Atomics.store(i32, base + S_RECORD, ident);
    Atomics.store(i32, base + S_NATIVE_ID, 0);
    Atomics.store(i32, base + S_DAEMON, state.daemon ? 1 : 0);
    writeName(runtime, slot, state.name, ident);
    Atomics.store(i32, base + S_START, START_PENDING);
    Atomics.store(i32, base + S_TEXT_LEN, 0);
    countStart(state.daemon);
    const job: StartJob = {
      type: "start",
      slot,
      ident,
      daemon: state.daemon,
      code,
      payload: encoded.wire,
      modules: encoded.modules,
      mainModule: programMain,
    };
    try {
      if (runtime.isMain) {
        dispatch(job);
      } else {
        Atomics.add(i32, H_REQUESTS, 1);
        try {
          bootData!.port.postMessage(job);
        } catch (error) {
          Atomics.sub(i32, H_REQUESTS, 1);
          throw error;
        }
      }
    } catch (error) {
      // Nothing was sent (the clone refused an argument that the codec let through,
      // say): give back the slot and the count; dispatch() gave back its Worker.
      abandonStart(slot, ident, state.daemon);
      const detail = (error as Error)?.message ?? String(error);
      if ((error as Error)?.name === "DataCloneError") {
        throw new TypeError(
          `${action}: an argument cannot be copied to another thread: ${detail}`,
        );
      }
      throw new ThreadError(`${action}: ${detail}`);
    }
    // Wait until the thread runs or fails to start; a Worker that never reports is
    // given up after START_DEADLINE_MS: the slot is then left to that Worker, which lets
    // go of it when it reports or dies (see markRunning, markFailed).
    const deadline = deadlineAfter(startDeadlineMs);
    while (Atomics.load(i32, base + S_START) === START_PENDING) {
      const left = remaining(deadline);
      if (left === 0) {
        if (
          Atomics.compareExchange(i32, base + S_START, START_PENDING, START_ABANDONED) ===
            START_PENDING
        ) {
          abandonStart(slot, ident, state.daemon, true);
          throw new ThreadError(
            `${action}: its Worker did not report within ${
              startDeadlineMs / 1000
            } s: the main thread may be busy in a loop that never waits (it spawns the Workers that threads ask for between the slices of its waits), or a module the thread imports never finishes loading (a remote module the program does not import statically waits for the main thread's event loop)`,
          );
        }
        break;
      }
      wait(i32, base + S_START, START_PENDING, left);
    }
    if (Atomics.load(i32, base + S_START) === START_FAILED) {
      const [name, ...rest] = readSlotText(runtime, slot).split("\n");
      const message = `${action}: ${rest.join("\n")}`;
      abandonStart(slot, ident, state.daemon);
      throw name === "TypeError" ? new TypeError(message) : new ThreadError(message);
    }
    if (runtime.isMain && unstarted > 0) unstarted--;
    // The code was found there: later threads of the same code skip the stack.
    if (code.kind !== "target") classModules.set(this.constructor, code.modules);
    if (state.target !== undefined) {
      targetModules.set(
        state.target,
        code.kind === "both" ? code.targetModules : code.modules,
      );
    }
    state.origin = undefined;
    // The thread runs in its Worker, from its own copy: this object no longer needs the
    // target and arguments (CPython drops them as run() ends), so a Thread kept a while
    // (by a WeakRef until the task ends, say) keeps no big arguments.
    state.target = undefined;
    state.args = [];
    state.kwargs = undefined;
    state.started = true;
    state.slot = slot;
    state.ident = ident;
    remember(ident, this);
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
    for (;;) {
      if (Atomics.load(i32, word) !== ident) return this.#ended();
      const left = remaining(deadline);
      if (left === 0) return;
      waitRecorded(KIND_JOIN, undefined, ident, i32, word, ident, left);
    }
  }

  /**
   * Waits without blocking the event loop until the thread ends, or until `timeout`
   * milliseconds have passed.
   *
   * @param timeout Timeout in milliseconds; `undefined` or `null`: no limit.
   * @returns A promise that resolves when the thread has ended or the time is up.
   * @throws {ThreadError} If the thread was not started, or is the current thread.
   */
  async joinAsync(timeout?: number | null): Promise<void> {
    const { slot, ident } = this.#joinable();
    const deadline = deadlineAfter(waitTimeout(timeout, "Cannot join thread"));
    const word = slotBase(slot) + S_ALIVE;
    for (;;) {
      if (Atomics.load(i32, word) !== ident) return this.#ended();
      const left = remaining(deadline);
      if (left === 0) return;
      await waitAsync(i32, word, ident, left);
    }
  }

  /** After a join saw the end: the snapshot of the thread's last record, and forget it. */
  #ended(): void {
    const state = stateOf(this);
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
   * @throws {TypeError} If a new name is not a string (or number).
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
    return stateOf(this).ident;
  }

  /**
   * The thread's OS thread id where the platform tells it (kept after the thread ends,
   * as CPython keeps `native_id`), else its ident; `undefined` before start.
   */
  get nativeId(): number | undefined {
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

  /** Python 2's spelling of `name = …`. @param name The new name. */
  setName(name: string): void {
    this.name = name;
  }

  /** Python 2's spelling of `daemon`. @returns The daemon flag. */
  isDaemon(): boolean {
    return this.daemon;
  }

  /** Python 2's spelling of `daemon = …`. @param daemon The new flag. */
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
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** How a started thread travels to another thread: as a handle to the same thread. */
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
    return { kind: "Thread", head };
  }
}

/** What a handle knows of a started thread, as it travels (a Thread ticket's head). */
interface Snapshot {
  slot: number;
  ident: number;
  name: string;
  daemon: boolean;
  nativeId: number;
}

/**
 * The handle of a started thread in this isolate: the one it knows, else a new one made
 * from the thread's record in its slot, else from `snapshot` (the record of an ended
 * thread may be gone).
 *
 * @returns The handle, or `undefined` if the slot no longer holds the thread's record
 * and no snapshot is given (the thread ended while it was being looked up).
 */
function handleFor(slot: number, ident: number, snapshot?: Snapshot): Thread | undefined {
  const existing = handles.get(ident);
  if (existing !== undefined) return existing;
  const base = slotBase(slot);
  let fields = snapshot;
  const daemon = Atomics.load(i32, base + S_DAEMON) === 1;
  const nativeId = Atomics.load(i32, base + S_NATIVE_ID);
  const version = nameVersion(runtime, slot);
  const name = readName(runtime, slot, ident);
  if (name !== undefined) fields = { slot, ident, name, daemon, nativeId };
  if (fields === undefined) return undefined;
  const thread = new Thread(NO_STATE as never);
  setState(thread, {
    slot,
    ident,
    started: true,
    name: fields.name,
    nameVersion: name !== undefined ? version : -1,
    daemon: fields.daemon,
    nativeId: fields.nativeId,
  });
  remember(ident, thread);
  return thread;
}

registerKind("Thread", {
  create(head) {
    const snapshot = head as Snapshot;
    return handleFor(snapshot.slot, snapshot.ident, snapshot)!;
  },
});

function codeOf(thread: Thread, state: ThreadState, action: string): CodeRef {
  const candidates = (...own: (string | undefined)[]) => {
    const all: string[] = [];
    for (const url of [state.moduleOption, ...own, programMain]) {
      if (url !== undefined && !all.includes(url)) all.push(url);
    }
    return all;
  };
  let targetRef: { modules: string[]; name: string; source: string } | undefined;
  if (state.target !== undefined) {
    const fn = state.target;
    const source = Function.prototype.toString.call(fn);
    if (ARROW.test(source)) {
      throw new TypeError(
        `${action}: the target is an arrow function; arrow functions and closures cannot travel to another thread, which imports its target by name from its module; declare it as an exported function (\`export function work(…) {…}\`) and pass that`,
      );
    }
    if (fn.name === "" || fn.name.startsWith("bound ")) {
      throw new TypeError(
        `${action}: the target is ${
          fn.name === "" ? "an anonymous function" : "a bound function"
        }, which cannot travel to another thread; export a named function from your module (\`export function worker() {…}\`) and pass it as the target`,
      );
    }
    if (/^class[\s{]/.test(source)) {
      throw new TypeError(
        `${action}: the target is a class, not a function; pass a function`,
      );
    }
    const modules = targetModules.get(fn) ??
      candidates(state.origin && callerModule(state.origin));
    if (modules.length === 0) {
      throw new TypeError(
        `${action}: cannot tell which module exports ${fn.name}; name it, as in \`new Thread({ target: ${fn.name}, module: import.meta.resolve("./tasks.ts") })\` where ./tasks.ts is the module that exports ${fn.name}`,
      );
    }
    targetRef = { modules, name: fn.name, source };
  }
  if (thread.constructor === Thread) {
    return { kind: "target", ...(targetRef ?? { modules: [], name: "", source: "" }) };
  }
  const className = thread.constructor.name;
  if (className === "") {
    throw new TypeError(
      `${action}: its class is anonymous and cannot travel to another thread; export a named class (\`export class MyThread extends Thread {…}\`)`,
    );
  }
  const modules = classModules.get(thread.constructor) ??
    candidates(state.origin && definingModule(className, state.origin));
  if (targetRef === undefined) return { kind: "subclass", modules, name: className };
  return {
    kind: "both",
    modules,
    name: className,
    targetModules: targetRef.modules,
    targetName: targetRef.name,
    source: targetRef.source,
  };
}

/** The source text of an arrow function: parameters, then `=>`. */
const ARROW = /^(?:async\s*)?(?:\([^]*?\)|[\w$]+)\s*=>/;

/** Module URLs known to be readable (read permission is not revoked in practice). */
const readable = new Set<string>();

function checkReadable(code: CodeRef, action: string): void {
  const urls = [WORKER_MODULE, ...code.modules.slice(0, 1)];
  if (code.kind === "both") urls.push(...code.targetModules.slice(0, 1));
  for (const url of urls) {
    if (!url.startsWith("file:") || readable.has(url)) continue;
    let state: Deno.PermissionState;
    try {
      state = Deno.permissions.querySync({ name: "read", path: new URL(url) }).state;
    } catch {
      continue;
    }
    if (state === "granted") {
      readable.add(url);
    } else {
      const path = decodeURIComponent(new URL(url).pathname);
      throw new ThreadError(
        `${action}: a thread needs read permission to load its code from ${path}; run with --allow-read (or --allow-read=<the folders of your program and of this library>)`,
      );
    }
  }
}

const WORKER_MODULE = new URL("./_worker.ts", import.meta.url).href;
/** How long a starter waits for a Worker that neither runs the thread nor fails. */
const START_DEADLINE_MS = 60_000;
let startDeadlineMs = START_DEADLINE_MS;

/**
 * @internal For tests: sets how long `start()` waits for a Worker that neither runs
 * the thread nor fails (default 60 s) in this isolate.
 * @returns The previous deadline, in milliseconds.
 */
export function setStartDeadline(ms: number = START_DEADLINE_MS): number {
  const previous = startDeadlineMs;
  startDeadlineMs = ms;
  return previous;
}

/**
 * Takes a free slot for `ident`, round robin from `H_NEXT_SLOT` (so that an ended
 * thread's record stays readable as long as possible).
 */
function reserveSlot(ident: number, action: string): number {
  const from = Atomics.load(i32, H_NEXT_SLOT);
  for (let n = 0; n < MAX_THREADS - 1; n++) {
    const slot = 1 + (from - 1 + n) % (MAX_THREADS - 1);
    const base = slotBase(slot);
    if (Atomics.load(i32, base + S_IDENT) !== 0) continue;
    if (Atomics.compareExchange(i32, base + S_IDENT, 0, ident) !== 0) continue;
    Atomics.store(i32, H_NEXT_SLOT, slot + 1 < MAX_THREADS ? slot + 1 : 1);
    for (;;) {
      const high = Atomics.load(i32, H_HIGH);
      if (high > slot || Atomics.compareExchange(i32, H_HIGH, high, slot + 1) === high) {
        break;
      }
    }
    return slot;
  }
  throw new ThreadError(
    `${action}: can't start new thread: ${
      MAX_THREADS - 1
    } threads are alive or starting, the most this library runs at once`,
  );
}

let mainHandle: Thread | undefined;

function makeMain(): Thread {
  const thread = new Thread(NO_STATE as never);
  setState(thread, {
    slot: 0,
    ident: 1,
    started: true,
    name: "MainThread",
    daemon: false,
  });
  handles.set(1, thread);
  mainNativeId();
  return thread;
}

/** The main thread's OS thread id (0 if unknown), written to its slot at the first call. */
function mainNativeId(): number {
  const word = slotBase(0) + S_NATIVE_ID;
  let id = Atomics.load(i32, word);
  if (id === 0 && runtime.isMain) {
    id = osThreadId() ?? 0;
    Atomics.store(i32, word, id);
  }
  return id;
}

let currentThreadObject: Thread | undefined;

/**
 * The Thread object of the caller's thread: `MainThread` on the main thread.
 *
 * @returns The current thread.
 */
export function currentThread(): Thread {
  if (currentThreadObject !== undefined) return currentThreadObject;
  if (runtime.isMain) return currentThreadObject = mainThread();
  // Its own record: the slot holds it while the thread runs.
  return handleFor(current.slot, current.ident)!;
}

/**
 * The main thread's Thread object, the same object from every call in a thread.
 *
 * @returns The main thread.
 */
export function mainThread(): Thread {
  if (!runtime.isMain) return handleFor(0, 1)!;
  return mainHandle ??= makeMain();
}

/**
 * The threads alive now, the main thread and the current one included, as seen from
 * every thread alike. As in CPython, the main thread stays listed once its code has
 * finished, while the process waits for the non-daemon threads.
 *
 * @returns The live threads, in the order they started.
 */
export function enumerate(): Thread[] {
  const out: Thread[] = [];
  const high = Atomics.load(i32, H_HIGH);
  // The main thread stays listed once its code has finished, as in CPython.
  out.push(mainThread());
  for (let slot = 1; slot < high; slot++) {
    const ident = Atomics.load(i32, slotBase(slot) + S_ALIVE);
    if (ident === 0) continue;
    // A thread that ends (and whose slot is taken again) while listed is left out.
    const thread = handleFor(slot, ident);
    if (thread !== undefined) out.push(thread);
  }
  // In start order, as Python lists them: idents grow with each start.
  return out.sort((a, b) => a.ident! - b.ident!);
}

/**
 * The number of threads alive: `enumerate().length`.
 *
 * @returns The count, the main thread included.
 */
export function activeCount(): number {
  let n = 1; // the main thread, listed even once its code has finished
  const high = Atomics.load(i32, H_HIGH);
  for (let slot = 1; slot < high; slot++) {
    if (Atomics.load(i32, slotBase(slot) + S_ALIVE) !== 0) n++;
  }
  return n;
}

/**
 * The current thread's ident: a positive integer, the same for that thread in every
 * thread (the main thread's is 1).
 *
 * @returns The ident.
 */
export function getIdent(): number {
  return current.ident;
}

/**
 * The current thread's OS thread id where the platform tells it (Linux under
 * `--allow-all`: Deno guards `/proc/thread-self`), else its ident; on the main thread
 * too, from the first call.
 *
 * @returns The native id.
 */
export function getNativeId(): number {
  const id = current.slot === 0
    ? mainNativeId()
    : Atomics.load(i32, slotBase(current.slot) + S_NATIVE_ID);
  return id !== 0 ? id : current.ident;
}

let osThreadIdCache: number | undefined | null = null;

/** The OS thread id of the calling isolate, if the platform tells it. */
function osThreadId(): number | undefined {
  if (osThreadIdCache === null) osThreadIdCache = readOsThreadId();
  return osThreadIdCache;
}

function readOsThreadId(): number | undefined {
  try {
    if (
      Deno.permissions.querySync({ name: "read", path: "/proc/thread-self" }).state !==
        "granted"
    ) {
      return undefined;
    }
    const link = Deno.readLinkSync("/proc/thread-self");
    const tid = Number(link.split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Blocks the calling thread for `ms` milliseconds, as Python's `time.sleep` (which takes
 * seconds). Other threads go on; on the main thread, threads started by threads still
 * start while it sleeps.
 *
 * @param ms Milliseconds to sleep.
 * @throws {TypeError} If `ms` is not a number.
 * @throws {RangeError} If `ms` is negative, NaN or larger than `TIMEOUT_MAX`.
 */
export function sleep(ms: number): void {
  if (typeof ms !== "number") {
    throw new TypeError(
      `Cannot sleep: ms must be a number of milliseconds, received ${describe(ms)}`,
    );
  }
  if (!(ms >= 0)) {
    throw new RangeError(
      `Cannot sleep: ms must be a non-negative number, received ${ms}`,
    );
  }
  if (ms > TIMEOUT_MAX) {
    throw new RangeError(
      `Cannot sleep: ms must be at most TIMEOUT_MAX (${TIMEOUT_MAX}), received ${ms}`,
    );
  }
  const deadline = performance.now() + ms;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    waitRecorded(KIND_SLEEP, undefined, 0, sleepWord, 0, 0, left);
  }
}

const sleepWord = new Int32Array(new SharedArrayBuffer(4));

/**
 * The default excepthook, as Python's `threading.__excepthook__`: writes
 * `Exception in thread <name>:` and the error's stack to stderr.
 *
 * @param args The thrown value and the thread.
 */
export function excepthook(args: ExceptHookArgs): void {
  const name = args.thread?.name ?? String(getIdent());
  const value = args.excValue;
  const detail = value instanceof Error
    ? (value.stack ?? `${value.name}: ${value.message}`)
    : `Uncaught ${describe(value)}`;
  writeStderr(`Exception in thread ${name}:\n${detail}\n`);
}

let hook: ExceptHook = excepthook;
let hookVersion = 0;

/**
 * Sets the excepthook of every thread, as assigning Python's `threading.excepthook`:
 * the hook runs in the thread whose `run()` threw. It must be an exported function of
 * the module that calls `setExcepthook` (other threads import it by name), or
 * `excepthook` to restore the default.
 *
 * @param newHook The hook.
 * @returns The hook it replaces.
 * @throws {TypeError} If the hook is not a named function.
 */
export function setExcepthook(newHook: ExceptHook): ExceptHook {
  if (typeof newHook !== "function") {
    throw new TypeError(
      `Cannot set excepthook: expected a function, received ${describe(newHook)}`,
    );
  }
  const previous = hook;
  if (newHook === excepthook) {
    writeSharedText(SharedTextKey.EXCEPTHOOK, "", "the excepthook");
  } else {
    if (newHook.name === "") {
      throw new TypeError(
        "Cannot set excepthook: an anonymous function cannot run in other threads; export a named function and pass it",
      );
    }
    const module = callerModule();
    writeSharedText(
      SharedTextKey.EXCEPTHOOK,
      JSON.stringify({ module, name: newHook.name, source: String(newHook) }),
      "the excepthook",
    );
  }
  hook = newHook;
  hookVersion = sharedTextVersion(SharedTextKey.EXCEPTHOOK);
  return previous;
}

/** Resolves the program-wide excepthook in this thread (importing its module). */
async function resolveHook(): Promise<{ hook: ExceptHook; note?: string }> {
  const version = sharedTextVersion(SharedTextKey.EXCEPTHOOK);
  if (version === hookVersion) return { hook };
  const { text } = readSharedText(SharedTextKey.EXCEPTHOOK);
  if (text === "") {
    hook = excepthook;
    hookVersion = version;
    return { hook };
  }
  const ref = JSON.parse(text) as { module?: string; name: string; source: string };
  try {
    if (ref.module === undefined) throw new Error("its module is unknown");
    const ns = await importModule(ref.module);
    const found = findExport(ns, ref.name, ref.source) ??
      (await locateExport([ref.module], ref.name, ref.source, isFunction))?.value;
    if (typeof found !== "function") throw new Error(`${ref.module} does not export it`);
    hook = found as ExceptHook;
    hookVersion = version;
    return { hook };
  } catch (error) {
    return {
      hook: excepthook,
      note:
        `(the excepthook ${ref.name} set with setExcepthook() cannot run in this thread: ${
          (error as Error).message
        }; export it from the module that calls setExcepthook)\n`,
    };
  }
}

/** Runs the excepthook for an error thrown by a thread's `run()`. */
export async function handleUncaught(
  error: unknown,
  thread: Thread | undefined,
): Promise<void> {
  const { hook: h, note } = await resolveHook();
  if (note) writeStderr(note);
  explainCopy(error);
  const args: ExceptHookArgs = {
    excType: (error as { constructor?: unknown })?.constructor,
    excValue: error,
    excTraceback: (error as { stack?: string })?.stack,
    thread,
  };
  try {
    await h(args);
  } catch (hookError) {
    writeStderr("Exception in threading.excepthook:\n");
    excepthook({ ...args, excValue: hookError, thread });
  }
}

/**
 * Ends the pooled Workers that are idle (Workers kept warm to start the next thread
 * fast). Call it after joining your threads when a program or a test must finish with
 * no Worker left, as under `deno test`'s sanitizers; threads started later spawn new
 * Workers. Main thread only; elsewhere it does nothing.
 *
 * @returns A promise that resolves once those Workers have exited.
 */
export async function shutdown(): Promise<void> {
  if (!runtime.isMain) return;
  unstarted = 0;
  await closeIdle();
}

// ---- Used by the Worker bootstrap (`_worker.ts`): not part of the public API. ----

/** @internal Makes the Thread object of a thread starting in this Worker. */
export function bootThread(
  ctor: typeof Thread | undefined,
  job: StartJob,
  // deno-lint-ignore no-explicit-any
  target: ((...args: any[]) => unknown) | undefined,
  payload: {
    args: unknown[];
    kwargs?: Record<string, unknown>;
    fields: Record<string, unknown>;
  },
): Thread {
  const thread = ctor === undefined || ctor === Thread
    ? new Thread(NO_STATE as never)
    : Object.create(ctor.prototype) as Thread;
  const name = readName(runtime, job.slot)!;
  setState(thread, {
    slot: job.slot,
    ident: job.ident,
    started: true,
    name,
    daemon: job.daemon,
    target,
    args: payload.args ?? [],
    kwargs: payload.kwargs,
  });
  Object.assign(thread, payload.fields);
  currentThreadObject = thread;
  handles.set(job.ident, thread);
  return thread;
}

/**
 * The module a thread of this Worker imports while it boots (before its `run()`), if
 * any: a `start()` meanwhile is refused (see {@linkcode Thread.start}).
 */
let importing: string | undefined;

/** @internal Makes a job's thread the current thread of this Worker. */
export function enterJob(job: StartJob): void {
  current.ident = job.ident;
  current.slot = job.slot;
  programMain = job.mainModule;
  importing = job.code.modules[0] ?? job.mainModule ?? "its modules";
}

/** @internal Tells which module the booting thread imports now. */
export function noteImporting(module: string): void {
  importing = module;
}

/**
 * @internal Marks the current Worker thread as running and tells its starter. A slot
 * that is not the job's (generation check: `S_IDENT`) is never written; a start its
 * starter gave up on (`START_ABANDONED`) gives its slot back.
 * @returns false if the starter gave up waiting: the thread must not run (call
 * {@linkcode leaveJob}).
 */
export function markRunning(job: StartJob): boolean {
  importing = undefined;
  const base = slotBase(job.slot);
  if (Atomics.load(i32, base + S_IDENT) !== job.ident) return false;
  Atomics.store(i32, base + S_NATIVE_ID, osThreadId() ?? 0);
  Atomics.store(i32, base + S_ALIVE, job.ident);
  if (
    Atomics.compareExchange(i32, base + S_START, START_PENDING, START_RUNNING) !==
      START_PENDING
  ) {
    Atomics.store(i32, base + S_ALIVE, 0);
    releaseAbandoned(job);
    return false;
  }
  Atomics.notify(i32, base + S_START);
  return true;
}

/** @internal This Worker runs no thread now (its job ended or never ran). */
export function leaveJob(): void {
  current.ident = 0;
  current.slot = -1;
  // Nothing of the thread stays in this Worker, which runs the next one.
  currentThreadObject = undefined;
  handles.clear();
  sweepAt = 32;
}

/** @internal Marks the current Worker thread as ended: joiners wake, counts drop. */
export function markEnded(job: StartJob): void {
  endThread(job.slot, job.ident, job.daemon);
  leaveJob();
}

/** @internal Marks a thread as failed to start, with the error its starter throws. */
export function markFailed(
  job: StartJob,
  error: { name: string; message: string },
): void {
  importing = undefined;
  leaveJob();
  failStart(job, `${error.name}\n${error.message}`);
}
