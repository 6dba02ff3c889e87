// Copyright the threading for Deno authors. MIT license.
/**
 * The wire protocol between the main thread and the Workers: the control words of a
 * Worker, and the messages on its channel, as discriminated unions.
 *
 * ## A Worker's control words (`Int32Array` over `BootData.control`)
 *
 * | word | values | who moves it |
 * | --- | --- | --- |
 * | `C_JOB` | counter | +1 (and notify) by the main thread after it posts or mails a job; the idle Worker waits on it |
 * | `C_IDLE_AT` | centiseconds of `Date.now()`, wrapping (see {@linkcode idleStamp}) | set by the Worker just before it stores `W_IDLE`; read by the main thread's idle retirement (`_pool.ts`) |
 * | `C_MAIL` | byte length, or 0 | set by the main thread once it has written a job into the mailbox; set to 0 by the Worker once it has copied the job out |
 * | `C_STATE` | `W_BOOTING` -> `W_BUSY` <-> `W_IDLE` -> `W_CLOSED` | the Worker sets `W_BUSY` when it takes a job and `W_IDLE` when the thread has ended; the main thread claims an idle Worker by CAS `W_IDLE` -> `W_BUSY`, and closes it; a Worker that ends by itself (an exit in its thread, its heap limit) sets `W_CLOSED` first, so that it is never claimed again |
 *
 * ## The mailbox
 *
 * A start job travels in the Worker's mailbox (the bytes of `BootData.control` after
 * {@linkcode MAIL_OFFSET}), not on the channel, when its bytes fit
 * ({@linkcode MAIL_BYTES}) and its arguments are packed bytes or JSON text: a channel message costs
 * a structured clone on each side (measured 40-55 µs each on a warm start, most of the
 * start), a mailbox a copy. Only the main thread writes a mailbox, and only into a Worker
 * it has claimed (`C_STATE` CAS to `W_BUSY`); the Worker copies the job out before its
 * thread runs, so the mailbox is empty again before the Worker can be claimed again.
 * Layout: a `u32` length of the job's JSON, the JSON, then the payload's packed bytes
 * when it is bytes (JSON text is a string field of the job's JSON).
 *
 * @module
 */

/** Control word: job counter. */
export const C_JOB = 0;
/** Control word: the Worker's state. */
export const C_STATE = 1;
/** Control word: bytes of the job in the mailbox, 0 when it is empty. */
export const C_MAIL = 2;
/** Control word: when the Worker last became idle (see {@linkcode idleStamp}). */
export const C_IDLE_AT = 3;
/** Control words in all. */
export const CONTROL_WORDS = 4;
/** Byte offset of the mailbox in `BootData.control`. */
export const MAIL_OFFSET: number = CONTROL_WORDS * 4;
/** Capacity of the mailbox, in bytes: a larger job goes on the channel. */
export const MAIL_BYTES = 8192;

/** `C_STATE`: spawned, not yet running its loop. */
export const W_BOOTING = 0;
/** `C_STATE`: running a thread, or claimed for one. */
export const W_BUSY = 1;
/** `C_STATE`: waiting for a job. */
export const W_IDLE = 2;
/** `C_STATE`: told to end, or ending. */
export const W_CLOSED = 3;

/** How a thread's code is found in the Worker. */
export type CodeRef =
  | {
    /** A target function, exported by the first of `modules` that exports `name`. */
    kind: "target";
    modules: string[];
    name: string;
    /** The function's source text, to refuse a different function of the same name. */
    source: string;
    /**
     * Whether the starter knows the module (by identity, or an explicit `module`
     * option): the first of `modules`. Else the new thread searches, and refuses when
     * two modules export a function of that name and source text.
     */
    exact?: boolean;
  }
  | {
    /** A Thread subclass without a target, exported by the first of `modules`. */
    kind: "subclass";
    modules: string[];
    name: string;
  }
  | {
    /** A Thread subclass with a target. */
    kind: "both";
    modules: string[];
    name: string;
    targetModules: string[];
    targetName: string;
    source: string;
    /** As `exact` of a target. */
    exact?: boolean;
  };

/**
 * Now, for `C_IDLE_AT`: centiseconds of `Date.now()`, wrapped to 32 bits (the same clock
 * in every thread); `(idleStamp() - stamp) | 0` is the time since in centiseconds (right
 * for 248 days).
 */
export function idleStamp(): number {
  return Math.floor(Date.now() / 10) | 0;
}

/** Start a thread: from a starter to the main thread, then to a Worker. */
export interface StartJob {
  type: "start";
  slot: number;
  ident: number;
  daemon: boolean;
  code: CodeRef;
  /**
   * Encoded `{ args, kwargs, fields }` (see `_codec.ts`): packed bytes (a `Uint8Array`)
   * in the mailbox, a wire on the channel (`packedWire`).
   */
  payload: unknown;
  /** Modules to import before decoding the payload. */
  modules: string[];
  /** The program's main module, for nested starts. */
  mainModule: string | undefined;
}

/** Ask the Worker to end its loop. */
export interface CloseJob {
  type: "close";
}

/** A message to a Worker. */
export type ToWorker = StartJob | CloseJob;

/** A Worker's bootstrap failed to load: the Worker dies. */
export interface DiedNote {
  type: "died";
  /** Why, as the import error says it. */
  reason: string;
}

/** A message from a Worker to the main thread. */
export type ToMain = StartJob | DiedNote;

/** An error as it crosses threads. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes `job` into the mailbox of a Worker the main thread has claimed, if it fits and
 * its payload is packed bytes or JSON text; the caller then bumps `C_JOB` and notifies.
 * @returns false if the job must go on the channel instead.
 */
export function writeMail(control: Int32Array, job: StartJob): boolean {
  const payload = job.payload;
  const bytes = payload instanceof Uint8Array;
  if (!bytes && typeof payload !== "string") return false;
  if ((bytes ? payload.length : payload.length * 3) + 4 > MAIL_BYTES) return false;
  const head = encoder.encode(
    JSON.stringify(bytes ? { ...job, payload: undefined } : job),
  );
  const total = 4 + head.length + (bytes ? payload.length : 0);
  if (total > MAIL_BYTES) return false;
  const mail = new Uint8Array(control.buffer, MAIL_OFFSET, total);
  new DataView(control.buffer, MAIL_OFFSET, 4).setUint32(0, head.length, true);
  mail.set(head, 4);
  if (bytes) mail.set(payload, 4 + head.length);
  Atomics.store(control, C_MAIL, total);
  return true;
}

/** Takes the job out of this Worker's mailbox (emptying it), if one is there. */
export function takeMail(control: Int32Array): StartJob | undefined {
  const total = Atomics.load(control, C_MAIL);
  if (total === 0) return undefined;
  const bytes = new Uint8Array(control.buffer, MAIL_OFFSET, total).slice();
  Atomics.store(control, C_MAIL, 0);
  const headLength = new DataView(bytes.buffer).getUint32(0, true);
  const job = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headLength))) as StartJob;
  if (total > 4 + headLength) job.payload = bytes.subarray(4 + headLength);
  return job;
}
