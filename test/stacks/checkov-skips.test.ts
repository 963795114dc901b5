import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { skipCheckov } from '../../src/pipeline/checkov';
import { modelWith } from '../support/config-files';
import { buildTestApp } from '../support/test-app';

interface Skip {
  id: string;
  comment: string;
}

describe('checkov skips', () => {
  test('every skip in the synthesized app names a check and gives a reason; the set is the documented one', () => {
    const testApp = buildTestApp(modelWith());
    const skipped = new Set<string>();
    for (const stack of [testApp.tooling, ...Object.values(testApp.environments)]) {
      const resources = testApp.template(stack).toJSON().Resources as Record<
        string,
        { Metadata?: { checkov?: { skip: Skip[] } } }
      >;
      for (const resource of Object.values(resources)) {
        for (const skip of resource.Metadata?.checkov?.skip ?? []) {
          expect(skip.id).toMatch(/^CKV2?_AWS_\d+$/);
          expect(skip.comment.length).toBeGreaterThanOrEqual(40);
          skipped.add(skip.id);
        }
      }
    }
    // the list in .checkov.yaml: access logging (log target, artifacts), Lambda VPC, concurrency, DLQ, env key
    expect([...skipped].sort()).toEqual([
      'CKV_AWS_115',
      'CKV_AWS_116',
      'CKV_AWS_117',
      'CKV_AWS_173',
      'CKV_AWS_18',
    ]);
  });

  test('skipCheckov refuses a skip without a reason or with a malformed id', () => {
    const stack = new Stack(new App(), 'S');
    const bucket = new s3.Bucket(stack, 'B');
    expect(() => skipCheckov(bucket, { CKV_AWS_18: 'n/a' })).toThrow(/needs a reason/);
    expect(() => skipCheckov(bucket, { AWS_18: 'a long enough reason for the test' })).toThrow(
      /not a checkov AWS check id/,
    );
    skipCheckov(bucket, { CKV_AWS_18: 'a long enough reason for the test' });
    skipCheckov(bucket, {
      CKV_AWS_18: 'a long enough reason for the test',
      CKV_AWS_21: 'another long enough reason',
    });
    expect((bucket.node.defaultChild as s3.CfnBucket).getMetadata('checkov')).toEqual({
      skip: [
        { id: 'CKV_AWS_18', comment: 'a long enough reason for the test' },
        { id: 'CKV_AWS_21', comment: 'another long enough reason' },
      ],
    });
  });
});
