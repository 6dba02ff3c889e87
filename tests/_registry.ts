// Copyright the threading for Deno authors. MIT license.
/**
 * A loopback HTTP server for the tests that load the library as its users get it: it
 * serves `/lib/…` from this repository, `/app/…` from a folder of the test's, and the
 * repository as a JSR registry would (`JSR_URL=http://127.0.0.1:<port>/`: the package
 * `@threading/threading@0.1.0`, its files as `deno.json`'s `publish.include` lists them,
 * with checksums), `.ts` as `application/typescript`. Used by `remote_test.ts` and
 * `logtape_fetch_test.ts`.
 *
 * @module
 */

const repo = new URL("../", import.meta.url);
const TYPES: Record<string, string> = {
  ts: "application/typescript",
  js: "application/javascript",
  json: "application/json",
};

/** The package as JSR publishes it: `deno.json`'s `publish.include`, with checksums. */
async function versionMeta(): Promise<unknown> {
  const files: string[] = ["/mod.ts", "/deno.json", "/README.md"];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(`.${dir}`, repo))) {
      if (entry.isDirectory) await walk(`${dir}${entry.name}/`);
      else files.push(`${dir}${entry.name}`);
    }
  };
  await walk("/src/");
  const manifest: Record<string, { size: number; checksum: string }> = {};
  for (const file of files) {
    const data = await Deno.readFile(new URL(`.${file}`, repo));
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    const hex = [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
    manifest[file] = { size: data.length, checksum: `sha256-${hex}` };
  }
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", repo)));
  return { exports: config.exports, manifest };
}

/** The package's path on the registry. */
export const PACKAGE = "/@threading/threading/";

/**
 * Serves `/lib/…` from the repository, `/app/…` from `appDir`, and the repository as a
 * JSR registry would (`JSR_URL=http://127.0.0.1:<port>/`), on 127.0.0.1.
 */
export function serve(appDir: string): { server: Deno.HttpServer; port: number } {
  let port = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => port = addr.port,
  }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    if (path === `${PACKAGE}meta.json`) {
      return Response.json({ latest: "0.1.0", versions: { "0.1.0": {} } });
    }
    if (path === `${PACKAGE}0.1.0_meta.json`) return Response.json(await versionMeta());
    let file: string | undefined;
    if (path.startsWith(`${PACKAGE}0.1.0/`)) {
      file = new URL(`.${path.slice(PACKAGE.length + 5)}`, repo).pathname;
    }
    if (path.startsWith("/lib/")) file = new URL(path.slice(5), repo).pathname;
    if (path.startsWith("/app/")) file = `${appDir}/${path.slice(5)}`;
    const type = TYPES[path.split(".").pop() ?? ""] ?? "application/octet-stream";
    try {
      if (file === undefined) throw new Error("outside");
      return new Response(await Deno.readFile(file), {
        headers: { "content-type": type },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { server, port: (server.addr as Deno.NetAddr).port ?? port };
}

/**
 * A loopback port that nothing listens on (taken from the system, then closed): an npm
 * registry there refuses every connection at once, as an unreachable one does.
 *
 * @returns The port.
 */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
