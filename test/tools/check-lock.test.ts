import type { FactoryModel } from '../../src/config';
import {
  checkLockCoversConfig,
  HASHICORP_KEY,
  LOCK_VERSION,
  OPENTOFU_KEY,
  PLATFORMS,
  RELEASES,
  pluginRelease,
  sealLock,
  type BinaryToolLock,
  type ToolsLock,
} from '../../src/tools';
import type { ReleaseLayout } from '../../src/tools/vendors';
import { modelWith } from '../support/config-files';

const HASH = 'a'.repeat(64);

function binary(layout: ReleaseLayout, version: string, signer?: string): BinaryToolLock {
  return {
    version,
    checksums: {
      file: layout.checksumsFile,
      url: `${layout.base}/${layout.checksumsFile}`,
      sha256: HASH,
      ...(signer
        ? { verification: 'pgp' as const, signatureUrl: `${layout.base}/x.sig`, signer }
        : { verification: 'https' as const }),
    },
    platforms: Object.fromEntries(
      PLATFORMS.map((p) => [
        p,
        { ...layout.artifact(p), url: `${layout.base}/${layout.artifact(p).file}`, sha256: HASH },
      ]),
    ) as BinaryToolLock['platforms'],
  };
}

/** A complete lock for the shipped factory.yaml (terraform 1.12.2, tflint 0.64.0, tfsec 1.28.14, checkov 3.3.30). */
function shippedLock(change: (tools: Record<string, unknown>) => void = () => undefined): ToolsLock {
  const tools: Record<string, unknown> = {
    terraform: binary(RELEASES.terraform('1.12.2'), '1.12.2', HASHICORP_KEY.fingerprint),
    tflint: binary(RELEASES.tflint('0.64.0'), '0.64.0'),
    tfsec: binary(RELEASES.tfsec('1.28.14'), '1.28.14'),
    checkov: {
      version: '3.3.30',
      python: '3.12',
      requirements: [{ name: 'checkov', version: '3.3.30', sha256: [HASH] }],
    },
  };
  change(tools);
  return sealLock({ lockVersion: LOCK_VERSION, tools: tools as ToolsLock['tools'] });
}

const messages = (model: FactoryModel, lock: ToolsLock): string[] =>
  checkLockCoversConfig(model, lock).problems.map((p) => `${p.field}: ${p.message}`);

describe('checkLockCoversConfig', () => {
  test('a lock of exactly the configured versions passes with no warning', () => {
    expect(checkLockCoversConfig(modelWith(), shippedLock())).toEqual({ problems: [], warnings: [] });
  });

  test('a tool version the lock does not cover fails, naming the tool and both versions', () => {
    const model = modelWith();
    const problems = messages(
      model,
      shippedLock((t) => (t.tflint = binary(RELEASES.tflint('0.63.0'), '0.63.0'))),
    );
    expect(problems[0]).toBe(
      'tools.tflint.version: factory.yaml wants tools.tflint 0.64.0 but the lock has 0.63.0',
    );
    expect(problems.at(-1)).toMatch(/: rewrite the lock with: tfpf tools lock --config /);
  });

  test('checkov: version and the Python it was resolved for', () => {
    const lock = shippedLock(
      (t) =>
        (t.checkov = {
          version: '3.3.29',
          python: '3.11',
          requirements: [{ name: 'checkov', version: '3.3.29', sha256: [HASH] }],
        }),
    );
    expect(messages(modelWith(), lock)).toEqual(
      expect.arrayContaining([
        'tools.checkov.version: factory.yaml wants checkov 3.3.30 but the lock has 3.3.29',
        'tools.checkov.python: resolved for Python 3.11, but the scanners run 3.12',
      ]),
    );
  });

  test('a lock that lacks the engine fails (engine opentofu, lock of terraform)', () => {
    const factory = modelWith().factory;
    const model = {
      ...modelWith(),
      factory: { ...factory, tools: { ...factory.tools, engine: 'opentofu' as const, opentofu: '1.10.6' } },
    };
    expect(messages(model, shippedLock())).toEqual(
      expect.arrayContaining([
        'tools.opentofu: the lock has no entry for tools.opentofu (factory.yaml wants 1.10.6)',
        'tools.terraform: is locked but tools.engine is opentofu',
      ]),
    );
    const tofu = shippedLock((t) => {
      delete t.terraform;
      t.opentofu = binary(RELEASES.opentofu('1.10.6'), '1.10.6', OPENTOFU_KEY.fingerprint);
    });
    expect(messages(model, tofu)).toEqual([]);
  });

  // Attack: a lock made with a key that is not the vendor's (e.g. the test-key override) must not be accepted.
  test('a signed tool whose checksum file was not verified with the vendor key fails', () => {
    const bySomeone = shippedLock(
      (t) => (t.terraform = binary(RELEASES.terraform('1.12.2'), '1.12.2', 'B'.repeat(40))),
    );
    expect(messages(modelWith(), bySomeone)[0]).toBe(
      `tools.terraform.checksums: terraform_1.12.2_SHA256SUMS must be verified with the vendor key ${HASHICORP_KEY.fingerprint}; the lock says pgp by ${'B'.repeat(40)}`,
    );
    const unsigned = shippedLock((t) => (t.terraform = binary(RELEASES.terraform('1.12.2'), '1.12.2')));
    expect(messages(modelWith(), unsigned)[0]).toContain('the lock says https');
  });

  test('transcribed digests pass with a warning', () => {
    const lock = shippedLock((t) => {
      const tfsec = binary(RELEASES.tfsec('1.28.14'), '1.28.14');
      t.tfsec = {
        ...tfsec,
        checksums: { file: tfsec.checksums.file, url: tfsec.checksums.url, verification: 'transcribed' },
      };
    });
    const check = checkLockCoversConfig(modelWith(), lock);
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([
      'tools.tfsec 1.28.14: archive digests were transcribed from public copies of tfsec_checksums.txt, not downloaded and verified by tfpf tools lock',
    ]);
  });

  test('an archive file name that is not the version’s fails', () => {
    const lock = shippedLock((t) => {
      const tf = binary(RELEASES.terraform('1.12.2'), '1.12.2', HASHICORP_KEY.fingerprint);
      t.terraform = {
        ...tf,
        platforms: {
          ...tf.platforms,
          linux_amd64: { ...tf.platforms.linux_amd64, file: 'terraform_1.11.0_linux_amd64.zip' },
        },
      };
    });
    expect(messages(modelWith(), lock)[0]).toBe(
      'tools.terraform.platforms.linux_amd64.file: is terraform_1.11.0_linux_amd64.zip, expected terraform_1.12.2_linux_amd64.zip',
    );
  });

  describe('tflint plugins (scanners.tflintPlugins)', () => {
    const aws = { name: 'aws', version: '0.40.0', source: 'github.com/terraform-linters/tflint-ruleset-aws' };
    const withPlugins = (plugins: unknown[]): FactoryModel => {
      const model = modelWith();
      return {
        ...model,
        factory: {
          ...model.factory,
          scanners: { ...model.factory.scanners, tflintPlugins: plugins } as never,
        },
      };
    };
    const lockWithPlugin = (version: string): ToolsLock => {
      const base = shippedLock();
      const { digest: _d, ...rest } = base;
      return sealLock({
        ...rest,
        tflintPlugins: {
          aws: { ...binary(pluginRelease({ ...aws, version }), version), source: aws.source },
        },
      });
    };

    test('a pinned plugin must be locked at its version', () => {
      expect(messages(withPlugins([aws]), shippedLock())[0]).toBe(
        'tflintPlugins.aws: the lock has no entry for tflintPlugins.aws (factory.yaml wants 0.40.0)',
      );
      expect(messages(withPlugins([aws]), lockWithPlugin('0.39.0'))[0]).toBe(
        'tflintPlugins.aws.version: factory.yaml wants tflintPlugins.aws 0.40.0 but the lock has 0.39.0',
      );
      expect(messages(withPlugins([aws]), lockWithPlugin('0.40.0'))).toEqual([]);
    });

    test('a locked plugin that is not pinned fails; without the setting no plugin is needed', () => {
      expect(messages(modelWith(), lockWithPlugin('0.40.0'))[0]).toBe(
        'tflintPlugins.aws: is locked but not pinned in factory.yaml scanners.tflintPlugins',
      );
      expect(messages(withPlugins([]), shippedLock())).toEqual([]);
    });
  });
});
