import { App, Stack } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from './config';

/** CDK entry point: `cdk synth` / `cdk deploy` (configuration folder from `-c config=<dir>`). */
function main(): void {
  // The built-in CloudFormation validation costs ~5 s per synth; templates are checked with cfn-lint, checkov
  // and cdk-nag instead. TFPF_CFN_VALIDATE=true turns it back on.
  const app = new App({ builtinCloudFormationValidation: process.env.TFPF_CFN_VALIDATE === 'true' });
  const configDir = String(app.node.tryGetContext('config') ?? 'pipelines');
  let config;
  try {
    config = loadConfig(configDir);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tfpf: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  for (const env of config.environments) {
    new Stack(app, `tfpf-${env.environment}`);
  }
  app.synth();
}

main();
