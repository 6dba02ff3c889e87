// Copyright the threading for Deno authors. MIT license.
/**
 * `Barrier`: Python's `threading.Barrier`, with CPython's states (filling, resetting,
 * broken) and one change: a generation passes at once, without a draining phase.
 * Shared through a 64-byte slot of a slab of shared memory (see `carve` in `_slab.ts`:
 * creating one allocates no SharedArrayBuffer of its own). The state is guarded by a
 * mutex (`_lock_algorithm.ts`) in the same slot; waiters sleep on a sequence word that
 * every state change bumps.
 *
 * ## Passing a generation
 *
 * CPython's last arrival sets the barrier draining; each woken party takes the lock
 * to leave, and a thread that arrives meanwhile waits for the drain to end. Between two
 * threads that costs a second futex round trip per cycle. Here the last arrival passes
 * the generation itself: it bumps `B_GEN`, counts every party of the generation out
 * (`B_COUNT` back to 0) and wakes them once it has released the mutex; a woken party
 * that sees its generation passed returns its index without taking the mutex, and the
 * barrier fills again at once for the next generation. A cycle of `Barrier(2)` is then
 * one futex wake-up, as a bare generation-counting barrier's. What every party sees is
 * CPython's: distinct indexes 0...parties-1 per generation, the action run once by the
 * last arrival before anyone is released, `BrokenBarrierError` for the waiters of a
 * generation that breaks or is reset. One race resolves the other way: a party whose
 * generation has passed returns its index even if `abort()` comes before it wakes
 * (CPython's may then raise).
 *
 * The words of the slot, the pass word and what happens to the party of a thread that
 * ends inside `waitAsync()` are in `_barrier_words.ts`.
 *
 * `parties`, the default timeout and the action are fixed at construction and travel in
 * the ticket, not in shared memory.
 *
 * @module
 */
import { customInspect } from "./_platform.ts";
import { kTravel, loadedModule, registerKind, type Ticket } from "./_codec.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  waitArgs,
  waitAsync,
  type WaitOptions,
  waitRecorded,
  waitTimeout,
} from "./_futex.ts";
import { isIdle, lock, lockAsync, unlock } from "./_lock_algorithm.ts";
import { carveView } from "./_slab.ts";
import { callerModule, findExport, refuseUntravelable } from "./_reference.ts";
import { findLoaded, notExportedMessage, refuseUnexported } from "./_locate.ts";
import { isMainThread } from "node:worker_threads";
import { BrokenBarrierError } from "./errors.ts";
import { track, untrack } from "./_reclaim.ts";
import { KIND_BARRIER, noteCreation, recordCreation, stampId } from "./_waits.ts";
import {
  addDead,
  B_COUNT,
  B_DEAD,
  B_GEN,
  B_MUTEX,
  B_SEQ,
  B_SLEEPERS,
  B_STATE,
  BARRIER_BYTES,
  BROKEN,
  FILLING,
  passWords,
  RESETTING,
  takeDead,
  tryPass,
} from "./_barrier_words.ts";

/** An action: a named function exported by its module. */
export type BarrierAction = () => unknown;

interface Head {
  slot: Int32Array;
  parties: number;
  timeout: number;
  action?: { name: string; source: string; module?: string };
}

/** What a wait step asks its driver to do. */
type Step =
  | { op: "lock" }
  | { op: "sleep"; seq: number; timeout: number };

/**
 * Whether a wait is counted in `B_COUNT` now, and in which generation (for the undo of
 * an async wait): once that generation has passed, the party is no longer counted.
 */
interface Party {
  counted: boolean;
  gen: number;
}

let revived: Head | undefined;

let wordsOf: (barrier: Barrier) => Int32Array;

const LOCK: Step = { op: "lock" };

/**
 * A barrier, as Python's `threading.Barrier`: `parties` threads call `wait()`, and all
 * of them go on once the last has arrived. It is shared: sent to another thread, it
 * arrives as the same barrier.
 *
 * Ordering contract: everything each party did before its `wait()` happens before
 * every party's return from that `wait()` (and before the action, which runs in the
 * last thread to arrive, before any party is released).
 *
 * Fairness: all parties of a generation are released together; a thread that arrives
 * while the previous generation still leaves waits for it to have left.
 *
 * @example Two parties in one thread (async)
 * ```ts
 * import { Barrier } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(2);
 * const indexes = await Promise.all([barrier.waitAsync(), barrier.waitAsync()]);
 * assert.deepEqual(indexes.sort(), [0, 1]);
 * ```
 */
export class Barrier {
  #i32: Int32Array;
  #parties: number;
  #timeout: number;
  #action: BarrierAction | undefined;
  #ref: Head["action"];
  #inAction = false;
  /** Whether `B_SEQ` moved under the mutex and its sleepers are still to be woken. */
  #wakePending = false;
  /** The slot as 64-bit words, for the pass word (made on first use). */
  #u64: BigUint64Array | undefined;

  /**
   * Creates a barrier for `parties` threads.
   *
   * @param parties How many threads must call `wait()` before all go on.
   * @param action A function that the last thread to arrive calls before the others
   * are released; it must be a named function exported by its module, because it
   * runs in whichever thread arrives last and travels by reference, as a thread target.
   * @param timeout Default timeout of `wait()`, in milliseconds; `undefined`: none.
   * @throws {RangeError} If `parties` is not a positive integer, or `timeout` NaN or
   * over `TIMEOUT_MAX`.
   * @throws {TypeError} If `parties` or `timeout` is not a number, or `action` not a
   * named function.
   *
   * @example Refusing zero parties
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Barrier(0), RangeError);
   * ```
   */
  constructor(parties: number, action?: BarrierAction | null, timeout?: number | null) {
    const head = revived;
    revived = undefined;
    if (head !== undefined) {
      this.#i32 = head.slot;
      this.#parties = head.parties;
      this.#timeout = head.timeout;
      this.#ref = head.action;
      // In a thread, the action is looked up as the barrier arrives (its module and
      // their static imports are loaded then): one it cannot find fails that start()
      // (or that get()) with a TypeError, not the wait of the last party.
      if (!isMainThread) this.#resolveAction();
      return;
    }
    if (typeof parties !== "number") {
      throw new TypeError(
        `Cannot create Barrier: parties must be a positive integer, received ${
          describe(parties)
        }`,
      );
    }
    if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fff_ffff) {
      throw new RangeError(
        `Cannot create Barrier: parties must be a positive integer, received ${parties}`,
      );
    }
    if (action !== undefined && action !== null) {
      if (typeof action !== "function") {
        throw new TypeError(
          `Cannot create Barrier: action must be a named function exported by its module (it runs in whichever thread arrives last), received ${
            describe(action)
          }`,
        );
      }
      // Checked here as a thread's target is at start(): an action travels the same way.
      const source = refuseUntravelable(action, "the action", "Cannot create Barrier");
      const module = callerModule();
      refuseUnexported(action.name, module, "Cannot create Barrier");
      this.#action = action;
      this.#ref = { name: action.name, source, module };
    }
    this.#timeout = waitTimeout(timeout, "Cannot create Barrier");
    this.#parties = parties;
    this.#i32 = carveView(BARRIER_BYTES);
    stampId(KIND_BARRIER, this.#i32, 0);
    if (recordCreation) noteCreation(KIND_BARRIER, this.#i32, 0);
  }

  /** The number of threads that must call `wait()` to pass the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** The number of threads waiting at the barrier now (0 while it drains or is broken). */
  get nWaiting(): number {
    const i32 = this.#i32;
    return Atomics.load(i32, B_STATE) === FILLING
      ? Atomics.load(i32, B_COUNT) - Atomics.load(i32, B_DEAD)
      : 0;
  }

  /** Whether the barrier is broken (a timeout, a failed action, or `abort()`). */
  get broken(): boolean {
    const i32 = this.#i32;
    const state = Atomics.load(i32, B_STATE);
    // A party that died while the barrier filled breaks it (folded in at the next wait).
    return state === BROKEN || (state === FILLING && Atomics.load(i32, B_DEAD) > 0);
  }

  /**
   * Waits (blocking, on any thread, the main thread included) until `parties` threads
   * have called `wait()`, then returns this thread's arrival index.
   *
   * @param timeout Longest wait in milliseconds; `undefined`: the barrier's default.
   * @returns A distinct index from 0 to `parties - 1` for each thread of a generation.
   * @throws {BrokenBarrierError} If the barrier is or becomes broken, is reset while
   * waiting, or the wait times out (which breaks it).
   * @throws {Error} Whatever the action throws, in the thread that ran it (the barrier
   * is then broken, and the others get `BrokenBarrierError`).
   * @throws {TypeError} If the action cannot be found in this thread (not exported).
   *
   * @example One party
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(1).wait(), 0);
   * ```
   */
  wait(timeout?: number): number {
    const ms = timeout === undefined
      ? this.#timeout
      : waitTimeout(timeout, "Cannot wait on Barrier");
    const i32 = this.#i32;
    const steps = this.#steps(ms, { counted: false, gen: 0 });
    let next = steps.next();
    while (!next.done) {
      const step = next.value;
      if (step.op === "lock") {
        lock(i32, B_MUTEX, Infinity);
        this.#reap();
      } else {
        try {
          waitRecorded(
            KIND_BARRIER,
            i32,
            0,
            i32,
            B_SEQ,
            step.seq,
            step.timeout,
            B_SLEEPERS,
          );
        } catch (error) {
          // Interrupted (a signal listener threw, a deadlock): leave as CPython does on
          // an exception, through the steps' own exits, holding the mutex as they expect.
          lock(i32, B_MUTEX, Infinity);
          this.#reap();
          steps.throw(error);
          throw error;
        }
      }
      next = steps.next();
    }
    return next.value;
  }

  /**
   * Waits without blocking the event loop: the `...Async` twin of
   * {@linkcode Barrier.prototype.wait}.
   *
   * @param timeout Longest wait in milliseconds; `undefined`: the barrier's default.
   * Or the options in its place (`waitAsync({ signal })`).
   * @param options `signal`: an `AbortSignal` that cancels the wait (see
   * {@linkcode WaitOptions}): the party withdraws, as on an exception in CPython's
   * `wait()` (it is no longer counted; the barrier does not break), and the promise
   * rejects with `signal.reason`.
   * @returns A promise of this party's arrival index.
   * @throws {BrokenBarrierError} As `wait()` (as a rejection).
   * @throws {RangeError} If `timeout` is NaN or over `TIMEOUT_MAX` (synchronously).
   * @throws {TypeError} If `options.signal` is not an `AbortSignal` (synchronously).
   *
   * @example Two async parties
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * const [x, y] = await Promise.all([b.waitAsync(), b.waitAsync()]);
   * assert.equal(x + y, 1);
   * ```
   */
  waitAsync(timeout?: number | WaitOptions, options?: WaitOptions): Promise<number> {
    const [t, signal] = waitArgs(timeout, options, "Cannot wait on Barrier");
    const ms = t === undefined ? this.#timeout : waitTimeout(t, "Cannot wait on Barrier");
    if (signal?.aborted) return Promise.reject(signal.reason);
    const party: Party = { counted: false, gen: 0 };
    return this.#driveAsync(this.#steps(ms, party), party, signal);
  }

  async #driveAsync(
    steps: Generator<Step, number, void>,
    party: Party,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const i32 = this.#i32;
    let sleeping = false;
    // If the thread ends while this wait is parked, it leaves as a dead party.
    const undo = track(() => {
      if (sleeping) Atomics.sub(i32, B_SLEEPERS, 1);
      if (party.counted && addDead(this.#pass(), party.gen)) {
        this.#notifyAll();
        this.#wake();
      }
    });
    try {
      let next = steps.next();
      while (!next.done) {
        const step = next.value;
        if (step.op === "lock") {
          await lockAsync(i32, B_MUTEX, Infinity);
          this.#reap();
        } else {
          Atomics.add(i32, B_SLEEPERS, 1);
          sleeping = true;
          let r;
          try {
            r = await waitAsync(i32, B_SEQ, step.seq, step.timeout, signal);
          } finally {
            sleeping = false;
            Atomics.sub(i32, B_SLEEPERS, 1);
          }
          if (r === "aborted") {
            // Cancelled: leave as on an exception in CPython's wait (the party withdraws,
            // uncounted), through the steps' own exits, holding the mutex as they expect.
            await lockAsync(i32, B_MUTEX, Infinity);
            this.#reap();
            steps.throw(signal!.reason);
            throw signal!.reason;
          }
        }
        next = steps.next();
      }
      return next.value;
    } finally {
      untrack(undo);
    }
  }

  /** The slot as 64-bit words (for the pass word). */
  #pass(): BigUint64Array {
    return this.#u64 ??= passWords(this.#i32);
  }

  /** Folds in the parties that died inside `waitAsync()`. Holding the mutex. */
  #reap(): void {
    const i32 = this.#i32;
    if (Atomics.load(i32, B_DEAD) === 0) return;
    i32[B_COUNT] -= takeDead(this.#pass());
    const state = i32[B_STATE];
    if (state === FILLING) {
      this.#break();
    } else if (i32[B_COUNT] === 0 && state === RESETTING) {
      i32[B_STATE] = FILLING;
      this.#notifyAll();
    }
  }

  /**
   * CPython's `Barrier.wait`, as steps: the driver takes the mutex when asked
   * (`lock`) and sleeps on `B_SEQ` when asked (`sleep`, the mutex released first by
   * the generator). After a sleep, a party whose generation has passed returns at once,
   * without the mutex; otherwise it asks for the mutex again. A driver whose sleep
   * throws takes the mutex before it throws the error into the generator.
   */
  *#steps(timeout: number, party: Party): Generator<Step, number, void> {
    const i32 = this.#i32;
    yield LOCK;
    let held = true;
    try {
      // Enter: wait while a reset lets the waiters of before leave.
      while (i32[B_STATE] === RESETTING) {
        held = false;
        const seq = i32[B_SEQ];
        this.#unlock();
        try {
          yield { op: "sleep", seq, timeout: Infinity };
        } catch (error) {
          held = true;
          throw error;
        }
        yield LOCK;
        held = true;
      }
      if (i32[B_STATE] < 0) throw this.#brokenError();
      const index = i32[B_COUNT]++;
      const gen = Atomics.load(i32, B_GEN);
      party.gen = gen;
      party.counted = true;
      try {
        if (index + 1 === this.#parties) {
          this.#releaseAll();
          return index;
        }
        const deadline = deadlineAfter(timeout);
        for (;;) {
          if (Atomics.load(i32, B_GEN) !== gen) return index;
          if (i32[B_STATE] !== FILLING) throw this.#brokenError();
          const left = remaining(deadline);
          if (left <= 0) {
            this.#break();
            throw new BrokenBarrierError(
              `Cannot pass Barrier: the wait timed out after ${timeout} ms, which breaks the barrier`,
            );
          }
          held = false;
          const seq = i32[B_SEQ];
          this.#unlock();
          try {
            yield { op: "sleep", seq, timeout: left };
          } catch (error) {
            held = true;
            throw error;
          }
          // Passed: the last to arrive uncounted this party; no need for the mutex.
          if (Atomics.load(i32, B_GEN) !== gen) return index;
          yield LOCK;
          held = true;
        }
      } finally {
        // Exit: a party that leaves a generation that did not pass uncounts itself; the
        // last to leave a reset barrier reopens it.
        if (party.counted && Atomics.load(i32, B_GEN) === gen) {
          if (--i32[B_COUNT] === 0 && i32[B_STATE] === RESETTING) {
            i32[B_STATE] = FILLING;
            this.#notifyAll();
          }
        }
        party.counted = false;
      }
    } finally {
      if (held) this.#unlock();
    }
  }

  #brokenError(): BrokenBarrierError {
    return new BrokenBarrierError(
      Atomics.load(this.#i32, B_STATE) === RESETTING
        ? "Cannot pass Barrier: it was reset while this thread waited"
        : "Cannot pass Barrier: it is broken (a wait timed out, the action failed, or abort() was called); reset() it first",
    );
  }

  #releaseAll(): void {
    try {
      const action = this.#resolveAction();
      if (action !== undefined) {
        this.#inAction = true;
        try {
          action();
        } finally {
          this.#inAction = false;
        }
      }
    } catch (error) {
      this.#break();
      throw error;
    }
    // The action may have called abort() or reset(): then nobody passes.
    const i32 = this.#i32;
    if (i32[B_STATE] !== FILLING) throw this.#brokenError();
    // Pass: the next generation, unless a party died (one CAS with the dead count).
    if (!tryPass(i32, this.#pass())) {
      // A party died since this thread took the mutex: it breaks the barrier.
      this.#reap();
      throw this.#brokenError();
    }
    // Every party of the generation leaves uncounted: the barrier fills again at once.
    i32[B_COUNT] = 0;
    this.#notifyAll();
  }

  #resolveAction(): BarrierAction | undefined {
    if (this.#action !== undefined || this.#ref === undefined) return this.#action;
    const { name, source, module } = this.#ref;
    const ns = module === undefined ? undefined : loadedModule(module);
    const found = (ns === undefined ? undefined : findExport(ns, name, source)) ??
      // Exported by a module that the named one imports (see `_locate.ts`).
      findLoaded(name, source, (v) => typeof v === "function")?.value;
    if (typeof found !== "function") {
      const miss = ns !== undefined && Object.hasOwn(ns, name)
        ? `${module} exports a different ${name}`
        : `${module ?? "the module that created the barrier"} does not export ${name}`;
      throw new TypeError(
        `Cannot use the action of Barrier: ${
          notExportedMessage("function", name, [miss])
        }`,
      );
    }
    return this.#action = found as BarrierAction;
  }

  /**
   * Bumps `B_SEQ` for the waiters; the futex wake-up waits for the mutex's release
   * ({@linkcode Barrier.prototype.#unlock}), so that the woken do not find it held.
   */
  #notifyAll(): void {
    Atomics.add(this.#i32, B_SEQ, 1);
    this.#wakePending = true;
  }

  /** Wakes the sleepers on `B_SEQ` if a change was made for them since the last wake. */
  #wake(): void {
    if (!this.#wakePending) return;
    this.#wakePending = false;
    if (Atomics.load(this.#i32, B_SLEEPERS) > 0) Atomics.notify(this.#i32, B_SEQ);
  }

  /** Releases the mutex, then wakes the sleepers if the holder changed something. */
  #unlock(): void {
    unlock(this.#i32, B_MUTEX);
    this.#wake();
  }

  #break(): void {
    this.#i32[B_STATE] = BROKEN;
    this.#notifyAll();
  }

  #locked<T>(fn: () => T): T {
    // The action runs holding the mutex: its reset() or abort() must not take it again.
    if (this.#inAction) return fn();
    lock(this.#i32, B_MUTEX, Infinity);
    try {
      this.#reap();
      return fn();
    } finally {
      this.#unlock();
    }
  }

  /**
   * Returns the barrier to its empty, unbroken state; threads waiting at it get
   * `BrokenBarrierError`.
   *
   * @example Repairing a broken barrier
   * ```ts
   * import { Barrier } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * b.abort();
   * assert.equal(b.broken, true);
   * b.reset();
   * assert.equal(b.broken, false);
   * ```
   */
  reset(): void {
    this.#locked(() => {
      const i32 = this.#i32;
      if (i32[B_COUNT] > 0) {
        if (i32[B_STATE] === FILLING || i32[B_STATE] === BROKEN) i32[B_STATE] = RESETTING;
      } else {
        i32[B_STATE] = FILLING;
      }
      this.#notifyAll();
    });
  }

  /**
   * Breaks the barrier: waiting threads, and later callers of `wait()` until a
   * `reset()`, get `BrokenBarrierError`.
   *
   * @example Aborting
   * ```ts
   * import { Barrier, BrokenBarrierError } from "@threading/threading";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(3);
   * b.abort();
   * assert.throws(() => b.wait(), BrokenBarrierError);
   * ```
   */
  abort(): void {
    this.#locked(() => this.#break());
  }

  /**
   * A description: `<Barrier parties=3 waiting=1 broken=false>`.
   *
   * @returns The description.
   */
  toString(): string {
    return `<Barrier parties=${this.#parties} waiting=${this.nWaiting} broken=${this.broken}>`;
  }

  /** How `console.log` shows the barrier. @returns The same as `toString()`. */
  [customInspect](): string {
    return this.toString();
  }

  /**
   * How a barrier travels to another thread: its slot, parties, default timeout and
   * a reference to its action (whose module the receiving thread imports first).
   * @returns The ticket.
   */
  [kTravel](): Ticket {
    const head: Head = {
      slot: this.#i32,
      parties: this.#parties,
      timeout: this.#timeout,
      action: this.#ref,
    };
    const module = this.#ref?.module;
    return module === undefined
      ? { kind: "Barrier", head }
      : { kind: "Barrier", head, module };
  }

  static {
    wordsOf = (barrier) => barrier.#i32;
  }
}

registerKind("Barrier", {
  create(head) {
    revived = head as Head;
    return new Barrier(0);
  },
});

/** The shared words of a barrier (for tests). Not part of the API. */
export function barrierWords(barrier: Barrier): Int32Array {
  return wordsOf(barrier);
}

/** Whether a barrier is back to idle: mutex free, filling, empty (for tests). */
export function barrierIsIdle(barrier: Barrier): boolean {
  const i32 = wordsOf(barrier);
  return isIdle(i32, B_MUTEX) && i32[B_STATE] === FILLING && i32[B_COUNT] === 0 &&
    i32[B_SLEEPERS] === 0;
}
