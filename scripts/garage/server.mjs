// One `garage server` process. A restart starts the same binary on the same config, so the node
// comes back with its folders, its node key (its id) and its ports.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { adminClient, waitFor } from './admin.mjs';
import { deathSignalPrefix, trackChild } from './lifetime.mjs';

const STOP_GRACE_MS = 10_000;

/** The log's last lines; for a panic, the lines up to its message, not the backtrace after it. */
function logTail(path, lines = 20) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no log)';
  }
  const backtrace = text.lastIndexOf('\nBACKTRACE:');
  if (backtrace >= 0) text = text.slice(0, backtrace);
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export class GarageServer {
  constructor({ binary, node, adminToken }) {
    this.binary = binary;
    this.node = node; // from writeNodeConfig
    this.admin = adminClient(node.adminUrl, adminToken);
    this.child = null;
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until its admin API answers. */
  async start({ timeoutMs = 30_000 } = {}) {
    if (this.running) throw new Error(`garage: ${this.node.root} is already running`);
    const log = openSync(this.node.logPath, 'a');
    const [cmd, ...prefix] = [...deathSignalPrefix(), this.binary];
    const child = spawn(cmd, [...prefix, '-c', this.node.configPath, 'server'], {
      stdio: ['ignore', log, log],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'garage=info', NO_COLOR: '1' },
    });
    closeSync(log);
    trackChild(child);
    this.child = child;
    try {
      await once(child, 'spawn'); // rejects with the 'error' event (no such binary)
    } catch (e) {
      throw new Error(`garage: could not start ${cmd}: ${e.message}`);
    }
    const exited = once(child, 'exit').then(([code, signal]) => {
      throw new Error(`garage server exited (${code ?? signal}) while starting:\n${logTail(this.node.logPath)}`);
    });
    exited.catch(() => {}); // only awaited in the race below
    const ready = waitFor(
      `${this.node.adminUrl} to answer`,
      async () => {
        if (!this.running) return true; // `exited` says why
        const info = await this.admin('GetNodeInfo', { query: { node: 'self' } });
        return Object.keys(info.success)[0];
      },
      { timeoutMs },
    );
    this.id = await Promise.race([ready, exited]);
    if (!this.running) await exited;
    return this.id;
  }

  /** SIGTERM (Garage shuts down cleanly), SIGKILL if it is still there after a grace period. */
  async stop() {
    await this.signal('SIGTERM', STOP_GRACE_MS);
  }

  /** SIGKILL: a crash, as far as the node's data is concerned. */
  async kill() {
    await this.signal('SIGKILL', STOP_GRACE_MS);
  }

  async restart(options) {
    if (this.running) await this.stop();
    return this.start(options);
  }

  async signal(signal, graceMs) {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  logTail(lines) {
    return logTail(this.node.logPath, lines);
  }
}
