// Copyright the threading for Deno authors. MIT license.
/**
 * The operations of every queue kind over its {@linkcode Core}: put and get, blocking
 * and async (the async twins take the queue's lock without blocking the event loop, and
 * never hold it across an `await`), the argument checks, and revival in a receiving
 * thread. The module doc of `_queue_core.ts` has the layout, the control words and the
 * ordering contract.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { type Reviver } from "./_codec.ts";
import { pack, peekWire, unpack } from "./_codec_bytes.ts";
import { decode } from "./_codec_decode.ts";
import { isToken, T_MODULES, TOKEN } from "./_codec_wire.ts";
import { importModules } from "./_modules.ts";
import {
  deadlineAfter,
  describe,
  remaining,
  TIMEOUT_MAX,
  waitAsync,
  waitAsyncCounted,
} from "./_futex.ts";
import {
  CONTENDED,
  HANDOFF,
  lock,
  LOCKED,
  STARVING,
  tryLock,
  unlock,
  UNLOCKED,
} from "./_lock_algorithm.ts";
import {
  Core,
  DEFAULT_MAX_BYTES,
  type Encoded,
  encodeItem,
  KIND_FIFO,
  KIND_PRIORITY,
  Q_COUNT,
  Q_LOCK,
  Q_MAXSIZE,
  Q_NE_SEQ,
  Q_NE_WAITERS,
  Q_NF_SEQ,
  Q_NF_WAITERS,
  type QueueHead,
  type QueueOptions,
  type Raw,
} from "./_queue_core.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./queue_errors.ts";

// ---------------------------------------------------------------------------------------
// Timeouts.

export function queueTimeout(
  block: boolean | undefined,
  timeout: number | null | undefined,
  action: string,
): number {
  if (block === undefined) block = true;
  if (typeof block !== "boolean") {
    throw new TypeError(
      `${action}: block must be a boolean, received ${describe(block)}`,
    );
  }
  if (!block) return 0;
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `${action}: timeout must be a number of milliseconds, received ${
        describe(timeout)
      }`,
    );
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `${action}: 'timeout' must be a non-negative number, received ${timeout}`,
    );
  }
  if (timeout > TIMEOUT_MAX && timeout !== Infinity) {
    throw new RangeError(
      `${action}: timeout must be at most TIMEOUT_MAX (${TIMEOUT_MAX} ms) or Infinity (no limit), received ${timeout}`,
    );
  }
  return timeout;
}

/**
 * Runs `fn` with the queue's lock held, taking the lock without blocking the event loop.
 * The lock is never held across an `await`: `fn` runs in the same turn that takes it,
 * so a blocking call made on this thread meanwhile cannot deadlock against it.
 */
async function withLockAsync<R>(ctl: Int32Array, fn: () => R): Promise<R> {
  let waited = false;
  for (;;) {
    if (waited ? takeContended(ctl) : tryLock(ctl, Q_LOCK)) {
      try {
        return fn();
      } finally {
        unlock(ctl, Q_LOCK);
      }
    }
    let s = Atomics.load(ctl, Q_LOCK);
    if (s === UNLOCKED) continue;
    if (s === LOCKED) {
      // Mark it contended, so that the holder's unlock wakes us.
      if (Atomics.compareExchange(ctl, Q_LOCK, LOCKED, CONTENDED) !== LOCKED) continue;
      s = CONTENDED;
    }
    waited = true;
    // Bounded, as a safety net: the holder's critical section lasts microseconds.
    await waitAsync(ctl, Q_LOCK, s, 20);
  }
}

/**
 * Takes the lock after having slept on it: as `CONTENDED`, so that our unlock wakes the
 * other sleepers (taking it as `LOCKED` could strand them).
 */
function takeContended(ctl: Int32Array): boolean {
  for (;;) {
    const s = Atomics.load(ctl, Q_LOCK);
    if (s === UNLOCKED) {
      if (Atomics.compareExchange(ctl, Q_LOCK, UNLOCKED, CONTENDED) === UNLOCKED) {
        return true;
      }
      continue;
    }
    if (s === HANDOFF && Atomics.load(ctl, Q_LOCK + STARVING) === 0) {
      if (Atomics.compareExchange(ctl, Q_LOCK, HANDOFF, CONTENDED) === HANDOFF) {
        return true;
      }
      continue;
    }
    return false;
  }
}

/**
 * Waits without blocking the event loop until `ready()` (run under the lock; it may
 * throw) is true, then runs `act()` under the same hold of the lock. Sleeps on the
 * sequence word `seq`, counted in `waiters`; calls `fail()` when `timeout` passes.
 */
export async function whenReadyAsync<R>(
  core: Core,
  seq: number,
  waiters: number,
  ready: () => boolean,
  act: () => R,
  timeout: number,
  fail: () => never,
  signal?: AbortSignal,
): Promise<R> {
  const { ctl } = core;
  const deadline = deadlineAfter(timeout);
  for (;;) {
    const step = await withLockAsync(ctl, (): { value: R } | number => {
      // Checked under the lock, in the turn that would act: nothing is taken or put
      // once the signal has aborted (an abandoned wait never eats an item).
      signal?.throwIfAborted();
      if (ready()) return { value: act() };
      if (remaining(deadline) <= 0) fail();
      Atomics.add(ctl, waiters, 1);
      return Atomics.load(ctl, seq);
    });
    if (typeof step !== "number") return step.value;
    await waitAsyncCounted(ctl, seq, step, remaining(deadline), waiters, signal);
  }
}

export const PUT = "Cannot put into the queue";
export const GET = "Cannot get from the queue";

function shutDownError(action: string): QueueShutDown {
  return new QueueShutDown(`${action}: the queue was shut down`);
}

/**
 * The pieces of a put that do not depend on blocking or async. A put waits while the
 * queue holds `maxsize` items, or while its items leave no room for this one's bytes
 * (`maxBytes`); an item larger than `maxBytes` alone is a `RangeError` at once.
 */
function putParts(core: Core, item: unknown, rec: Encoded, timeout: number) {
  const ctl = core.ctl;
  const maxsize = ctl[Q_MAXSIZE];
  const len = rec.bytes.length;
  if (len > core.maxBytes) {
    throw new RangeError(
      `${PUT}: the item takes ${len} bytes, more than the queue's maxBytes ${core.maxBytes}; create the queue with a larger { maxBytes }, received an item of ${len} bytes`,
    );
  }
  let bytesFull = false;
  const ready = () => {
    if (core.isShutDown()) throw shutDownError(PUT);
    if (maxsize > 0 && Atomics.load(ctl, Q_COUNT) >= maxsize) {
      bytesFull = false;
      return false;
    }
    bytesFull = !core.fits(len);
    return !bytesFull;
  };
  const fail = (): never => {
    const full = bytesFull
      ? `its items leave no room for ${len} more bytes (maxBytes ${core.maxBytes})`
      : `maxsize ${maxsize}`;
    throw new QueueFull(
      timeout === 0
        ? `${PUT}: it is full (${full})`
        : `${PUT}: it stayed full (${full}) for ${timeout} ms`,
    );
  };
  const place = (rec: Encoded) => {
    const target = core.kind === KIND_PRIORITY ? core.siftUpTarget(item) : 0;
    core.store(rec, PUT, target);
  };
  return { ready, fail, place };
}

/** The pieces of a get that do not depend on blocking or async. */
function getParts(core: Core, timeout: number) {
  const ctl = core.ctl;
  const ready = () => {
    if (Atomics.load(ctl, Q_COUNT) > 0) return true;
    if (core.isShutDown()) throw shutDownError(GET);
    return false;
  };
  const fail = (): never => {
    throw new QueueEmpty(
      timeout === 0 ? `${GET}: it is empty` : `${GET}: it stayed empty for ${timeout} ms`,
    );
  };
  return { ready, fail };
}

export function putSync(core: Core, item: unknown, timeout: number): void {
  const rec = encodeItem(item, PUT);
  const { ctl } = core;
  const { ready, fail, place } = putParts(core, item, rec, timeout);
  lock(ctl, Q_LOCK, Infinity);
  try {
    core.waitLocked(Q_NF_SEQ, Q_NF_WAITERS, ready, timeout, fail);
    place(rec);
  } finally {
    unlock(ctl, Q_LOCK);
  }
}

export function putAsyncImpl(
  core: Core,
  item: unknown,
  timeout: number,
  signal?: AbortSignal,
): Promise<void> {
  const rec = encodeItem(item, PUT);
  const { ready, fail, place } = putParts(core, item, rec, timeout);
  return whenReadyAsync(
    core,
    Q_NF_SEQ,
    Q_NF_WAITERS,
    ready,
    () => place(rec),
    timeout,
    fail,
    signal,
  );
}

export function getSync(core: Core, timeout: number): unknown {
  const { ctl } = core;
  let raw: Raw;
  lock(ctl, Q_LOCK, Infinity);
  try {
    if (Atomics.load(ctl, Q_COUNT) === 0) {
      const { ready, fail } = getParts(core, timeout);
      core.waitLocked(Q_NE_SEQ, Q_NE_WAITERS, ready, timeout, fail);
    }
    raw = core.take();
  } finally {
    unlock(ctl, Q_LOCK);
  }
  if (typeof raw === "string") return JSON.parse(raw);
  const { wire, sabs } = unpack(raw);
  return decodeTaken(core, raw, wire, sabs);
}

/**
 * Decodes a codec record that a get took; if the decode throws, puts the record back
 * at the head (its shared memory held again) before the error leaves: an item is never
 * lost to a failed decode.
 */
function decodeTaken(
  core: Core,
  raw: Uint8Array,
  wire: unknown,
  sabs: SharedArrayBuffer[],
): unknown {
  let value: unknown;
  try {
    value = decode(wire, sabs);
  } catch (error) {
    putBack(core, raw, sabs);
    throw error;
  }
  core.unreserve(raw.length);
  return value;
}

/** Puts a taken record back at the head of its queue, under the lock. */
function putBack(core: Core, raw: Uint8Array, sabs: SharedArrayBuffer[]): void {
  // The record's shared memory left the store when it was unpacked: hold it again.
  const bytes = sabs.length === 0 ? raw : pack(peekWire(raw), sabs, "the item", GET);
  const { ctl } = core;
  lock(ctl, Q_LOCK, Infinity);
  try {
    core.restore(bytes, raw.length);
  } finally {
    unlock(ctl, Q_LOCK);
  }
}

export async function getAsyncImpl(
  core: Core,
  timeout: number,
  signal?: AbortSignal,
): Promise<unknown> {
  const { ready, fail } = getParts(core, timeout);
  const raw = await whenReadyAsync(
    core,
    Q_NE_SEQ,
    Q_NE_WAITERS,
    ready,
    () => core.take(),
    timeout,
    fail,
    signal,
  );
  if (typeof raw === "string") return JSON.parse(raw);
  const { wire, sabs } = unpack(raw);
  if (isToken(wire) && wire[TOKEN] === T_MODULES) {
    try {
      await importModules((wire as unknown as { modules: string[] }).modules);
    } catch (error) {
      putBack(core, raw, sabs);
      throw error;
    }
  }
  return decodeTaken(core, raw, wire, sabs);
}

export const never = (): never => {
  throw new Error("unreachable");
};

export function checkMaxsize(maxsize: unknown, what: string): number {
  if (typeof maxsize !== "number" || !Number.isInteger(maxsize)) {
    throw new TypeError(
      `Cannot create ${what}: maxsize must be an integer, received ${describe(maxsize)}`,
    );
  }
  if (maxsize > 0x7fff_ffff) {
    throw new RangeError(
      `Cannot create ${what}: maxsize must be at most 2147483647, received ${maxsize}`,
    );
  }
  return maxsize < 0 ? 0 : maxsize;
}

export function checkMaxBytes(options: QueueOptions | undefined, what: string): number {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number" || !Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(
      `Cannot create ${what}: maxBytes must be a positive integer, received ${
        describe(maxBytes)
      }`,
    );
  }
  return maxBytes;
}

// Revival: a reviver sets the head to adopt, then calls the public constructor.
let adoptHead: QueueHead | undefined;
/** The core to adopt, if a reviver of `kind` is running (taken once). */
export function adopting(kind: number): Core | undefined {
  const head = adoptHead;
  adoptHead = undefined;
  return head !== undefined && head.kind === kind ? new Core(head) : undefined;
}

/** A reviver whose `create` adopts its head (the queue's buffers) in `make`. */
export function reviver(make: () => object): Reviver {
  return {
    create(head: unknown): object {
      adoptHead = head as QueueHead;
      try {
        return make();
      } finally {
        adoptHead = undefined;
      }
    },
  };
}

const kinds = new WeakMap<object, number>();

/** Records the kind of the queues of class `Class` (and of its subclasses). */
export function setQueueKind(Class: object, kind: number): void {
  kinds.set(Class, kind);
}

/** The kind of the queues of class `Class`: its own, or its nearest ancestor's. */
export function queueKindOf(Class: object): number {
  for (let c: object | null = Class; c !== null; c = Object.getPrototypeOf(c)) {
    const kind = kinds.get(c);
    if (kind !== undefined) return kind;
  }
  return KIND_FIFO;
}

/** Ways to find the core of a queue object (one per class with a `#core`). */
export const coreGetters: ((q: object) => Core | undefined)[] = [];

/** The core of a queue object. */
export function coreOf(q: object): Core {
  for (const get of coreGetters) {
    const core = get(q);
    if (core !== undefined) return core;
  }
  throw new TypeError(`Cannot read the queue's words: received ${describe(q)}`);
}
