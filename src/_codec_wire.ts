// Copyright the threading for Deno authors. MIT license.
/**
 * The wire of the codec (`_codec.ts`): the tokens by which an encoded value marks what
 * is not plain data (a travelling object, an error, shared memory, a frozen copy, a
 * packed value, a large array in column form), and the helpers that read them back.
 *
 * A token is a plain object whose key {@linkcode TOKEN} holds its tag: a ticket's kind
 * for a travelling object (kinds never start with U+0000), else one of the `T_` tags.
 *
 * | tag | stands for | fields |
 * | --- | --- | --- |
 * | a kind | a travelling object | `oid`, `module?`, `head`, `body?` |
 * | `T_ERROR` | an `Error` | see {@linkcode ErrorToken} |
 * | `T_SAB` | a `SharedArrayBuffer` of a detached wire | `i`, its index |
 * | `T_VIEW` | a view of shared memory | `type`, `sab`, `offset`, `length` (bytes) |
 * | `T_PACKED` | the thread road's value, as bytes | `sab` |
 * | `T_FROZEN` | a value the receiver deep-freezes | `value` |
 * | `T_MODULES` | a queue record's value and the modules its kinds need | `modules`, `graph?` (modules whose static imports are searched too), `value` |
 * | `T_FUNCTION` | an exported function, by reference | a `FunctionRef` (`_codec_functions.ts`) |
 * | `T_COLUMN` | a large array of primitives | a `Column` (`_codec_columns.ts`) |
 * | `T_RECORDS` | a large array of records | a `Records` (`_codec_columns.ts`) |
 * | `T_JSON` | a large array that JSON carries exactly | `text` |
 * | `T_ELEMENT` | a record of a `T_RECORDS` array met elsewhere in the value | `of`, `i` |
 *
 * @module
 */

/** The key of a token, holding its tag. */
export const TOKEN = "\u0000@threading";
// Token tags of the codec's own encodings (ticket kinds never start with U+0000).
/** Tag: an `Error`. */
export const T_ERROR = "\u0000error";
/** Tag: a SharedArrayBuffer of a detached wire. */
export const T_SAB = "\u0000sab";
/** Tag: a view of shared memory. */
export const T_VIEW = "\u0000view";
/** Tag: the thread road's value as bytes. */
export const T_PACKED = "\u0000packed";
/** Tag: a value the receiver deep-freezes. */
export const T_FROZEN = "\u0000frozen";
/** Tag: a queue record's value and the modules it needs. */
export const T_MODULES = "\u0000modules";
/** Tag: a large array of primitives in column form. */
export const T_COLUMN = "\u0000column";
/** Tag: a large array of records in column form. */
export const T_RECORDS = "\u0000records";
/** Tag: a large array as JSON text. */
export const T_JSON = "\u0000json";
/** Tag: an exported function, by reference. */
export const T_FUNCTION = "\u0000function";
/** Tag: a record of a `T_RECORDS` array, met again. */
export const T_ELEMENT = "\u0000element";

/** The token of a travelling object (its tag is its kind). */
export interface Token {
  [TOKEN]: string;
  oid: number;
  module?: string;
  head: unknown;
  body?: unknown;
}

/** The token of an `Error`. */
export interface ErrorToken {
  [TOKEN]: typeof T_ERROR;
  ctor: string;
  base: string;
  name: string;
  ownName: boolean;
  message: string;
  stack?: string;
  cause?: unknown;
  hasCause: boolean;
  errors?: unknown;
  fields: Record<string, unknown>;
  modules: string[];
}

/** Whether `v` is a token. */
export function isToken(v: unknown): v is Token {
  return typeof v === "object" && v !== null && TOKEN in v;
}

const VIEW_TYPES: Record<
  string,
  new (b: ArrayBufferLike, o?: number, l?: number) => unknown
> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
};

export function makeView(
  type: string,
  buffer: ArrayBufferLike,
  offset: number,
  bytes: number,
) {
  const View = VIEW_TYPES[type] ?? Uint8Array;
  if (View === DataView) return new DataView(buffer, offset, bytes);
  const per = (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new View(buffer, offset, bytes / per);
}

/** A placeholder for a travelling object in a peeked value (no shared memory taken). */
export function placeholder(token: Token): object {
  return Object.freeze({ [token[TOKEN]]: token.oid });
}
