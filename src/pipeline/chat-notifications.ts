import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { NotificationsConfig } from '../config/schema';
import { acknowledgeNag } from '../stacks/nag';

export interface ChatNotificationsProps {
  /** Pipeline name (`<prefix>-<env>`): the channel configuration is named after it. */
  readonly name: string;
  readonly slack: NotificationsConfig['slack'];
  /** Topics whose messages go to the channel: the environment's approvals and the factory's failures. */
  readonly topics: readonly sns.ITopic[];
}

/**
 * Posts an environment's approval requests and failures (including drift) into a Slack channel through AWS
 * Chatbot. The channel only receives: its guardrail policy denies every action, so nobody can run AWS commands
 * from the channel, whatever role a channel member has.
 */
export class ChatNotifications extends Construct {
  public readonly channel: chatbot.SlackChannelConfiguration;
  /** The channel's guardrail: denies every action. */
  public readonly guardrail: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ChatNotificationsProps) {
    super(scope, id);
    this.guardrail = new iam.ManagedPolicy(this, 'Guardrail', {
      description: `tfpf ${props.name}: the chat channel receives notifications and may run nothing`,
      statements: [
        new iam.PolicyStatement({
          sid: 'NotificationsOnly',
          effect: iam.Effect.DENY,
          actions: ['*'],
          resources: ['*'],
        }),
      ],
    });
    this.channel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
      slackChannelConfigurationName: `${props.name}-slack`,
      slackWorkspaceId: props.slack.workspaceId,
      slackChannelId: props.slack.channelId,
      notificationTopics: [...props.topics],
      guardrailPolicies: [this.guardrail],
      userRoleRequired: false,
    });
    if (this.channel.role !== undefined) {
      acknowledgeNag(
        this.channel.role,
        'AwsSolutions-IAM5',
        'The channel role has no permission at all; the only wildcard is the Deny-everything guardrail',
      );
    }
  }
}
