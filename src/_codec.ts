// Copyright the threading for Deno authors. MIT license.
/**
 * The one codec through which objects cross threads: thread arguments, kwargs, the
 * fields of a Thread subclass, and anything else this library carries.
 *
 * Values are structured-cloned, except objects that know how to travel: an object whose
 * class implements `[kTravel]()` is sent as a ticket, and arrives in the other thread as
 * the same shared object, revived by the reviver registered for its kind. Every such
 * object gets a program-wide object id (oid) the first time it travels; each thread keeps
 * a weak map from oid to its own object, so the same object sent twice (or sent back)
 * arrives as one object.
 *
 * A ticket has a `head` (structured-clonable data, typically SharedArrayBuffers) from
 * which the reviver's `create` makes the object, and an optional `body` (which may hold
 * further travelling objects, cycles included) that `fill` puts into the object after it
 * is registered under its oid.
 *
 * What cannot travel is refused with a `TypeError` that names where it sits in the
 * value (`args[0].pool`): functions, symbols, promises, weak collections, and instances
 * of classes that have methods but do not travel.
 *
 * @module
 */
import { describe } from "./_futex.ts";
import { H_OID, runtime } from "./_runtime.ts";

/** The method by which an object says how it travels. */
export const kTravel: unique symbol = Symbol.for("@threading/threading:travel") as never;

/** What an object's `[kTravel]()` returns. */
export interface Ticket {
  /** The registered kind that revives it. */
  kind: string;
  /** A module to import before reviving, when the kind is registered by user code. */
  module?: string;
  /** Structured-clonable data from which `create` makes the object. */
  head: unknown;
  /** Data (may hold travelling objects) that `fill` puts into the created object. */
  body?: unknown;
}

/** An object that knows how to travel. */
export interface Traveller {
  /** Describes this object for the codec. */
  [kTravel](): Ticket;
}

/** How the objects of one kind come to life in a receiving thread. */
export interface Reviver {
  /** Makes the object from the ticket's head. */
  create(head: unknown): object;
  /** Puts the decoded body into the object made by `create`. */
  fill?(object: object, body: unknown): void;
}

const revivers = new Map<string, Reviver>();

/**
 * Registers how objects of `kind` are revived in this thread. Registering a kind again
 * replaces its reviver (a module evaluated twice registers twice).
 */
export function registerKind(kind: string, reviver: Reviver): void {
  revivers.set(kind, reviver);
}

/** Finds a reviver for a kind that has none registered; see {@linkcode addKindResolver}. */
export type KindResolver = (
  kind: string,
  module: string | undefined,
) => Reviver | undefined;

const resolvers: KindResolver[] = [];

/**
 * Adds a resolver that `decode` asks, in order, for a kind with no registered reviver:
 * the fallback for kinds that name user code by reference (`Shareable` subclasses use
 * the kind `<module URL>#<export name>`, resolved lazily from the imported module). A
 * reviver it returns is registered for the kind; it may throw a `TypeError` that says
 * why the kind cannot be revived.
 */
export function addKindResolver(resolve: KindResolver): void {
  if (!resolvers.includes(resolve)) resolvers.push(resolve);
}

function resolveKind(kind: string, module: string | undefined): Reviver | undefined {
  for (const resolve of resolvers) {
    const reviver = resolve(kind, module);
    if (reviver !== undefined) {
      revivers.set(kind, reviver);
      return reviver;
    }
  }
  return undefined;
}

/** Whether `kind` has a reviver in this thread. */
export function hasKind(kind: string): boolean {
  return revivers.has(kind);
}

const kOid = Symbol("@threading/threading:oid");
const byOid = new Map<number, WeakRef<object>>();
const registry = new FinalizationRegistry<number>((oid) => {
  const ref = byOid.get(oid);
  if (ref !== undefined && ref.deref() === undefined) byOid.delete(oid);
});

/** The program-wide id of a travelling object, given on first use. */
export function oidOf(object: object): number {
  let oid = (object as { [kOid]?: number })[kOid];
  if (oid === undefined) {
    oid = Atomics.add(runtime.i32, H_OID, 1);
    adopt(object, oid);
  }
  return oid;
}

/** Records `object` as this thread's object for `oid`. */
export function adopt(object: object, oid: number): void {
  Object.defineProperty(object, kOid, { value: oid, configurable: true });
  byOid.set(oid, new WeakRef(object));
  registry.register(object, oid);
}

/** This thread's object for `oid`, if it is alive. */
export function objectFor(oid: number): object | undefined {
  return byOid.get(oid)?.deref();
}

const TOKEN = "\u0000@threading";

interface Token {
  [TOKEN]: string;
  oid: number;
  module?: string;
  head: unknown;
  body?: unknown;
}

/** The result of {@linkcode encode}. */
export interface Encoded {
  /** The value to post (structured-clonable). */
  wire: unknown;
  /** Modules the receiver must import before {@linkcode decode}. */
  modules: string[];
}

const PASS_THROUGH: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Date,
  RegExp,
  ArrayBuffer,
  SharedArrayBuffer,
  DataView,
  Error,
  Blob,
];

/** Whether a value is a promise or a weak collection, which no copy can carry. */
export function cannotCopy(value: object): boolean {
  return value instanceof Promise || value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef;
}

function isTypedArray(value: object): boolean {
  return ArrayBuffer.isView(value);
}

/**
 * Whether a prototype chain (below `Object.prototype`) has methods or accessors: an
 * instance of such a class loses them when copied, so copying it is refused.
 */
export function hasMethods(proto: object | null): boolean {
  while (proto !== null && proto !== Object.prototype) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (d && (typeof d.value === "function" || d.get || d.set)) return true;
    }
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

/**
 * Encodes a value for posting to another thread.
 *
 * @param value The value.
 * @param path Where the value stands, for error messages (`args`, `kwargs.x`).
 * @param action What is being done, for error messages (`Cannot start Thread-1`).
 * @throws {TypeError} If some part of the value cannot travel.
 */
export function encode(value: unknown, path: string, action: string): Encoded {
  const modules = new Set<string>();
  const seen = new Map<object, unknown>();
  const refuse = (where: string, what: string, fix: string): never => {
    throw new TypeError(
      `${action}: ${where} is ${what}, which cannot cross threads; ${fix}`,
    );
  };
  const walk = (v: unknown, where: string): unknown => {
    switch (typeof v) {
      case "function":
        return refuse(
          where,
          describe(v),
          "pass data instead, or export the function and name it as a thread's target",
        );
      case "symbol":
        return refuse(where, describe(v), "pass a string instead");
      case "object":
        break;
      default:
        return v;
    }
    if (v === null) return v;
    const obj = v as object;
    if (seen.has(obj)) return seen.get(obj);
    if (typeof (obj as Partial<Traveller>)[kTravel] === "function") {
      const ticket = (obj as Traveller)[kTravel]();
      const token: Token = { [TOKEN]: ticket.kind, oid: oidOf(obj), head: ticket.head };
      seen.set(obj, token);
      if (ticket.module !== undefined) {
        token.module = ticket.module;
        modules.add(ticket.module);
      }
      if (ticket.body !== undefined) token.body = walk(ticket.body, where);
      return token;
    }
    if (Array.isArray(obj)) {
      const out: unknown[] = new Array(obj.length);
      seen.set(obj, out);
      for (let i = 0; i < obj.length; i++) out[i] = walk(obj[i], `${where}[${i}]`);
      return out;
    }
    if (obj instanceof Map) {
      const out = new Map();
      seen.set(obj, out);
      for (const [k, val] of obj) {
        out.set(walk(k, `${where} key`), walk(val, `${where}.get(…)`));
      }
      return out;
    }
    if (obj instanceof Set) {
      const out = new Set();
      seen.set(obj, out);
      for (const item of obj) out.add(walk(item, `${where} item`));
      return out;
    }
    if (isTypedArray(obj) || PASS_THROUGH.some((C) => obj instanceof C)) {
      seen.set(obj, obj);
      return obj;
    }
    if (cannotCopy(obj)) {
      return refuse(where, describe(obj), "pass the data it holds instead");
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null && hasMethods(proto)) {
      const name = (obj.constructor as { name?: string } | undefined)?.name ||
        "(anonymous)";
      return refuse(
        where,
        `an instance of class ${name}, which has methods`,
        `make ${name} shareable (extend Shareable, or give it a [kTravel]() method) so that it arrives as a ${name}, or pass a plain object`,
      );
    }
    const out: Record<string, unknown> = {};
    seen.set(obj, out);
    for (const key of Object.keys(obj)) {
      out[key] = walk((obj as Record<string, unknown>)[key], `${where}.${key}`);
    }
    return out;
  };
  const wire = walk(value, path);
  return { wire, modules: [...modules] };
}

const namespaces = new Map<string, Record<string, unknown>>();

/** Imports a module once per thread, keeping its namespace for {@linkcode loadedModule}. */
export async function importModule(specifier: string): Promise<Record<string, unknown>> {
  let namespace = namespaces.get(specifier);
  if (namespace === undefined) {
    namespace = await import(specifier) as Record<string, unknown>;
    namespaces.set(specifier, namespace);
  }
  return namespace;
}

/** Imports the modules an {@linkcode Encoded} value names, so its kinds are registered. */
export async function importModules(modules: readonly string[]): Promise<void> {
  for (const specifier of modules) await importModule(specifier);
}

/**
 * The namespace of a module imported by {@linkcode importModule} in this thread, for
 * revivers that look code up by name.
 */
export function loadedModule(specifier: string): Record<string, unknown> | undefined {
  return namespaces.get(specifier);
}

/** Every module imported by {@linkcode importModule} in this thread, in import order. */
export function loadedModules(): Iterable<[string, Record<string, unknown>]> {
  return namespaces.entries();
}

function isToken(v: unknown): v is Token {
  return typeof v === "object" && v !== null && TOKEN in v;
}

/**
 * Decodes a value received from another thread, reviving the travelling objects.
 *
 * @throws {TypeError} If a kind has no reviver in this thread (its module was not
 * imported).
 */
export function decode(wire: unknown): unknown {
  const done = new Map<object, unknown>();
  const revive = (token: Token): object => {
    const existing = objectFor(token.oid);
    if (existing !== undefined) return existing;
    const kind = token[TOKEN];
    const reviver = revivers.get(kind) ?? resolveKind(kind, token.module);
    if (reviver === undefined) {
      throw new TypeError(
        `Cannot receive a ${kind} from another thread: its class is not loaded in this thread${
          token.module ? `; import ${token.module} first` : ""
        }`,
      );
    }
    const object = reviver.create(token.head);
    adopt(object, token.oid);
    if (reviver.fill) reviver.fill(object, walk(token.body));
    return object;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (done.has(v)) return done.get(v);
    if (isToken(v)) {
      const object = revive(v);
      done.set(v, object);
      return object;
    }
    done.set(v, v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
    } else if (v instanceof Map) {
      const entries = [...v];
      v.clear();
      for (const [k, val] of entries) v.set(walk(k), walk(val));
    } else if (v instanceof Set) {
      const items = [...v];
      v.clear();
      for (const item of items) v.add(walk(item));
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      const rec = v as Record<string, unknown>;
      for (const key of Object.keys(rec)) rec[key] = walk(rec[key]);
    }
    return v;
  };
  return walk(wire);
}
