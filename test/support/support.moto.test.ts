import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMotoServer } from '../../src/local/moto-server';
import { createQueue, receiveUntil, sendMessage } from './aws-raw';
import { useMotoServer } from './moto';

/**
 * The test helpers themselves, against moto: a "nothing was sent" check must be able to fail, and a test file's
 * moto server must be its own.
 */

const moto = useMotoServer();

describe('receiveUntil (SQS on moto)', () => {
  // Catches: a helper that returns [] at once when nothing is expected (it passed against a dead endpoint).
  test('"nothing expected" still polls: a message that was sent is returned', async () => {
    const { url } = await createQueue(moto.clientConfig(), 'one-message');
    await sendMessage(moto.clientConfig(), url, 'unexpected');
    const bodies = await receiveUntil(moto.clientConfig(), url, (all) => all.length >= 0);
    expect(bodies).toEqual(['unexpected']);
  });

  test('"nothing expected" waits its settle time: a message sent shortly after the first poll is returned', async () => {
    const { url } = await createQueue(moto.clientConfig(), 'late-message');
    const late = new Promise<void>((resolve, reject) => {
      setTimeout(() => sendMessage(moto.clientConfig(), url, 'late').then(resolve, reject), 200);
    });
    const started = Date.now();
    const bodies = await receiveUntil(moto.clientConfig(), url, (all) => all.length >= 0, { settleMs: 600 });
    await late;
    expect(bodies).toEqual(['late']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  test('once the expected messages arrived, one more (a duplicate) within the settle time is returned too', async () => {
    const { url } = await createQueue(moto.clientConfig(), 'duplicate');
    await sendMessage(moto.clientConfig(), url, 'first');
    setTimeout(() => void sendMessage(moto.clientConfig(), url, 'second'), 100);
    const bodies = await receiveUntil(moto.clientConfig(), url, (all) => all.length >= 1, { settleMs: 500 });
    expect(bodies).toEqual(['first', 'second']);
  });

  test('a dead endpoint fails the "nothing expected" check instead of passing it', async () => {
    const dead = { ...moto.clientConfig(), endpoint: 'http://127.0.0.1:9' };
    await expect(receiveUntil(dead, `${dead.endpoint}/123456789012/q`, () => true)).rejects.toThrow();
  });

  test('bounded: when the expected messages never come, it returns what it has after the timeout', async () => {
    const { url } = await createQueue(moto.clientConfig(), 'never');
    const started = Date.now();
    await expect(
      receiveUntil(moto.clientConfig(), url, (all) => all.length >= 1, { timeoutMs: 400 }),
    ).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('a test file’s moto server is its own', () => {
  // Catches: readiness that accepts any server answering on the port (a parallel worker's moto, which the file
  // would then reset between its tests).
  test('a foreign server already answering on the port is detected, not used', async () => {
    const foreign = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const { port } = foreign.address() as AddressInfo;
    try {
      await expect(startMotoServer({ port, startTimeoutMs: 10_000 })).rejects.toThrow(
        /is not the moto server this process started/,
      );
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  }, 30_000);

  test('the server carries a random identity, and reset refuses once its process is gone', async () => {
    const server = await startMotoServer();
    expect(server.identity).toMatch(/^[0-9a-f]{32}$/);
    expect(server.identity).not.toBe(moto.server().identity);
    await server.reset();
    await server.stop();
    await expect(server.reset()).rejects.toThrow(/has exited: not resetting the port/);
  }, 60_000);
});
