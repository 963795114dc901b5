import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  bindReportGroups,
  BUILDSPEC_NAMES,
  BuildSpecError,
  checkBuildSpec,
  defaultBuildSpecDir,
  loadBuildSpec,
} from '../../src/pipeline/buildspec-loader';
import {
  PLAN_ARTIFACT,
  PLAN_EXPORTS,
  RELEASE_VARIABLES,
  SCANNER_EXPORTS,
} from '../../src/pipeline/release-variables';
import {
  SCANNERS,
  staticBuildEnvironment,
  toolsLockFiles,
  withoutCache,
} from '../../src/pipeline/terraform-projects';
import { modelWith } from '../support/config-files';
import { buildTestApp, PROJECT_ROOT, projectBuildSpec } from '../support/test-app';
import { loadConfig } from '../../src/config';

const REAL_DIR = defaultBuildSpecDir();

describe('buildspec loader', () => {
  function dirWith(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-buildspecs-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  test('a missing file is named, with the action that needs it', () => {
    const dir = dirWith({});
    expect(() => loadBuildSpec('plan', dir)).toThrow(BuildSpecError);
    expect(() => loadBuildSpec('plan', dir)).toThrow(
      /plan\.yml: buildspec "plan" is missing: the plan action needs this file/,
    );
  });

  test('invalid YAML, wrong version, missing or unknown phases are refused with the file name', () => {
    const dir = dirWith({
      'tflint.yml': 'version: 0.2\nphases: [',
      'tfsec.yml': 'version: 0.1\nphases: { build: { commands: [x] } }\n',
      'checkov.yml': 'version: 0.2\nenv: {}\n',
      'plan.yml': 'version: 0.2\nphases: { compile: { commands: [x] } }\n',
    });
    expect(() => loadBuildSpec('tflint', dir)).toThrow(/tflint\.yml: not valid YAML/);
    expect(() => loadBuildSpec('tfsec', dir)).toThrow(/tfsec\.yml: version must be 0\.2; found 0\.1/);
    expect(() => loadBuildSpec('checkov', dir)).toThrow(/checkov\.yml: phases must be a mapping/);
    expect(() => loadBuildSpec('plan', dir)).toThrow(/plan\.yml: unknown phase\(s\) compile/);
    expect(() => checkBuildSpec({ version: '0.2', phases: {} }, 'x.yml')).toThrow(/x\.yml: defines no phase/);
  });

  test('report groups are bound by name; an unknown or missing group is an error', () => {
    const spec = checkBuildSpec(
      { version: 0.2, phases: { build: { commands: ['true'] } }, reports: { tflint: { files: ['a.xml'] } } },
      'tflint.yml',
    );
    expect(bindReportGroups(spec, { tflint: 'arn:group' }, 'tflint.yml').reports).toEqual({
      'arn:group': { files: ['a.xml'] },
    });
    expect(() => bindReportGroups(spec, {}, 'tflint.yml')).toThrow(
      /report group "tflint" has no report group/,
    );
    expect(() => bindReportGroups(spec, { tflint: 'a', other: 'b' }, 'tflint.yml')).toThrow(
      /declares no "other" report group/,
    );
    const noReports = checkBuildSpec({ version: 0.2, phases: { build: { commands: ['true'] } } }, 'x.yml');
    expect(() => bindReportGroups(noReports, { tfsec: 'a' }, 'x.yml')).toThrow(/declares no reports: group/);
  });
});

// The real buildspecs (written by the stages engineer) against the contract the stacks rely on.
describe('buildspecs/*.yml (the real files)', () => {
  const specs = Object.fromEntries(BUILDSPEC_NAMES.map((n) => [n, loadBuildSpec(n, REAL_DIR)]));

  test.each(BUILDSPEC_NAMES)('%s.yml is a version 0.2 buildspec with bash and a build phase', (name) => {
    const spec = specs[name];
    expect(String(spec.version)).toBe('0.2');
    expect((spec.env as { shell?: string } | undefined)?.shell).toBe('bash');
    expect(spec.phases.build).toBeDefined();
  });

  test.each(SCANNERS)(
    '%s.yml reports JUnit from reports/<tool>.xml into a group named after the tool',
    (tool) => {
      const reports = specs[tool].reports as Record<string, Record<string, unknown>>;
      expect(Object.keys(reports)).toEqual([tool]);
      expect(reports[tool]['file-format']).toBe('JUNITXML');
      expect(reports[tool]['base-directory']).toBe('reports');
      expect(reports[tool].files).toEqual([`${tool}.xml`]);
    },
  );

  test('plan.yml exports exactly the variables the approval reads, and the artifact files', () => {
    const env = specs.plan.env as { 'exported-variables': string[] };
    expect([...env['exported-variables']].sort()).toEqual([...PLAN_EXPORTS].sort());
    const artifacts = specs.plan.artifacts as { files: string[] };
    for (const file of [
      'tfplan',
      'plan.json',
      'summary.json',
      'summary.md',
      'plan-meta.json',
      '.terraform.lock.hcl',
    ]) {
      expect(artifacts.files).toContain(file);
    }
  });

  test.each(SCANNERS)('%s.yml exports SCAN_SKIPPED and SCAN_SKIPPED_IDS (read by the approval)', (tool) => {
    const env = specs[tool].env as { 'exported-variables'?: string[] };
    expect([...(env['exported-variables'] ?? [])].sort()).toEqual([...SCANNER_EXPORTS].sort());
  });

  test('apply.yml reads the plan from the PlanOutput secondary input', () => {
    expect(JSON.stringify(specs.apply)).toContain(`CODEBUILD_SRC_DIR_${PLAN_ARTIFACT}`);
  });

  test('every variable a buildspec requires (${NAME:?...}) is provided by the project or the action', () => {
    const provided = new Set([
      ...Object.keys(staticBuildEnvironment(modelWith(), 'dev', 'eu-central-1')),
      'LOCK_TABLE',
      'TFPF_COMPUTE',
      'SOURCE_COMMIT',
      'PLAN_DIGEST',
      ...RELEASE_VARIABLES.map((v) => v.name),
    ]);
    let checked = 0;
    for (const name of BUILDSPEC_NAMES) {
      const required = [...JSON.stringify(specs[name]).matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map(
        (m) => m[1],
      );
      const declared = Object.keys((specs[name].env as { variables?: object } | undefined)?.variables ?? {});
      for (const variable of required) {
        if (variable.startsWith('CODEBUILD_') || variable.startsWith('TFPF_') || declared.includes(variable))
          continue;
        checked++;
        expect({ buildspec: name, variable, provided: provided.has(variable) }).toEqual({
          buildspec: name,
          variable,
          provided: true,
        });
      }
    }
    expect(checked).toBeGreaterThanOrEqual(BUILDSPEC_NAMES.length);
  });

  test('the app builds from the real buildspecs, composed with the tools lock of the config', () => {
    const model = loadConfig(path.join(PROJECT_ROOT, 'pipelines'));
    const testApp = buildTestApp(model, { buildSpecDir: REAL_DIR });
    const projects = testApp.template(testApp.environments.dev).findResources('AWS::CodeBuild::Project');
    const byName = Object.fromEntries(
      Object.values(projects).map((p) => {
        const props = p.Properties as { Name: string; Source: { BuildSpec: unknown } };
        return [props.Name, projectBuildSpec(testApp.app, props.Source.BuildSpec)];
      }),
    );
    for (const name of BUILDSPEC_NAMES) {
      const composed = withoutCache(loadBuildSpec(name, REAL_DIR, toolsLockFiles(model)));
      expect(byName[`tfpf-dev-${name}`]).toEqual(composed);
      // The library block carries the lock: the builds check every tool against it.
      expect(JSON.stringify(composed)).toContain('cat >\\"$TFPF_LIB/tools.lock.json\\" <<\'TFPF_LIB_EOF\'');
    }
  });
});
