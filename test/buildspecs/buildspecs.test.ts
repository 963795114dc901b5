import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../../src/local/project-paths';
import { loadBuildSpecFile, type BuildSpec } from '../../src/runner/buildspec';
import { libraryFiles } from '../../src/pipeline/buildspec-compose';

// Static checks of the buildspec files (the runner tests execute them for real).

const DIR = path.join(projectRoot(), 'buildspecs');
const NAMES = ['tflint', 'checkov', 'tfsec', 'plan', 'apply'] as const;
const specs = Object.fromEntries(
  NAMES.map((n) => [n, loadBuildSpecFile(path.join(DIR, `${n}.yml`))]),
) as Record<(typeof NAMES)[number], BuildSpec>;

function commands(spec: BuildSpec): string[] {
  return Object.values(spec.phases).flatMap((p) => [...(p?.commands ?? []), ...(p?.finally ?? [])]);
}

/** The body of the n-th `python3 - ... <<'PY'` heredoc of a command. */
function heredocs(command: string): string[] {
  return [...command.matchAll(/<<'PY'\n([\s\S]*?)\nPY\n/g)].map((m) => m[1] as string);
}

describe.each(NAMES)('buildspecs/%s.yml', (name) => {
  const spec = specs[name];

  test('every command block starts with set -euo pipefail and is valid bash', () => {
    for (const command of commands(spec)) {
      expect(command.split('\n')[0]).toBe('set -euo pipefail');
      execFileSync('bash', ['-n'], { input: command });
    }
  });

  test('no eval and no string-built command lines', () => {
    for (const command of commands(spec)) {
      expect(command).not.toMatch(/\beval\b/);
      expect(command).not.toMatch(/\bbash -c\b|\bsh -c\b/);
    }
  });

  test('embedded Python programs compile', () => {
    for (const program of commands(spec).flatMap(heredocs)) {
      execFileSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "buildspec", "exec")'], {
        input: program,
      });
    }
  });
});

describe('shared blocks stay identical across buildspecs', () => {
  test('the scanners judge findings the same way', () => {
    const judges = ['tflint', 'checkov', 'tfsec'].map((n) => {
      const programs = heredocs(specs[n as 'tflint'].phases.build?.commands[0] as string);
      const program = programs.find((p) => p.includes('# --- common to the scanner buildspecs')) as string;
      return program.slice(program.indexOf('# --- common to the scanner buildspecs'));
    });
    expect(new Set(judges).size).toBe(1);
  });

  test('plan and apply unpack the same library and set up the release with its functions', () => {
    const library = (n: 'plan' | 'apply'): string => specs[n].phases.install?.commands[0] as string;
    expect(library('plan')).toBe(library('apply'));
    expect(library('plan')).toContain('tfpf library, composed at synth from buildspecs/lib/');
    const setup = (n: 'plan' | 'apply'): string => specs[n].phases.install?.commands[1] as string;
    expect(setup('plan')).toContain('tfpf_terraform_setup plan PLAN_ROLE_NAME');
    for (const step of [
      'tfpf_validate_release APPLY_ROLE_NAME',
      'tfpf_setup_engine',
      'tfpf_prepare_root',
      'tfpf_write_credentials apply APPLY_ROLE_NAME',
      'tfpf_write_backend',
    ]) {
      expect(setup('apply')).toContain(step);
    }
  });
});

describe('contract with the pipeline', () => {
  test('scanners declare a JUnit report group named after the tool, from reports/<tool>.xml', () => {
    for (const tool of ['tflint', 'checkov', 'tfsec'] as const) {
      expect(specs[tool].reports).toEqual({
        [tool]: { files: [`${tool}.xml`], baseDirectory: 'reports', fileFormat: 'JUNITXML' },
      });
    }
  });

  test('plan exports the variables and files the approval and apply stages read', async () => {
    const { PLAN_EXPORTS } = await import('../../src/pipeline/release-variables');
    expect(specs.plan.exportedVariables).toEqual([...PLAN_EXPORTS]);
    expect(specs.plan.artifacts?.files).toEqual([
      'tfplan',
      'plan.json',
      'summary.json',
      'summary.md',
      'plan-meta.json',
      '.terraform.lock.hcl',
    ]);
  });

  test('apply reads the plan artifact and never re-plans or targets', () => {
    // Its own blocks (the shared library, which plan uses as well, is checked on its own).
    const text = commands(specs.apply)
      .filter((c) => !c.includes('# tfpf library, composed at synth'))
      .join('\n');
    expect(text).not.toContain('tfpf_read_var_args');
    expect(text).toContain('${CODEBUILD_SRC_DIR_PlanOutput:-/nonexistent}');
    expect(text).not.toMatch(/"\$TFPF_TF" plan\b/);
    expect(text).not.toMatch(/\s-target[=\s]/);
    expect(text).toContain(
      'apply -input=false -no-color -lock-timeout="$TF_LOCK_TIMEOUT" "$TFPF_PLAN_DIR/tfplan"',
    );
  });

  test('apply checks the plan digest before init, from the pipeline variable, and applies the checked copy', () => {
    const install = specs.apply.phases.install?.commands[1] as string;
    const check = install.indexOf('check-artifact "${CODEBUILD_SRC_DIR_PlanOutput:-/nonexistent}"');
    expect(check).toBeGreaterThan(0);
    expect(install).toContain('"${PLAN_DIGEST:-}" "$TFPF_WORK"');
    expect(install.indexOf('tfpf_setup_engine')).toBeGreaterThan(check);
    expect(install).toContain('export TFPF_PLAN_DIR="$TFPF_WORK/plan"');
    const build = specs.apply.phases.build?.commands[0] as string;
    expect(build.indexOf('check-state')).toBeLessThan(build.indexOf('" apply '));
  });

  test('plan never takes the state lock (its role cannot write state)', () => {
    const build = specs.plan.phases.build?.commands[0] as string;
    expect(build).toMatch(/"\$TFPF_TF" plan -input=false -no-color -lock=false /);
    expect(commands(specs.plan).join('\n')).not.toContain('-lock-timeout');
  });

  test('the local runner sets exactly the static variables the CDK projects set', async () => {
    const { staticBuildEnvironment } = await import('../../src/pipeline/terraform-projects');
    const { projectEnvironment } = await import('../../src/runner/action-environment');
    const { loadConfig } = await import('../../src/config');
    const config = loadConfig(path.join(projectRoot(), 'pipelines'));
    const release = { environment: 'dev' } as never;
    const toolchain = {
      engine: 'terraform',
      engineVersion: '1.8.5',
      versions: { tflint: '0.64.0', tfsec: '1.28.14', checkov: '3.3.30' },
    } as never;
    const local = projectEnvironment(config, release, toolchain, {
      bucket: 'acme-tfstate-dev',
      region: 'us-east-1',
      locking: { locking: 'dynamodb', lockTable: 'acme-tfstate-lock-dev' },
    });
    const cdk = staticBuildEnvironment(
      { ...config, factory: { ...config.factory, locking: 'dynamodb' } },
      'dev',
      'us-east-1',
    );
    // STATE_KMS_KEY is the only CodeBuild-only variable: the local state bucket (moto or --state-bucket) is used
    // with its own default encryption, so the runner leaves kms_key_id out of the backend config.
    const { STATE_KMS_KEY: kmsKey, ...cdkWithoutKms } = cdk;
    expect(kmsKey).toMatch(/^arn:.*:kms:us-east-1:.*:alias\/acme-tfstate-dev-state$/);
    expect(Object.keys(local).sort()).toEqual(Object.keys(cdkWithoutKms).sort());
    expect(local.PLAN_ROLE_NAME).toBe(cdk.PLAN_ROLE_NAME);
    expect(local.APPLY_ROLE_NAME).toBe(cdk.APPLY_ROLE_NAME);
  });
});

describe('plan summarizer (buildspecs/lib/tfpf_stage.py plan-summary)', () => {
  // Providers cannot be downloaded here, so no real plan can contain aws_* resources: this feeds the real program
  // a plan.json written by hand in Terraform's JSON plan format, with the prior state inside a tfplan zip.
  const STAGE = path.join(DIR, 'lib', 'tfpf_stage.py');
  const env = {
    ...process.env,
    RELEASE_TAG: 'prod_eu-central-1/risk/2.0',
    STATE_KEY: 'risk/prod-eu-central-1/terraform.tfstate',
  };

  function summarize(variables: object, overrides: object[] = []): { out: string; work: string } {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-summary-'));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-work-'));
    const change = (address: string, type: string, actions: string[]): object => ({
      address,
      mode: 'managed',
      type,
      change: { actions },
    });
    fs.writeFileSync(
      path.join(out, 'plan.json'),
      JSON.stringify({
        terraform_version: '1.12.2',
        variables,
        resource_changes: [
          change('aws_iam_role.deployer', 'aws_iam_role', ['create']),
          change('aws_security_group.web', 'aws_security_group', ['update']),
          change('aws_s3_bucket.logs', 'aws_s3_bucket', ['delete']),
          change('aws_instance.app', 'aws_instance', ['delete', 'create']),
          change('aws_sqs_queue.jobs', 'aws_sqs_queue', ['no-op']),
          { ...change('data.aws_caller_identity.me', 'aws_caller_identity', ['read']), mode: 'data' },
        ],
        output_changes: { url: { actions: ['update'] } },
      }),
    );
    fs.writeFileSync(path.join(out, '.terraform.lock.hcl'), '# no providers required\n');
    fs.writeFileSync(
      path.join(work, 'release-vars.json'),
      JSON.stringify({ values: { region: 'eu-central-1' }, overrides, target: '' }),
    );
    execFileSync('python3', [
      '-c',
      'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.writestr("tfstate", json.dumps({"serial": 7, "lineage": "abc"})); z.close()',
      path.join(out, 'tfplan'),
    ]);
    execFileSync('python3', [STAGE, 'plan-summary', out, work], { env, stdio: 'pipe' });
    return { out, work };
  }

  test('counts adds, changes, destroys and replacements, flags IAM, network and destroy changes, and digests the artifact', () => {
    const { out, work } = summarize({ region: { value: 'eu-central-1' } });
    const exports = fs.readFileSync(path.join(work, 'plan-exports'), 'utf8').split('\n');
    expect(exports.slice(0, 7)).toEqual([
      '1',
      '1',
      '1',
      '1',
      'DESTROY,IAM,NETWORK',
      'prod_eu-central-1/risk/2.0: 1 to add, 1 to change, 1 to destroy, 1 to replace; flags: DESTROY,IAM,NETWORK',
      '0',
    ]);
    const digest = execFileSync('python3', [STAGE, 'digest', out], { encoding: 'utf8' }).trim();
    expect(exports[7]).toBe(digest);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'plan-meta.json'), 'utf8'));
    expect(meta).toMatchObject({ serial: 7, lineage: 'abc', release_tag: 'prod_eu-central-1/risk/2.0' });
    const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain('- **IAM**: 1 resource(s): `aws_iam_role.deployer`');
    expect(md).toContain('- **NETWORK**: 1 resource(s): `aws_security_group.web`');
    expect(md).toContain('- **DESTROY**: 2 resource(s): `aws_s3_bucket.logs`, `aws_instance.app`');
    expect(md).toContain('Outputs changing: `url`');
  });

  test('the digest covers every artifact file: one changed byte in any of them changes it', () => {
    const { out } = summarize({ region: { value: 'eu-central-1' } });
    const digest = (): string => execFileSync('python3', [STAGE, 'digest', out], { encoding: 'utf8' }).trim();
    const original = digest();
    for (const name of ['tfplan', 'plan.json', 'summary.json', 'summary.md', 'plan-meta.json', '.terraform.lock.hcl']) {
      const file = path.join(out, name);
      const saved = fs.readFileSync(file);
      fs.appendFileSync(file, ' ');
      expect([name, digest()]).not.toEqual([name, original]);
      fs.writeFileSync(file, saved);
    }
    expect(digest()).toBe(original);
  });

  test('lists repo values the release overrode, and refuses a plan whose variables are not the release values', () => {
    const override = { file: 'vars/common.tfvars', variable: 'region', repo_value: 'eu-west-3', release_value: 'eu-central-1' };
    const { out, work } = summarize({ region: { value: 'eu-central-1' } }, [override]);
    expect(fs.readFileSync(path.join(work, 'plan-exports'), 'utf8').split('\n')[6]).toBe('1');
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain(
      '- `vars/common.tfvars` sets `region = "eu-west-3"`; the release uses `eu-central-1`',
    );
    expect(() => summarize({ region: { value: 'eu-west-3' } })).toThrow(
      /variable region is "eu-west-3" in the plan, but the release value is "eu-central-1"/,
    );
  });
});

describe('checkov install (the CodeBuild path, offline against a local wheel)', () => {
  // The Lambda python image's /etc/pip.conf sets `target = /tmp/opt/python/...` and PYTHONPATH points there: pip
  // then installs checkov outside the venv and the version check still passes through PYTHONPATH. Here a pip.conf
  // with `target =` (named by PIP_CONFIG_FILE) and PYTHONPATH play the image; the venv must hold checkov itself.
  const install = specs.checkov.phases.install?.commands[1] as string;
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-pip-'));
    fs.mkdirSync(path.join(dir, 'wheels'));
    fs.mkdirSync(path.join(dir, 'diverted'));
    // A minimal wheel named checkov 3.3.30 with a `checkov` console script (no network needed).
    execFileSync('python3', [
      '-c',
      [
        'import sys, zipfile',
        'info = "checkov-3.3.30.dist-info"',
        'files = {"checkov/__init__.py": "def main():\\n    print(\'checkov 3.3.30\')\\n",',
        '  info + "/METADATA": "Metadata-Version: 2.1\\nName: checkov\\nVersion: 3.3.30\\n",',
        '  info + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",',
        '  info + "/entry_points.txt": "[console_scripts]\\ncheckov = checkov:main\\n"}',
        'z = zipfile.ZipFile(sys.argv[1], "w")',
        'for name, text in files.items(): z.writestr(name, text)',
        'z.writestr(info + "/RECORD", "".join(n + ",,\\n" for n in [*files, info + "/RECORD"]))',
        'z.close()',
      ].join('\n'),
      path.join(dir, 'wheels', 'checkov-3.3.30-py3-none-any.whl'),
    ]);
    fs.writeFileSync(path.join(dir, 'pip.conf'), `[global]\ntarget = ${path.join(dir, 'diverted')}\n`);
    // The buildspec's library, with a tools lock pinning that wheel by its SHA-256 (as `tfpf tools lock` would).
    const wheel = fs.readFileSync(path.join(dir, 'wheels', 'checkov-3.3.30-py3-none-any.whl'));
    const lock = {
      lockVersion: 1,
      tools: {
        checkov: {
          version: '3.3.30',
          python: '3.12',
          requirements: [
            { name: 'checkov', version: '3.3.30', sha256: [createHash('sha256').update(wheel).digest('hex')] },
          ],
        },
      },
    };
    fs.mkdirSync(path.join(dir, 'lib'));
    for (const [name, text] of libraryFiles(DIR, ['tfpf_tools.py', 'tools.lock.json'], {
      'tools.lock.json': JSON.stringify(lock),
    })) {
      fs.writeFileSync(path.join(dir, 'lib', name), text);
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a pip.conf with target= does not divert the install: the venv holds checkov', () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TMPDIR: dir,
      CHECKOV_VERSION: '3.3.30',
      TFPF_LIB: path.join(dir, 'lib'),
      PIP_CONFIG_FILE: path.join(dir, 'pip.conf'),
      PIP_NO_INDEX: '1',
      PIP_FIND_LINKS: path.join(dir, 'wheels'),
      PYTHONPATH: path.join(dir, 'diverted'),
    };
    const output = execFileSync('bash', ['-c', `${install}\nprintf 'on PATH: %s\\n' "$(command -v checkov)"`], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const venv = /checkov 3\.3\.30 \((\S+)\)/.exec(output)?.[1] as string;
    expect(venv.startsWith(path.join(dir, 'tfpf-checkov.'))).toBe(true);
    expect(output).toContain(`on PATH: ${venv}/bin/checkov`);
    expect(fs.readdirSync(path.join(dir, 'diverted'))).toEqual([]);
    const sitePackages = execFileSync(
      path.join(venv, 'bin', 'python'),
      ['-I', '-c', 'import checkov, os; print(os.path.dirname(checkov.__file__))'],
      { encoding: 'utf8' },
    ).trim();
    expect(sitePackages.startsWith(venv)).toBe(true);
  });
});
