// Copyright the threading for Deno authors. MIT license.
// The library as a JSR user gets it: imported over http from a loopback server that serves
// this repository the way a registry does (.ts as application/typescript), in real
// subprocesses, on a cold module cache (a fresh DENO_DIR) and on a warm one.
import assert from "node:assert/strict";
import { serve } from "./_registry.ts";
import { runDeno } from "./_subprocess.ts";

/** A program that starts a thread, which starts a thread; `lib` is the import of mod.ts. */
function program(lib: string): string {
  return `import { currentThread, Thread } from "${lib}";
export function leaf(from: string) {
  console.log(\`leaf ran, started by \${from}\`);
}
export function work() {
  console.log("thread ran");
  const t = new Thread({ target: leaf, args: [currentThread().name] });
  t.start();
  t.join();
}
if (import.meta.main) {
  const t = new Thread({ target: work, name: "worker" });
  t.start();
  t.join();
  console.log("main done");
}
`;
}

async function run(
  args: string[],
  denoDir: string,
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  // Today's failure mode was a 60 s stall: well under that is a pass.
  return await runDeno(["run", ...args], {
    cwd,
    env: { DENO_DIR: denoDir, ...env },
    timeoutMs: 40_000,
  });
}

const EXPECTED = ["thread ran", "leaf ran, started by worker", "main done"];

Deno.test("imported over http: threads start on a cold cache and a warm one, the program local or remote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_remote_" });
  const { server, port } = serve(dir);
  try {
    const host = `127.0.0.1:${port}`;
    await Deno.writeTextFile(`${dir}/local.ts`, program(`http://${host}/lib/mod.ts`));
    await Deno.writeTextFile(`${dir}/remote.ts`, program("../lib/mod.ts"));
    const denoDir = `${dir}/deno_dir`;
    // The least permissions: --allow-import of the host, --allow-read of the program's
    // folder when the program is local, nothing else.
    const local = [
      "--no-lock",
      "--allow-import=" + host,
      `--allow-read=${dir}`,
      `${dir}/local.ts`,
    ];
    for (const round of ["cold", "warm"]) {
      const r = await run(local, denoDir, dir);
      assert.equal(r.code, 0, `${round} local: ${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split("\n"), EXPECTED, `${round} local`);
    }
    const remote = [
      "--no-lock",
      "--allow-import=" + host,
      `http://${host}/app/remote.ts`,
    ];
    const coldDir = `${dir}/deno_dir_remote`;
    for (const round of ["cold", "warm"]) {
      const r = await run(remote, coldDir, dir);
      assert.equal(r.code, 0, `${round} remote: ${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split("\n"), EXPECTED, `${round} remote`);
    }
    // Without read permission on the local program, start() names what to add.
    const denied = await run(
      ["--no-lock", "--allow-import=" + host, `${dir}/local.ts`],
      denoDir,
      dir,
    );
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /ThreadError: .*needs read permission.*--allow-read/);
    // The library came from the server: there is no folder of it to grant.
    assert.match(denied.stderr, /--allow-read=<your program's folder>/);
    assert.ok(denied.ms < 20_000, `failed fast (${denied.ms} ms)`);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("installed from a JSR registry as `deno add` does, cold, warm and --frozen, with --allow-read=. only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_jsr_" });
  const { server, port } = serve(dir);
  try {
    const host = `127.0.0.1:${port}`;
    // What `deno add jsr:@threading/threading` writes, and a program that uses it.
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        imports: { "@threading/threading": "jsr:@threading/threading@^0.1.0" },
      }),
    );
    await Deno.writeTextFile(`${dir}/main.ts`, program("@threading/threading"));
    // Both entries of the package in one program and its threads: one copy of the
    // library (the logging entry is the bundle's logging, as mod.ts is the bundle).
    await Deno.writeTextFile(
      `${dir}/main_logging.ts`,
      `import { getLogger } from "@threading/threading/logging";\n` +
        `if (typeof getLogger !== "function") throw new Error("no logging");\n` +
        program("@threading/threading"),
    );
    const env = { JSR_URL: `http://${host}/` };
    for (const main of ["main.ts", "main_logging.ts"]) {
      // jsr.io needs no --allow-import (Deno allows it by default); this registry does.
      const args = [`--allow-import=${host}`, "--allow-read=.", main];
      for (const round of ["cold", "warm", "frozen"]) {
        const flags = round === "frozen" ? ["--frozen", ...args] : args;
        const r = await run(flags, `${dir}/deno_dir_${main}`, dir, env);
        assert.equal(r.code, 0, `${main}, ${round}: ${r.stderr}`);
        assert.deepEqual(r.stdout.trim().split("\n"), EXPECTED, `${main}, ${round}`);
      }
    }
    // The lockfile pins the package; the Worker's bootstrap was checked against it.
    assert.match(
      await Deno.readTextFile(`${dir}/deno.lock`),
      /@threading\/threading@0\.1\.0/,
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the project's smoke test: a fresh DENO_DIR, --allow-import/--allow-net of the host, --allow-read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_smoke_" });
  const { server, port } = serve(dir);
  try {
    const host = `127.0.0.1:${port}`;
    await Deno.writeTextFile(
      `${dir}/app.ts`,
      `import { Thread } from "http://${host}/lib/mod.ts";
export function work() { console.log("thread ran"); }
if (import.meta.main) { const t = new Thread({ target: work }); t.start(); t.join(); }
`,
    );
    const r = await run(
      [
        "--no-lock",
        `--allow-import=${host}`,
        `--allow-net=${host}`,
        "--allow-read",
        `${dir}/app.ts`,
      ],
      `${dir}/deno_dir`,
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "thread ran");
    assert.ok(r.ms < 30_000, `${r.ms} ms`);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
