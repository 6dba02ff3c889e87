// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `threading`, for real, on Deno: parallel threads on Workers, blocking locks on
 * SharedArrayBuffer and Atomics, with the names and semantics Python programmers know.
 *
 * @module
 */
export * from "./src/errors.ts";
export * from "./src/thread.ts";
