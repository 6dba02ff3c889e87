// Copyright the threading for Deno authors. MIT license.
/**
 * LogTape, the one logging library the library builds on, loaded by the specifier each
 * runtime resolves: Deno an inline `npm:` specifier (so that the library loads the same
 * from JSR, from a file and over https, with no import map of the app's), Node and Bun
 * the bare name, from the app's `node_modules` (`npx jsr add @threading/threading`, or
 * `npm install @logtape/logtape` next to a copy of the sources). The other `src/` files
 * import LogTape's values from here, and its types from the `npm:` specifier (types are
 * erased: Node's type stripping and Bun never load them).
 *
 * @module
 */
import type * as LogTape from "npm:@logtape/logtape@^2.4.2";
import { isDeno } from "./_platform.ts";

const logtape: typeof LogTape = isDeno
  ? await import("npm:@logtape/logtape@^2.4.2")
  : await import("@logtape/logtape");

/** LogTape's functions that the library calls. */
export const { drain, getConfig, getLogger, reset } = logtape;
