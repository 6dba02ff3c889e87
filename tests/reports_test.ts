// Copyright the threading for Deno authors. MIT license.
// What the reports say, in real subprocesses: hints that name an environment variable
// say the flag it needs and whether the program could read it; each thread's `at` line
// is where it waits now.
import assert from "node:assert/strict";
import { runDeno, runDenoLines } from "./_subprocess.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

/** The line of `file` (a fixture) that carries `mark`, 1-based. */
async function lineOf(file: string, mark: string): Promise<number> {
  const source = await Deno.readTextFile(new URL(file, fixtures));
  return source.split("\n").findIndex((line) => line.includes(mark)) + 1;
}

Deno.test("the deadlock report's THREADING_DEADLOCK hint names --allow-env, and says when the variable was not read", async () => {
  const file = new URL("deadlock_after_main.ts", fixtures).pathname;
  // Set, but unreadable: the report comes anyway, and says why.
  const unread = await runDeno(["run", "--no-lock", "--allow-read", file, "event"], {
    env: { THREADING_DEADLOCK: "0" },
    timeoutMs: 60_000,
  });
  assert.equal(unread.code, 2, unread.stderr);
  assert.match(
    unread.stderr,
    /THREADING_DEADLOCK=0 turns this check off \(read only under --allow-env=THREADING_DEADLOCK, which this program runs without: the variable was not read\)/,
  );
  // Readable (and unset): the hint names the flag, and no warning.
  const read = await runDeno(
    ["run", "--no-lock", "--allow-read", "--allow-env=THREADING_DEADLOCK", file, "event"],
    { timeoutMs: 60_000 },
  );
  assert.equal(read.code, 2, read.stderr);
  assert.match(
    read.stderr,
    /THREADING_DEADLOCK=0 turns this check off \(read under --allow-env=THREADING_DEADLOCK\)\.\)/,
  );
  assert.ok(!read.stderr.includes("was not read"), read.stderr);
});

Deno.test("dumpThreads(): the main thread's at line is its sleep, not its earlier join; an awaiting thread is not called running alone", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", new URL("wait_sites.ts", fixtures).pathname],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stderr);
  assert.ok(stdout.includes("main: done"), stdout);
  const sleeps = await lineOf("wait_sites.ts", "// main sleeps here");
  const joins = await lineOf("wait_sites.ts", "// main joins here");
  const lines = stderr.split("\n");
  const main = lines.findIndex((l) => l.startsWith("  MainThread (ident 1): sleeps"));
  assert.ok(main >= 0, stderr);
  assert.match(lines[main + 1], new RegExp(`^      at .*wait_sites\\.ts:${sleeps}:\\d+`));
  assert.ok(!stderr.includes(`wait_sites.ts:${joins}:`), stderr);
  assert.match(
    stderr,
    /awaiter \(ident \d+\): running or awaiting \(not in a blocking call of threading\)/,
  );
});

/**
 * Runs `signal_during_starts.ts` in `mode`; sends SIGINT once it says the burst is on.
 * @returns Its stdout lines, and ms from the signal to the listener.
 */
async function signalDuringStarts(mode: string): Promise<[string[], number]> {
  let sentAt = 0;
  let latency = -1;
  const { lines, stderr, status } = await runDenoLines(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("signal_during_starts.ts", fixtures).pathname,
      mode,
    ],
    (line, child) => {
      const ran = /listener ran at (\d+)/.exec(line);
      if (ran) latency = Number(ran[1]) - sentAt;
      if (line === "burst on") {
        sentAt = Date.now();
        child.kill("SIGINT");
      }
    },
    120_000,
  );
  assert.equal(status.code, 0, `${lines.join("\n")}\n${stderr}`);
  return [lines, latency];
}

Deno.test("Ctrl-C during a burst of start() calls runs the main thread's listener during the burst", async () => {
  const [lines, latency] = await signalDuringStarts("flag");
  const text = lines.join("\n");
  const started = /^started (\d+) of 40, stop=true$/m.exec(text);
  assert.ok(started !== null, text);
  assert.ok(Number(started[1]) < 40, `the loop saw the flag: ${text}`);
  // A Worker's creation (50-250 ms, a synchronous call) cannot be cut; the limit is
  // generous for a loaded machine.
  assert.ok(latency >= 0 && latency < 5000, `latency ${latency} ms\n${text}`);
  assert.ok(lines.includes("main: done"), text);
  console.log(`signal to listener during starts: ${latency} ms`);
});

Deno.test("a listener that throws during start() leaves start() once its thread runs", async () => {
  const [lines] = await signalDuringStarts("throw");
  const text = lines.join("\n");
  assert.ok(
    lines.includes("start left with interrupted; its thread alive=true"),
    text,
  );
  assert.ok(lines.includes("main: done"), text);
});
