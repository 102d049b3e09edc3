// Shared by the end-to-end suite and the benchmark: a real `samplemind serve` over a real
// library, and Debian's Chromium driven by playwright-core.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = resolve(WEB, "..");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
  "--use-fake-device-for-media-stream",
  "--mute-audio",
];

/** Chromium at CHROMIUM; installed with apt-get when missing and we are root. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root || process.env.CHROMIUM) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}. Install Debian's package (sudo apt-get install chromium) ` +
        "or set CHROMIUM=/path/to/chromium; `npx playwright install` cannot download browsers here.",
    );
  }
  console.log("e2e: installing Debian's chromium (apt-get)…");
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`);
  return CHROMIUM;
}

/** The samplemind command: SAMPLEMIND (a path), else the checkout's virtual environment. */
export function samplemindCommand() {
  const given = process.env.SAMPLEMIND;
  if (given) return given;
  const venv = join(REPO, ".venv", "bin", "samplemind");
  if (existsSync(venv)) return venv;
  throw new Error("no samplemind command: run `make setup` first, or set SAMPLEMIND=/path/to/samplemind");
}

/**
 * The fake OpenAI server of tests/ai (protocol-faithful: the real SDK talks to it over HTTP on
 * 127.0.0.1; scripted answers for every AI feature): `env` points `samplemind serve` at it.
 */
export async function startFakeLlm() {
  const python = join(dirname(samplemindCommand()), "python");
  const child = spawn(python, ["-m", "tests.ai.serve_fake"], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (chunk) => (err = (err + chunk).slice(-5_000)));
  const port = await new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`the fake LLM server did not start:\n${err}`)), 30_000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) {
        clearTimeout(timer);
        ok(Number(out.split("\n")[0]));
      }
    });
    child.once("exit", (code) => fail(new Error(`the fake LLM server exited (${code}):\n${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    env: {
      SAMPLEMIND_OPENAI_API_KEY: "sk-e2e-fake",
      SAMPLEMIND_AI_BASE_URLS: JSON.stringify({ openai: `http://127.0.0.1:${port}/v1` }),
      SAMPLEMIND_OLLAMA_URL: "",
      SAMPLEMIND_AI_MONTHLY_BUDGET_USD: "5",
    },
    stop() {
      child.stdin.end();
      child.kill("SIGTERM");
    },
  };
}

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

export function run(command, args, env) {
  execFileSync(command, args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
}

/**
 * A served library: `prepare(env)` fills it (a demo library scanned, or synthetic rows),
 * then `samplemind serve` runs on a free port with the built app.
 */
export async function startServer({ prepare, env: extraEnv = {}, folders = [] }) {
  const base = mkdtempSync(join(tmpdir(), "samplemind-e2e-"));
  const data = join(base, "data");
  mkdirSync(data, { recursive: true });
  const env = {
    SAMPLEMIND_DATA_DIR: data,
    SAMPLEMIND_WEB_DIR: join(WEB, "dist"),
    SAMPLEMIND_JOBS: "2",
    SAMPLEMIND_RATE_LIMIT: "1000/minute",
    ...extraEnv,
  };
  const ctx = { base, data, env };
  await prepare?.(ctx);
  const port = await freePort();
  const library = (ctx.folders ?? folders).map((f) => resolve(f));
  const child = spawn(samplemindCommand(), ["serve", "--port", String(port)], {
    env: { ...process.env, ...env, SAMPLEMIND_LIBRARY_FOLDERS: JSON.stringify(library) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log = (log + chunk).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`samplemind serve exited:\n${log}`);
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`samplemind serve did not get ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    ...ctx,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          r();
        }, 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          r();
        });
      });
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Chromium with a fresh profile; `close()` removes it. */
export async function launchBrowser({ viewport = { width: 1280, height: 800 } } = {}) {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), "samplemind-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A witness outside the browser: a process that sleeps 2 ms at a time and notes every wake-up
// that came 15 ms or more late, on the clock Chromium's trace uses (CLOCK_MONOTONIC, µs). A
// frame dropped while it was kept waiting too was dropped because the machine ran something
// else (the host, the server, another job), not because of the page: the table says both.
const WITNESS = `let last = process.hrtime.bigint();
const tick = () => {
  const now = process.hrtime.bigint();
  if (now - last >= 15000000n) process.stdout.write(\`\${last / 1000n} \${now / 1000n}\\n\`);
  last = now;
  setTimeout(tick, 2);
};
setTimeout(tick, 2);`;
export function startWitness() {
  const child = spawn(process.execPath, ["-e", WITNESS], { stdio: ["ignore", "pipe", "inherit"] });
  const stalls = [];
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const [from, to] = buffer.slice(0, i).split(" ").map(Number);
      stalls.push([from, to]);
      buffer = buffer.slice(i + 1);
    }
  });
  return { stalls, stop: () => child.kill() };
}
/** Whether the frame whose interval starts at `ts` (µs) overlaps a stall the witness saw. */
export const duringStall = (stalls, ts) => stalls.some(([from, to]) => from < ts + 33_000 && to > ts - 17_000);
