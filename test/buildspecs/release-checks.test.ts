import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { libraryFiles } from '../../src/pipeline/buildspec-compose';
import { projectRoot } from '../../src/local/project-paths';
import { parseTag } from '../../src/tag';
import { tempDir } from '../runner/harness';

// tfpf_validate_release (buildspecs/lib/common.sh): every release variable of a plan or apply build is checked
// again in the build, because anyone allowed to start the pipeline by hand chooses them. Each case below is a
// manual start that today's buildspecs (which trusted the variables) would have run.

const lib = tempDir('tfpf-lib-');
for (const [name, text] of libraryFiles(path.join(projectRoot(), 'buildspecs'), ['common.sh'])) {
  fs.writeFileSync(path.join(lib, name), text);
}

const COMMIT = 'a'.repeat(40);
const GOOD: Record<string, string> = {
  RELEASE_TAG: 'dev_us-east-1/research/1.4.0',
  ENVIRONMENT: 'dev',
  REGION: 'us-east-1',
  TARGET_REGION: 'us-east-1',
  TEAM: 'research',
  VERSION: '1.4.0',
  STATE_KEY: 'research/dev-us-east-1/terraform.tfstate',
  TARGET_ACCOUNT: '111111111111',
  COMMIT_ID: COMMIT,
  SOURCE_COMMIT: COMMIT,
  CODEBUILD_RESOLVED_SOURCE_VERSION: COMMIT,
  TEAM_ACCOUNTS: 'research=111111111111 risk=222222222222',
  STATE_BUCKET: 'acme-tfstate-dev',
  STATE_REGION: 'us-east-1',
  LOCKING: 's3-lockfile',
  LAYOUT_REGIONAL: 'regional',
  LAYOUT_GLOBAL: 'global',
  PLAN_ROLE_NAME: 'tfpf-dev-plan',
  AWS_PARTITION: 'aws',
};

function validate(overrides: Record<string, string | undefined>, srcDir?: string): { code: number; stderr: string } {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: lib, TFPF_LIB: lib };
  for (const [k, v] of Object.entries({ ...GOOD, ...overrides })) if (v !== undefined) env[k] = v;
  env.CODEBUILD_SRC_DIR = srcDir ?? tempDir('tfpf-src-');
  const result = spawnSync('bash', ['-c', '. "$TFPF_LIB/common.sh"; tfpf_validate_release PLAN_ROLE_NAME'], {
    env,
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stderr: result.stderr };
}

test('a consistent release passes', () => {
  expect(validate({})).toEqual({ code: 0, stderr: '' });
  expect(validate({ RELEASE_TAG: 'dev_global/research/v2.0.0-rc.1', REGION: 'global', VERSION: 'v2.0.0-rc.1', STATE_KEY: 'research/dev-global/terraform.tfstate' }).code).toBe(0);
});

test.each<[string, Record<string, string | undefined>, RegExp]>([
  ['an unmerged commit planned under the tagged commit (source action checked out something else)', { SOURCE_COMMIT: 'b'.repeat(40) }, /source mismatch: the Source action checked out commit 'b{40}', but the release is commit a{40}/],
  ['no source commit from the pipeline', { SOURCE_COMMIT: undefined }, /SOURCE_COMMIT is not set/],
  ['the build source differs (PARALLEL mode cloned HEAD)', { CODEBUILD_RESOLVED_SOURCE_VERSION: 'c'.repeat(40) }, /source mismatch: the build's source is 'c{40}'/],
  ['a commit id that is not one', { COMMIT_ID: 'main', SOURCE_COMMIT: 'main', CODEBUILD_RESOLVED_SOURCE_VERSION: 'main' }, /invalid COMMIT_ID: 'main' \(a 40-character commit id\)/],
  ['a team released into another team\'s account', { TARGET_ACCOUNT: '222222222222' }, /invalid TARGET_ACCOUNT: '222222222222' \(team research deploys to account 111111111111 in dev\)/],
  ['a team that is not in the environment', { TEAM: 'ops', RELEASE_TAG: 'dev_us-east-1/ops/1.4.0', STATE_KEY: 'ops/dev-us-east-1/terraform.tfstate' }, /invalid TEAM: 'ops' \(not a team of environment dev\)/],
  ['a version outside the tag grammar', { VERSION: '01.4', RELEASE_TAG: 'dev_us-east-1/research/01.4' }, /invalid VERSION: '01\.4'/],
  ['build metadata in the version', { VERSION: '1.4.0+x', RELEASE_TAG: 'dev_us-east-1/research/1.4.0+x' }, /invalid VERSION/],
  ['a tag that does not match its parts', { RELEASE_TAG: 'dev_us-east-1/research/9.9.9' }, /invalid RELEASE_TAG: 'dev_us-east-1\/research\/9\.9\.9' \(must be dev_us-east-1\/research\/1\.4\.0/],
  ['shell in the tag', { RELEASE_TAG: 'dev_us-east-1/research/1.4.0$(touch /tmp/x)' }, /invalid RELEASE_TAG/],
  ['a newline in the tag (an extra line in the AWS config file)', { RELEASE_TAG: 'dev_us-east-1/research/1.4.0\n[profile x]' }, /invalid RELEASE_TAG/],
  ['an over-long tag', { RELEASE_TAG: `dev_us-east-1/research/1.4.0-${'a'.repeat(200)}` }, /at most 200 characters/],
  ['another environment\'s state bucket', { STATE_BUCKET: 'acme-tfstate-prod' }, /invalid STATE_BUCKET: 'acme-tfstate-prod'/],
  ['another environment\'s role', { PLAN_ROLE_NAME: 'tfpf-prod-plan' }, /invalid PLAN_ROLE_NAME: 'tfpf-prod-plan'/],
  ['a state key of another team', { STATE_KEY: 'risk/dev-us-east-1/terraform.tfstate' }, /invalid STATE_KEY/],
  ['a region that is not the scope', { TARGET_REGION: 'eu-west-3' }, /invalid TARGET_REGION: 'eu-west-3' \(must equal REGION\)/],
  ['a malformed team map', { TEAM_ACCOUNTS: 'research=1111' }, /invalid TEAM_ACCOUNTS: 'research=1111'/],
  ['an unknown partition', { AWS_PARTITION: 'aws;rm' }, /invalid AWS_PARTITION/],
])('refuses %s', (_name, overrides, message) => {
  const { code, stderr } = validate(overrides);
  expect(code).toBe(1);
  expect(stderr).toMatch(message);
});

test('refuses a checked-out tree at another commit than the release', () => {
  const src = tempDir('tfpf-src-');
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', src, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
    }).trim();
  git('init', '-q');
  fs.writeFileSync(path.join(src, 'main.tf'), '');
  git('add', '.');
  git('commit', '-qm', 'x');
  const head = git('rev-parse', 'HEAD');
  const same = { COMMIT_ID: head, SOURCE_COMMIT: head, CODEBUILD_RESOLVED_SOURCE_VERSION: head };
  expect(validate(same, src).code).toBe(0);
  const other = 'd'.repeat(40);
  const { code, stderr } = validate({ COMMIT_ID: other, SOURCE_COMMIT: other, CODEBUILD_RESOLVED_SOURCE_VERSION: other }, src);
  expect(code).toBe(1);
  expect(stderr).toContain(`source mismatch: the checked-out tree is at '${head}'`);
});

describe('the buildspec grammar is the tag module grammar', () => {
  // One bash process checks a batch of candidate tags with the generated ERE constants; the oracle is parseTag.
  function bashVerdicts(tags: readonly string[]): boolean[] {
    const script = [
      '. "$TFPF_LIB/grammar.sh"',
      'while IFS= read -r -d "" tag; do',
      '  ok=0',
      '  if ((${#tag} <= TFPF_MAX_TAG_LENGTH)) && [[ "$tag" =~ ^([^_/]*)_([^/]*)/([^/]*)/([^/]*)$ ]]; then',
      '    e="${BASH_REMATCH[1]}" s="${BASH_REMATCH[2]}" t="${BASH_REMATCH[3]}" v="${BASH_REMATCH[4]}"',
      '    if [[ "$e" =~ $TFPF_NAME_ERE && "$t" =~ $TFPF_NAME_ERE && "$v" =~ $TFPF_VERSION_ERE ]] &&',
      '      [[ "$s" == global || "$s" =~ $TFPF_REGION_ERE ]]; then ok=1; fi',
      '  fi',
      '  printf "%s\\n" "$ok"',
      'done',
    ].join('\n');
    const out = execFileSync('bash', ['-c', script], {
      input: tags.map((t) => `${t}\0`).join(''),
      env: { PATH: process.env.PATH ?? '', TFPF_LIB: lib, LC_ALL: 'C' },
      encoding: 'utf8',
    });
    return out.trim().split('\n').map((l) => l === '1');
  }

  test('accepts and refuses the same tags as parseTag (2,000 generated tags)', () => {
    const part = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), fc.stringMatching(/^[a-z0-9.v-]{0,8}$/));
    const version = fc.oneof(
      fc.stringMatching(/^v?(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2}))?(-[0-9A-Za-z-]{1,5}(\.[0-9A-Za-z-]{1,5}){0,2})?$/),
      fc.stringMatching(/^[0-9a-z.+-]{0,10}$/),
    );
    const scope = fc.oneof(fc.constant('global'), fc.constantFrom('us-east-1', 'us-gov-west-1', 'eusc-de-east-1', 'eu-central-10', 'eu-central-01'), part);
    const tag = fc.tuple(part, scope, part, version).map(([e, s, t, v]) => `${e}_${s}/${t}/${v}`);
    const samples = fc.sample(tag, { numRuns: 2000, seed: 4242 });
    const verdicts = bashVerdicts(samples);
    const disagreements = samples.filter((t, i) => verdicts[i] !== parseTag(t).ok);
    expect(disagreements).toEqual([]);
    // Both verdicts occur, so the comparison is not vacuous.
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(100);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(100);
  });
});
