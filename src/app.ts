import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from './config';
import { addFactoryStacks, type BootstrapOptions } from './stacks';
import type { ScannerCompute } from './pipeline/terraform-projects';

/**
 * CDK entry point: `cdk synth` / `cdk deploy`. Context (`-c key=value`):
 * - `config=<dir>`: configuration folder (default `pipelines`);
 * - `bootstrap=true` + `toolingAccount=<id>`: also synthesize the workload bootstrap stacks
 *   (`applyPolicyArns=<arn,arn>`, `permissionsBoundaryArn=<arn>` to narrow the apply role);
 * - `nag=true`: run cdk-nag AwsSolutions (CI and `scripts/check-templates` do; off by default because it adds
 *   about a second to every synth, which would take the shipped configuration over its 3 s budget);
 * - `scannerCompute=ec2|lambda`: compute of the scanners, as `compute.scanners` in factory.yaml (refused when
 *   both are set and differ).
 */
function main(): void {
  // The built-in CloudFormation validation costs ~5 s per synth; templates are checked with cfn-lint, checkov
  // and cdk-nag instead. TFPF_CFN_VALIDATE=true turns it back on.
  const app = new App({ builtinCloudFormationValidation: process.env.TFPF_CFN_VALIDATE === 'true' });
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null ? undefined : String(value);
  };
  const fail = (message: string): never => {
    process.stderr.write(`tfpf: ${message}\n`);
    process.exit(1);
  };

  let config;
  try {
    config = loadConfig(context('config') ?? 'pipelines');
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }

  let bootstrap: BootstrapOptions | undefined;
  if (context('bootstrap') === 'true') {
    const toolingAccount = context('toolingAccount') ?? process.env.TFPF_TOOLING_ACCOUNT;
    if (toolingAccount === undefined || !/^\d{12}$/.test(toolingAccount)) {
      fail('bootstrap=true needs the tooling account: -c toolingAccount=<12-digit account id>');
    }
    const list = (key: string): string[] | undefined =>
      context(key)
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    bootstrap = {
      toolingAccount: toolingAccount as string,
      applyPolicyArns: list('applyPolicyArns'),
      permissionsBoundaryArn: context('permissionsBoundaryArn'),
    };
  }

  const scannerCompute = context('scannerCompute');
  if (scannerCompute !== undefined && scannerCompute !== 'lambda' && scannerCompute !== 'ec2') {
    fail(`scannerCompute must be "lambda" or "ec2"; found ${JSON.stringify(scannerCompute)}`);
  }

  try {
    addFactoryStacks(app, config, {
      env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
      bootstrap,
      nag: context('nag') === 'true',
      scannerCompute: scannerCompute as ScannerCompute | undefined,
    });
  } catch (error) {
    // e.g. compute.plan: lambda in a region without CodeBuild Lambda compute
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  app.synth();
}

main();
