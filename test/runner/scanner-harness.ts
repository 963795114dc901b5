import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FactoryModel } from '../../src/config';
import { staticBuildEnvironment } from '../../src/pipeline/terraform-projects';
import { projectRoot, toolsBinDir } from '../../src/local/project-paths';
import { codebuildEnvironment, machineEnvironment } from '../../src/runner/action-environment';
import { loadBuildSpecFile } from '../../src/runner/buildspec';
import { copyTree } from '../../src/runner/source';
import { executeBuild, type BuildResult } from '../../src/runner/execute-build';
import { defaultConfig, fixture, tempDir } from './harness';

/** One scanner buildspec run on a copy of a fixture, with extra repository files and factory settings. */
export interface ScanRun {
  readonly build: BuildResult;
  readonly log: string;
  readonly exported: Readonly<Record<string, string>>;
  readonly srcDir: string;
}

/** The default configuration with factory.yaml `scanners:` replaced. */
export function configWithScanners(scanners: Partial<FactoryModel['factory']['scanners']>): FactoryModel {
  const config = defaultConfig();
  return { ...config, factory: { ...config.factory, scanners: { ...config.factory.scanners, ...scanners } } };
}

/**
 * Runs buildspecs/<tool>.yml as CodeBuild would: the project's static environment from the configuration
 * (the LAYOUT_* and SCANNER_* variables of staticBuildEnvironment), release variables, the local tools.
 */
export async function scan(
  tool: 'tflint' | 'checkov' | 'tfsec',
  options: {
    readonly fixture: string;
    readonly files?: Readonly<Record<string, string>>;
    readonly config?: FactoryModel;
    readonly environment?: Readonly<Record<string, string>>;
  },
): Promise<ScanRun> {
  const config = options.config ?? defaultConfig();
  const outDir = tempDir(`tfpf-scan-${tool}-`);
  const srcDir = path.join(outDir, 'src');
  const tmpDir = path.join(outDir, 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  copyTree(fixture(options.fixture), srcDir);
  for (const [name, text] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(srcDir, name)), { recursive: true });
    fs.writeFileSync(path.join(srcDir, name), text);
  }
  const logFile = path.join(outDir, 'build.log');
  const build = await executeBuild({
    spec: loadBuildSpecFile(path.join(projectRoot(), 'buildspecs', `${tool}.yml`)),
    srcDir,
    outDir,
    timeoutMs: 600_000,
    baseEnvironment: machineEnvironment(tmpDir),
    environment: {
      ...staticBuildEnvironment(config, 'dev', 'us-east-1', '000000000000', 'aws'),
      RELEASE_TAG: 'dev_us-east-1/research/1.0',
      TFPF_LOCAL_TOOLS: toolsBinDir(),
      ...codebuildEnvironment({
        project: `tfpf-dev-${tool}`,
        srcDir,
        logFile,
        commit: '0'.repeat(40),
        region: 'us-east-1',
        pipeline: 'tfpf-dev',
      }),
      ...options.environment,
    },
  });
  return { build, log: fs.readFileSync(logFile, 'utf8'), exported: build.exportedVariables, srcDir };
}
