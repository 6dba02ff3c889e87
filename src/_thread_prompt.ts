// Copyright the threading for Deno authors. MIT license.
/**
 * `prompt()` in a thread, as Python's `input()` works in any thread. Deno defines
 * `prompt` on the main thread only (a Worker has none: `ReferenceError`), so a thread's
 * Worker gets one that does what Deno's main-thread `prompt` does:
 *
 * | stdin | `prompt(message = "Prompt", defaultValue = "")` |
 * | --- | --- |
 * | not a terminal (a pipe, a file, `null`) | `null`, without reading (as Deno's) |
 * | a terminal, the user types a line | writes `message` and a space to stdout, returns the line (without its end) |
 * | a terminal, an empty line | `defaultValue` |
 * | a terminal, end of input (Ctrl-D) | `null` |
 *
 * It blocks the thread (a synchronous read, as `Deno.stdin.readSync`), not the others.
 * Unlike Deno's, it has no line editing beyond the terminal's own (backspace works, the
 * arrow keys do not); two threads that prompt at once read lines in the order the
 * terminal gives them. For piped input, read `Deno.stdin` itself (`readSync` works in
 * any thread).
 *
 * @module
 */
import { writeWhole } from "./_output.ts";

/** Reads one line from stdin (its end removed), or null at the end of input. */
function readLine(stdin: typeof Deno.stdin): string | null {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(1024);
  for (;;) {
    const n = stdin.readSync(buffer);
    if (n === null || n === 0) {
      if (chunks.length === 0) return null;
      break;
    }
    chunks.push(buffer.slice(0, n));
    if (buffer[n - 1] === 10) break; // a terminal gives a line per read
  }
  const text = new TextDecoder().decode(
    chunks.length === 1 ? chunks[0] : new Uint8Array(chunks.flatMap((c) => [...c])),
  );
  return text.replace(/\r?\n$/, "");
}

/** Defines `prompt` in this Worker when the runtime gives it none (Deno's Workers). */
export function provideThreadPrompt(): void {
  const scope = globalThis as { prompt?: unknown; Deno?: typeof Deno };
  const deno = scope.Deno;
  if (typeof scope.prompt === "function" || typeof deno?.stdin?.readSync !== "function") {
    return;
  }
  const stdin = deno.stdin;
  const stdout = deno.stdout;
  function prompt(message: string = "Prompt", defaultValue?: string): string | null {
    defaultValue ??= "";
    if (!stdin.isTerminal()) return null;
    writeWhole(stdout, new TextEncoder().encode(`${message} `));
    const line = readLine(stdin);
    if (line === null) return null;
    return line === "" ? `${defaultValue}` : line;
  }
  Object.defineProperty(globalThis, "prompt", {
    value: prompt,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
