import type { Command } from 'commander';
import { createDoctorClients, runDoctor, type DoctorClients, type DoctorRow } from '../../doctor';
import { EXIT_CONFIG, loadConfigOrReport } from '../config-option';
import { renderTable, type CliIo } from '../output';
import { defaultToolingRegion } from './summary';

/** Exit code when a check failed. */
export const EXIT_DOCTOR_FAILED = 1;

const STATUS: Record<DoctorRow['status'], string> = { pass: 'ok', fail: 'FAIL', unchecked: 'unchecked' };

export interface DoctorOptions {
  readonly config: string;
  readonly region?: string;
  readonly endpoint?: string;
}

/**
 * `tfpf doctor`: preflight of what a release needs, with the caller's credentials; one row per check with the fix
 * of each failure. Exit 0 only when no check failed (unchecked rows do not fail, they say how to check them).
 */
export async function doctorCommand(
  options: DoctorOptions,
  io: CliIo,
  clients?: (region: string) => DoctorClients,
): Promise<number> {
  const config = loadConfigOrReport(options.config, io);
  if (config === undefined) return EXIT_CONFIG;
  const region = options.region ?? defaultToolingRegion();
  if (region === undefined) {
    io.err('tfpf: doctor needs the tooling region: --region <region> or AWS_REGION');
    return EXIT_CONFIG;
  }
  const started = performance.now();
  const result = await runDoctor(
    config,
    region,
    clients?.(region) ?? createDoctorClients({ region, endpoint: options.endpoint }),
  );
  io.out(
    renderTable(
      ['RESULT', 'CHECK', 'SUBJECT', 'DETAIL', 'FIX'],
      result.rows.map((r) => [STATUS[r.status], r.check, r.subject, r.detail, r.fix]),
    ),
  );
  const count = (status: DoctorRow['status']): number =>
    result.rows.filter((r) => r.status === status).length;
  io.out(
    `\n${count('pass')} ok, ${count('fail')} failed, ${count('unchecked')} unchecked ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s, region ${region})`,
  );
  return result.ok ? 0 : EXIT_DOCTOR_FAILED;
}

export function registerDoctorCommand(
  program: Command,
  io: CliIo,
  result: { code: number | Promise<number> },
  configOption: () => [string, string, string],
): void {
  program
    .command('doctor')
    .description(
      'check with your credentials what a release needs (compute, CodeBuild quotas, repository, state, roles, approval subscriptions); exit 0 only when every check passes',
    )
    .option(...configOption())
    .option(
      '--region <region>',
      'tooling region (default: CDK_DEFAULT_REGION, AWS_REGION, AWS_DEFAULT_REGION)',
    )
    .option('--endpoint <url>', 'one endpoint for every AWS service, e.g. an emulator (default: AWS)')
    .action((opts: DoctorOptions) => {
      result.code = doctorCommand(opts, io);
    });
}
