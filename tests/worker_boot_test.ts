// Copyright the threading for Deno authors. MIT license.
// How Workers boot, in real subprocesses: in a terminal (no permission prompt), when the
// library's files cannot be read (only the library's error on stderr).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";
import { hasScript, runInTerminal } from "./_terminal.ts";
import { shutdown, Thread } from "../src/threading.ts";
import { poolSize } from "../src/_pool.ts";

export function work(): void {}

const fixtures = new URL("./fixtures/", import.meta.url);
const root = new URL("../", import.meta.url).pathname;

/** Runs `deno run <flags> <fixture>` in a pseudo-terminal; ends at the first prompt. */
function runFixtureInTerminal(file: string, flags: string[]): Promise<string> {
  return runInTerminal(new URL(file, fixtures).pathname, flags, root, 30_000);
}

Deno.test({
  name:
    "in a terminal, threads start with the least permissions and no prompt (no env access)",
  ignore: !hasScript,
  fn: async () => {
    const out = await runFixtureInTerminal("tty_thread.ts", ["--allow-read=."]);
    assert.ok(!out.includes("Deno requests"), `a permission prompt appeared:\n${out}`);
    assert.match(out, /work ran\r?\n/);
    assert.match(out, /joined\r?\n/);
    assert.match(out, /signals done\r?\n/);
  },
});

Deno.test({
  name:
    "in a terminal, a library that cannot be read gives start()'s ThreadError, not a read prompt",
  ignore: !hasScript,
  fn: async () => {
    const out = await runFixtureInTerminal("no_library_read.ts", [
      `--allow-read=${fixtures.pathname}`,
    ]);
    assert.ok(!out.includes("Deno requests"), `a permission prompt appeared:\n${out}`);
    assert.match(
      out,
      /ThreadError: Cannot start thread "Thread-1 \(work\)": a thread needs read permission/,
    );
  },
});

Deno.test("spare Workers that cannot load the library end quietly: stderr holds only the ThreadError", async () => {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      `--allow-read=${fixtures.pathname}`,
      new URL("no_library_read.ts", fixtures).pathname,
    ],
    { timeoutMs: 30_000 },
  );
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.ok(!stderr.includes("in worker"), stderr);
  assert.match(
    stderr,
    /^error: Uncaught \(in promise\) ThreadError: Cannot start thread "Thread-1 \(work\)": a thread needs read permission/,
  );
  assert.equal(stderr.match(/^error:/gm)?.length, 1, stderr);
});

Deno.test("under type checking on a cold cache, a Worker's entry is not checked again", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "threading_check_" });
  try {
    // The npm packages of the default cache, so that only the type-check cache is cold.
    const info = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const npm = `${JSON.parse(new TextDecoder().decode(info.stdout)).denoDir}/npm`;
    await new Deno.Command("cp", { args: ["-r", npm, `${denoDir}/npm`], stderr: "null" })
      .output();
    const out = await runDeno(
      [
        "test",
        "--no-lock",
        "--allow-read",
        new URL("one_thread_check.ts", fixtures).pathname,
      ],
      { env: { DENO_DIR: denoDir }, timeoutMs: 120_000 },
    );
    const output = out.stdout + out.stderr;
    assert.equal(out.code, 0, output);
    const checks = output.match(/^Check .*$/gm) ?? [];
    // Only the test module's graph ("Check data:text/javascript,…" or "Check …_worker.ts"
    // was the Worker's entry checked again, once per Worker, 5-17 s on a cold cache).
    assert.equal(checks.length, 1, output);
    assert.match(checks[0], /one_thread_check\.ts$/);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test("new Thread() boots no Worker itself: its spare boots at the first start()", async () => {
  await shutdown();
  assert.equal(poolSize(), 0);
  // Creating a Worker blocks for tens of ms (Deno makes its isolate synchronously).
  const threads = [1, 2, 3].map(() => new Thread({ target: work }));
  assert.equal(poolSize(), 0, "no Worker created inside the constructor");
  // Not when the code yields either: a program that never starts them boots none.
  await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(poolSize(), 0, "no Worker booted while the code yields");
  threads[0].start();
  assert.equal(poolSize(), 3, "the first start() booted the three, side by side");
  for (const t of threads.slice(1)) t.start();
  for (const t of threads) t.join();
  assert.equal(poolSize(), 3, "each thread took one of the spares");
  // Sync construct-and-start: start() boots what the constructor asked for.
  await shutdown();
  const more = [1, 2].map(() => new Thread({ target: work }));
  more[0].start();
  assert.equal(poolSize(), 2, "start() booted both spares, side by side");
  more[1].start();
  for (const t of more) t.join();
  await shutdown();
});
