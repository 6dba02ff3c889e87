// Copyright the threading for Deno authors. MIT license.
/**
 * The one subprocess runner of the tests: `deno <args>` in a real child process, its
 * output collected and decoded, killed with SIGKILL after a limit (a hang).
 *
 * The child gets `NO_COLOR=1` on top of the parent's environment (and `options.env` on
 * top of that); stdout and stderr are piped, stdin is inherited unless asked otherwise.
 *
 * @module
 */

/** How to run the child. */
export interface RunOptions {
  /** Milliseconds before the child is killed with SIGKILL; none: no limit. */
  timeoutMs?: number;
  /** Variables added to the environment (after `NO_COLOR=1`). */
  env?: Record<string, string>;
  /** The child's working directory. */
  cwd?: string | URL;
  /** The child's stdin: inherited unless `"null"`. */
  stdin?: "inherit" | "null";
}

/** What the child did. */
export interface RunResult {
  /** Its exit code. */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
  /** Whether `code` is 0. */
  success: boolean;
  /** Its stdout, decoded as UTF-8. */
  stdout: string;
  /** Its stderr, decoded as UTF-8. */
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
  /** Whether the limit ran out and the child was killed. */
  killed: boolean;
}

/** Runs `deno <args>` (the Deno running the tests) and waits for it to end. */
export async function runDeno(
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    stdin: options.stdin ?? "inherit",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  let killed = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    success: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    ms: performance.now() - t0,
    killed,
  };
}

/** What a child run by {@linkcode runDenoLines} did. */
export interface LinesResult {
  /** Its stdout, line by line. */
  lines: string[];
  /** Its stderr, decoded as UTF-8. */
  stderr: string;
  /** How it ended. */
  status: Deno.CommandStatus;
}

/**
 * Runs `deno <args>` and calls `onLine` with each line of its stdout as it comes, with
 * the child (to send it a signal when a line says it is ready); waits for `onLine`
 * before it reads on. Killed with SIGKILL after `timeoutMs` (default 60 s).
 */
export async function runDenoLines(
  args: string[],
  onLine: (line: string, child: Deno.ChildProcess) => void | Promise<void>,
  timeoutMs = 60_000,
): Promise<LinesResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let buffer = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      await onLine(line, child);
    }
  }
  const status = await child.status;
  clearTimeout(killer);
  return { lines, stderr: await stderr, status };
}
