import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../src/local/moto-server';

/** SDK client settings that point at the moto server (dummy credentials, never real ones). */
export interface MotoClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: typeof MOTO_CREDENTIALS;
}

export interface MotoHandle {
  /** The running server; throws when used outside a test. */
  server(): MotoServer;
  /** Client config for `region` (default eu-central-1). */
  clientConfig(region?: string): MotoClientConfig;
  /** Clears every resource of the server. */
  reset(): Promise<void>;
}

/**
 * Starts one moto server (`.tools/bin/moto_server`, installed by scripts/install-tools) for the calling test file:
 * in `beforeAll`, stopped in `afterAll`. Call at the top level of a test file. The server is the file's own: its
 * identity is checked at start and `reset` refuses once the process is gone, so a parallel jest worker's server is
 * never reached (or reset) through a reused port.
 */
export function useMotoServer(options: { resetBeforeEach?: boolean } = {}): MotoHandle {
  let running: MotoServer | undefined;
  beforeAll(async () => {
    running = await startMotoServer();
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });
  if (options.resetBeforeEach === true) {
    beforeEach(async () => {
      if (running !== undefined) await running.reset();
    });
  }
  const server = (): MotoServer => {
    if (running === undefined)
      throw new Error('moto server not started (useMotoServer must be called at top level)');
    return running;
  };
  return {
    server,
    clientConfig: (region = 'eu-central-1') => ({
      endpoint: server().endpoint,
      region,
      credentials: MOTO_CREDENTIALS,
    }),
    reset: () => server().reset(),
  };
}
