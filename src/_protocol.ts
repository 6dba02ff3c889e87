// Copyright the threading for Deno authors. MIT license.
/**
 * The wire protocol between the main thread and the Workers: the control words of a
 * Worker, and the messages on its channel, as discriminated unions.
 *
 * ## A Worker's control words (`Int32Array` over `BootData.control`)
 *
 * | word | values | who moves it |
 * | --- | --- | --- |
 * | `C_JOB` | counter | +1 (and notify) by the main thread after it posts a job; the idle Worker waits on it |
 * | `C_STATE` | `W_BOOTING` → `W_BUSY` ⇄ `W_IDLE` → `W_CLOSED` | the Worker sets `W_BUSY` when it takes a job and `W_IDLE` when the thread has ended; the main thread claims an idle Worker by CAS `W_IDLE` → `W_BUSY`, and closes it; a Worker that ends by itself (an exit in its thread, its heap limit) sets `W_CLOSED` first, so that it is never claimed again |
 *
 * @module
 */

/** Control word: job counter. */
export const C_JOB = 0;
/** Control word: the Worker's state. */
export const C_STATE = 1;
/** Control words in all. */
export const CONTROL_WORDS = 2;

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
  };

/** Start a thread: from a starter to the main thread, then to a Worker. */
export interface StartJob {
  type: "start";
  slot: number;
  ident: number;
  daemon: boolean;
  code: CodeRef;
  /** Encoded `{ args, kwargs, fields }` (see `_codec.ts`). */
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
