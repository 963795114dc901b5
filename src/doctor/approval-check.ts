import { ListSubscriptionsByTopicCommand, type SNSClient, type Subscription } from '@aws-sdk/client-sns';
import type { FactoryModel } from '../config';
import { pipelineName } from '../naming';
import { describeError, fail, isNotFound, pass, type DoctorRow } from './doctor-row';

const MAX_PAGES = 20;

/**
 * Approval topics: each environment that requires approval has its topic with at least one confirmed
 * subscription and none still waiting for confirmation (an unconfirmed email address never sees a request).
 */
export async function checkApprovalTopics(
  sns: SNSClient,
  config: FactoryModel,
  arn: { partition: string; region: string; account: string },
): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  for (const env of config.environments.filter((e) => e.approval.required)) {
    const topic = `${pipelineName(config.factory.pipelineNamePrefix, env.environment)}-approvals`;
    const topicArn = `arn:${arn.partition}:sns:${arn.region}:${arn.account}:${topic}`;
    const subscriptions: Subscription[] = [];
    try {
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const response = await sns.send(
          new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
        );
        subscriptions.push(...(response.Subscriptions ?? []));
        token = response.NextToken;
        if (token === undefined) break;
      }
    } catch (error) {
      rows.push(
        fail(
          'approval topic',
          topic,
          isNotFound(error) ? 'topic does not exist' : describeError(error),
          `deploy the pipeline stack (npx cdk deploy tfpf-pipeline-${env.environment})`,
        ),
      );
      continue;
    }
    const pending = subscriptions.filter((s) => s.SubscriptionArn === 'PendingConfirmation');
    const confirmed = subscriptions.length - pending.length;
    if (pending.length > 0) {
      rows.push(
        fail(
          'approval topic',
          topic,
          `${pending.length} subscription(s) not confirmed: ${pending.map((s) => s.Endpoint ?? '?').join(', ')}`,
          'open the "AWS Notification - Subscription Confirmation" email at each address and confirm it',
        ),
      );
    } else if (confirmed === 0) {
      rows.push(
        fail(
          'approval topic',
          topic,
          'no subscription: nobody is told that a release waits for approval',
          `add addresses to approval.notify in ${env.file} and deploy, or subscribe one: aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint <address>`,
        ),
      );
    } else {
      rows.push(pass('approval topic', topic, `${confirmed} confirmed subscription(s)`));
    }
  }
  return rows;
}
