// Copyright the threading for Deno authors. MIT license.
/**
 * Shared memory that could not be had: V8's own `RangeError` ("Array buffer allocation
 * failed") names neither what ran out nor what to do, so every growable
 * SharedArrayBuffer of the library (a queue's index and arena, a `SharedList`'s or
 * `SharedJSON`'s text) is made and grown through {@linkcode allocateShared} and
 * {@linkcode growShared}, whose `RangeError` says both and keeps V8's as its `cause`.
 *
 * What runs out: a growable SharedArrayBuffer reserves its largest size (`maxBytes`) of
 * address space, and once it holds bytes it takes two memory mappings of the process;
 * Linux allows 65,530 (`vm.max_map_count`). Objects sent to a thread in a loop that
 * never yields stay alive until it yields (the same-object rule, `_codec_kinds.ts`).
 *
 * @module
 */
import { RangeError } from "./_caller_stack.ts";

/** The error for `what` (e.g. "a Queue"), with V8's error as its cause. */
export function allocationFailed(what: string, cause: unknown): RangeError {
  return new RangeError(
    `Cannot allocate the shared memory of ${what}: the process ran out of memory mappings or address space (a growable SharedArrayBuffer in use takes two mappings, Linux allows 65,530 (vm.max_map_count), and each reserves its maxBytes of address space). Objects sent to a thread stay alive until the sending loop yields: reuse them (one reply queue per worker), let the loop yield (await q.getAsync()), or create them with a smaller { maxBytes }`,
    { cause },
  );
}

/** `make()`, with {@linkcode allocationFailed}'s error if the memory cannot be had. */
export function allocateShared(
  make: () => SharedArrayBuffer,
  what: string,
): SharedArrayBuffer {
  try {
    return make();
  } catch (error) {
    if (error instanceof RangeError) throw allocationFailed(what, error);
    throw error;
  }
}

/**
 * `sab.grow(bytes)` (nothing if it is that big already), with
 * {@linkcode allocationFailed}'s error, after `action: `, if the memory cannot be had.
 */
export function growShared(
  sab: SharedArrayBuffer,
  bytes: number,
  what: string,
  action: string,
): void {
  if (bytes <= sab.byteLength) return;
  try {
    sab.grow(bytes);
  } catch (error) {
    if (error instanceof RangeError) {
      const e = allocationFailed(what, error);
      e.message = `${action}: ${e.message}`;
      throw e;
    }
    throw error;
  }
}
