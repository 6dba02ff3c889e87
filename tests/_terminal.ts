// Copyright the threading for Deno authors. MIT license.
/**
 * Runs `deno run` in a real pseudo-terminal (util-linux's `script`), where Deno asks for
 * a missing permission (a prompt) instead of refusing it silently: the tests that no
 * prompt appears. The child is killed as soon as a prompt shows, or after a limit.
 *
 * @module
 */

/** Whether util-linux's `script` (a pseudo-terminal) is there. */
export const hasScript: boolean = (() => {
  try {
    return new Deno.Command("script", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();

/**
 * Runs `deno run --no-lock <flags> <file>` in a pseudo-terminal, in `cwd`, and returns
 * what the terminal showed (stdout and stderr, with `\r\n` line ends). Ends it as soon as
 * a permission prompt ("Deno requests") shows, or after `timeoutMs`.
 */
export async function runInTerminal(
  file: string,
  flags: string[],
  cwd: string,
  timeoutMs = 60_000,
): Promise<string> {
  const command = [Deno.execPath(), "run", "--no-lock", ...flags, file]
    .map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let text = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("Deno requests")) {
      child.kill("SIGKILL");
      break;
    }
  }
  clearTimeout(timer);
  await child.stdin.close().catch(() => {});
  await child.stderr.cancel();
  await child.status;
  return text;
}
