// Copyright the threading for Deno authors. MIT license.
/**
 * The bytes of the codec's roads: the V8 serialization of an encoded value (Deno's own
 * serializer, else `node:v8`), and the SharedArrayBuffers it refers to held in the
 * runtime's process-wide SharedArrayBuffer store, which every Worker shares, until they
 * are taken (once) by the receiver.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { deserialize as v8Deserialize, serialize as v8Serialize } from "node:v8";

interface HostCore {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

/**
 * Deno's own serializer, which puts SharedArrayBuffers into the process-wide store that
 * every Worker shares (each taken once, by the deserialization), and is about 3 times
 * faster than `node:v8` on small values. Without it, the queue road refuses
 * SharedArrayBuffers (and what holds them).
 */
const host: HostCore | undefined = (() => {
  try {
    const internal = (Deno as unknown as Record<symbol | string, unknown>)[
      (Deno as unknown as { internal: symbol }).internal
    ] as { core?: Partial<HostCore> } | undefined;
    const core = internal?.core;
    if (typeof core?.serialize === "function" && typeof core.deserialize === "function") {
      return core as HostCore;
    }
  } catch {
    // fall through
  }
  return undefined;
})();

const serializeWire: (value: unknown) => Uint8Array = host
  ? (value) => host.serialize(value)
  : (value) => v8Serialize(value);
const deserializeWire: (bytes: Uint8Array) => unknown = host
  ? (bytes) => host.deserialize(bytes)
  : (bytes) => v8Deserialize(bytes);

/** Flag bit of a byte record: shared memory follows the wire. */
const F_SABS = 1;

/**
 * The bytes of an encoded value: byte 0 holds flags; with `F_SABS`, bytes 1-4 the
 * length of the wire's serialization, then the wire, then the serialization of the
 * SharedArrayBuffers it refers to (held in the runtime's store until
 * {@linkcode unpack} or {@linkcode release} takes them).
 *
 * @throws {TypeError} If the wire cannot be serialized, or holds shared memory that
 * this runtime cannot store.
 */
export function pack(
  wire: unknown,
  sabs: SharedArrayBuffer[],
  path: string,
  action: string,
): Uint8Array {
  let body: Uint8Array;
  try {
    body = serializeWire(wire);
  } catch (error) {
    throw new TypeError(
      `${action}: ${path || "the value"} cannot be serialized: ${error}`,
    );
  }
  if (sabs.length === 0) {
    const out = new Uint8Array(body.length + 1);
    out.set(body, 1);
    return out;
  }
  if (host === undefined) {
    throw new TypeError(
      `${action}: ${path} holds shared memory, which this runtime cannot store in a queue; pass it to the thread as an argument instead`,
    );
  }
  const held = host.serialize(sabs);
  const out = new Uint8Array(5 + body.length + held.length);
  out[0] = F_SABS;
  new DataView(out.buffer).setUint32(1, body.length, true);
  out.set(body, 5);
  out.set(held, 5 + body.length);
  return out;
}

function split(bytes: Uint8Array): { wire: Uint8Array; held?: Uint8Array } {
  if ((bytes[0] & F_SABS) === 0) return { wire: bytes.subarray(1) };
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .getUint32(1, true);
  return { wire: bytes.subarray(5, 5 + len), held: bytes.subarray(5 + len) };
}

/**
 * The wire and the SharedArrayBuffers of packed bytes, taking the buffers out of the
 * store: call it once per packing.
 */
export function unpack(bytes: Uint8Array): { wire: unknown; sabs: SharedArrayBuffer[] } {
  const { wire, held } = split(bytes);
  const sabs = held ? host!.deserialize(held) as SharedArrayBuffer[] : [];
  return { wire: deserializeWire(wire), sabs };
}

/** The wire of packed bytes, leaving their SharedArrayBuffers in the store. */
export function peekWire(bytes: Uint8Array): unknown {
  return deserializeWire(split(bytes).wire);
}

/** Releases the SharedArrayBuffers of packed bytes that will never be unpacked. */
export function release(bytes: Uint8Array): void {
  const { held } = split(bytes);
  if (held) host!.deserialize(held);
}

/** Whether this runtime can pack SharedArrayBuffers (Deno's own serializer is there). */
export const canHoldShared: boolean = host !== undefined;
