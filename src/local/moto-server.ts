import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { toolPath } from './project-paths';

/** A moto server (AWS API emulator) running on 127.0.0.1, started and stopped by the caller. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Random token this server logged at start: proof that the process answering on `port` is ours. */
  readonly identity: string;
  /** Clears every resource of this server; refuses when our process is gone (the port may be someone else's). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoServerOptions {
  /** Port to listen on; default: a free port chosen by the OS (retried on another port when taken meanwhile). */
  readonly port?: number;
  /** How long to wait for the server to answer; default 30 s. */
  readonly startTimeoutMs?: number;
}

/** Dummy credentials for the emulator; never real ones. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** Ports tried when the OS-chosen port is taken between choosing it and moto binding it. */
const MAX_START_ATTEMPTS = 3;
/** How long the server's own log may lag behind its answer to the identity probe. */
const IDENTITY_LOG_WAIT_MS = 3000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The port answered, but not our process: another server holds it (e.g. a parallel test worker's). */
class ForeignServerError extends Error {
  override readonly name = 'ForeignServerError';
}

/** Our process exited before it answered (typically: the port was taken). */
class EarlyExitError extends Error {
  override readonly name = 'EarlyExitError';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (bounded) until the server at `endpoint` answers a probe that carries `token`, then until our child logs
 * that request (werkzeug logs every request on stderr): a server that answers without our child logging the token
 * is someone else's.
 */
async function waitUntilOurs(
  endpoint: string,
  child: ChildProcess,
  token: string,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const maxAttempts = Math.ceil(timeoutMs / 100);
  let answered = false;
  for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline && !answered; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new EarlyExitError(
        `moto server exited (${child.exitCode ?? child.signalCode}) before it was ready`,
      );
    try {
      const response = await fetch(`${endpoint}/moto-api/?tfpf-identity=${token}`, {
        signal: AbortSignal.timeout(1000),
      });
      answered = response.ok;
    } catch {
      // not listening yet
    }
    if (!answered) await sleep(100);
  }
  if (!answered) throw new Error(`moto server at ${endpoint} did not answer within ${timeoutMs} ms`);
  const logDeadline = Date.now() + IDENTITY_LOG_WAIT_MS;
  for (let attempt = 0; attempt < IDENTITY_LOG_WAIT_MS / 50 && Date.now() < logDeadline; attempt++) {
    if (log().includes(`tfpf-identity=${token}`)) return;
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(50);
  }
  throw new ForeignServerError(
    `the server answering at ${endpoint} is not the moto server this process started (its identity token was not logged)`,
  );
}

async function startOnce(port: number, startTimeoutMs: number): Promise<MotoServer> {
  const endpoint = `http://127.0.0.1:${port}`;
  const identity = randomBytes(16).toString('hex');
  const child = spawn(toolPath('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
  });
  let stderr = '';
  let identified = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep everything until identified (the token must not be cut off), then only a tail for error messages.
    stderr = identified ? (stderr + chunk.toString()).slice(-4000) : stderr + chunk.toString();
  });
  try {
    await waitUntilOurs(endpoint, child, identity, () => stderr, startTimeoutMs);
    identified = true;
  } catch (error) {
    child.kill('SIGKILL');
    const message = `${(error as Error).message}\n${stderr.slice(-4000)}`;
    throw Object.assign(new Error(message), { name: (error as Error).name });
  }
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!alive()) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const reset = async (): Promise<void> => {
    if (!alive())
      throw new Error(`moto server ${endpoint} (identity ${identity}) has exited: not resetting the port`);
    await resetMotoServer(endpoint);
  };
  return { endpoint, port, identity, reset, stop };
}

/**
 * Starts `.tools/bin/moto_server` on 127.0.0.1 and waits (bounded) until it answers, then proves that the server
 * answering is the process just started (an identity token in the probe must appear in that process's request log):
 * a port chosen free may be taken by a parallel worker's server before moto binds it. On a chosen port, such a
 * collision is retried on a new port (at most 3 attempts); a port given by the caller is not changed.
 */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const timeout = options.startTimeoutMs ?? 30_000;
  if (options.port !== undefined) return startOnce(options.port, timeout);
  let last: unknown;
  for (let attempt = 0; attempt < MAX_START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(await freePort(), timeout);
    } catch (error) {
      last = error;
      const name = (error as Error).name;
      if (name !== 'ForeignServerError' && name !== 'EarlyExitError') throw error;
    }
  }
  throw last;
}

/** Clears every resource of a running moto server (between tests). Prefer {@link MotoServer.reset}. */
export async function resetMotoServer(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, {
    method: 'POST',
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
