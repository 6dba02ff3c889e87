// Copyright the threading for Deno authors. MIT license.
/**
 * `Thread.start`, in the starting thread (see `thread.ts`): a start from the first
 * check to the thread running, or a failure that gives back all it took (the slot, the
 * count, the Worker). How a start finds its code and what the Worker does are in
 * `_thread_start.ts`; the slot's states are in `_runtime.ts`.
 *
 * Order of a start (`Thread.start`): the codec encodes the arguments and fields; a free
 * slot is reserved and its record written (`S_START` = pending); the job goes to a
 * Worker (from the main thread through the pool, from a thread through the main
 * thread); the starter waits on `S_START` until the Worker marks it running or failed
 * (spinning first, while an idle Worker is seen taking the job: `_thread_spin.ts`).
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { encode, type Encoded, packedWire } from "./_codec.ts";
import {
  deadlineAfter,
  MAIN_SLICE_MAX_MS,
  remaining,
  runSliceHook,
  wait,
} from "./_futex.ts";
import { dispatch } from "./_pool.ts";
import {
  spinUntil,
  spinWhile,
  START_SPIN_MS,
  startGate,
  TAKE_SPIN_MS,
} from "./_thread_spin.ts";
import { C_MAIL, type StartJob } from "./_protocol.ts";
import { isJSON } from "./_codec_json.ts";
import { startFailureError } from "./_start_failure.ts";
import {
  abandonStart,
  bootData,
  countStart,
  H_NEXT_IDENT,
  H_REQUESTS,
  readSlotText,
  runtime,
  S_DAEMON,
  S_NATIVE_ID,
  S_RECORD,
  S_START,
  S_TEXT_LEN,
  slotBase,
  START_ABANDONED,
  START_FAILED,
  START_PENDING,
  writeName,
} from "./_runtime.ts";
import { ThreadError } from "./errors.ts";
import { guardAdvice } from "./_guard.ts";
import { startSlices, startTimeoutMessage } from "./_start_wait.ts";
import { here, i32, remember, type ThreadState } from "./_thread_state.ts";
import {
  checkReadable,
  classModules,
  codeOf,
  reserveSlot,
  targetModules,
} from "./_thread_start.ts";
import type { Thread } from "./thread.ts";

/** A Thread's own fields (a subclass's, set in its constructor), as they travel. */
export function ownFields(thread: Thread): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(thread)) {
    fields[key] = (thread as unknown as Record<string, unknown>)[key];
  }
  return fields;
}

/**
 * Starts `thread`: returns once it runs. See {@linkcode Thread.start}.
 *
 * @throws {ThreadError} If it was started before, or cannot start.
 * @throws {TypeError} If its code, an argument or a field cannot travel.
 */
export function startThread(thread: Thread, state: ThreadState): void {
  if (state.started) {
    throw new ThreadError("Cannot start thread: threads can only be started once");
  }
  const action = `Cannot start thread ${JSON.stringify(state.name)}`;
  if (here.importing !== undefined) {
    // Each new thread would import the module again, and start another: refuse, as
    // Python's multiprocessing refuses a start during its bootstrapping phase.
    throw new ThreadError(
      `cannot start a thread from the top-level code of ${here.importing} while a new thread imports it to find its code; each new thread would import it again and start another. Start threads from a function, or ${
        guardAdvice("the program's main code")
      }`,
    );
  }
  const code = codeOf(thread, state, action);
  const fields = ownFields(thread);
  const data = state.kwargs === undefined
    ? { args: state.args, fields }
    : { args: state.args, kwargs: state.kwargs, fields };
  // JSON data travels as its text (`_codec_json.ts`), anything else through the codec.
  const encoded: Encoded = isJSON(data, 0)
    ? { wire: JSON.stringify(data), modules: [], sabs: [] }
    : encode(data, "", action, {
      frozen: true,
      names: { fields: "this" },
      bytes: true,
    });
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
    mainModule: here.programMain,
  };
  let mailbox: Int32Array | undefined;
  try {
    if (runtime.isMain) {
      mailbox = dispatch(job);
    } else {
      Atomics.add(i32, H_REQUESTS, 1);
      try {
        bootData!.port.postMessage({ ...job, payload: packedWire(job.payload) });
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
  const deadline = deadlineAfter(here.startDeadlineMs);
  // An idle Worker runs it within tens of microseconds: spin before sleeping while it
  // is seen awake on another CPU, so that this thread is awake when it runs (see
  // `_thread_spin.ts`).
  const spun = mailbox !== undefined && startGate.open() &&
    startGate.record(
      spinUntil(mailbox, C_MAIL, 0, TAKE_SPIN_MS) &&
        spinWhile(i32, base + S_START, START_PENDING, START_SPIN_MS),
    );
  // A thread's start waits for the main thread to serve it: say so when that is late.
  const slice = startSlices(state.name);
  // On the main thread, the signal listeners (and the watchdog) run between slices of
  // this wait, as in every blocking wait, and once more after it (a start that found
  // its Worker ready does not wait, and a burst of such starts spends its time booting
  // spare Workers, a synchronous call: Ctrl-C must still be heard during the burst); an
  // error of a listener is thrown once the start is over, so that the thread is never
  // left half-started.
  let listenerFailed = false;
  let listenerError: unknown;
  const serveSignals = () => {
    try {
      runSliceHook();
    } catch (error) {
      if (!listenerFailed) listenerError = error;
      listenerFailed = true;
    }
  };
  while (Atomics.load(i32, base + S_START) === START_PENDING) {
    if (runtime.isMain) serveSignals();
    const left = remaining(deadline);
    if (left === 0) {
      if (
        Atomics.compareExchange(i32, base + S_START, START_PENDING, START_ABANDONED) ===
          START_PENDING
      ) {
        const message = startTimeoutMessage(here.startDeadlineMs / 1000);
        abandonStart(slot, ident, state.daemon, true);
        throw new ThreadError(`${action}: ${message}`);
      }
      break;
    }
    wait(
      i32,
      base + S_START,
      START_PENDING,
      runtime.isMain ? Math.min(slice(left), MAIN_SLICE_MAX_MS) : slice(left),
    );
  }
  if (runtime.isMain) serveSignals();
  if (Atomics.load(i32, base + S_START) === START_FAILED) {
    const failure = startFailureError(readSlotText(runtime, slot), action);
    abandonStart(slot, ident, state.daemon);
    if (listenerFailed) throw listenerError;
    throw failure;
  }
  if (runtime.isMain && here.unstarted > 0) here.unstarted--;
  // The code was found there: later threads of the same code skip the stack.
  if (code.kind !== "target") classModules.set(thread.constructor, code.modules);
  // Only where the module is known by identity: an explicit `module` option, or a
  // search in the new thread, stays this start's.
  if (
    state.target !== undefined && code.kind !== "subclass" && code.exact &&
    state.moduleOption === undefined
  ) {
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
  state.startedAt = spun ? performance.now() : undefined;
  remember(ident, thread);
  // The thread runs; a signal listener that threw during the start leaves start() now.
  if (listenerFailed) throw listenerError;
}
