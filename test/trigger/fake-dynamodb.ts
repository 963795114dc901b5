import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * A stateful in-memory DynamoDB table for fast tests (the fuzz): PutItem, GetItem, UpdateItem, DeleteItem and Scan
 * with the condition and update expressions of the grammar below, evaluated like DynamoDB does, conditional
 * failures raised as `ConditionalCheckFailedException`. The ledger's own tests run against moto; this fake exists
 * so that thousands of samples can run through the real ledger code with state.
 *
 * Conditions: `attribute_not_exists(a)`, `attribute_exists(a)`, `a = :v`, `a <> :v`, combined with AND, OR and
 * parentheses (AND binds tighter). Updates: `SET a = :v, b = :w` then optionally `ADD n :k`. Names may be `#x`.
 */

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

function conditionalFailure(): Error {
  return Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

const same = (a: AttributeValue | undefined, b: AttributeValue | undefined): boolean =>
  a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

function tokenize(expression: string): string[] {
  return expression.match(/\(|\)|<>|=|,|[^\s()=<>,]+/g) ?? [];
}

/** Evaluates a condition expression on `item` (undefined: no item). Throws on syntax it does not know. */
export function evaluateCondition(
  expression: string,
  item: Item | undefined,
  names: Names,
  values: Values,
): boolean {
  const tokens = tokenize(expression);
  let i = 0;
  const name = (token: string): string => (token.startsWith('#') ? (names?.[token] ?? fail(token)) : token);
  const value = (token: string): AttributeValue => values?.[token] ?? fail(token);
  function fail(token: string): never {
    throw new Error(`fake DynamoDB: cannot evaluate ${JSON.stringify(token)} in ${expression}`);
  }
  function primary(): boolean {
    const token = tokens[i++] ?? fail('<end>');
    if (token === '(') {
      const result = or();
      if (tokens[i++] !== ')') fail(')');
      return result;
    }
    const fn = /^(attribute_not_exists|attribute_exists)$/.exec(token);
    if (fn !== null) {
      if (tokens[i++] !== '(') fail(token);
      const attribute = name(tokens[i++] ?? fail('<end>'));
      if (tokens[i++] !== ')') fail(token);
      const exists = item?.[attribute] !== undefined;
      return fn[1] === 'attribute_exists' ? exists : !exists;
    }
    const operator = tokens[i++];
    const right = value(tokens[i++] ?? fail('<end>'));
    const left = item?.[name(token)];
    if (operator === '=') return same(left, right);
    if (operator === '<>') return left !== undefined && !same(left, right);
    return fail(operator ?? '<end>');
  }
  function and(): boolean {
    let result = primary();
    while (tokens[i] === 'AND') {
      i++;
      const right = primary();
      result = result && right;
    }
    return result;
  }
  function or(): boolean {
    let result = and();
    while (tokens[i] === 'OR') {
      i++;
      const right = and();
      result = result || right;
    }
    return result;
  }
  const result = or();
  if (i !== tokens.length) fail(tokens[i]!);
  return result;
}

/** Applies `SET a = :v, … [ADD n :k]` to a copy of `item`. */
export function applyUpdate(expression: string, item: Item, names: Names, values: Values): Item {
  const out: Item = { ...item };
  const match = /^SET (.+?)(?: ADD (\S+) (\S+))?$/.exec(expression.trim());
  if (match === null) throw new Error(`fake DynamoDB: cannot apply ${expression}`);
  const resolveName = (n: string): string => (n.startsWith('#') ? names![n]! : n);
  for (const assignment of match[1]!.split(',')) {
    const [left, right] = assignment.split('=').map((p) => p.trim()) as [string, string];
    out[resolveName(left)] = values![right]!;
  }
  if (match[2] !== undefined) {
    const key = resolveName(match[2]);
    const add = Number(values![match[3]!]!.N);
    out[key] = { N: String(Number(out[key]?.N ?? '0') + add) };
  }
  return out;
}

/** One table keyed by `pk`, wired into an aws-sdk-client-mock DynamoDB stub. */
export class FakeTable {
  readonly items = new Map<string, Item>();

  wire(mock: AwsClientStub<DynamoDBClient>): void {
    mock.on(PutItemCommand).callsFake((input: { Item: Item; ConditionExpression?: string } & Expr) => {
      const pk = input.Item.pk!.S!;
      this.check(input, this.items.get(pk));
      this.items.set(pk, structuredClone(input.Item));
      return {};
    });
    mock.on(GetItemCommand).callsFake((input: { Key: Item }) => {
      const item = this.items.get(input.Key.pk!.S!);
      return item === undefined ? {} : { Item: structuredClone(item) };
    });
    mock.on(UpdateItemCommand).callsFake((input: { Key: Item; UpdateExpression: string } & Expr) => {
      const pk = input.Key.pk!.S!;
      const existing = this.items.get(pk);
      this.check(input, existing);
      const base = existing ?? { pk: { S: pk } };
      this.items.set(
        pk,
        applyUpdate(
          input.UpdateExpression,
          base,
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        ),
      );
      return {};
    });
    mock.on(DeleteItemCommand).callsFake((input: { Key: Item } & Expr) => {
      const pk = input.Key.pk!.S!;
      this.check(input, this.items.get(pk));
      this.items.delete(pk);
      return {};
    });
    mock
      .on(ScanCommand)
      .callsFake(() => ({ Items: [...this.items.values()].map((i) => structuredClone(i)) }));
  }

  /** What DynamoDB's TTL does: deletes the items whose `expiresAt` (seconds) is at or before `nowSeconds`. */
  expire(nowSeconds: number): number {
    let deleted = 0;
    for (const [pk, item] of this.items) {
      if (item.expiresAt?.N !== undefined && Number(item.expiresAt.N) <= nowSeconds) {
        this.items.delete(pk);
        deleted += 1;
      }
    }
    return deleted;
  }

  private check(input: Expr, item: Item | undefined): void {
    if (input.ConditionExpression === undefined) return;
    const ok = evaluateCondition(
      input.ConditionExpression,
      item,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    if (!ok) throw conditionalFailure();
  }
}

interface Expr {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
}
