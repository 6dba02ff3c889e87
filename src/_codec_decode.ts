// Copyright the threading for Deno authors. MIT license.
/**
 * The receiving side of the codec (`_codec.ts`): {@linkcode decode} turns a wire back
 * into a value in this thread (travelling objects revived, or found as this thread's own
 * object by their oid; errors of their class; shared memory and views; the column forms
 * and JSON trees of `_codec_columns.ts`; copies deep-frozen where the wire says so, a
 * `Map`, `Set` or `Date` by `_codec_frozen.ts`), and
 * the queue road's reading of a record's bytes: once ({@linkcode decodeBytes}, its
 * shared memory taken), after importing the modules its kinds need
 * ({@linkcode decodeBytesAsync}), any number of times without the shared memory
 * ({@linkcode peekBytes}), or never ({@linkcode releaseBytes}).
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { peekWire, release, unpack } from "./_codec_bytes.ts";
import { findErrorClass, isHostError } from "./_codec_errors.ts";
import { importModules } from "./_modules.ts";
import { type FunctionRef, resolveFunction } from "./_codec_functions.ts";
import { importGraph } from "./_locate.ts";
import { adopt, objectFor, reviverFor } from "./_codec_kinds.ts";
import { type PathKey, pathOf } from "./_codec_copyable.ts";
import { freezeCopy } from "./_codec_frozen.ts";
import {
  type Column,
  fromColumn,
  fromJSONTree,
  fromRecords,
  type Records,
} from "./_codec_columns.ts";
import {
  type ErrorToken,
  isToken,
  makeView,
  placeholder,
  T_COLUMN,
  T_ELEMENT,
  T_ERROR,
  T_FROZEN,
  T_FUNCTION,
  T_JSON,
  T_MODULES,
  T_PACKED,
  T_RECORDS,
  T_SAB,
  T_VIEW,
  TOKEN,
  type Token,
} from "./_codec_wire.ts";

/**
 * Decodes a value received from another thread, reviving the travelling objects.
 *
 * @param wire What {@linkcode encode} made, after the trip.
 * @param sabs The SharedArrayBuffers of a detached wire; `null` to peek (travelling
 * objects become placeholders, and no shared memory is needed).
 * @throws {TypeError} If a kind has no reviver in this thread (its module was not
 * imported).
 */
export function decode(
  wire: unknown,
  sabs?: readonly SharedArrayBuffer[] | null,
  where?: Where,
): unknown {
  try {
    return decodeIn(wire, sabs, where !== undefined);
  } catch (error) {
    if (where !== undefined && error instanceof TypeError) {
      const keys = failedAt.get(error);
      if (keys !== undefined) nameReceived(error, pathOf(where.root, keys, where.names));
    }
    throw error;
  }
}

/**
 * Where a decoded value stands, for the words of a refusal (a function or a class that
 * this thread cannot find): `root` and `names` as the encoding's path (see `pathOf`),
 * `{ root: "" , names: { fields: "this" } }` for a thread's arguments (`args[0]`).
 */
export interface Where {
  /** The value's name (`""`: its keys name it, `args[0]`). */
  root: string;
  /** Names for the root's keys (`fields` -> `this`). */
  names?: Record<string, string>;
}

/** The keys from the root down to where a decoding failed, per error. */
const failedAt = new WeakMap<Error, PathKey[]>();

/** Records `key` as one step above where `error` happened (the walk unwinding). */
function stepOut(error: unknown, key: PathKey): void {
  if (!(error instanceof TypeError)) return;
  const keys = failedAt.get(error);
  if (keys === undefined) failedAt.set(error, [key]);
  else keys.unshift(key);
}

/**
 * Names the place of a refusal in its message and its stack's first line:
 * `Cannot receive the function square from another thread: ...` becomes
 * `Cannot receive args[0] (the function square) from another thread: ...`.
 */
function nameReceived(error: TypeError, path: string): void {
  const m = /^Cannot receive (.+?) from another thread: /.exec(error.message);
  if (m === null || m[1] === path) return;
  const header = `${error.name}: ${error.message}`;
  const stack = error.stack;
  error.message = `Cannot receive ${path} (${m[1]}) from another thread: ${
    error.message.slice(m[0].length)
  }`;
  if (typeof stack === "string" && stack.startsWith(header)) {
    error.stack = `${error.name}: ${error.message}${stack.slice(header.length)}`;
  }
}

function decodeIn(
  wire: unknown,
  sabs: readonly SharedArrayBuffer[] | null | undefined,
  named: boolean,
): unknown {
  const peek = sabs === null;
  const done = new Map<object, unknown>();
  let freeze = false;
  const revive = (token: Token): object => {
    if (peek) return placeholder(token);
    const existing = objectFor(token.oid);
    if (existing !== undefined) return existing;
    const kind = token[TOKEN];
    const reviver = reviverFor(kind, token.module);
    if (reviver === undefined) {
      throw new TypeError(
        `Cannot receive a ${kind} from another thread: its class is not loaded in this thread${
          token.module ? `; import ${token.module} first` : ""
        }`,
      );
    }
    const frozen = freeze;
    freeze = false;
    const object = reviver.create(walk(token.head));
    freeze = frozen;
    adopt(object, token.oid);
    if (reviver.fill) {
      // A Shareable's plain fields stand for the sender's: frozen on every road.
      freeze = true;
      const body = walk(token.body);
      freeze = frozen;
      reviver.fill(object, body);
    }
    return object;
  };
  const sab = (i: number): SharedArrayBuffer | undefined => sabs?.[i];
  const reviveError = (token: ErrorToken): Error => {
    const Class = findErrorClass(token);
    const host = isHostError(Class);
    const error = host
      ? Reflect.construct(DOMException, [token.message, token.name], Class) as Error
      : Object.create(Class.prototype) as Error;
    done.set(token, error);
    const hidden = (key: string, value: unknown) =>
      Object.defineProperty(error, key, {
        value,
        writable: true,
        enumerable: false,
        configurable: true,
      });
    if (token.stack !== undefined) hidden("stack", token.stack);
    if (!host) hidden("message", token.message);
    if (token.ownName) {
      Object.defineProperty(error, "name", {
        value: token.name,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else if (Class.name !== token.ctor) {
      // Not restored: a plain error of the nearest built-in class, with the right name.
      const name = token.name === token.base ? token.ctor : token.name;
      if (error.name !== name) hidden("name", name);
    } else if (error.name !== token.name) hidden("name", token.name);
    if (token.hasCause) hidden("cause", walk(token.cause));
    if (token.errors !== undefined) hidden("errors", walk(token.errors));
    for (const key of Object.keys(token.fields)) {
      (error as unknown as Record<string, unknown>)[key] = walk(token.fields[key]);
    }
    return error;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (done.has(v)) return done.get(v);
    if (isToken(v)) {
      const tag = v[TOKEN];
      let out: unknown;
      if (tag === T_ERROR) return reviveError(v as unknown as ErrorToken);
      if (tag === T_MODULES) return walk((v as unknown as { value: unknown }).value);
      if (tag === T_FUNCTION) {
        // Peeked (a comparison): the function if it is found here, else a placeholder.
        try {
          out = resolveFunction(v as unknown as FunctionRef);
        } catch (error) {
          if (!peek) throw error;
          out = Object.freeze({ [T_FUNCTION]: (v as unknown as FunctionRef).name });
        }
        done.set(v, out);
        return out;
      }
      if (tag === T_FROZEN) {
        const frozen = freeze;
        freeze = true;
        out = walk((v as unknown as { value: unknown }).value);
        freeze = frozen;
      } else if (tag === T_SAB) {
        out = peek ? null : sab((v as unknown as { i: number }).i);
      } else if (tag === T_VIEW) {
        const t = v as unknown as {
          type: string;
          sab: unknown;
          offset: number;
          length: number;
        };
        const buffer = walk(t.sab) as SharedArrayBuffer | null;
        out = buffer ? makeView(t.type, buffer, t.offset, t.length) : null;
      } else if (tag === T_COLUMN) {
        out = fromColumn(v as unknown as Column);
        if (freeze) Object.freeze(out);
      } else if (tag === T_JSON) {
        out = fromJSONTree((v as unknown as { text: string }).text, freeze);
      } else if (tag === T_RECORDS) {
        out = fromRecords(v as unknown as Records, freeze);
        if (freeze) Object.freeze(out);
      } else if (tag === T_ELEMENT) {
        const e = v as unknown as { of: unknown; i: number };
        out = (walk(e.of) as unknown[])[e.i];
      } else if (tag === T_PACKED) {
        out = decodeBytes(
          new Uint8Array((v as unknown as { sab: SharedArrayBuffer }).sab),
        );
      } else {
        out = revive(v);
      }
      done.set(v, out);
      return out;
    }
    done.set(v, v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (!(i in v)) continue;
        if (!named) v[i] = walk(v[i]);
        else {
          try {
            v[i] = walk(v[i]);
          } catch (error) {
            stepOut(error, i);
            throw error;
          }
        }
      }
      if (freeze) Object.freeze(v);
    } else if (v instanceof Map) {
      const entries = [...v];
      v.clear();
      for (const [k, val] of entries) v.set(walk(k), walk(val));
      if (freeze) freezeCopy(v);
    } else if (v instanceof Set) {
      const items = [...v];
      v.clear();
      for (const item of items) v.add(walk(item));
      if (freeze) freezeCopy(v);
    } else if (v instanceof Date) {
      if (freeze) freezeCopy(v);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      const rec = v as Record<string, unknown>;
      for (const key of Object.keys(rec)) {
        if (!named) rec[key] = walk(rec[key]);
        else {
          try {
            rec[key] = walk(rec[key]);
          } catch (error) {
            stepOut(error, key);
            throw error;
          }
        }
      }
      if (freeze) Object.freeze(v);
    }
    return v;
  };
  return walk(wire);
}

/**
 * Decodes the bytes of a queue record, taking its shared memory out of the store: call
 * it once per record.
 */
export function decodeBytes(bytes: Uint8Array, where?: Where): unknown {
  const { wire, sabs } = unpack(bytes);
  return decode(wire, sabs, where);
}

/**
 * As {@linkcode decodeBytes}, importing first the modules that the record's kinds
 * name (the module of a `Shareable` class), as a thread does for its arguments.
 */
export async function decodeBytesAsync(bytes: Uint8Array): Promise<unknown> {
  const { wire, sabs } = unpack(bytes);
  if (isToken(wire) && wire[TOKEN] === T_MODULES) {
    const { modules, graph } = wire as unknown as { modules: string[]; graph?: string[] };
    await importModules(modules);
    // A function located by the call stack: search the modules those import too.
    if (graph !== undefined) await importGraph(graph);
  }
  return decode(wire, sabs);
}

/**
 * Decodes the bytes of a queue record without taking its shared memory (travelling
 * objects become placeholders): for comparisons, any number of times.
 */
export function peekBytes(bytes: Uint8Array): unknown {
  return decode(peekWire(bytes), null);
}

/** Releases the shared memory of a queue record that will never be decoded. */
export function releaseBytes(bytes: Uint8Array): void {
  release(bytes);
}
