import { GetRoleCommand, SimulatePrincipalPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { EnvironmentModel, FactoryModel } from '../config';
import { sourceIdentity, sourceIdentityPattern } from '../naming/source-identity';
import { applyProjectRoleName, applyRoleName, planProjectRoleName, planRoleName } from '../naming/roles';
import { stackNames } from '../stacks/stack-names';
import { describeError, fail, isNotFound, pass, unchecked, type DoctorRow } from './doctor-row';

interface TrustStatement {
  Effect?: string;
  Principal?: { AWS?: string | string[] };
  Action?: string | string[];
  Condition?: { StringLike?: Record<string, string | string[]> };
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Whether a trust policy lets `projectRoleArn` assume the role with a source identity of `environment`. */
export function trustAllows(documentText: string, projectRoleArn: string, environment: string): boolean {
  const document = JSON.parse(decodeURIComponent(documentText)) as { Statement?: TrustStatement[] };
  return (document.Statement ?? []).some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Principal?.AWS).includes(projectRoleArn) &&
      list(s.Action).includes('sts:AssumeRole') &&
      list(s.Action).includes('sts:SetSourceIdentity') &&
      list(s.Condition?.StringLike?.['sts:SourceIdentity']).includes(sourceIdentityPattern(environment)),
  );
}

function accountsOf(env: EnvironmentModel): string[] {
  return [...new Set(Object.values(env.teams).map((t) => t.account))].sort();
}

/**
 * Per environment, for plan and apply: the tooling project role exists; its policy lets it assume the workload
 * role of each account with a release source identity (iam:SimulatePrincipalPolicy: these credentials cannot
 * assume the workload role themselves); and, for a workload account these credentials can see, the workload
 * role trusts exactly that project role and requires the source identity.
 */
export async function checkRoles(
  iam: IAMClient,
  config: FactoryModel,
  caller: { partition: string; account: string },
): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  const arn = (account: string, name: string): string =>
    `arn:${caller.partition}:iam::${account}:role/${name}`;
  const stacks = stackNames(config.factory.pipelineNamePrefix);
  for (const env of config.environments) {
    const name = env.environment;
    const team = Object.keys(env.teams).sort()[0] ?? 'team';
    const identity = sourceIdentity(`${name}_${env.regions[0] ?? 'global'}/${team}/0.0.0`);
    for (const [kind, projectRole, workloadRole] of [
      ['plan', planProjectRoleName(name), planRoleName(name)],
      ['apply', applyProjectRoleName(name), applyRoleName(name)],
    ] as const) {
      const projectArn = arn(caller.account, projectRole);
      try {
        await iam.send(new GetRoleCommand({ RoleName: projectRole }));
      } catch (error) {
        rows.push(
          fail(
            `${kind} project role`,
            projectRole,
            isNotFound(error) ? 'does not exist' : describeError(error),
            `deploy the pipeline stack (npx cdk deploy ${stacks.pipeline(name)})`,
          ),
        );
        continue;
      }
      for (const account of accountsOf(env)) {
        const workloadArn = arn(account, workloadRole);
        const check = `${kind} role`;
        const subject = `${workloadRole} in ${account}`;
        try {
          const { EvaluationResults } = await iam.send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: projectArn,
              ActionNames: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
              ResourceArns: [workloadArn],
              ContextEntries: [
                {
                  ContextKeyName: 'sts:SourceIdentity',
                  ContextKeyType: 'string',
                  ContextKeyValues: [identity],
                },
              ],
            }),
          );
          const denied = (EvaluationResults ?? []).filter((r) => r.EvalDecision !== 'allowed');
          if (denied.length > 0 || (EvaluationResults ?? []).length === 0) {
            rows.push(
              fail(
                check,
                subject,
                `${projectRole} may not ${denied.map((r) => r.EvalActionName).join(', ') || 'assume it'} (simulated)`,
                `deploy the pipeline stack again (npx cdk deploy ${stacks.pipeline(name)}); check permissions boundaries and SCPs`,
              ),
            );
            continue;
          }
        } catch (error) {
          rows.push(
            fail(
              check,
              subject,
              `cannot simulate: ${describeError(error)}`,
              'allow iam:SimulatePrincipalPolicy to these credentials',
            ),
          );
          continue;
        }
        const deployBootstrap = `deploy the bootstrap stack with that account's credentials: npx cdk deploy ${stacks.bootstrap(name, account)} -c bootstrap=true -c toolingAccount=${caller.account}`;
        if (account !== caller.account) {
          rows.push(
            unchecked(
              check,
              subject,
              `${projectRole} may assume it (simulated); its trust is in account ${account}, not visible from ${caller.account}`,
              `run tfpf doctor with credentials of ${account} to check it, or ${deployBootstrap}`,
            ),
          );
          continue;
        }
        try {
          const { Role } = await iam.send(new GetRoleCommand({ RoleName: workloadRole }));
          rows.push(
            trustAllows(Role?.AssumeRolePolicyDocument ?? '{}', projectArn, name)
              ? pass(
                  check,
                  subject,
                  `trusts ${projectRole} with source identity ${sourceIdentityPattern(name)}`,
                )
              : fail(
                  check,
                  subject,
                  `does not trust ${projectRole} with a ${sourceIdentityPattern(name)} source identity`,
                  deployBootstrap,
                ),
          );
        } catch (error) {
          rows.push(
            fail(
              check,
              subject,
              isNotFound(error) ? 'does not exist' : describeError(error),
              deployBootstrap,
            ),
          );
        }
      }
    }
  }
  return rows;
}
