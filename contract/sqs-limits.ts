/**
 * SQS's ceiling for a message move task's MaxNumberOfMessagesPerSecond
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html):
 * what `npm run ops -- dlq redrive --rate` accepts and what the local runtime's move tasks enforce.
 */
export const MAX_MESSAGES_PER_SECOND = 500;
