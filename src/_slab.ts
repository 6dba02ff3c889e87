// Copyright the threading for Deno authors. MIT license.
/**
 * The slab allocator under every primitive's shared words.
 *
 * Allocating a SharedArrayBuffer costs over a microsecond, so a primitive does not get
 * a buffer of its own: each thread carves the words of the primitives it creates out of
 * a slab, one SharedArrayBuffer shared by many primitives, in slots of whole cache
 * lines ({@linkcode carve}). A thread's first slab is {@linkcode SLAB_MIN} bytes; each
 * next slab is twice as big, up to {@linkcode SLAB_MAX}, so a program that makes few
 * primitives keeps little memory and one that makes many pays for a buffer once every
 * few hundred primitives. Slots are never reused: a slab is freed when no thread holds
 * a primitive in it any more. Slots start at multiples of 64 bytes from the start of
 * the slab, so the first words of two primitives never share a cache line.
 *
 * @module
 */
import { notePrimitive } from "./_warn_once.ts";

/** Bytes of a thread's first slab. */
export const SLAB_MIN = 1024;
/** Bytes of the biggest slab (and of the biggest slot). */
export const SLAB_MAX = 65536;
/** Bytes of a cache line: slots are whole multiples of it. */
export const SLOT_ALIGN = 64;

/**
 * The slab that the last {@linkcode carve} call carved from: an `Int32Array` over the
 * whole SharedArrayBuffer.
 */
export let slab: Int32Array = new Int32Array(0);
let slabUsed = 0;

/**
 * Reserves a zeroed slot of `bytes` bytes (a multiple of {@linkcode SLOT_ALIGN}, at
 * most {@linkcode SLAB_MAX}) in this thread's current slab, starting a new slab when
 * the current one is full. The slot's words are `slab[index]` to
 * `slab[index + bytes / 4 - 1]`.
 *
 * @returns The index in {@linkcode slab} of the slot's first word.
 */
export function carve(bytes: number): number {
  let at = slabUsed;
  if (at + bytes > slab.byteLength) {
    const size = Math.min(Math.max(slab.byteLength * 2, SLAB_MIN), SLAB_MAX);
    slab = new Int32Array(new SharedArrayBuffer(size));
    at = 0;
  }
  slabUsed = at + bytes;
  // A module-level primitive in a thread's Worker: `_warn_once.ts`.
  notePrimitive(slab.buffer, at >> 2, bytes >> 2);
  return at >> 2;
}

/**
 * Carves a slot of `bytes` bytes (see {@linkcode carve}).
 *
 * @returns An `Int32Array` over the slot alone (its word 0 is the slot's first word).
 */
export function carveView(bytes: number): Int32Array {
  const at = carve(bytes);
  return new Int32Array(slab.buffer, at << 2, bytes >> 2);
}
