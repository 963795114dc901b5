import * as fs from 'node:fs';
import * as path from 'node:path';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../local/moto-server';
import { listFiles } from './glob';
import { MotoAws } from './moto-state';

/** Where a local run keeps Terraform state. */
export type BackendChoice =
  /** Default: a moto server started for the run; state objects persisted in `stateDir` between runs. */
  | { readonly kind: 'embedded-moto'; readonly stateDir: string; readonly port?: number }
  /** A moto server someone else runs (tests share one per file); state lives only in that server. */
  | { readonly kind: 'moto-endpoint'; readonly endpoint: string }
  /** A real S3 bucket, with the caller's AWS credentials from the environment. */
  | { readonly kind: 's3'; readonly bucket: string; readonly region: string };

export interface StateBackend {
  readonly kind: BackendChoice['kind'];
  /** One line for the run header. */
  readonly description: string;
  readonly endpoint?: string;
  readonly port?: number;
  /** Variables only the local runner sets for plan and apply (see docs/local-runner.md). */
  readonly actionEnvironment: Readonly<Record<string, string>>;
  /** Snapshots the state (embedded moto) and stops what the backend started. */
  close(): Promise<void>;
}

/** Thrown when the state backend cannot be used; the message says why. */
export class StateBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateBackendError';
  }
}

export interface BackendNeeds {
  readonly bucket: string;
  readonly region: string;
  /** DynamoDB lock table to create (moto) when locking is dynamodb. */
  readonly lockTable?: string;
}

/**
 * The build's own credentials reach plan and apply as environment keys, exactly as on CodeBuild Lambda compute:
 * the buildspecs move them into the state profile and out of Terraform's environment.
 */
const MOTO_ENVIRONMENT = {
  AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
};

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One run at a time per state folder: the snapshot written at the end must not lose another run's state. */
function lockStateDir(stateDir: string): () => void {
  fs.mkdirSync(stateDir, { recursive: true });
  const lockFile = path.join(stateDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new StateBackendError(
          `${stateDir} is in use by another tfpf run (pid ${holder}); wait for it, or use another --state-dir`,
        );
      }
      fs.rmSync(lockFile, { force: true }); // left by a run that no longer exists
    }
  }
  throw new StateBackendError(`cannot lock ${stateDir}`);
}

/** Restores every object saved under stateDir/<bucket>/<key> into moto. */
async function restore(aws: MotoAws, stateDir: string): Promise<number> {
  let count = 0;
  for (const entry of fs.readdirSync(stateDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    await aws.ensureBucket(entry.name);
    const bucketDir = path.join(stateDir, entry.name);
    for (const key of listFiles(bucketDir)) {
      await aws.putObject(entry.name, key, fs.readFileSync(path.join(bucketDir, key)));
      count++;
    }
  }
  return count;
}

/** Writes every object of every moto bucket to stateDir/<bucket>/<key>, replacing the previous snapshot. */
async function snapshot(aws: MotoAws, stateDir: string): Promise<void> {
  for (const bucket of await aws.listBuckets()) {
    const staging = path.join(stateDir, `.${bucket}.${process.pid}.tmp`);
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    for (const key of await aws.listObjects(bucket)) {
      const body = await aws.getObject(bucket, key);
      if (body === undefined || key.split('/').some((part) => part === '..' || part === '')) continue;
      fs.mkdirSync(path.dirname(path.join(staging, key)), { recursive: true });
      fs.writeFileSync(path.join(staging, key), body);
    }
    const target = path.join(stateDir, bucket);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  }
}

async function prepareMoto(aws: MotoAws, needs: BackendNeeds): Promise<void> {
  await aws.ensureBucket(needs.bucket);
  if (needs.lockTable !== undefined) await aws.ensureLockTable(needs.lockTable);
}

/** Opens the state backend of a run: starts/prepares moto, or checks that real credentials are present. */
export async function openStateBackend(choice: BackendChoice, needs: BackendNeeds): Promise<StateBackend> {
  switch (choice.kind) {
    case 'moto-endpoint': {
      const aws = new MotoAws(choice.endpoint, needs.region);
      await prepareMoto(aws, needs);
      return {
        kind: choice.kind,
        description: `moto at ${choice.endpoint} (state lives in that server)`,
        endpoint: choice.endpoint,
        actionEnvironment: { TFPF_AWS_ENDPOINT: choice.endpoint, ...MOTO_ENVIRONMENT },
        close: async () => undefined,
      };
    }
    case 'embedded-moto': {
      const unlock = lockStateDir(choice.stateDir);
      let server: MotoServer | undefined;
      try {
        server = await startMotoServer(choice.port !== undefined ? { port: choice.port } : {});
        const aws = new MotoAws(server.endpoint, needs.region);
        const restored = await restore(aws, choice.stateDir);
        await prepareMoto(aws, needs);
        const running = server;
        return {
          kind: choice.kind,
          description: `moto at ${running.endpoint}, started for this run; ${restored} state object(s) restored from ${choice.stateDir}`,
          endpoint: running.endpoint,
          port: running.port,
          actionEnvironment: { TFPF_AWS_ENDPOINT: running.endpoint, ...MOTO_ENVIRONMENT },
          close: async () => {
            try {
              await snapshot(aws, choice.stateDir);
            } finally {
              await running.stop();
              unlock();
            }
          },
        };
      } catch (error) {
        await server?.stop();
        unlock();
        throw error;
      }
    }
    case 's3': {
      const key = process.env.AWS_ACCESS_KEY_ID;
      const secret = process.env.AWS_SECRET_ACCESS_KEY;
      if (!key || !secret) {
        throw new StateBackendError(
          '--state-bucket needs AWS credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), ' +
            'e.g. eval "$(aws configure export-credentials --format env)"',
        );
      }
      const token = process.env.AWS_SESSION_TOKEN;
      return {
        kind: choice.kind,
        description: `s3://${choice.bucket} in ${choice.region} with your AWS credentials`,
        actionEnvironment: {
          AWS_ACCESS_KEY_ID: key,
          AWS_SECRET_ACCESS_KEY: secret,
          ...(token ? { AWS_SESSION_TOKEN: token } : {}),
          // Your credentials are not the pipeline's: the workload roles trust only the CodeBuild project roles.
          TFPF_SKIP_ROLE_CHECK: '1',
        },
        close: async () => undefined,
      };
    }
  }
}
