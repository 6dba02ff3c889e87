// Copyright the threading for Deno authors. MIT license.
/**
 * Python's `kwargs` given to a target that names those parameters: the literal port of
 * `Thread(target=f, kwargs={"n": 3, "label": "y"})` for `def f(n, label="x")`. JavaScript
 * has no keyword arguments, and `kwargs` is passed as one more, last argument
 * (`f(...args, kwargs)`): `n` would silently be the object `{ n: 3, label: "y" }`. So a
 * Thread (or a Timer) whose `kwargs` has a key that names a parameter of its target that
 * `args` does not give (one at or after the kwargs object's place) is refused at
 * construction, with the `args` to write instead.
 *
 * The parameter names are read from the function's source text (`Function.prototype.
 * toString`, JavaScript after the runtime strips the types): simple identifiers, with or
 * without a default; a rest parameter and a destructuring pattern (`f(n, { label })`,
 * which receives the kwargs object as the README shows) name no parameter. What cannot
 * be read (a built-in, a bound function, an unusual text) is not checked.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";

/** The parameters' text of a function's source: from its first `(` to the matching `)`. */
function parameterText(source: string): string | undefined {
  const arrow = /^(?:async\s*)?([\w$]+)\s*=>/.exec(source);
  if (arrow) return arrow[1];
  const start = source.indexOf("(");
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      // Skip a string (a default value); a template's `${}` holds no parenthesis here.
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return source.slice(start + 1, i);
    } else if (c === "/" && (source[i + 1] === "/" || source[i + 1] === "*")) {
      return undefined; // a comment among the parameters: not read
    }
  }
  return undefined;
}

/** Splits a parameter list at its top-level commas. */
function splitTop(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(from, i));
      from = i + 1;
    }
    if (depth < 0) return undefined;
  }
  out.push(text.slice(from));
  return out.map((p) => p.trim()).filter((p) => p !== "");
}

/**
 * The names of a function's parameters, in order (`undefined` for one that is not a
 * simple identifier: a destructuring pattern or a rest parameter), or `undefined` when
 * its source cannot be read.
 */
export function parameterNames(
  fn: (...args: never[]) => unknown,
): (string | undefined)[] | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/\{\s*\[native code\]\s*\}$/.test(source) || /^class\b/.test(source)) {
    return undefined;
  }
  const text = parameterText(source);
  if (text === undefined) return undefined;
  const parts = splitTop(text);
  if (parts === undefined) return undefined;
  return parts.map((p) => /^([\w$]+)\s*(?:=[^]*)?$/.exec(p)?.[1]);
}

/** A value as it would be written in `args: [...]`, or undefined when it is not short. */
function written(value: unknown): string | undefined {
  if (typeof value === "string") {
    return value.length <= 40 ? JSON.stringify(value) : undefined;
  }
  if (
    typeof value === "number" || typeof value === "boolean" || value === null ||
    value === undefined
  ) {
    return String(value);
  }
  if (typeof value === "bigint") return `${value}n`;
  return undefined;
}

/**
 * Refuses `kwargs` whose keys name parameters of `target` (see the module doc).
 *
 * @param action The message's prefix: `"Cannot create Thread"`.
 * @throws {TypeError} Saying that JavaScript has no keyword arguments, with the `args`
 * that pass the values by position.
 */
export function refuseKeywordKwargs(
  target: unknown,
  args: readonly unknown[],
  kwargs: Record<string, unknown> | null | undefined,
  action: string,
): void {
  if (typeof target !== "function" || kwargs === undefined || kwargs === null) return;
  const names = parameterNames(target as (...args: never[]) => unknown);
  if (names === undefined) return;
  const keys = Object.keys(kwargs);
  // A key that names a parameter given by position is data for the kwargs object's
  // parameter (`show(label, kwargs)` with `args: [x]`, `kwargs: { label, v }`).
  const named = keys.filter((k) => names.indexOf(k) >= args.length);
  if (named.length === 0) return;
  const last = names.reduce(
    (end, n, i) => (n !== undefined && keys.includes(n) ? i : end),
    0,
  );
  const positional: string[] = [];
  for (let i = 0; i <= Math.max(last, args.length - 1); i++) {
    const name = names[i];
    const value = i < args.length
      ? args[i]
      : name !== undefined && Object.hasOwn(kwargs, name)
      ? kwargs[name]
      : undefined;
    positional.push(
      written(value) ??
        (i < args.length
          ? `args[${i}]`
          : name !== undefined
          ? `kwargs.${name}`
          : "undefined"),
    );
  }
  const params = names.map((n, i) => n ?? `<parameter ${i + 1}>`).join(", ");
  const fname = (target as { name?: string }).name || "the target";
  throw new TypeError(
    `${action}: kwargs names ${named.map((k) => `\`${k}\``).join(" and ")}, ${
      named.length === 1 ? "a parameter" : "parameters"
    } of ${fname}(${params}); JavaScript has no keyword arguments: kwargs is passed as one more, last argument (${fname}(...args, kwargs)), so ${
      names[args.length] ?? "its next parameter"
    } would be the whole kwargs object; pass the values by position: \`args: [${
      positional.join(", ")
    }]\` (kwargs is for a target whose last parameter takes one object, as \`function ${fname}(n, options) {\u2026}\` with \`kwargs: { label: "y" }\`)`,
  );
}
