import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  codeCommitRepositoryArn,
  loadRuleTemplates,
  renderPattern,
  RulePatternError,
} from '../../src/trigger/rule-patterns';

const RULES_DIR = path.join(__dirname, '..', '..', 'rules');
const VALUES = {
  repositoryArn: 'arn:aws:codecommit:eu-central-1:123456789012:infra',
  repositoryName: 'infra',
  environments: ['dev', 'qa'],
};

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempRules(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfpf-rules-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

describe('rules/ templates', () => {
  test('the project ships a tag-created and a tag-moved rule', () => {
    expect(loadRuleTemplates(RULES_DIR).map((t) => t.name)).toEqual(['tag-created', 'tag-moved']);
  });

  test('placeholders are filled: repository ARN, one "<env>_" prefix per environment', () => {
    const [created] = loadRuleTemplates(RULES_DIR);
    expect(renderPattern(created!.pattern, VALUES)).toEqual({
      source: ['aws.codecommit'],
      'detail-type': ['CodeCommit Repository State Change'],
      resources: [VALUES.repositoryArn],
      detail: {
        event: ['referenceCreated'],
        referenceType: ['tag'],
        referenceName: [{ prefix: 'dev_' }, { prefix: 'qa_' }],
      },
    });
  });

  test('rendering does not modify the template', () => {
    const [created] = loadRuleTemplates(RULES_DIR);
    const before = JSON.stringify(created!.pattern);
    renderPattern(created!.pattern, VALUES);
    expect(JSON.stringify(created!.pattern)).toBe(before);
  });

  test.each([
    [{ 'a.json': { detail: { x: ['{{repositry}}'] } } }, /unknown placeholder \{\{repositry\}\}/],
    [{ 'a.json': { resources: ['prefix-{{repositoryArn}}'] } }, /must be a whole string value/],
    [{ 'a.json': { detail: { x: '{{environment}}' } } }, /only appear inside a list element/],
    [{ 'a.json': '{ not json' }, /not valid JSON/],
    [{ 'a.json': [1, 2] }, /must be a JSON object/],
    [{ 'README.md': 'no rules here' }, /holds no \*\.json rule patterns/],
  ])('a bad rule folder is refused with the file and the problem (%#)', (files, message) => {
    expect(() => loadRuleTemplates(tempRules(files))).toThrow(message);
    expect(() => loadRuleTemplates(tempRules(files))).toThrow(RulePatternError);
  });

  test('no environment configured is refused', () => {
    const [created] = loadRuleTemplates(RULES_DIR);
    expect(() => renderPattern(created!.pattern, { ...VALUES, environments: [] })).toThrow(/no environments/);
  });

  test('repository ARNs carry the partition of the region', () => {
    expect(codeCommitRepositoryArn('eu-central-1', '1', 'r')).toBe('arn:aws:codecommit:eu-central-1:1:r');
    expect(codeCommitRepositoryArn('cn-north-1', '1', 'r')).toBe('arn:aws-cn:codecommit:cn-north-1:1:r');
    expect(codeCommitRepositoryArn('us-gov-west-1', '1', 'r')).toBe(
      'arn:aws-us-gov:codecommit:us-gov-west-1:1:r',
    );
  });
});
