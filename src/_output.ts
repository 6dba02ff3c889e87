// Copyright the threading for Deno authors. MIT license.
/**
 * Whole-line output: a line is written to stdout or stderr by one thread at a time,
 * under the output lock of the shared runtime, so that the lines of different threads
 * never mix, however long they are (a pipe keeps only writes of up to 4 KiB whole).
 *
 * @module
 */
import { stderr, type SyncWriter } from "./_platform.ts";
import { lock, unlock } from "./_lock_algorithm.ts";
import { H_WRITE_LOCK, runtime } from "./_runtime.ts";

export type { SyncWriter };

/** Writes all of `bytes` to `writer`, under the program-wide output lock. */
export function writeWhole(writer: SyncWriter, bytes: Uint8Array): void {
  lock(runtime.i32, H_WRITE_LOCK, Infinity);
  try {
    let written = 0;
    while (written < bytes.length) written += writer.writeSync(bytes.subarray(written));
  } finally {
    unlock(runtime.i32, H_WRITE_LOCK);
  }
}

/** Writes text to stderr whole, under the output lock. */
export function writeStderr(text: string): void {
  writeWhole(stderr, new TextEncoder().encode(text));
}
