/**
 * `tfpf doctor` benchmark (`node --require tsx/cjs bench/doctor.ts`, part of `npm run bench`): wall time of one
 * doctor run against a local moto server for the shipped configuration, median of 5, with every AWS call going to
 * moto over HTTP (the calls moto does not implement — CodeBuild quotas, CodeCommit GetBranch,
 * SimulatePrincipalPolicy — come back as errors and are reported as failing rows, as they would be offline).
 */
import * as path from 'node:path';
import { loadConfig } from '../src/config';
import { createDoctorClients, runDoctor } from '../src/doctor';
import { MOTO_CREDENTIALS, startMotoServer } from '../src/local/moto-server';

const RUNS = 5;

async function main(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  const config = loadConfig(path.join(__dirname, '..', 'pipelines'));
  const moto = await startMotoServer();
  try {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const clients = createDoctorClients({ region: 'eu-central-1', endpoint: moto.endpoint });
      const start = performance.now();
      const result = await runDoctor(config, 'eu-central-1', clients);
      times.push(performance.now() - start);
      rows = result.rows.length;
    }
    times.sort((a, b) => a - b);
    console.log(
      `tfpf doctor against moto (shipped config, ${rows} rows): median ${(times[Math.floor(RUNS / 2)] / 1000).toFixed(2)} s, ` +
        `min ${(times[0] / 1000).toFixed(2)} s, max ${(times[RUNS - 1] / 1000).toFixed(2)} s over ${RUNS} runs`,
    );
  } finally {
    await moto.stop();
  }
}

void main();
