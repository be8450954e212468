// Fixtures for the pane's browser tests: the built bridge in sandbox mode on a free
// port with a temp data dir, a temp HOME whose NSS database trusts the bridge's CA (so
// Chromium verifies the certificate as it would on a user's machine), headless
// Chromium from the system, and Office.js replaced by a mock. Everything is cleaned up
// by the returned stop functions.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "..", "..");
export const artifacts = join(here, "artifacts");
const executable = process.platform === "win32" ? "sms-bridge.exe" : "sms-bridge";
const binary = join(repo, "target", "debug", executable);

export const SANDBOX_TOKEN = "100000:5a4db0c3e1f2a3b4c5d6e7f8091a2b3c";
export const LEGACY_CLIENT = "100001";
export const LEGACY_PASSWORD = "sandbox-password";
export const OFFICE_CDN = "https://appsforoffice.microsoft.com/**";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** How long the bridge may take to say it is listening. */
const START_TIMEOUT_MS = 30_000;

function run(program, args, options = {}) {
  const result = spawnSync(program, args, { encoding: "utf8", ...options });
  if (result.status !== 0) {
    throw new Error(
      `${program} ${args.join(" ")} exited with ${result.status}: ${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/** Builds the debug binary when it is missing (never a release build). */
function ensureBinary() {
  if (!existsSync(binary)) {
    run("cargo", ["build"], { cwd: repo, stdio: "inherit" });
  }
}

/** A port nobody listens on right now, chosen by the OS. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `sms-bridge serve --sandbox` serving web/ from the working tree.
 * @returns {Promise<{url: string, simUrl: string, dataDir: string, stop: () => Promise<void>}>}
 */
export async function startBridge() {
  ensureBinary();
  const dataDir = mkdtempSync(join(tmpdir(), "pane-e2e-data-"));
  const port = await freePort();
  const web = join(repo, "web");
  const child = spawn(
    binary,
    ["--data-dir", dataDir, "serve", "--sandbox", "--port", String(port), "--web-dir", web],
    {
      env: { ...process.env, SMS_BRIDGE_CREDENTIALS__STORE: "file" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (process.env.PANE_E2E_BRIDGE_LOG) {
      process.stderr.write(chunk);
    }
  });

  const simUrl = await new Promise((resolve, reject) => {
    let stdout = "";
    let sim = null;
    const timer = setTimeout(
      () => reject(new Error(`the bridge did not start in time:\n${stdout}\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      sim ??= stdout.match(/sandbox simulator: (http:\/\/\S+)/)?.[1] ?? null;
      if (stdout.includes(`listening on https://localhost:${port}`)) {
        clearTimeout(timer);
        if (sim) {
          resolve(sim);
        } else {
          reject(new Error(`the bridge did not print the simulator's address:\n${stdout}`));
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the bridge exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url: `https://localhost:${port}`, simUrl, dataDir, stop };
}

/**
 * A temp HOME whose NSS database trusts the bridge's CA for TLS servers.
 * @param {string} dataDir
 */
function trustingHome(dataDir) {
  const home = mkdtempSync(join(tmpdir(), "pane-e2e-home-"));
  const nssdb = join(home, ".pki", "nssdb");
  mkdirSync(nssdb, { recursive: true });
  run("certutil", ["-d", `sql:${nssdb}`, "-N", "--empty-password"]);
  const ca = join(dataDir, "tls", "ca.crt");
  run("certutil", ["-d", `sql:${nssdb}`, "-A", "-n", "sms-bridge test CA", "-t", "C,,", "-i", ca]);
  return home;
}

/**
 * Headless Chromium with a fresh profile, trusting the bridge's CA.
 * @param {{dataDir: string}} bridge
 * @param {{locale?: string, width?: number}} [options]
 */
export async function openBrowser(bridge, options = {}) {
  const home = trustingHome(bridge.dataDir);
  const profile = mkdtempSync(join(tmpdir(), "pane-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: home },
    locale: options.locale ?? "en-US",
    viewport: { width: options.width ?? 320, height: 900 },
  });
  const close = async () => {
    await context.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

const mockSource = readFileSync(join(here, "office-mock.js"), "utf8");

/**
 * Serves the Office.js mock for Microsoft's CDN URL, seeded with a mail.
 * @param {import("playwright-core").Page} page
 * @param {object} seed see office-mock.js
 */
export async function mockOffice(page, seed) {
  const body = mockSource.replace("const seed = __SEED__;", `const seed = ${JSON.stringify(seed)};`);
  await page.route(OFFICE_CDN, (route) =>
    route.fulfill({ status: 200, contentType: "application/javascript", body }),
  );
}

/**
 * Makes Microsoft's CDN unreachable, as on a machine without internet.
 * @param {import("playwright-core").Page} page
 */
export async function blockOffice(page) {
  await page.route(OFFICE_CDN, (route) => route.abort("internetdisconnected"));
}

/** The simulator's request log. */
export async function simRequests(simUrl) {
  const response = await fetch(`${simUrl}/_sim/requests`);
  return response.json();
}

/** Empties the simulator's request log. */
export async function clearSimRequests(simUrl) {
  await fetch(`${simUrl}/_sim/requests`, { method: "DELETE" });
}

/** Tells the simulator to misbehave once. */
export async function simMisbehave(simUrl, rule) {
  await fetch(`${simUrl}/_sim/misbehave`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(rule),
  });
}

/**
 * Saves a full-page screenshot into tests/e2e/artifacts/.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
