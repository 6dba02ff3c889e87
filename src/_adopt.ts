// Copyright the threading for Deno authors. MIT license.
/**
 * Revival of shared values: a reviver sets the SharedArrayBuffer to adopt, then calls
 * the public constructor, which takes it instead of making a new one. Used by the cells
 * (`shared_int32.ts`, `shared_float64.ts`, `shared_bigint64.ts`, `shared_boolean.ts`)
 * and the JSON stores (`shared_list.ts`, `shared_json.ts`).
 *
 * @module
 */

let adoptBuffer: SharedArrayBuffer | undefined;
/** The buffer to adopt, if a reviver is running (taken once). */
export function adopting(): SharedArrayBuffer | undefined {
  const sab = adoptBuffer;
  adoptBuffer = undefined;
  return sab;
}
/** A reviver's `create` that adopts its head (a SharedArrayBuffer) in `make`. */
export function reviveWith<T>(make: () => T): (head: unknown) => T {
  return (head) => {
    adoptBuffer = head as SharedArrayBuffer;
    try {
      return make();
    } finally {
      adoptBuffer = undefined;
    }
  };
}
