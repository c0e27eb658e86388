// A thin driver for headless Chromium over the DevTools protocol (CDP) on a pipe, with no
// dependency beyond Node.js: the browser tests (browser_test.cpp) describe what to do in a plan
// file, this runs it and prints the results as JSON on stdout.
//
// Usage: node cdp.mjs PLAN.json
//   PLAN = {"chromium": "/usr/bin/chromium", "width": 1280, "height": 900,
//           "steps": [{"navigate": "file:///x.html#F8"}, {"key": "j"}, {"type": "alice"},
//                     {"viewport": {"width": 560, "height": 700}},
//                     {"eval": "expression (may return a promise)"}]}
// Output: {"results": [value of each eval step, in order], "errors": [uncaught exceptions and
// console errors of the pages]}. Exit 0 when the plan ran (whatever the results), 2 when the
// browser or a step failed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const profile = mkdtempSync(join(tmpdir(), 'trunklab-cdp-'));
// No network: the pages are local files and a test must not reach out (nor wait for it).
const browser = spawn(plan.chromium || '/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--remote-debugging-pipe', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic', '--disable-extensions', '--hide-scrollbars', '--mute-audio',
  `--user-data-dir=${profile}`, 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let browserLog = '';
browser.stderr.on('data', (chunk) => { browserLog += chunk; });
const exited = new Promise((resolve) => browser.once('exit', resolve));

// CDP over the pipe: JSON messages, each ended by a NUL byte; fd 3 to the browser, fd 4 back.
const toBrowser = browser.stdio[3];
const fromBrowser = browser.stdio[4];
toBrowser.on('error', () => {});  // EPIPE once the browser is gone: reported by 'exit' below
let nextId = 1;
const pending = new Map();
const listeners = [];
let buffered = Buffer.alloc(0);
fromBrowser.on('data', (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
    const message = JSON.parse(buffered.subarray(0, end).toString('utf8'));
    buffered = buffered.subarray(end + 1);
    if (message.id && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
      else resolve(message.result);
    } else if (message.method) {
      listeners.forEach((listener) => listener(message));
    }
  }
});

// A browser that dies fails the run instead of leaving it waiting.
browser.once('exit', (code) => {
  for (const { reject } of pending.values()) reject(new Error(`chromium exited (${code})`));
  pending.clear();
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  toBrowser.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function waitFor(predicate) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (!predicate(message)) return;
      listeners.splice(listeners.indexOf(listener), 1);
      resolve(message);
    };
    listeners.push(listener);
  });
}

// Key events as a keyboard sends them: a printable key carries its text.
const keys = {
  ArrowDown: { code: 'ArrowDown', keyCode: 40 }, ArrowUp: { code: 'ArrowUp', keyCode: 38 },
  Enter: { code: 'Enter', keyCode: 13, text: '\r' }, Escape: { code: 'Escape', keyCode: 27 },
  '/': { code: 'Slash', keyCode: 191, text: '/' },
};
function keyEvent(key) {
  if (keys[key]) return { key, ...keys[key] };
  return { key, code: `Key${key.toUpperCase()}`, keyCode: key.toUpperCase().charCodeAt(0), text: key };
}

async function run() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const errors = [];
  listeners.push((message) => {
    if (message.sessionId !== sessionId) return;
    if (message.method === 'Runtime.exceptionThrown') {
      errors.push(message.params.exceptionDetails.exception?.description || message.params.exceptionDetails.text);
    } else if (message.method === 'Runtime.consoleAPICalled' && message.params.type === 'error') {
      errors.push(message.params.args.map((a) => a.value ?? a.description).join(' '));
    }
  });
  await send('Page.enable', {}, sessionId);
  await send('Runtime.enable', {}, sessionId);
  const viewport = (size) => send('Emulation.setDeviceMetricsOverride',
    { width: size.width, height: size.height, deviceScaleFactor: 1, mobile: false }, sessionId);
  await viewport({ width: plan.width || 1280, height: plan.height || 900 });
  const results = [];
  for (const step of plan.steps) {
    if (step.navigate) {
      // A new document fires load; a fragment change on the same one navigates within it.
      const loaded = waitFor((m) => m.sessionId === sessionId &&
        (m.method === 'Page.loadEventFired' || m.method === 'Page.navigatedWithinDocument'));
      const navigation = await send('Page.navigate', { url: step.navigate }, sessionId);
      if (navigation.errorText) throw new Error(`${step.navigate}: ${navigation.errorText}`);
      await loaded;
    } else if (step.viewport) {
      await viewport(step.viewport);
    } else if (step.key) {
      const event = keyEvent(step.key);
      const common = { key: event.key, code: event.code, windowsVirtualKeyCode: event.keyCode };
      await send('Input.dispatchKeyEvent', { type: event.text ? 'keyDown' : 'rawKeyDown', ...common, text: event.text }, sessionId);
      await send('Input.dispatchKeyEvent', { type: 'keyUp', ...common }, sessionId);
    } else if (step.type !== undefined) {
      await send('Input.insertText', { text: step.type }, sessionId);
    } else if (step.eval) {
      const evaluated = await send('Runtime.evaluate',
        { expression: step.eval, awaitPromise: true, returnByValue: true }, sessionId);
      if (evaluated.exceptionDetails) {
        throw new Error(`eval failed: ${evaluated.exceptionDetails.exception?.description || evaluated.exceptionDetails.text}`);
      }
      results.push(evaluated.result.value);
    }
  }
  return { results, errors };
}

let status = 0;
try {
  process.stdout.write(JSON.stringify(await run()) + '\n');
} catch (error) {
  process.stderr.write(`cdp.mjs: ${error.message}\n${browserLog.slice(-4000)}\n`);
  status = 2;
}
await Promise.race([send('Browser.close').catch(() => {}), exited]);
browser.kill();
await exited;
try {
  rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
} catch (error) {
  process.stderr.write(`cdp.mjs: could not remove ${profile}: ${error.message}\n`);
}
process.exit(status);
