import * as fs from 'node:fs';
import * as path from 'node:path';
import { configWithScanners, scan, type ScanRun } from './scanner-harness';
import { tempDir } from './harness';

// Factory-owned scanner settings (factory.yaml scanners:) through the real scanner buildspecs and the real
// tools. Each repository-config case is the attack "the repository silences its own scanners": on the old
// buildspecs a .checkov.yaml / .tfsec config / .tflint.hcl skipping the failing check turned the scan green
// without a trace, and .tflint.hcl made tflint --init download (or load from the repository) any plugin.

jest.setTimeout(600_000);

const TFLINT_SKIPS_ALL = [
  'rule "terraform_unused_declarations" {',
  '  enabled = false',
  '}',
  'rule "terraform_typed_variables" { enabled = false }',
  '',
].join('\n');

function lines(run: ScanRun, pattern: RegExp): string[] {
  return run.log.split('\n').filter((l) => pattern.test(l));
}

/** Runs at most two builds at a time (2 cores), returns them by name. */
async function runAll(cases: Record<string, () => Promise<ScanRun>>): Promise<Record<string, ScanRun>> {
  const queue = Object.entries(cases);
  const out: Record<string, ScanRun> = {};
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) out[next[0]] = await next[1]();
  };
  await Promise.all([worker(), worker()]);
  return out;
}

describe('tflint', () => {
  let runs: Record<string, ScanRun>;
  const marker = path.join(tempDir('tfpf-plugin-marker-'), 'executed');
  // A "plugin" that records being started (a real plugin would run any code it likes).
  const fakePlugin = `#!/bin/sh\necho started >"${marker}"\nexit 1\n`;
  const pluginDir = tempDir('tfpf-plugin-dir-');
  const pinned = {
    name: 'aws',
    version: '0.40.0',
    source: 'github.com/terraform-linters/tflint-ruleset-aws',
  };
  const pinnedBinary = path.join(pluginDir, pinned.source, pinned.version, 'tflint-ruleset-aws');

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(pinnedBinary), { recursive: true });
    fs.writeFileSync(pinnedBinary, fakePlugin.replace('executed', 'pinned-executed'), { mode: 0o755 });
    runs = await runAll({
      ignore: () =>
        scan('tflint', {
          fixture: 'tflint-violation',
          files: { '.tflint.hcl': TFLINT_SKIPS_ALL },
          config: configWithScanners({ repoConfig: 'ignore' }),
        }),
      report: () =>
        scan('tflint', { fixture: 'tflint-violation', files: { '.tflint.hcl': TFLINT_SKIPS_ALL } }),
      factory: () =>
        scan('tflint', {
          fixture: 'tflint-violation',
          config: configWithScanners({
            skip: {
              checkov: [],
              tfsec: [],
              tflint: [
                { id: 'terraform_unused_declarations', reason: 'kept for the next release' },
                { id: 'terraform_typed_variables', reason: 'typed in the module it feeds' },
              ],
            },
          }),
        }),
      inline: () =>
        scan('tflint', {
          fixture: 'clean',
          files: {
            'regional/extra.tf': `# tflint-ignore: ${Array.from({ length: 40 }, (_, i) => `rule_number_${i}`).join(', ')}\n`,
          },
        }),
      repoPlugin: () =>
        scan('tflint', {
          fixture: 'clean',
          files: {
            '.tflint.hcl': 'plugin "evil" {\n  enabled = true\n}\n',
            '.tflint.d/plugins/tflint-ruleset-evil': fakePlugin,
          },
        }),
      download: () =>
        scan('tflint', {
          fixture: 'clean',
          files: {
            '.tflint.hcl':
              'plugin "google" {\n  enabled = true\n  version = "0.30.0"\n  source  = "github.com/terraform-linters/tflint-ruleset-google"\n}\n',
          },
        }),
      pluginDir: () =>
        scan('tflint', {
          fixture: 'clean',
          files: { '.tflint.hcl': 'config {\n  plugin_dir = "./tools"\n}\n' },
        }),
      pinnedMissing: () =>
        scan('tflint', { fixture: 'clean', config: configWithScanners({ tflintPlugins: [pinned] }) }),
      pinnedInstalled: () =>
        scan('tflint', {
          fixture: 'clean',
          config: configWithScanners({ tflintPlugins: [pinned] }),
          environment: { TFLINT_PLUGIN_DIR: pluginDir },
        }),
    });
    for (const file of fs.readdirSync(path.dirname(marker)))
      fs.chmodSync(path.join(path.dirname(marker), file), 0o644);
  });

  test('ignore: the repository .tflint.hcl is not used, the scan still fails', () => {
    const run = runs.ignore as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(run.log).toContain("ignoring the repository's .tflint.hcl (scanners.repoConfig: ignore)");
    expect(lines(run, / MEDIUM FAIL: /)).toHaveLength(2);
    expect(run.exported).toEqual({ SCAN_SKIPPED: '0', SCAN_SKIPPED_IDS: 'none' });
  });

  test('report (default): honoured, every check it skipped is listed and counted', () => {
    const run = runs.report as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toContain("honouring the repository's .tflint.hcl");
    expect(run.log).toContain('  | rule "terraform_typed_variables" { enabled = false }');
    expect(
      lines(run, /^tflint \S+ regional\/variables\.tf:\d+ MEDIUM SKIPPED \(\.tflint\.hcl\): not reported/),
    ).toHaveLength(2);
    expect(run.exported).toEqual({
      SCAN_SKIPPED: '2',
      SCAN_SKIPPED_IDS: 'terraform_typed_variables,terraform_unused_declarations',
    });
  });

  test('factory skips are applied with their reasons, listed and counted', () => {
    const run = runs.factory as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toContain('tflint factory skip terraform_unused_declarations: kept for the next release');
    expect(run.log).toMatch(
      /^tflint terraform_unused_declarations regional\/variables\.tf:\d+ MEDIUM SKIPPED \(factory\.yaml\): kept for the next release$/m,
    );
    expect(run.exported.SCAN_SKIPPED).toBe('2');
  });

  test('inline tflint-ignore comments are listed; SCAN_SKIPPED_IDS stays within 200 characters', () => {
    const run = runs.inline as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.exported.SCAN_SKIPPED).toBe('40');
    expect(run.log).toMatch(
      /^tflint rule_number_7 regional\/extra\.tf:1 NO-SEVERITY SKIPPED \(inline comment\)/m,
    );
    const ids = run.exported.SCAN_SKIPPED_IDS as string;
    expect(ids.length).toBeLessThanOrEqual(200);
    expect(ids).toMatch(/^rule_number_0,rule_number_1,.*,\+\d+ more$/);
  });

  test("a plugin in the repository's .tflint.d is never started; the scan fails naming it", () => {
    const run = runs.repoPlugin as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(fs.existsSync(marker)).toBe(false);
    expect(run.log).toContain('plugin "evil" is not a factory-pinned plugin');
  });

  test('tflint --init never runs: a plugin with a source is not downloaded; the scan fails naming it', () => {
    const run = runs.download as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(run.log).not.toMatch(/Installing "google" plugin|--init/);
    expect(run.log).toContain(
      'plugin "google" is not a factory-pinned plugin (factory.yaml scanners.tflintPlugins: none)',
    );
  });

  test('a plugin_dir in the repository config is refused', () => {
    const run = runs.pluginDir as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(run.log).toContain('.tflint.hcl: plugin_dir is not allowed');
  });

  test('a pinned plugin missing from TFLINT_PLUGIN_DIR fails the scan naming it', () => {
    const run = runs.pinnedMissing as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(run.log).toContain('are not installed in TFLINT_PLUGIN_DIR (tflint --init never runs)');
    expect(run.log).toContain('aws 0.40.0 (github.com/terraform-linters/tflint-ruleset-aws): expected');
  });

  test('a pinned plugin is started from TFLINT_PLUGIN_DIR', () => {
    const run = runs.pinnedInstalled as ScanRun;
    expect(run.log).toContain(
      `tflint plugin aws 0.40.0 (github.com/terraform-linters/tflint-ruleset-aws): ${pinnedBinary}`,
    );
    expect(fs.existsSync(path.join(path.dirname(marker), 'pinned-executed'))).toBe(true);
  });
});

describe('checkov', () => {
  let runs: Record<string, ScanRun>;
  const files = { '.checkov.yaml': 'skip-check:\n  - CKV_*\n' };
  beforeAll(async () => {
    runs = await runAll({
      ignore: () =>
        scan('checkov', {
          fixture: 'checkov-finding',
          files,
          config: configWithScanners({ repoConfig: 'ignore' }),
        }),
      report: () => scan('checkov', { fixture: 'checkov-finding', files }),
      factory: () =>
        scan('checkov', {
          fixture: 'checkov-finding',
          config: configWithScanners({
            skip: {
              checkov: [{ id: 'CKV_SECRET_2', reason: 'documented example key' }],
              tfsec: [],
              tflint: [],
            },
          }),
        }),
    });
  });

  test('ignore: a .checkov.yaml with skip-check: [CKV_*] is not used, the scan still fails', () => {
    const run = runs.ignore as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(run.log).toMatch(/^checkov CKV_SECRET_2 regional\/variables\.tf:\d+ NO-SEVERITY FAIL:/m);
    expect(run.exported).toEqual({ SCAN_SKIPPED: '0', SCAN_SKIPPED_IDS: 'none' });
  });

  test('report: honoured, the check it skipped is listed and counted, the file is back in place', () => {
    const run = runs.report as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toContain('  .checkov.yaml |   - CKV_*');
    expect(run.log).toMatch(
      /^checkov CKV_SECRET_2 regional\/variables\.tf:\d+ NO-SEVERITY SKIPPED \(\.checkov\.yaml\): not reported with \.checkov\.yaml$/m,
    );
    expect(run.exported).toEqual({ SCAN_SKIPPED: '1', SCAN_SKIPPED_IDS: 'CKV_SECRET_2' });
    expect(fs.readFileSync(path.join(run.srcDir, '.checkov.yaml'), 'utf8')).toBe(files['.checkov.yaml']);
  });

  test('a factory skip applies with its reason', () => {
    const run = runs.factory as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toMatch(
      /^checkov CKV_SECRET_2 \S+ NO-SEVERITY SKIPPED \(factory\.yaml\): documented example key$/m,
    );
    expect(run.exported).toEqual({ SCAN_SKIPPED: '1', SCAN_SKIPPED_IDS: 'CKV_SECRET_2' });
  });
});

describe('tfsec', () => {
  let runs: Record<string, ScanRun>;
  const exclude = { '.tfsec/config.yml': 'exclude:\n  - aws-cloudwatch-log-group-customer-key\n' };
  const inline = (text: string): string =>
    text.replace(
      'resource "aws_cloudwatch_log_group"',
      '#tfsec:ignore:aws-cloudwatch-log-group-customer-key\nresource "aws_cloudwatch_log_group"',
    );
  beforeAll(async () => {
    const bootstrap = fs.readFileSync(
      path.join(__dirname, '..', 'fixtures', 'tfsec-finding', 'bootstrap', 'main.tf'),
      'utf8',
    );
    runs = await runAll({
      ignore: () =>
        scan('tfsec', {
          fixture: 'tfsec-finding',
          files: exclude,
          config: configWithScanners({ repoConfig: 'ignore' }),
        }),
      report: () => scan('tfsec', { fixture: 'tfsec-finding', files: exclude }),
      minimumSeverity: () =>
        scan('tfsec', {
          fixture: 'tfsec-finding',
          files: { '.tfsec/config.json': '{"minimum_severity": "CRITICAL"}' },
        }),
      inline: () =>
        scan('tfsec', {
          fixture: 'tfsec-finding',
          files: { 'bootstrap/main.tf': inline(bootstrap) },
          config: configWithScanners({ repoConfig: 'ignore' }),
        }),
      factory: () =>
        scan('tfsec', {
          fixture: 'tfsec-finding',
          config: configWithScanners({
            skip: {
              checkov: [],
              tfsec: [{ id: 'AVD-AWS-0017', reason: 'AWS-owned key is enough here' }],
              tflint: [],
            },
          }),
        }),
    });
  });

  test('ignore: the repository .tfsec/config.yml is not used, the scan still fails', () => {
    const run = runs.ignore as ScanRun;
    expect(run.build.status).toBe('FAILED');
    expect(run.log).toMatch(
      /^tfsec aws-cloudwatch-log-group-customer-key bootstrap\/main\.tf:\d+ LOW FAIL:/m,
    );
  });

  test('report: an exclude is honoured, listed and counted', () => {
    const run = runs.report as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toMatch(
      /^tfsec aws-cloudwatch-log-group-customer-key bootstrap\/main\.tf:\d+ LOW SKIPPED \(\.tfsec\/config\.yml\): ignored by \.tfsec\/config\.yml$/m,
    );
    expect(run.exported).toEqual({
      SCAN_SKIPPED: '1',
      SCAN_SKIPPED_IDS: 'aws-cloudwatch-log-group-customer-key',
    });
  });

  test('report: a minimum_severity that hides the finding is listed too', () => {
    const run = runs.minimumSeverity as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toMatch(/SKIPPED \(\.tfsec\/config\.json\): ignored by \.tfsec\/config\.json$/m);
    expect(run.exported.SCAN_SKIPPED).toBe('1');
  });

  test('inline #tfsec:ignore comments are honoured in both modes, listed and counted', () => {
    const run = runs.inline as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toMatch(/LOW SKIPPED \(inline comment\): #tfsec:ignore comment$/m);
    expect(run.exported).toEqual({
      SCAN_SKIPPED: '1',
      SCAN_SKIPPED_IDS: 'aws-cloudwatch-log-group-customer-key',
    });
  });

  test('a factory skip matches the AVD ID as well as the long ID', () => {
    const run = runs.factory as ScanRun;
    expect(run.build.status).toBe('SUCCEEDED');
    expect(run.log).toMatch(/LOW SKIPPED \(factory\.yaml\): AWS-owned key is enough here$/m);
  });
});
