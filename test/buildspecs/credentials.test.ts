import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/local/project-paths';
import { tempDir } from '../runner/harness';
import { useMotoServer } from '../support/moto';

// buildspecs/lib/tfpf_credentials.py: the credential_process of the profiles the plan and apply actions write.
// Every workload session must carry SourceIdentity (the workload roles require it), and the same code must serve
// CodeBuild EC2 compute (container endpoint), Lambda compute (environment keys) and the local runner (moto).

const HELPER = path.join(projectRoot(), 'buildspecs', 'lib', 'tfpf_credentials.py');
const MOTO_PYTHON = path.join(projectRoot(), '.tools', 'venvs', 'moto', 'bin', 'python');
const run = promisify(execFile);

const RELEASE = {
  RELEASE_TAG: 'dev_us-east-1/research/1.4.0',
  STATE_REGION: 'eu-central-1',
  TARGET_REGION: 'us-east-1',
  AWS_PARTITION: 'aws',
};
const ROLE = 'arn:aws:iam::111111111111:role/tfpf-dev-plan';

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...RELEASE, ...extra };
}

async function helper(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run('python3', [HELPER, ...args], { env });
  return stdout;
}

/** A fake STS on 127.0.0.1 that records every request body and answers AssumeRole / GetCallerIdentity. */
async function captureSts(): Promise<{ url: string; bodies: string[]; headers: http.IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(body);
      headers.push(req.headers);
      const action = new URLSearchParams(body).get('Action');
      res.setHeader('content-type', 'text/xml');
      if (action === 'AssumeRole') {
        res.end(
          '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
            '<AccessKeyId>ASIAFAKE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>' +
            '<SessionToken>token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>' +
            '</Credentials></AssumeRoleResult></AssumeRoleResponse>',
        );
      } else {
        res.end(
          '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::111111111111:assumed-role/tfpf-dev-plan/x</Arn>' +
            '</GetCallerIdentityResult></GetCallerIdentityResponse>',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('profiles (configure)', () => {
  test('both profiles use the credential_process; no key is written into the config file', async () => {
    const work = tempDir('tfpf-cred-');
    await helper(['configure', work, 'plan', ROLE], baseEnv({ AWS_ACCESS_KEY_ID: 'AKIDBUILD', AWS_SECRET_ACCESS_KEY: 'build-secret' }));
    const config = fs.readFileSync(path.join(work, 'aws-config'), 'utf8');
    expect(config).toMatch(/\[profile tfpf-state\]\nregion = eu-central-1\ncredential_process = python3 \S+tfpf_credentials\.py source /);
    expect(config).toMatch(/\[profile tfpf-target\]\nregion = us-east-1\ncredential_process = python3 \S+tfpf_credentials\.py assume /);
    expect(config).not.toContain('build-secret');
    expect(config).not.toContain(RELEASE.RELEASE_TAG); // nothing from the release is interpolated into the file
    const target = JSON.parse(fs.readFileSync(path.join(work, 'target.json'), 'utf8'));
    expect(target).toMatchObject({
      role_arn: ROLE,
      source_identity: 'tfpf.dev_us-east-1@research@1.4.0',
      session_name: 'tfpf-plan-dev_us-east-1@research@1.4.0',
      sts_endpoint: 'https://sts.eu-central-1.amazonaws.com',
    });
    expect(fs.statSync(path.join(work, 'source.json')).mode & 0o077).toBe(0);
  });

  test('the STS endpoint follows the partition (aws-cn)', async () => {
    const work = tempDir('tfpf-cred-');
    await helper(
      ['configure', work, 'apply', 'arn:aws-cn:iam::111111111111:role/tfpf-dev-apply'],
      baseEnv({ AWS_PARTITION: 'aws-cn', STATE_REGION: 'cn-north-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }),
    );
    const target = JSON.parse(fs.readFileSync(path.join(work, 'target.json'), 'utf8'));
    expect(target.sts_endpoint).toBe('https://sts.cn-north-1.amazonaws.com.cn');
  });

  test('a build without credentials is refused with what is missing', async () => {
    const work = tempDir('tfpf-cred-');
    await expect(helper(['configure', work, 'plan', ROLE], baseEnv({}))).rejects.toThrow(
      /neither AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY \(Lambda compute\) nor\s+AWS_CONTAINER_CREDENTIALS/,
    );
  });

  test('source identities stay within STS rules (64 characters of [\\w+=,.@-])', async () => {
    const tag = `dev_us-east-1/${'a'.repeat(31)}/1.0.0-${'b'.repeat(60)}`;
    const work = tempDir('tfpf-cred-');
    await helper(['configure', work, 'plan', ROLE], baseEnv({ RELEASE_TAG: tag, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }));
    const target = JSON.parse(fs.readFileSync(path.join(work, 'target.json'), 'utf8'));
    expect(target.source_identity).toMatch(/^tfpf\.dev_us-east-1@a{31}@1\.0\.0-b+$/);
    expect(target.source_identity).toHaveLength(64);
    expect(target.session_name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe('AssumeRole requests', () => {
  test('carry SourceIdentity, the session name and a SigV4 signature (environment credentials)', async () => {
    const sts = await captureSts();
    try {
      const work = tempDir('tfpf-cred-');
      const env = baseEnv({ AWS_ACCESS_KEY_ID: 'AKIDBUILD', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 'tok', AWS_ENDPOINT_URL_STS: sts.url });
      await helper(['configure', work, 'plan', ROLE], env);
      const out = JSON.parse(await helper(['assume', work], baseEnv({})));
      expect(out).toEqual({ Version: 1, AccessKeyId: 'ASIAFAKE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: '2030-01-01T00:00:00Z' });
      const body = new URLSearchParams(sts.bodies[0]);
      expect(body.get('Action')).toBe('AssumeRole');
      expect(body.get('RoleArn')).toBe(ROLE);
      expect(body.get('SourceIdentity')).toBe('tfpf.dev_us-east-1@research@1.4.0');
      expect(body.get('RoleSessionName')).toBe('tfpf-plan-dev_us-east-1@research@1.4.0');
      expect(sts.headers[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBUILD\/\d{8}\/eu-central-1\/sts\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
      expect(sts.headers[0]?.['x-amz-security-token']).toBe('tok');
    } finally {
      await sts.close();
    }
  });

  test('use the container endpoint on EC2 compute (FULL_URI with its authorization token)', async () => {
    const sts = await captureSts();
    const seen: string[] = [];
    const container = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ AccessKeyId: 'AKIDCONTAINER', SecretAccessKey: 'c', Token: 't', Expiration: '2030-01-01T00:00:00Z' }));
    });
    await new Promise<void>((resolve) => container.listen(0, '127.0.0.1', resolve));
    try {
      const uri = `http://127.0.0.1:${(container.address() as AddressInfo).port}/creds`;
      const containerEnv = { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'auth-token' };
      const work = tempDir('tfpf-cred-');
      await helper(['configure', work, 'apply', ROLE], baseEnv({ ...containerEnv, AWS_ENDPOINT_URL_STS: sts.url }));
      const state = JSON.parse(await helper(['source', work], baseEnv(containerEnv)));
      expect(state).toMatchObject({ Version: 1, AccessKeyId: 'AKIDCONTAINER', SessionToken: 't' });
      await helper(['assume', work], baseEnv(containerEnv));
      expect(sts.headers[0]?.authorization).toContain('Credential=AKIDCONTAINER/');
      expect(seen).toEqual(['auth-token', 'auth-token']);
    } finally {
      await sts.close();
      await new Promise<void>((resolve) => container.close(() => resolve()));
    }
  });

  test('a refused AssumeRole names the role and the STS error', async () => {
    const server = http.createServer((_req, res) => {
      res.statusCode = 403;
      res.end('<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const work = tempDir('tfpf-cred-');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await helper(['configure', work, 'plan', ROLE], baseEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_ENDPOINT_URL_STS: url }));
      await expect(helper(['check', work], baseEnv({}))).rejects.toThrow(
        /cannot assume arn:aws:iam::111111111111:role\/tfpf-dev-plan with the build's role: AssumeRole failed \(HTTP 403\): AccessDenied: not authorized/,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('Signature Version 4', () => {
  // Oracle: botocore's own SigV4 signer (from the moto venv of the project's tools), not a copy of the algorithm.
  test('matches botocore for STS requests with and without a session token', () => {
    const program = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("helper", sys.argv[1])
helper = importlib.util.module_from_spec(spec); spec.loader.exec_module(helper)
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
for token in (None, "session-token"):
    body = b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fx&RoleSessionName=s&SourceIdentity=tfpf.dev_us-east-1%40research%401.0&Version=2011-06-15"
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "host": "sts.eu-central-1.amazonaws.com"}
    request = AWSRequest(method="POST", url="https://sts.eu-central-1.amazonaws.com/", data=body, headers=dict(headers))
    SigV4Auth(Credentials("AKIDEXAMPLE", secret, token), "sts", "eu-central-1").add_auth(request)
    headers["x-amz-date"] = request.headers["X-Amz-Date"]
    if token: headers["x-amz-security-token"] = token
    mine = helper.sign_v4("POST", "https://sts.eu-central-1.amazonaws.com/", headers, body, "AKIDEXAMPLE", secret, "eu-central-1", "sts", headers["x-amz-date"])
    out.append([mine, request.headers["Authorization"]])
print(json.dumps(out))
`;
    const pairs = JSON.parse(execFileSync(MOTO_PYTHON, ['-c', program, HELPER], { encoding: 'utf8' })) as [string, string][];
    expect(pairs).toHaveLength(2);
    for (const [mine, botocore] of pairs) expect(mine).toBe(botocore);
  });
});

describe('against moto STS', () => {
  const moto = useMotoServer();

  test('check assumes the workload role and reports the assumed identity in the workload account', async () => {
    const work = tempDir('tfpf-cred-');
    const env = baseEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', TFPF_AWS_ENDPOINT: moto.server().endpoint });
    await helper(['configure', work, 'plan', ROLE], env);
    const out = await helper(['check', work], baseEnv({}));
    expect(out).toMatch(/^providers run as: arn:aws:sts::111111111111:assumed-role\/tfpf-dev-plan\/tfpf-plan-dev_us-east-1@research@1\.4\.0$/m);
  });
});
