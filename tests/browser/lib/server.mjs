// Starts the portal binary on a free port against a fresh SQLite directory, and stops it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The binary under test: $TASTESKJEMA_BIN, else the release build of the source tree. */
export function binaryPath() {
  const configured = process.env.TASTESKJEMA_BIN;
  if (configured) return path.resolve(configured);
  return path.resolve(here, '../../../target/release/tasteskjema');
}

/**
 * Starts the server; resolves to { url, stop() } once it prints the address it listens on.
 * `url` has no trailing slash, e.g. "http://127.0.0.1:41234". `formsDir` replaces the form catalogue;
 * `args` is the command (default: none, which serves the portal).
 */
export async function startServer({ timeoutMs = 30_000, formsDir = null, env = {}, args = [] } = {}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tasteskjema-browser-'));
  const bin = binaryPath();
  // From the repository root, as a user starts it: the default forms folder is `./forms`.
  const child = spawn(bin, args, {
    cwd: path.resolve(here, '../../..'),
    env: {
      ...process.env,
      TASTESKJEMA_LISTEN: '127.0.0.1:0',
      TASTESKJEMA_DATA_DIR: dataDir,
      TASTESKJEMA_LOG: 'warn',
      // Every test logs in from 127.0.0.1; the per-client login limit is for the real world.
      TASTESKJEMA_LOGIN_PER_MINUTE: '10000',
      ...(formsDir ? { TASTESKJEMA_FORMS_DIR: formsDir } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.TASTESKJEMA_BROWSER_DEBUG) process.stderr.write(d);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`the server printed no address within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${bin}: ${e.message} (build it with \`cargo build --release\` or set TASTESKJEMA_BIN)`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited early (code ${code}, signal ${signal})\nstderr: ${stderr}`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/open (http:\/\/[^\s/]+)\/?/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  }
  return { url, stop, stderr: () => stderr };
}
