import { applyUpdate, evaluateCondition } from './fake-dynamodb';

/** The fuzz's in-memory DynamoDB evaluates the ledger's expressions like DynamoDB (checked against moto there). */
describe('fake DynamoDB expressions', () => {
  const item = { pk: { S: 'k' }, state: { S: 'pending' }, claimId: { S: 'c1' }, commit: { S: 'a' } };
  const names = { '#state': 'state', '#commit': 'commit' };

  test.each([
    ['attribute_not_exists(pk)', undefined, true],
    ['attribute_not_exists(pk)', item, false],
    ['attribute_exists(pk)', item, true],
    ['claimId = :mine', item, true],
    ['claimId = :other', item, false],
    ['claimId = :mine AND #state <> :done', item, true],
    ['claimId = :mine AND #state = :done', item, false],
    ['#state <> :done', undefined, false], // DynamoDB: a comparison with a missing attribute is false
    ['attribute_not_exists(pk) OR (#commit = :a AND #state = :pending)', item, true],
    ['attribute_not_exists(pk) OR (#commit = :b AND #state = :pending)', item, false],
    ['attribute_not_exists(pk) OR #commit = :b AND #state = :pending', undefined, true],
  ] as const)('%s on %j → %s', (expression, on, expected) => {
    const values = {
      ':mine': { S: 'c1' },
      ':other': { S: 'c2' },
      ':done': { S: 'done' },
      ':pending': { S: 'pending' },
      ':a': { S: 'a' },
      ':b': { S: 'b' },
    };
    expect(evaluateCondition(expression, on, names, values)).toBe(expected);
  });

  test('unknown syntax is an error, not a silent answer', () => {
    expect(() => evaluateCondition('begins_with(pk, :x)', item, names, {})).toThrow(/cannot evaluate/);
  });

  test('SET and ADD', () => {
    expect(
      applyUpdate('SET claimId = :new, #state = :s ADD takeovers :one', item, names, {
        ':new': { S: 'c2' },
        ':s': { S: 'started' },
        ':one': { N: '1' },
      }),
    ).toEqual({ ...item, claimId: { S: 'c2' }, state: { S: 'started' }, takeovers: { N: '1' } });
  });
});
