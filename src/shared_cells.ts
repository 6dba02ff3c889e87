// Copyright the threading for Deno authors. MIT license.
/**
 * Number, bigint and boolean cells in shared memory: {@linkcode SharedInt32},
 * {@linkcode SharedFloat64}, {@linkcode SharedBigInt64}, {@linkcode SharedBoolean}.
 * Each is one SharedArrayBuffer of one word (4 or 8 bytes), the same cell in every
 * thread; every single call is atomic (see `shared.ts` for what is shared and what is
 * copied). Each kind is in its own file (`shared_int32.ts`, `shared_float64.ts`,
 * `shared_bigint64.ts`, `shared_boolean.ts`); this module gathers them.
 *
 * @module
 */
export { SharedInt32 } from "./shared_int32.ts";
export { SharedFloat64 } from "./shared_float64.ts";
export { SharedBigInt64 } from "./shared_bigint64.ts";
export { SharedBoolean } from "./shared_boolean.ts";
