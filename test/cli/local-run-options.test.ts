import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { RunSetupError } from '../../src/runner';
import { localStateOption, reportSetupErrors } from '../../src/cli/local-run-options';
import { SHIPPED_CONFIG_DIR } from '../support/config-files';

// The options `tfpf run` and `tfpf drift` share are checked before anything starts: every problem is printed
// under the command's name, and the exit code is each command's usage code (run 2, drift 1).

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s) };
  const code = await main(['node', 'tfpf', ...args], io);
  return { code, out: out.join(''), err };
}

const RELEASE = ['--tag', 'dev_eu-central-1/research/1.0.0', '--repo', '.', '--config', SHIPPED_CONFIG_DIR];

describe.each([
  ['run', 2],
  ['drift', 1],
])('tfpf %s', (command, usageExit) => {
  test.each<[string, string[], string[]]>([
    [
      'two state backends',
      ['--state-dir', '/tmp/x', '--moto-endpoint', 'http://127.0.0.1:5000'],
      ['choose one state backend: --state-dir, --moto-endpoint'],
    ],
    [
      'a moto endpoint off the loopback interface',
      ['--moto-endpoint', 'http://10.0.0.1:5000'],
      ['--moto-endpoint must be http://127.0.0.1:<port>'],
    ],
    [
      'a moto endpoint over https',
      ['--moto-endpoint', 'https://127.0.0.1:5000'],
      ['--moto-endpoint must be http://127.0.0.1:<port>'],
    ],
    [
      'a moto endpoint with a path',
      ['--moto-endpoint', 'http://localhost:5000/x'],
      ['--moto-endpoint must be http://127.0.0.1:<port>'],
    ],
    ['an unknown engine', ['--engine', 'pulumi'], ['--engine must be terraform or opentofu']],
    ['a zero timeout', ['--timeout', '0'], ['--timeout must be a whole number of minutes (1-9999)']],
    ['a timeout of 10000', ['--timeout', '10000'], ['--timeout must be a whole number of minutes (1-9999)']],
    ['a fractional timeout', ['--timeout', '1.5'], ['--timeout must be a whole number of minutes (1-9999)']],
    [
      'every problem at once',
      ['--state-dir', '/tmp/x', '--moto-endpoint', 'http://127.0.0.1', '--engine', 'tf', '--timeout', 'x'],
      [
        'choose one state backend: --state-dir, --moto-endpoint',
        '--moto-endpoint must be http://127.0.0.1:<port>',
        '--engine must be terraform or opentofu',
        '--timeout must be a whole number of minutes (1-9999)',
      ],
    ],
  ])('%s is refused before anything starts', async (_what, options, problems) => {
    expect(await cli(command, ...RELEASE, ...options)).toEqual({
      code: usageExit,
      out: '',
      err: problems.map((problem) => `tfpf ${command}: ${problem}`),
    });
  });
});

test('tfpf run names all three backends when all are given, and a lock table without a bucket', async () => {
  const result = await cli(
    'run',
    ...RELEASE,
    '--state-dir',
    '/tmp/x',
    '--moto-endpoint',
    'http://127.0.0.1:5000',
    '--state-bucket',
    'b',
  );
  expect(result.err).toEqual([
    'tfpf run: choose one state backend: --state-dir, --moto-endpoint, --state-bucket',
  ]);
  expect((await cli('run', ...RELEASE, '--lock-table', 't')).err).toEqual([
    'tfpf run: --lock-table goes with --state-bucket',
  ]);
});

test('the local state option: a running moto, an embedded one in a folder, or the default', () => {
  expect(localStateOption({ motoEndpoint: 'http://127.0.0.1:1' })).toEqual({
    kind: 'moto-endpoint',
    endpoint: 'http://127.0.0.1:1',
  });
  expect(localStateOption({ stateDir: '/s' })).toEqual({ kind: 'embedded-moto', stateDir: '/s' });
  expect(localStateOption({})).toBeUndefined();
});

describe('reportSetupErrors', () => {
  const io = (): CliIo & { lines: string[] } => {
    const lines: string[] = [];
    return { lines, out: () => undefined, err: (s) => lines.push(s) };
  };

  test("prints a setup error under the command's name unless it already names tfpf, and ends with its code", async () => {
    const plain = io();
    expect(
      await reportSetupErrors(
        'drift',
        plain,
        () => 7,
        () => Promise.reject(new RunSetupError('no tool')),
      ),
    ).toBe(7);
    expect(plain.lines).toEqual(['tfpf drift: no tool']);
    const named = io();
    await reportSetupErrors(
      'run',
      named,
      () => 1,
      () => Promise.reject(new RunSetupError('tfpf run: x')),
    );
    expect(named.lines).toEqual(['tfpf run: x']);
  });

  test('passes a result through and lets any other error propagate', async () => {
    expect(
      await reportSetupErrors(
        'run',
        io(),
        () => 9,
        () => Promise.resolve(3),
      ),
    ).toBe(3);
    await expect(
      reportSetupErrors(
        'run',
        io(),
        () => 9,
        () => Promise.reject(new TypeError('defect')),
      ),
    ).rejects.toThrow('defect');
  });
});
