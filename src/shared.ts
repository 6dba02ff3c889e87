// Copyright the threading for Deno authors. MIT license.
/**
 * Shared state for user code: classes whose instances travel into threads as instances
 * of the same class ({@linkcode Shareable}), and values that live in shared memory so
 * that every thread sees every change: number, bigint and boolean cells
 * ({@linkcode SharedInt32}, {@linkcode SharedFloat64}, {@linkcode SharedBigInt64},
 * {@linkcode SharedBoolean}, and the {@linkcode shared} decorator that makes a field one),
 * and JSON-like data ({@linkcode SharedList}, {@linkcode SharedJSON}).
 *
 * ## What is shared, what is copied
 *
 * - Shared: this library's primitives (`Lock`, `Event`, ...), the shared values of this
 *   file, and `local` objects. In every thread they are the same object.
 * - Copied: everything else. A plain field of a `Shareable` (a number, a string, an
 *   array, a plain object) is copied when the object first reaches a thread, and there
 *   it is read-only and deep-frozen: a change, which the other threads would not see,
 *   throws a `TypeError` instead. Keep what changes in shared values.
 * - Never a local property: a property added to a shared value (`list.name = ...`,
 *   `doc.key = ...`, `cell.vlaue = 1`) would stay on one thread's object, so it throws
 *   a `TypeError`; `list[i]` and `list[i] = x` read and write a `SharedList`'s shared
 *   items (`_shared_syntax.ts`).
 * - Refused: functions, symbols, promises, instances of classes with methods that are
 *   neither `Shareable` nor a primitive of this library (a `TypeError` at `start()` that
 *   names the field).
 *
 * ## Atomicity
 *
 * Every single call on a shared value is atomic: a cell's `value`, `add()`,
 * `compareExchange()`; a list's `push()`, `remove()`, `splice()`, `update()`. A
 * compound change (read, then write) needs a `Lock` around it, as in Python, or one
 * `update()` call. A write in one thread happens before a read in another that sees it.
 *
 * The classes live one concept a file: the cells (`shared_cells.ts`), `shared_list.ts`,
 * `shared_json.ts` (over the engine in `_json_store.ts`) and `shareable.ts`; this module
 * gathers them.
 *
 * @module
 */
export {
  SharedBigInt64,
  SharedBoolean,
  SharedFloat64,
  SharedInt32,
} from "./shared_cells.ts";
export { type JSONValue, type SharedJSONOptions } from "./_json_store.ts";
export { SharedList } from "./shared_list.ts";
export { SharedJSON } from "./shared_json.ts";
export { Shareable, shared } from "./shareable.ts";
