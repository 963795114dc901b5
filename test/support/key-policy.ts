import type { Template } from 'aws-cdk-lib/assertions';

/** A KMS key policy statement as synthesized (CloudFormation JSON). */
export type KeyStatement = Record<string, unknown> & {
  readonly Sid?: string;
  readonly Principal?: Record<string, unknown> | string;
  readonly Condition?: Record<string, Record<string, unknown>>;
};

/** Key logical id → key policy statements, for every AWS::KMS::Key of `template`. */
export function keyPolicies(template: Template): Record<string, KeyStatement[]> {
  const keys = template.findResources('AWS::KMS::Key') as Record<
    string,
    { Properties: { KeyPolicy: { Statement: KeyStatement[] } } }
  >;
  return Object.fromEntries(
    Object.entries(keys).map(([id, key]) => [id, key.Properties.KeyPolicy.Statement]),
  );
}

/** The one statement with `sid` among the keys of `template` (throws when there are none or several). */
export function keyStatement(template: Template, sid: string): KeyStatement {
  const found = Object.values(keyPolicies(template))
    .flat()
    .filter((s) => s.Sid === sid);
  if (found.length !== 1) throw new Error(`expected one key policy statement ${sid}, found ${found.length}`);
  return found[0]!;
}

/** A CloudFormation value as a string: `Fn::Join` joined, `Ref: AWS::Partition` read as `aws`. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (v.Ref === 'AWS::Partition') return 'aws';
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map(flatten).join(join[0]);
  }
  return JSON.stringify(value);
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * Problems of a key policy, as a list of messages (empty: none): every statement for an AWS service must be confined
 * by a condition to this account (and region): `aws:SourceAccount` equal to the account, or an ARN condition
 * (`aws:SourceArn`, the logs encryption context) whose every value is an ARN of this account and region, with
 * neither written as a wildcard. Statements for AWS principals may name only this account's root, and no statement
 * may have a `*` principal.
 */
export function keyPolicyProblems(
  statements: readonly KeyStatement[],
  where: { account: string; region: string },
): string[] {
  const problems: string[] = [];
  statements.forEach((s, i) => {
    const name = s.Sid ?? `statement ${i}`;
    const principal = s.Principal;
    if (typeof principal !== 'object') {
      problems.push(`${name}: principal ${JSON.stringify(principal)}`);
      return;
    }
    for (const aws of list(principal.AWS ?? [])) {
      if (flatten(aws) !== `arn:aws:iam::${where.account}:root`)
        problems.push(`${name}: AWS principal ${flatten(aws)} is not this account's root`);
    }
    if (principal.Service === undefined) return;
    const conditions = Object.values(s.Condition ?? {}).flatMap((byKey) => Object.entries(byKey));
    if (conditions.length === 0) problems.push(`${name}: a service principal without a condition`);
    for (const [key, value] of conditions) {
      for (const v of list(value).map(flatten)) {
        if (key === 'aws:SourceAccount') {
          if (v !== where.account) problems.push(`${name}: ${key} ${v} is not ${where.account}`);
        } else if (key === 'aws:SourceArn' || key.startsWith('kms:EncryptionContext:')) {
          const [arn, partition, , region, account] = v.split(':');
          if (arn !== 'arn' || partition !== 'aws' || region !== where.region || account !== where.account)
            problems.push(`${name}: ${key} ${v} is not an ARN of ${where.account} in ${where.region}`);
        } else if (key === 'kms:ViaService') {
          if (!v.endsWith(`.${where.region}.amazonaws.com`)) problems.push(`${name}: ${key} ${v}`);
        } else {
          problems.push(`${name}: condition key ${key} does not confine the statement to the account`);
        }
      }
    }
  });
  return problems;
}

/** Copies of `statement` widened the ways a careless edit would (each must be caught by an exact check). */
export function widened(statement: KeyStatement): { how: string; statement: KeyStatement }[] {
  const copy = (): KeyStatement => structuredClone(statement);
  const out: { how: string; statement: KeyStatement }[] = [];
  const noCondition = copy() as Record<string, unknown>;
  delete noCondition.Condition;
  out.push({ how: 'condition removed', statement: noCondition as KeyStatement });
  for (const [operator, byKey] of Object.entries(statement.Condition ?? {})) {
    for (const key of Object.keys(byKey)) {
      const anyAccount = copy();
      anyAccount.Condition![operator]![key] = 'arn:aws:events:*:*:rule/*';
      out.push({ how: `${key} widened to rule/* of any account and region`, statement: anyAccount });
      const otherAccount = copy();
      otherAccount.Condition![operator]![key] = JSON.parse(
        JSON.stringify(byKey[key]).replaceAll('123456789012', '999999999999'),
      ) as unknown;
      out.push({ how: `${key} naming another account`, statement: otherAccount });
      const like = copy() as Record<string, unknown>;
      like.Condition = { ArnLike: { [key]: '*' } };
      out.push({ how: `${key} as a bare wildcard`, statement: like as KeyStatement });
    }
  }
  const anyone = copy();
  (anyone as Record<string, unknown>).Principal = '*';
  out.push({ how: 'principal *', statement: anyone });
  return out;
}

/** `value` with every `Fn::Join` / `Ref: AWS::Partition` replaced by its string (see {@link flatten}). */
export function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (v.Ref === 'AWS::Partition' || v['Fn::Join'] !== undefined) return flatten(v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolved(x)]));
  }
  return value;
}
