// Copyright the threading for Deno authors. MIT license.
/**
 * The one codec through which objects cross threads, on all three roads: a thread's
 * arguments, kwargs and the fields of a Thread subclass (posted to the Worker), the
 * items of every queue kind (stored as bytes in the queue's arena), and the fields of a
 * `Shareable` (the body of its ticket, on either road).
 *
 * ## What arrives as what
 *
 * | sent | arrives as |
 * | --- | --- |
 * | an object whose class implements `[kTravel]()` (every primitive, `Queue`, `local`, shared cells, `SharedList`/`SharedJSON`, `Shareable`, Thread handles) | the same shared object: the same object sent twice (or sent back) is one object |
 * | a `SharedArrayBuffer`, or a view of one | the same memory, uncopied |
 * | an `Error` (any class) | an error with its `name`, `message`, `stack`, `cause` (recursively), `errors` (`AggregateError`) and own enumerable fields; of its own class when the receiving thread has the class (see below), else of the nearest built-in class with the right `name` |
 * | other data (primitives, plain objects, arrays, `Map`, `Set`, `Date`, `RegExp`, `ArrayBuffer`s and typed arrays) | a copy; on the thread road and in a `Shareable`'s fields a frozen copy (see "Copies") |
 * | a function that its module exports (by name, under another name, or as a static method of an exported class) | the same export of the same module, imported in the receiving thread (`_codec_functions.ts`) |
 * | an arrow, bound, anonymous or built-in function, one its module does not export, a method passed without its object | refused with a `TypeError` in the words of a thread's target, naming where it sits |
 * | a symbol, a promise, a weak collection, an instance of a class with methods that does not travel | refused with a `TypeError` that names where it sits (`args[0].pool`) |
 * | data nested more than {@linkcode MAX_DEPTH} levels | refused with a `RangeError` that names the argument (CPython's pickle stops at its recursion limit, 1000, too) |
 *
 * A travelling object is sent as a ticket: a `head` (data, typically views of shared
 * memory) from which the reviver registered for its kind makes the object, and a
 * `body` (which may hold further travelling objects, cycles included) that the reviver
 * puts into it once it is registered under its object id (oid). Every travelling object
 * gets a program-wide oid the first time it travels; each thread keeps a weak map from
 * oid to its own object.
 *
 * The oid map holds a `WeakRef` to each object: V8 keeps a `WeakRef`'s target alive
 * until the current task ends, so a loop that never yields keeps every object that
 * travels through it (the README says what to do).
 *
 * An error's class is found, as Thread targets are, by reference: by its constructor's
 * name among the classes this thread has seen travel, the library's own error classes,
 * and the exports of the modules this thread has loaded that its stack passes through.
 *
 * ## Copies
 *
 * A copy that stands for an object the sender still holds (a thread's arguments, kwargs
 * and fields; a `Shareable`'s plain fields) arrives deep-frozen, so that a change that
 * Python would make to the shared object throws a `TypeError` instead of changing a
 * copy nobody else sees; a revived `Shareable`'s fields are read-only. A queue item is
 * a message: the getter owns its copy, which is mutable. `Object.freeze` does not reach
 * the entries of a `Map` or `Set` or the time of a `Date`: such a copy gets a prototype
 * whose mutators throw (`_codec_frozen.ts`). Typed arrays, `DataView`s, `ArrayBuffer`s
 * and `RegExp`s cannot be frozen and arrive as mutable copies (`_codec_frozen.ts` says
 * why).
 *
 * ## Roads
 *
 * Every road carries bytes: the V8 serialization (Deno's own serializer) of the encoded
 * value, with the SharedArrayBuffers it refers to taken out and held in the runtime's
 * process-wide SharedArrayBuffer store until the receiver takes them (so slots and slabs
 * stay alive while an item holding them sits in a queue, and are freed after).
 *
 * - Thread road ({@linkcode encode} with `bytes: true`, read by {@linkcode decodeWire}):
 *   JSON data travels as its text (`_codec_json.ts`), anything else as the bytes. Both go
 *   in the Worker's mailbox when they fit (`_protocol.ts`), else on the Worker's channel,
 *   the bytes then in one SharedArrayBuffer ({@linkcode packedWire}), since the channel's
 *   own clone is slow (about 0.2 µs a byte for typed arrays, 0.6 µs a number of an array:
 *   a 10 MB argument took seconds).
 * - Queue road ({@linkcode encodeBytes}/{@linkcode decodeBytes}): JSON data is stored as
 *   its text (the fast path; a large array of numbers only or strings only is not: its
 *   column form is faster), anything else as the bytes, in the queue's arena.
 *
 * Large plain arrays (at least 128 primitives, or records of primitives) travel in
 * column form, a few typed arrays and one string instead of value by value, and a large
 * array that JSON carries exactly as its JSON text (`_codec_columns.ts`; an object of
 * such a tree met again elsewhere in the value makes {@linkcode encode} start again
 * without JSON trees, so that it arrives as one object): a 256K `number[]` argument
 * starts its thread in 24 ms instead of 106 (a `Float64Array` of the same numbers:
 * 4.5 ms).
 *
 * The tokens of the wire are in `_codec_wire.ts`, the bytes are made in
 * `_codec_bytes.ts`, error classes are found in `_codec_errors.ts`, the modules loaded
 * by reference are kept in `_modules.ts`, kinds, revivers and object ids are in
 * `_codec_kinds.ts`, what may be copied is decided in `_codec_copyable.ts`, and the
 * column form is made in `_codec_columns.ts`; the receiving side is `_codec_decode.ts`,
 * and `_codec_frozen.ts` freezes the copies that `Object.freeze` cannot.
 *
 * @module
 */
import { hostObject } from "./_platform.ts";
import { RangeError, showCaller, TypeError } from "./_caller_stack.ts";
import { ThreadError } from "./errors.ts";
import { describe } from "./_futex.ts";
import { canHoldShared, pack } from "./_codec_bytes.ts";
import { frozenJSON } from "./_codec_json.ts";
import { decode, decodeBytes, type Where } from "./_codec_decode.ts";
import {
  builtinBase,
  isErrorClass,
  registerErrorClass,
  stackModules,
} from "./_codec_errors.ts";
export { explainCopy, registerErrorClass } from "./_codec_errors.ts";
export { importModule, importModules, loadedModule, loadedModules } from "./_modules.ts";
import { kTravel, oidOf, type Ticket, type Traveller } from "./_codec_kinds.ts";
import { functionReference } from "./_codec_functions.ts";
export {
  addKindResolver,
  adopt,
  hasKind,
  idOf,
  type KindResolver,
  kTravel,
  objectFor,
  oidOf,
  registerKind,
  type Reviver,
  type Ticket,
  type Traveller,
} from "./_codec_kinds.ts";
import {
  builtinAdvice,
  cannotCopy,
  hasMethods,
  lostKey,
  PASS_THROUGH,
  type PathKey,
  pathOf,
} from "./_codec_copyable.ts";
export { cannotCopy, hasMethods } from "./_codec_copyable.ts";
export {
  decode,
  decodeBytes,
  decodeBytesAsync,
  peekBytes,
  releaseBytes,
} from "./_codec_decode.ts";
import {
  COLUMNS_MIN,
  jsonTree,
  primitiveColumn,
  recordColumns,
} from "./_codec_columns.ts";
import {
  type ErrorToken,
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

/** Deepest nesting of data the codec carries (CPython's default recursion limit). */
export const MAX_DEPTH = 1000;

/** Options of {@linkcode encode}. */
export interface EncodeOptions {
  /**
   * Take the SharedArrayBuffers out of the wire into `sabs` (the queue road, whose
   * bytes cannot hold them).
   */
  detach?: boolean;
  /** Have the receiver deep-freeze the copied data (see "Copies" in the module doc). */
  frozen?: boolean;
  /** How the keys of the value's root read in messages (`{ fields: "this" }`). */
  names?: Record<string, string>;
  /**
   * On the thread road, return the packed bytes themselves as the wire (a
   * `Uint8Array`, for a Worker's mailbox; see {@linkcode packedWire} and
   * {@linkcode decodeWire}) instead of a copy of them in a new SharedArrayBuffer.
   */
  bytes?: boolean;
}

/** The result of {@linkcode encode}. */
export interface Encoded {
  /** The value to post (structured-clonable). */
  wire: unknown;
  /** Modules the receiver must import before {@linkcode decode}. */
  modules: string[];
  /**
   * Those of `modules` whose static import graph the receiver imports too (the
   * candidates for a function located by the call stack, `_codec_functions.ts`).
   */
  graph?: string[];
  /** With `detach`: the SharedArrayBuffers the wire refers to by index. */
  sabs: SharedArrayBuffer[];
}

/**
 * Encodes a value for another thread.
 *
 * @param value The value.
 * @param path Where the value stands, for error messages (`args`, `the item`); `""`
 * names the root's keys as they are (`args[0]`, `kwargs.x`).
 * @param action What is being done, for error messages (`Cannot start Thread-1`).
 * @param options See {@linkcode EncodeOptions}.
 * @throws {TypeError} If some part of the value cannot travel.
 * @throws {RangeError} If the value is nested more than {@linkcode MAX_DEPTH} deep.
 */
export function encode(
  value: unknown,
  path: string,
  action: string,
  options: EncodeOptions = {},
): Encoded {
  try {
    return encodeOnce(value, path, action, options, true);
  } catch (error) {
    // A refusal from deep in the walk: with the user's call in its stack.
    if (error !== RESTART) throw showCaller(error);
  }
  try {
    // An object taken into a JSON tree was met again: encode without JSON trees.
    return encodeOnce(value, path, action, options, false);
  } catch (error) {
    throw showCaller(error);
  }
}

/**
 * An object's own refusal to travel (its `[kTravel]()` threw: a Thread not started yet),
 * with the place it sits and what was being done put before its words, in its class.
 */
function namedRefusal(error: unknown, prefix: string): unknown {
  if (!(error instanceof Error) || error.message.startsWith(prefix)) return error;
  const Class = error instanceof TypeError
    ? TypeError
    : error instanceof RangeError
    ? RangeError
    : error instanceof ThreadError
    ? ThreadError
    : undefined;
  if (Class === undefined) return error;
  const named = new Class(prefix + error.message);
  // The class the refusal had (a subclass of ThreadError, say), with the stack of here.
  if (error.constructor !== Class) {
    Object.setPrototypeOf(named, error.constructor.prototype);
  }
  return named;
}

/** Thrown inside an encoding that must start again without JSON trees. */
const RESTART = Symbol("restart");
/** The `seen` entry of an object taken into a JSON tree. */
const IN_TREE = Symbol("in a JSON tree");

function encodeOnce(
  value: unknown,
  path: string,
  action: string,
  options: EncodeOptions,
  jsonTrees: boolean,
): Encoded {
  // The thread road packs the value into bytes too (see "Roads"), when it can.
  const packed = options.detach !== true && canHoldShared;
  const detach = options.detach === true || packed;
  const modules = new Set<string>();
  /** Modules whose static import graph the receiver searches for a function. */
  const graph = new Set<string>();
  const sabs: SharedArrayBuffer[] = [];
  const sabIndex = new Map<SharedArrayBuffer, number>();
  const seen = new Map<object, unknown>();
  const keys: PathKey[] = [];
  let depth = 0;
  const where = () => pathOf(path, keys, options.names);
  const refuse = (what: string, fix: string): never => {
    throw new TypeError(
      `${action}: ${where()} is ${what}, which cannot cross threads; ${fix}`,
    );
  };
  const sabRef = (sab: SharedArrayBuffer): unknown => {
    if (!detach) return sab;
    let i = sabIndex.get(sab);
    if (i === undefined) {
      i = sabs.length;
      sabs.push(sab);
      sabIndex.set(sab, i);
    }
    return { [TOKEN]: T_SAB, i };
  };
  const child = (v: unknown, key: PathKey): unknown => {
    if (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol") {
      return v;
    }
    keys.push(key);
    const out = walk(v);
    keys.pop();
    return out;
  };
  const walk = (v: unknown): unknown => {
    switch (typeof v) {
      case "function":
        return walkFunction(v as (...args: never[]) => unknown);
      case "symbol":
        return refuse(describe(v), "pass a string instead");
      case "object":
        break;
      default:
        return v;
    }
    if (v === null) return v;
    const obj = v as object;
    if (seen.has(obj)) {
      const out = seen.get(obj);
      if (out === IN_TREE) throw RESTART;
      return out;
    }
    if (++depth > MAX_DEPTH) {
      keys.length = Math.min(keys.length, 8);
      throw new RangeError(
        `${action}: ${where()}\u2026 is nested more than ${MAX_DEPTH} levels deep, which cannot cross threads (CPython's pickle stops at its recursion limit too); pass a flatter structure, such as an array of records`,
      );
    }
    const out = walkObject(obj);
    depth--;
    return out;
  };
  /** An exported function, by reference (`_codec_functions.ts`). */
  const walkFunction = (fn: (...args: never[]) => unknown): unknown => {
    if (seen.has(fn)) return seen.get(fn);
    if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) {
      return refuse(describe(fn), "pass data instead");
    }
    const ref = functionReference(fn, where(), action);
    for (const url of ref.modules) {
      modules.add(url);
      if (!ref.exact) graph.add(url);
    }
    const token = { [TOKEN]: T_FUNCTION, ...ref };
    seen.set(fn, token);
    return token;
  };
  const walkObject = (obj: object): unknown => {
    if (typeof (obj as Partial<Traveller>)[kTravel] === "function") {
      let ticket: Ticket;
      try {
        ticket = (obj as Traveller)[kTravel]();
      } catch (error) {
        throw namedRefusal(error, `${action}: ${where()} cannot cross threads: `);
      }
      const token: Token = { [TOKEN]: ticket.kind, oid: oidOf(obj), head: null };
      seen.set(obj, token);
      token.head = walk(ticket.head);
      if (ticket.module !== undefined) {
        token.module = ticket.module;
        modules.add(ticket.module);
      }
      if (ticket.body !== undefined) token.body = walk(ticket.body);
      return token;
    }
    if (Array.isArray(obj)) {
      refuseLost(obj, "array");
      if (obj.length >= COLUMNS_MIN && Object.getPrototypeOf(obj) === Array.prototype) {
        const token = columns(obj);
        if (token !== undefined) return token;
      }
      const out: unknown[] = new Array(obj.length);
      seen.set(obj, out);
      for (let i = 0; i < obj.length; i++) if (i in obj) out[i] = child(obj[i], i);
      return out;
    }
    if (obj instanceof Map) {
      refuseLost(obj, "other");
      const out = new Map();
      seen.set(obj, out);
      for (const [k, val] of obj) out.set(child(k, " key"), child(val, " value"));
      return out;
    }
    if (obj instanceof Set) {
      refuseLost(obj, "other");
      const out = new Set();
      seen.set(obj, out);
      for (const item of obj) out.add(child(item, " item"));
      return out;
    }
    if (obj instanceof Error) return walkError(obj);
    if (obj instanceof SharedArrayBuffer) {
      const out = sabRef(obj);
      seen.set(obj, out);
      return out;
    }
    if (ArrayBuffer.isView(obj)) {
      let out: unknown = obj;
      if (obj.buffer instanceof SharedArrayBuffer) {
        if (detach) {
          out = {
            [TOKEN]: T_VIEW,
            type: obj.constructor.name,
            sab: sabRef(obj.buffer),
            offset: obj.byteOffset,
            length: obj.byteLength,
          };
        }
      }
      seen.set(obj, out);
      return out;
    }
    if (obj instanceof ArrayBuffer) {
      seen.set(obj, obj);
      return obj;
    }
    for (let i = 0; i < PASS_THROUGH.length; i++) {
      if (obj instanceof PASS_THROUGH[i]) {
        refuseLost(obj, "other");
        seen.set(obj, obj);
        return obj;
      }
    }
    if (cannotCopy(obj)) return refuse(describe(obj), "pass the data it holds instead");
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null && hasMethods(proto)) {
      const host = hostObject(obj);
      if (host !== undefined && /^(?:a )?(?:Deno|process)\./.test(host)) {
        return refuse(
          `${host}, an object of the runtime that belongs to its thread`,
          "each thread has its own (a thread writes to Deno.stdout as the main thread does); pass the data it holds instead",
        );
      }
      const builtin = builtinAdvice(obj);
      if (builtin !== undefined) {
        return refuse(
          `${
            /^[AEIO]/.test(builtin.name) ? "an" : "a"
          } ${builtin.name}, an object of a built-in class of the runtime`,
          builtin.advice,
        );
      }
      if (host !== undefined) {
        return refuse(
          `${host}, an object of the runtime that belongs to its thread`,
          "pass the data it holds instead",
        );
      }
      const name = (obj.constructor as { name?: string } | undefined)?.name ||
        "(anonymous)";
      return refuse(
        `an instance of class ${name}, which has methods`,
        `to share it, make ${name} extend Shareable (it then arrives as a ${name}, its fields shared), or give it a [kTravel]() method (README: "What crosses, and how"); else pass a plain object`,
      );
    }
    refuseLost(obj, "object");
    const out: Record<string, unknown> = {};
    seen.set(obj, out);
    for (const key of Object.keys(obj)) {
      out[key] = child((obj as Record<string, unknown>)[key], key);
    }
    return out;
  };
  /** Refuses a value with a key that its copy would lose (see `lostKey`). */
  const refuseLost = (obj: object, kind: "array" | "object" | "other"): void => {
    const key = lostKey(obj, kind);
    if (key === undefined) return;
    if (typeof key === "symbol") {
      refuse(
        `${kind === "array" ? "an array" : "an object"} with the symbol key ${
          String(key)
        }`,
        "a symbol is its thread's own and a copy drops symbol keys: use a string key",
      );
    }
    const name = JSON.stringify(key);
    if (kind === "array") {
      refuse(
        `an array with the property ${name} besides its items`,
        `a copy keeps only the items, so the property would be lost: pass an object that holds both instead (\`{ items, ${name}: \u2026 }\`)`,
      );
    }
    refuse(
      `${describe(obj)} with the property ${name}`,
      "a copy keeps only its contents, so the property would be lost: pass an object that holds both instead",
    );
  };
  /** A large plain array in column form (`_codec_columns.ts`), if it has one. */
  const columns = (array: unknown[]): object | undefined => {
    const column = primitiveColumn(array);
    if (column !== undefined) {
      const token = { [TOKEN]: T_COLUMN, ...column };
      seen.set(array, token);
      return token;
    }
    // The records are one level deeper than the array.
    if (depth >= MAX_DEPTH) return undefined;
    const token: Record<string, unknown> = { [TOKEN]: T_RECORDS };
    const records = recordColumns(
      array,
      (record, i) => {
        if (seen.has(record)) return false;
        // A record met again elsewhere in the value arrives as the same object.
        seen.set(record, { [TOKEN]: T_ELEMENT, of: token, i });
        return true;
      },
      (record) => seen.delete(record),
    );
    if (records !== undefined) {
      Object.assign(token, records);
      seen.set(array, token);
      return token;
    }
    if (!jsonTrees) return undefined;
    const text = jsonTree(
      array,
      depth,
      MAX_DEPTH,
      (object) => {
        if (seen.has(object)) return false;
        seen.set(object, IN_TREE);
        return true;
      },
      (object) => seen.delete(object),
    );
    if (text === undefined) return undefined;
    const tree = { [TOKEN]: T_JSON, text };
    seen.set(array, tree);
    return tree;
  };
  const walkError = (error: Error): ErrorToken => {
    const ctor = (error.constructor as { name?: string } | undefined)?.name || "Error";
    if (isErrorClass(error.constructor)) registerErrorClass(error.constructor);
    const base = builtinBase(error);
    const ownName = Object.hasOwn(error, "name");
    const name = String(error.name);
    const token: ErrorToken = {
      [TOKEN]: T_ERROR,
      ctor,
      base,
      name,
      ownName,
      message: String(error.message ?? ""),
      stack: typeof error.stack === "string" ? error.stack : undefined,
      hasCause: "cause" in error,
      fields: {},
      modules: stackModules(error.stack),
    };
    seen.set(error, token);
    if (token.hasCause) token.cause = child(error.cause, "cause");
    const errors = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors)) token.errors = child(errors, "errors");
    for (const key of Object.keys(error)) {
      if (key === "name" || key === "message" || key === "stack" || key === "cause") {
        continue;
      }
      if (key === "errors" && Array.isArray(errors)) continue;
      token.fields[key] = child((error as unknown as Record<string, unknown>)[key], key);
    }
    return token;
  };
  let wire = walk(value);
  if (options.frozen) wire = { [TOKEN]: T_FROZEN, value: wire };
  if (packed) {
    const bytes = pack(wire, sabs, path, action);
    return {
      wire: options.bytes ? bytes : packedWire(bytes),
      modules: [...modules],
      graph: [...graph],
      sabs: [],
    };
  }
  return { wire, modules: [...modules], graph: [...graph], sabs };
}

/**
 * The wire that carries packed bytes over a channel: the bytes copied into one new
 * SharedArrayBuffer (a channel's own clone of a byte array is slow). Other wires are
 * returned as they are.
 */
export function packedWire(wire: unknown): unknown {
  if (!(wire instanceof Uint8Array)) return wire;
  const sab = new SharedArrayBuffer(wire.length);
  new Uint8Array(sab).set(wire);
  return { [TOKEN]: T_PACKED, sab };
}

/**
 * Decodes what the thread road carries, whichever form it has: JSON text (JSON data,
 * see `_codec_json.ts`; arrives deep-frozen), packed bytes (`bytes: true`, read from a
 * mailbox) or a wire. Call it once per encoding.
 */
export function decodeWire(wire: unknown, where?: Where): unknown {
  if (typeof wire === "string") return frozenJSON(wire);
  return wire instanceof Uint8Array
    ? decodeBytes(wire, where)
    : decode(wire, undefined, where);
}

// ---------------------------------------------------------------------------------------
// The queue road: values as bytes.

/**
 * Encodes a value as the bytes of a queue record (see `_codec_bytes.ts`).
 *
 * @throws {TypeError} If some part of the value cannot travel.
 * @throws {RangeError} If the value is nested too deep.
 */
export function encodeBytes(value: unknown, path: string, action: string): Uint8Array {
  const { wire, sabs, modules, graph } = encode(value, path, action, { detach: true });
  // The modules its kinds need, for a receiver that can import them first (getAsync).
  const root = modules.length === 0
    ? wire
    : graph?.length
    ? { [TOKEN]: T_MODULES, modules, graph, value: wire }
    : { [TOKEN]: T_MODULES, modules, value: wire };
  try {
    return pack(root, sabs, path, action);
  } catch (error) {
    throw showCaller(error);
  }
}
