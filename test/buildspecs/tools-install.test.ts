import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../../src/local/project-paths';
import { tempDir } from '../runner/harness';

// buildspecs/lib/tfpf_tools.py: every build checks each tool it runs against the tools lock (CodeBuild) or against
// what install-tools recorded (local runner), whatever a cache or mirror holds. The attack: code in one plan build
// plants a fake terraform archive and a matching SHA256SUMS where the next build looks (the old installer checked
// the archive against the checksum file kept beside it, so it installed the fake, apply builds included).

const TOOLS = path.join(projectRoot(), 'buildspecs', 'lib', 'tfpf_tools.py');

function zipWith(file: string, name: string, body: string): void {
  execFileSync('python3', [
    '-c',
    'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.writestr(sys.argv[2], sys.argv[3]); z.close()',
    file,
    name,
    body,
  ]);
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function setup(): { lib: string; mirror: string; genuine: string } {
  const lib = tempDir('tfpf-toolslib-');
  const mirror = tempDir('tfpf-mirror-');
  const genuine = path.join(tempDir('tfpf-vendor-'), 'terraform_1.12.2_linux_amd64.zip');
  zipWith(genuine, 'terraform', '#!/bin/sh\necho genuine\n');
  const lock = {
    lockVersion: 1,
    tools: {
      terraform: {
        version: '1.12.2',
        platforms: Object.fromEntries(
          ['linux_amd64', 'linux_arm64'].map((p) => [
            p,
            {
              file: 'terraform_1.12.2_linux_amd64.zip',
              url: 'https://releases.hashicorp.com/terraform/1.12.2/terraform_1.12.2_linux_amd64.zip',
              sha256: sha256(genuine),
              format: 'zip',
              binary: 'terraform',
            },
          ]),
        ),
      },
    },
  };
  fs.writeFileSync(path.join(lib, 'tools.lock.json'), JSON.stringify(lock));
  return { lib, mirror, genuine };
}

function install(lib: string, mirror: string, env: Record<string, string> = {}): { code: number; out: string; dest: string } {
  const dest = tempDir('tfpf-dest-');
  const result = spawnSync('python3', [TOOLS, 'install', 'terraform', dest], {
    env: { PATH: process.env.PATH ?? '', TFPF_LIB: lib, TFPF_TOOLS_MIRROR: `file://${mirror}`, ...env },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}`, dest };
}

test('the archive the lock names is installed', () => {
  const { lib, mirror, genuine } = setup();
  fs.copyFileSync(genuine, path.join(mirror, path.basename(genuine)));
  const { code, out, dest } = install(lib, mirror);
  expect([code, out]).toEqual([0, expect.stringContaining(`sha256:${sha256(genuine)} matches the tools lock`)]);
  expect(execFileSync(path.join(dest, 'terraform'), { encoding: 'utf8' })).toBe('genuine\n');
});

test('a planted archive with a matching SHA256SUMS beside it is refused, naming the tool and both digests', () => {
  const { lib, mirror, genuine } = setup();
  const planted = path.join(mirror, path.basename(genuine));
  zipWith(planted, 'terraform', '#!/bin/sh\necho planted\n');
  fs.writeFileSync(path.join(mirror, 'terraform_1.12.2_SHA256SUMS'), `${sha256(planted)}  ${path.basename(planted)}\n`);
  const { code, out, dest } = install(lib, mirror);
  expect(code).toBe(1);
  expect(out).toContain(
    `terraform 1.12.2: terraform_1.12.2_linux_amd64.zip from file://${planted} has sha256:${sha256(planted)}, but the tools lock says sha256:${sha256(genuine)}; refusing to install it`,
  );
  expect(fs.existsSync(path.join(dest, 'terraform'))).toBe(false);
});

test('a buildspec without a tools lock refuses to install anything', () => {
  const { mirror } = setup();
  const { code, out } = install(tempDir('tfpf-nolock-'), mirror);
  expect(code).toBe(1);
  expect(out).toContain('the buildspec carries no tools lock');
});

describe('local runner: the tools install-tools built', () => {
  function localTools(): { bin: string; record: string } {
    const root = tempDir('tfpf-local-');
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'terraform'), '#!/bin/sh\necho local\n', { mode: 0o755 });
    const record = path.join(root, 'tools.local.json');
    fs.writeFileSync(record, JSON.stringify({ terraform: { version: '1.8.5', path: 'bin/terraform', sha256: sha256(path.join(bin, 'terraform')) } }));
    return { bin, record };
  }

  test('a binary that matches the record is used, and both versions are printed', () => {
    const { lib, mirror } = setup();
    const { bin } = localTools();
    const { code, out } = install(lib, mirror, { TFPF_LOCAL_TOOLS: bin });
    expect(code).toBe(0);
    expect(out).toMatch(/terraform 1\.8\.5: local build sha256:[0-9a-f]{64} matches tools\.local\.json; CodeBuild installs 1\.12\.2 from the tools lock/);
  });

  test('a binary replaced after install-tools recorded it is refused with both digests', () => {
    const { lib, mirror } = setup();
    const { bin, record } = localTools();
    const recorded = JSON.parse(fs.readFileSync(record, 'utf8')).terraform.sha256 as string;
    fs.writeFileSync(path.join(bin, 'terraform'), '#!/bin/sh\necho swapped\n');
    const { code, out } = install(lib, mirror, { TFPF_LOCAL_TOOLS: bin });
    expect(code).toBe(1);
    expect(out).toContain(`has sha256:${sha256(path.join(bin, 'terraform'))}, but install-tools recorded sha256:${recorded}; refusing to run it`);
  });
});
