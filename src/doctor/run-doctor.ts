import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { FactoryModel } from '../config';
import { pipelineName } from '../naming';
import { stageBudget } from '../pipeline/stage-budget';
import { checkApprovalTopics } from './approval-check';
import { checkCompute } from './compute-check';
import type { DoctorClients } from './doctor-clients';
import { describeError, fail, pass, type DoctorRow } from './doctor-row';
import { checkQuotas } from './quota-check';
import { checkRepository } from './repository-check';
import { checkRoles } from './role-check';
import { checkState } from './state-check';

export interface DoctorResult {
  readonly rows: readonly DoctorRow[];
  /** True when no row failed (unchecked rows do not fail). */
  readonly ok: boolean;
}

/**
 * Everything a release needs, checked with the caller's credentials in the tooling account and region: the
 * compute, the CodeBuild quotas against what one release runs at once, the repository and branch, the state, the
 * project and workload roles, and the approval subscriptions. Read-only: nothing is created or changed.
 */
export async function runDoctor(
  config: FactoryModel,
  region: string,
  clients: DoctorClients,
): Promise<DoctorResult> {
  const rows: DoctorRow[] = [];
  let caller: { account: string; partition: string };
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    const partition = /^arn:([^:]+):/.exec(identity.Arn ?? '')?.[1] ?? 'aws';
    caller = { account: identity.Account ?? '', partition };
    rows.push(pass('credentials', identity.Arn ?? '?', `account ${caller.account}, partition ${partition}`));
  } catch (error) {
    rows.push(
      fail(
        'credentials',
        region,
        describeError(error),
        'sign in to the tooling account (aws sso login, AWS_PROFILE=…)',
      ),
    );
    return { rows, ok: false };
  }

  const { row, compute } = checkCompute(config, region);
  rows.push(row);
  if (compute !== undefined) {
    // The largest need of any pipeline: every pipeline has the same shape, approval or not.
    const needed = { 'lambda-2gb': 0, 'lambda-4gb': 0, ec2: 0 };
    for (const env of config.environments) {
      const budget = stageBudget(
        pipelineName(config.factory.pipelineNamePrefix, env.environment),
        env.approval.required,
        compute,
      );
      for (const size of Object.keys(needed) as (keyof typeof needed)[]) {
        needed[size] = Math.max(needed[size], budget.peakBySize[size]);
      }
    }
    rows.push(...(await checkQuotas(clients.quotas, region, needed)));
  }
  rows.push(await checkRepository(clients.codecommit, config));
  rows.push(...(await checkState(clients.s3, clients.dynamodb, config)));
  rows.push(...(await checkRoles(clients.iam, config, caller)));
  rows.push(...(await checkApprovalTopics(clients.sns, config, { ...caller, region })));
  return { rows, ok: rows.every((r) => r.status !== 'fail') };
}
