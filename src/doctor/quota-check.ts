import {
  ListAWSDefaultServiceQuotasCommand,
  ListServiceQuotasCommand,
  type ServiceQuota,
} from '@aws-sdk/client-service-quotas';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { ProjectCompute } from '../pipeline/compute';
import { describeError, fail, pass, type DoctorRow } from './doctor-row';

/** Service Quotas names of CodeBuild's concurrent-build quota per environment size the factory uses. */
export const QUOTA_NAMES: Readonly<Record<ProjectCompute, string>> = {
  'lambda-2gb': 'Concurrently running builds for Linux Lambda/2GB environment',
  'lambda-4gb': 'Concurrently running builds for Linux Lambda/4GB environment',
  ec2: 'Concurrently running builds for Linux/Medium environment',
};
/** Account-wide quota, used where a per-size quota is not listed. */
export const OVERALL_QUOTA_NAME = 'Concurrently running builds';

/** Pages read per listing; CodeBuild has a few dozen quotas. */
const MAX_PAGES = 20;

async function listAll(client: ServiceQuotasClient, kind: 'applied' | 'default'): Promise<ServiceQuota[]> {
  const out: ServiceQuota[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const input = { ServiceCode: 'codebuild', NextToken: token, MaxResults: 100 };
    const response =
      kind === 'applied'
        ? await client.send(new ListServiceQuotasCommand(input))
        : await client.send(new ListAWSDefaultServiceQuotasCommand(input));
    out.push(...(response.Quotas ?? []));
    token = response.NextToken;
    if (token === undefined) break;
  }
  return out;
}

/**
 * CodeBuild concurrent-build quotas (applied value, else AWS default) against what one release runs at once per
 * environment size. New accounts start at 0-1: four parallel checks then fail with "Cannot have more than 1 builds
 * in queue for the account".
 */
export async function checkQuotas(
  client: ServiceQuotasClient,
  region: string,
  needed: Readonly<Record<ProjectCompute, number>>,
): Promise<DoctorRow[]> {
  let applied: ServiceQuota[];
  let defaults: ServiceQuota[];
  try {
    [applied, defaults] = await Promise.all([listAll(client, 'applied'), listAll(client, 'default')]);
  } catch (error) {
    return [
      fail(
        'codebuild quota',
        region,
        `cannot read the CodeBuild quotas: ${describeError(error)}`,
        'allow servicequotas:ListServiceQuotas and servicequotas:ListAWSDefaultServiceQuotas to these credentials, or check the quotas in the Service Quotas console',
      ),
    ];
  }
  const find = (name: string): ServiceQuota | undefined =>
    applied.find((q) => q.QuotaName === name) ?? defaults.find((q) => q.QuotaName === name);
  const rows: DoctorRow[] = [];
  for (const size of Object.keys(QUOTA_NAMES) as ProjectCompute[]) {
    const need = needed[size];
    if (need === 0) continue;
    const quota = find(QUOTA_NAMES[size]) ?? find(OVERALL_QUOTA_NAME);
    const subject = `${size} in ${region}`;
    if (quota?.Value === undefined) {
      rows.push(
        fail(
          'codebuild quota',
          subject,
          `no "${QUOTA_NAMES[size]}" quota found; a release runs ${need} such builds at once`,
          `check "${QUOTA_NAMES[size]}" in the Service Quotas console (CodeBuild, ${region}) and request at least ${need}`,
        ),
      );
      continue;
    }
    const detail = `"${quota.QuotaName}" is ${quota.Value}; a release runs ${need} at once`;
    rows.push(
      quota.Value >= need
        ? pass('codebuild quota', subject, detail)
        : fail(
            'codebuild quota',
            subject,
            detail,
            `aws service-quotas request-service-quota-increase --region ${region} --service-code codebuild --quota-code ${quota.QuotaCode ?? '<code>'} --desired-value ${need}`,
          ),
    );
  }
  return rows;
}
