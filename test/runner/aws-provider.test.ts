import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';
import { startMotoServer, type MotoServer } from '../../src/local/moto-server';
import { projectRoot } from '../../src/local/project-paths';
import { MotoAws } from '../../src/runner';
import { actionLog, actionStatus, defaultConfig, fixture, run, tempDir } from './harness';

// The AWS provider (6.47.1, built by scripts/install-tools into the local filesystem mirror) through the same
// credential chain as CodeBuild: the backend on the build's own (tooling) identity, the providers on the workload
// role of the action, assumed through moto's STS. moto keeps one set of resources per account, so where a resource
// landed is visible: the teams' workload accounts, never the state's account (moto's default, 123456789012).

jest.setTimeout(1_800_000);

const BUCKET = 'acme-tfstate-dev';
const STATE_ACCOUNT = '123456789012';
const MOTO_PYTHON = path.join(projectRoot(), '.tools', 'venvs', 'moto', 'bin', 'python');
const SAMPLE = path.join(projectRoot(), 'examples', 'aws-sample-layout');

let moto: MotoServer;
let aws: MotoAws;
let dataDir: string;

// Nothing may leave 127.0.0.1: every proxy variable points at a closed port on loopback, so any tool of any
// action (Terraform, the provider, the credential process, the scanners) that tried another host would fail.
const CLOSED_PROXY = 'http://127.0.0.1:9';
const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];
const savedProxies = Object.fromEntries(
  [...PROXY_VARIABLES, 'NO_PROXY', 'no_proxy'].map((n) => [n, process.env[n]]),
);

beforeAll(async () => {
  for (const name of PROXY_VARIABLES) process.env[name] = CLOSED_PROXY;
  process.env.NO_PROXY = process.env.no_proxy = '127.0.0.1,localhost';
  moto = await startMotoServer();
  aws = new MotoAws(moto.endpoint, 'us-east-1');
  dataDir = tempDir('tfpf-aws-');
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedProxies)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await moto?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** What an account holds in moto: VPC names by region and IAM role names (botocore of the moto venv). */
function inventory(account: string, region: string): { vpcs: string[]; roles: string[] } {
  const program = `
import json, sys, boto3
endpoint, account, region = sys.argv[1:4]
session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
if account != "${STATE_ACCOUNT}":
    creds = session.client("sts", endpoint_url=endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/inventory", RoleSessionName="inventory")["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name=region)
vpcs = session.client("ec2", endpoint_url=endpoint).describe_vpcs()["Vpcs"]
names = sorted(t["Value"] for v in vpcs for t in v.get("Tags", []) if t["Key"] == "Name")
roles = sorted(r["RoleName"] for r in session.client("iam", endpoint_url=endpoint).list_roles()["Roles"])
print(json.dumps({"vpcs": names, "roles": roles}))
`;
  return JSON.parse(
    execFileSync(MOTO_PYTHON, ['-c', program, moto.endpoint, account, region], { encoding: 'utf8' }),
  ) as { vpcs: string[]; roles: string[] };
}

async function stateResources(key: string): Promise<string[]> {
  const body = await aws.getObject(BUCKET, key);
  if (body === undefined) return [];
  const state = JSON.parse(body.toString('utf8')) as {
    resources: { module?: string; mode: string; type: string; name: string }[];
  };
  return state.resources
    .filter((r) => r.mode === 'managed')
    .map((r) => `${r.module ? `${r.module}.` : ''}${r.type}.${r.name}`)
    .sort();
}

function release(tag: string, repo: string, configDir?: string) {
  return run({
    config: configDir === undefined ? defaultConfig() : loadConfig(configDir),
    tag,
    repo,
    approve: true,
    dataDir,
    state: { kind: 'moto-endpoint', endpoint: moto.endpoint },
  });
}

function summary(runDir: string): { counts: Record<string, number>; flags: string[]; has_changes: boolean } {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'plan', 'artifacts', 'summary.json'), 'utf8'));
}

test('the proxy settings are in force: a request to another host fails at the closed proxy', () => {
  const probe =
    'import urllib.request\ntry:\n    urllib.request.urlopen("https://sts.amazonaws.com/", timeout=5)\nexcept OSError as e:\n    print("refused:", e)';
  // The environment the builds get (machineEnvironment passes the proxy variables through), given explicitly.
  expect(execFileSync('python3', ['-c', probe], { encoding: 'utf8', env: { ...process.env } })).toMatch(
    /^refused: .*(Connection refused|Errno 111)/,
  );
});

describe('regional/ + global/ layout with the AWS provider', () => {
  test('a regional release creates the VPC, subnets and security group in the team account, state in the tooling account', async () => {
    const { result, io } = await release('dev_eu-central-1/research/1.0', fixture('aws-provider'));
    expect(io.text()).toMatch(
      /providers registry\.terraform\.io\/hashicorp\/aws 6\.47\.1 from the local mirror/,
    );
    expect(actionStatus(result)).toEqual({
      tflint: 'SUCCEEDED',
      checkov: 'SUCCEEDED',
      tfsec: 'SUCCEEDED',
      plan: 'SUCCEEDED',
      apply: 'SUCCEEDED',
    });
    expect(summary(result.runDir).counts.add).toBe(4);
    expect(summary(result.runDir).flags).toContain('NETWORK');
    expect(await stateResources('research/dev-eu-central-1/terraform.tfstate')).toEqual([
      'aws_security_group.app',
      'aws_subnet.private',
      'aws_vpc.main',
    ]);
    expect(inventory('111111111111', 'eu-central-1').vpcs).toContain('research-dev-eu-central-1');
    expect(inventory(STATE_ACCOUNT, 'eu-central-1').vpcs).not.toContain('research-dev-eu-central-1');
    // The caller identity data source ran as the plan role of the workload account.
    expect(actionLog(result, 'plan')).toContain(
      'providers run as: arn:aws:sts::111111111111:assumed-role/tfpf-dev-plan/',
    );
    expect(actionLog(result, 'apply')).toContain(
      'providers run as: arn:aws:sts::111111111111:assumed-role/tfpf-dev-apply/',
    );
  });

  test('a second release of the same commit is a no-op plan', async () => {
    // The same tag again (the local runner has no ledger): same commit, same release values.
    const { result } = await release('dev_eu-central-1/research/1.0', fixture('aws-provider'));
    expect(actionStatus(result).plan).toBe('SUCCEEDED');
    expect(summary(result.runDir).has_changes).toBe(false);
  });

  test('a global release creates the IAM role in the team account; the plan flags IAM', async () => {
    const { result } = await release('dev_global/research/1.0', fixture('aws-provider'));
    expect(actionStatus(result).apply).toBe('SUCCEEDED');
    expect(summary(result.runDir).flags).toContain('IAM');
    expect(await stateResources('research/dev-global/terraform.tfstate')).toEqual(['aws_iam_role.app']);
    expect(inventory('111111111111', 'us-east-1').roles).toContain('research-dev-app');
    expect(inventory(STATE_ACCOUNT, 'us-east-1').roles).not.toContain('research-dev-app');
  });

  test("another team's release lands in that team's account", async () => {
    const { result } = await release('dev_eu-central-1/risk/1.0', fixture('aws-provider'));
    expect(actionStatus(result).apply).toBe('SUCCEEDED');
    expect(inventory('222222222222', 'eu-central-1').vpcs).toContain('risk-dev-eu-central-1');
    expect(inventory('111111111111', 'eu-central-1').vpcs).not.toContain('risk-dev-eu-central-1');
  });
});

describe('the AWS sample layout (one root, -target, environments/<env>/<team>/, variable env)', () => {
  const config = path.join(SAMPLE, 'pipelines');
  const repo = path.join(SAMPLE, 'infra');

  test('a regional release applies module.regional only, with the var files of the layout', async () => {
    const { result } = await release('dev_ap-southeast-1/research/2.0', repo, config);
    expect(actionStatus(result).apply).toBe('SUCCEEDED');
    const log = actionLog(result, 'plan');
    expect(log).toContain('target: module.regional');
    expect(log).toContain('var file: environments/dev/research/ap-southeast-1.tfvars');
    expect(log).toContain('release values: env=dev, region=ap-southeast-1, team=research');
    expect(await stateResources('research/dev-ap-southeast-1/terraform.tfstate')).toEqual([
      'module.regional.aws_subnet.private',
      'module.regional.aws_vpc.main',
    ]);
  });

  test('a global release applies module.global only, in the team account', async () => {
    const { result } = await release('dev_global/risk/2.0', repo, config);
    expect(actionStatus(result).apply).toBe('SUCCEEDED');
    expect(await stateResources('risk/dev-global/terraform.tfstate')).toEqual([
      'module.global.aws_iam_role.deployer',
    ]);
    expect(inventory('222222222222', 'ap-southeast-1').vpcs).toEqual([]);
    expect(inventory('222222222222', 'us-east-1').roles).toContain('risk-dev-deployer');
  });
});
