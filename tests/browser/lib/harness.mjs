// The browser tests' harness: headless Debian chromium driven by
// playwright-core, the real Outpost programs as child processes, a device
// home built by make_fixture.sh, screenshots, assertions. Every wait is
// bounded; everything started is stopped however the test ends.
// See tests/browser/README.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const browserDir = path.resolve(here, '..');

export const CHROMIUM = process.env.OUTPOST_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                              '--disable-background-networking'];

// Bounds (ms). Sanitizer builds are several times slower than normal ones:
// OUTPOST_TIME_SCALE (default 1; CMake sets 3 for OUTPOST_SANITIZE) scales
// the waits that depend on Outpost's own speed.
export const TIME_SCALE = Number(process.env.OUTPOST_TIME_SCALE || '1') || 1;
export const PAGE_TIMEOUT_MS = 10_000 * TIME_SCALE;  // every playwright action and wait
export const TEST_TIMEOUT_MS = Number(process.env.OUTPOST_TEST_TIMEOUT_MS || 0) || 55_000 * TIME_SCALE;

function required(name, hint) {
  const value = process.env[name];
  if (!value) throw new Error(`$${name} is not set (${hint}); run the test through CTest`);
  return value;
}

export const bins = {
  get outpost() { return required('OUTPOST_BIN', 'the outpost CLI'); },
  get hub() { return required('OUTPOST_HUB_BIN', 'outpost-hub'); },
  get publish() { return required('OUTPOST_PUBLISH_BIN', 'outpost-publish'); },
};

// Where screenshots and logs go: $OUTPOST_TEST_OUTPUT/<test name>/, emptied
// first (a failure screenshot of an earlier run must not linger).
export function outputDir(testName) {
  const base = process.env.OUTPOST_TEST_OUTPUT || path.join(os.tmpdir(), 'outpost-browser-output');
  const dir = path.join(base, testName);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// ---- assertions

export class AssertionError extends Error {}

export function assert(condition, message) {
  if (!condition) throw new AssertionError(message);
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) {
    throw new AssertionError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// A promise that rejects with "WHAT did not happen within MS ms" when it is late.
export function withTimeout(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new AssertionError(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// Polls fn() (sync or async) until it returns a truthy value; returns it.
export async function waitFor(fn, what, ms = PAGE_TIMEOUT_MS, every = 100) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new AssertionError(`${what} did not happen within ${ms} ms${last ? ` (last error: ${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

// ---- child processes

// Runs a program to completion (bounded); resolves {code, signal, stdout, stderr}.
export function run(cmd, args, { timeoutMs = 30_000 * TIME_SCALE, env, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new AssertionError(`${path.basename(cmd)} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
    if (input !== undefined) {
      child.stdin.on('error', () => {});  // a child that exits without reading its input
      child.stdin.end(input);
    }
  });
}

// Runs a program that must succeed; returns its stdout.
export async function runOk(cmd, args, options) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new AssertionError(`${path.basename(cmd)} ${args.join(' ')} exited with ${r.code ?? r.signal}:\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

// A long-running child process. start() resolves once a line of its
// output matches `ready` (the match is returned), or rejects when it exits
// or does not print it within readyMs. stop(): SIGTERM, then SIGKILL after
// killMs; resolves with the exit code (or signal name).
export class Child {
  constructor(name, cmd, args, { env, ready, readyMs = 10_000 * TIME_SCALE, killMs = 5_000 * TIME_SCALE } = {}) {
    Object.assign(this, { name, cmd, args, env, ready, readyMs, killMs });
    this.output = '';
    this.exited = null;  // {code, signal} once it has exited
  }

  start() {
    this.proc = spawn(this.cmd, this.args, { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => { this.exited = { code, signal }; resolve(this.exited); });
      this.proc.on('error', (e) => { this.output += `\n(spawn failed: ${e.message})`; this.exited = { code: -1 }; resolve(this.exited); });
    });
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn, v) => { if (!done) { done = true; clearTimeout(timer); fn(v); } };
      const check = () => {
        if (!this.ready) return finish(resolve, null);
        const m = this.output.match(this.ready);
        if (m) finish(resolve, m);
      };
      const onData = (d) => { this.output += d; check(); };
      this.proc.stdout.on('data', onData);
      this.proc.stderr.on('data', onData);
      const timer = setTimeout(() => finish(reject, new AssertionError(
        `${this.name} did not print ${this.ready} within ${this.readyMs} ms; output:\n${this.output}`)), this.readyMs);
      this.exitPromise.then((e) => finish(reject, new AssertionError(
        `${this.name} exited (${e.code ?? e.signal}) before it was ready; output:\n${this.output}`)));
      check();
    });
  }

  async stop() {
    if (!this.proc || this.exited) return this.exited;
    this.proc.kill('SIGTERM');
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => { this.killedHard = true; this.proc.kill('SIGKILL'); resolve(); }, this.killMs);
    });
    await Promise.race([this.exitPromise, killed]);
    clearTimeout(timer);
    return this.exitPromise;
  }
}

// ---- the test's resources

export class TestContext {
  constructor(name) {
    this.name = name;
    this.out = outputDir(name);
    this.cleanups = [];
    this.problems = [];  // found during the clean-up: fail the test
    this.pages = [];
    this.shots = 0;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `outpost-browser-${name}-`));
  }

  // fn runs at the end, last registered first, even when the test failed.
  defer(fn) { this.cleanups.push(fn); }

  // A fresh device home with the library (see make_fixture.sh); returns
  // fixture.json's contents plus `dir`.
  async fixture(name = 'fixture') {
    const dir = path.join(this.tmp, name);
    await runOk('bash', [path.join(browserDir, 'make_fixture.sh'), dir], {
      timeoutMs: 90_000 * TIME_SCALE,
      env: {
        OUTPOST_BIN: bins.outpost, OUTPOST_HUB_BIN: bins.hub, OUTPOST_PUBLISH_BIN: bins.publish,
        OUTPOST_FIXTURE_CACHE: path.join(path.dirname(this.out), '.cache'),
      },
    });
    return { ...JSON.parse(fs.readFileSync(path.join(dir, 'fixture.json'), 'utf8')), dir };
  }

  // `outpost --home HOME serve --port 0 --no-sync ARGS`: resolves
  // {url, child} once it printed its URL; stopped at the end of the test.
  async serve(home, args = []) {
    const child = new Child('outpost serve', bins.outpost, ['--home', home, 'serve', '--port', '0', '--no-sync', ...args], {
      ready: /serving (http:\/\/127\.0\.0\.1:\d+)\/kiosk/,
    });
    this.defer(async () => {
      await child.stop();
      fs.writeFileSync(path.join(this.out, `serve-${path.basename(home)}.log`), child.output);
      this.checkExit(child);
    });
    const m = await child.start();
    return { url: m[1], child };
  }

  // A child must end with status 0 when stopped (SIGTERM): a crash, a
  // sanitizer report or a hang (killed) fails the test, with its output.
  checkExit(child) {
    const e = child.exited;
    if (!e || e.code === 0) return;
    const how = child.killedHard ? 'did not stop within its bound after SIGTERM and was killed'
                                 : `exited with ${e.code ?? e.signal}`;
    this.problems.push(`${child.name} ${how}; its output ends:\n${child.output.slice(-4000)}`);
  }

  // Any other long-running program (e.g. outpost-hub serve); see Child.
  async start(name, cmd, args, options) {
    const child = new Child(name, cmd, args, options);
    this.defer(async () => {
      await child.stop();
      fs.writeFileSync(path.join(this.out, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.log`), child.output);
      if (options?.checkExit !== false) this.checkExit(child);
    });
    const match = await child.start();
    return { child, match };
  }

  // `outpost --home HOME ARGS --json` -> parsed JSON (must succeed).
  async outpostJson(home, args) {
    const stdout = await runOk(bins.outpost, ['--home', home, '--json', ...args]);
    try {
      return JSON.parse(stdout);
    } catch {
      throw new AssertionError(`outpost ${args.join(' ')} --json printed no JSON:\n${stdout}`);
    }
  }

  // Headless chromium; a page with bounded timeouts. The browser is closed
  // at the end of the test.
  async browser() {
    if (!this._browser) {
      if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash tools/setup.sh installs Debian's chromium`);
      let chromium;
      try {
        ({ chromium } = await import('playwright-core'));
      } catch (e) {
        throw new Error(`playwright-core is not installed in ${browserDir}/node_modules (bash tools/setup.sh runs npm ci there): ${e.message}`);
      }
      this._browser = await withTimeout(chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 }),
                                        35_000, 'launching chromium');
      this.defer(() => withTimeout(this._browser.close(), 10_000, 'closing chromium').catch(() => {}));
    }
    return this._browser;
  }

  async newPage(options = {}) {
    const browser = await this.browser();
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, ...options });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    const page = await context.newPage();
    page.consoleLines = [];
    page.on('console', (m) => page.consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => page.consoleLines.push(`pageerror: ${e.message}`));
    this.pages.push(page);
    return page;
  }

  // Saves OUTPUT/NN-NAME.png (full page); returns the path.
  async screenshot(page, name) {
    this.shots += 1;
    const file = path.join(this.out, `${String(this.shots).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: PAGE_TIMEOUT_MS });
    console.log(`  screenshot ${file}`);
    return file;
  }

  async cleanup() {
    while (this.cleanups.length) {
      const fn = this.cleanups.pop();
      try {
        await fn();
      } catch (e) {
        console.error(`cleanup: ${e.message}`);
      }
    }
    if (!process.env.OUTPOST_KEEP_TMP) fs.rmSync(this.tmp, { recursive: true, force: true });
    else console.log(`kept ${this.tmp}`);
  }
}

// Runs a test file's body: test('kiosk', async (t) => { await t.step(...) }).
// Prints each step's time; on failure saves a screenshot of every open page
// and its console; always cleans up; sets the exit code.
export async function test(name, body) {
  const t = new TestContext(name);
  const started = Date.now();
  t.step = async (stepName, fn) => {
    const s = Date.now();
    console.log(`- ${stepName}`);
    try {
      await fn();
    } catch (e) {
      if (e instanceof Error) e.message = `[${stepName}] ${e.message}`;
      throw e;
    }
    console.log(`  ok (${Date.now() - s} ms)`);
  };
  let failed = null;
  const onSignal = (sig) => { failed = failed || new Error(`killed by ${sig}`); t.cleanup().finally(() => process.exit(1)); };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // An error outside the awaited chain (an event handler's) must not skip
  // the clean-up and leave a server running.
  const onStray = (e) => {
    console.error(`FAILED: uncaught ${e?.stack || e}`);
    withTimeout(t.cleanup(), 30_000, 'cleanup').catch(() => {}).finally(() => process.exit(1));
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
  try {
    await withTimeout(body(t), TEST_TIMEOUT_MS, `test ${name} finishing`);
  } catch (e) {
    failed = e;
  }
  if (failed) {
    // The message (with its step), then where: the stack's frames.
    const frames = String(failed.stack || '').split('\n').filter((l) => /^\s+at /.test(l));
    console.error(`FAILED: ${failed.message}\n${frames.join('\n')}`);
    for (const [i, page] of t.pages.entries()) {
      try {
        if (page.isClosed()) continue;
        const file = path.join(t.out, `failure-page${i + 1}.png`);
        await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
        console.error(`  failure screenshot ${file} (url ${page.url()})`);
        if (page.consoleLines.length) console.error(`  console of page ${i + 1}:\n    ${page.consoleLines.join('\n    ')}`);
      } catch { /* the page may be gone */ }
    }
  }
  await withTimeout(t.cleanup(), 30_000, 'cleanup').catch((e) => t.problems.push(e.message));
  for (const p of t.problems) console.error(`FAILED at clean-up: ${p}`);
  if (t.problems.length && !failed) failed = new Error(t.problems[0]);
  console.log(`${failed ? 'FAIL' : 'PASS'} ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s; output in ${t.out}`);
  // Exit now: a handle left open by a failed step must not hold the test
  // until CTest's timeout (stdout/stderr are synchronous on pipes and files).
  process.exit(failed ? 1 : 0);
}
