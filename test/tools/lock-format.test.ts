import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  canonicalJson,
  checkLockCoversConfig,
  lockDigest,
  parseChecksumFile,
  parseLock,
  readLockFile,
  renderLock,
  ToolsLockError,
} from '../../src/tools';
import { modelWith, SHIPPED_CONFIG_DIR, writeConfigDir } from '../support/config-files';

const SHIPPED_LOCK = path.join(SHIPPED_CONFIG_DIR, 'tools.lock.json');

describe('the lock digest', () => {
  test('canonical JSON sorts keys at every level, keeps array order, and drops undefined', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 'é"' }], a: undefined, c: null })).toBe(
      '{"b":[3,{"a":"é\\"","z":1}],"c":null}',
    );
  });

  // The buildspecs recompute the digest in Python: both sides must agree byte for byte.
  test('equals the digest Python computes with json.dumps(sort_keys=True, separators=(",", ":"))', () => {
    const lock = JSON.parse(fs.readFileSync(SHIPPED_LOCK, 'utf8')) as Record<string, unknown>;
    const python = spawnSync(
      'python3',
      [
        '-c',
        'import hashlib,json,sys; d=json.load(open(sys.argv[1])); d.pop("digest"); ' +
          'print(hashlib.sha256(json.dumps(d,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode()).hexdigest())',
        SHIPPED_LOCK,
      ],
      { encoding: 'utf8' },
    );
    expect(python.status).toBe(0);
    expect(python.stdout.trim()).toBe(lock.digest);
    expect(lockDigest(lock as never)).toBe(lock.digest);
  });

  // Mutation caught: a reviewer (or attacker) editing one archive hash without rewriting the lock.
  test('a lock edited without being rewritten is refused', () => {
    const text = fs.readFileSync(SHIPPED_LOCK, 'utf8');
    const lock = JSON.parse(text) as {
      tools: { tflint: { platforms: { linux_amd64: { sha256: string } } } };
    };
    lock.tools.tflint.platforms.linux_amd64.sha256 = 'b'.repeat(64);
    expect(() => parseLock(JSON.stringify(lock), 'tools.lock.json', 'pipelines')).toThrow(
      /tools\.lock\.json: digest [0-9a-f]{64} does not match the content \([0-9a-f]{64}\): the lock was changed without being rewritten; rewrite it with: tfpf tools lock --config /,
    );
  });

  test('schema problems name the field', () => {
    expect(() =>
      parseLock('{"lockVersion":1,"digest":"x","tools":{}}', 'tools.lock.json', 'pipelines'),
    ).toThrow(/tools\.lock\.json: digest: must be a lowercase hex SHA-256/);
    expect(() => parseLock('{', 'tools.lock.json', 'pipelines')).toThrow(/not valid JSON/);
  });
});

describe('the shipped pipelines/tools.lock.json', () => {
  test('is valid, rendered as tfpf tools lock writes it, and covers the shipped factory.yaml', () => {
    const text = fs.readFileSync(SHIPPED_LOCK, 'utf8');
    const lock = readLockFile(SHIPPED_CONFIG_DIR);
    expect(renderLock(lock)).toBe(text);
    const check = checkLockCoversConfig(modelWith(), lock);
    expect(check.problems).toEqual([]);
  });

  test('pins checkov for Python 3.12 with a hash for every requirement', () => {
    const { checkov } = readLockFile(SHIPPED_CONFIG_DIR).tools;
    expect(checkov.python).toBe('3.12');
    expect(checkov.requirements.find((r) => r.name === 'checkov')?.version).toBe('3.3.30');
    expect(checkov.requirements.length).toBeGreaterThan(20);
    expect(checkov.requirements.every((r) => r.sha256.length >= 1)).toBe(true);
  });

  test('a configuration folder without a lock names the command that writes it', () => {
    const dir = writeConfigDir({ 'tools.lock.json': null });
    expect(() => readLockFile(dir)).toThrow(ToolsLockError);
    expect(() => readLockFile(dir)).toThrow(
      /tools\.lock\.json: no tools lock; write it with: tfpf tools lock --config /,
    );
  });
});

describe('checksum files', () => {
  const a = 'a'.repeat(64);
  test('sha256sum text and binary forms', () => {
    expect([...parseChecksumFile(`${a}  x.zip\n${'B'.repeat(64)} *y\n\n`, 'f')]).toEqual([
      ['x.zip', a],
      ['y', 'b'.repeat(64)],
    ]);
  });
  // Attack: a checksum file listing one archive twice, so that a lenient reader could pick the forged line.
  test('a name listed twice with different digests, or a malformed line, is refused', () => {
    expect(() => parseChecksumFile(`${a}  x.zip\n${'c'.repeat(64)}  x.zip\n`, 'sums')).toThrow(
      'sums: x.zip is listed twice with different digests',
    );
    expect(() => parseChecksumFile(`${a}  ../x.zip\n`, 'sums')).toThrow(
      'sums: line 1 is not "<sha256>  <file name>"',
    );
    expect(() => parseChecksumFile('abc  x.zip\n', 'sums')).toThrow('sums: line 1');
  });
});
