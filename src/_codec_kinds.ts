// Copyright the threading for Deno authors. MIT license.
/**
 * Travelling objects for the codec (`_codec.ts`): how an object says it travels
 * ({@linkcode kTravel}, a {@linkcode Ticket}), how a receiving thread revives each kind
 * (registered {@linkcode Reviver}s, and resolvers for kinds named by reference), and
 * the program-wide object ids (oids) that keep a travelling object one object.
 *
 * ## Object ids
 *
 * Every travelling object gets an oid the first time it travels (`H_OID` of the shared
 * runtime, counted up with `Atomics.add`), kept on the object under a private symbol.
 * Each thread keeps a map from oid to a `WeakRef` of its own object for it; a
 * `FinalizationRegistry` drops the entries of collected objects. V8 keeps a `WeakRef`'s
 * target alive until the current task ends (see the codec's module doc), so only what
 * travels is registered: an id wanted for a name or a key ({@linkcode idOf}) is not.
 *
 * No weak lookup from an id back to an object exists in JavaScript without a `WeakRef`,
 * and every `WeakRef` made in a task keeps its target until the task ends: the same-object
 * rule therefore keeps every object that travels in a loop that never yields alive until
 * the loop yields (measured: 100,000 fresh `Lock`s sent in one task hold 75 MB of heap;
 * 100,000 fresh reply queues sent in one task hold about 600 MB, see `_queue_core.ts`).
 *
 * @module
 */
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

/**
 * The reviver of `kind`: the registered one, else the first that a resolver (see
 * {@linkcode addKindResolver}) returns, registered from then on.
 */
export function reviverFor(
  kind: string,
  module: string | undefined,
): Reviver | undefined {
  return revivers.get(kind) ?? resolveKind(kind, module);
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
/** Set on an object registered in `byOid` (it has travelled, or was revived here). */
const kListed = Symbol("@threading/threading:listed");
const byOid = new Map<number, WeakRef<object>>();
const registry = new FinalizationRegistry<number>((oid) => {
  const ref = byOid.get(oid);
  if (ref !== undefined && ref.deref() === undefined) byOid.delete(oid);
});

/**
 * The program-wide id of an object, given on first use, without registering the object
 * as this thread's object for it: for names and keys (`<local object 7>`), which need
 * no `WeakRef` (one made in a task keeps its target alive until the task ends).
 */
export function idOf(object: object): number {
  let oid = (object as { [kOid]?: number })[kOid];
  if (oid === undefined) {
    oid = Atomics.add(runtime.i32, H_OID, 1);
    Object.defineProperty(object, kOid, { value: oid, configurable: true });
  }
  return oid;
}

/**
 * The program-wide id of a travelling object, given on first use, and the object
 * registered as this thread's object for it (so that it arrives as itself when sent
 * back).
 */
export function oidOf(object: object): number {
  const oid = idOf(object);
  if ((object as { [kListed]?: true })[kListed] === undefined) adopt(object, oid);
  return oid;
}

/** Records `object` as this thread's object for `oid`. */
export function adopt(object: object, oid: number): void {
  Object.defineProperty(object, kOid, { value: oid, configurable: true });
  Object.defineProperty(object, kListed, { value: true, configurable: true });
  byOid.set(oid, new WeakRef(object));
  registry.register(object, oid);
}

/** This thread's object for `oid`, if it is alive. */
export function objectFor(oid: number): object | undefined {
  return byOid.get(oid)?.deref();
}
