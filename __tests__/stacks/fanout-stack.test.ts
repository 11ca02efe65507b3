import { ENVIRONMENT_NAMES, EnvironmentName } from "../../stacks/environments";
import { CONSUMER_SERVICES } from "../../contract/services";
import { committedSettings, fanoutStack, Plan, referencedName, resourcesOf, synthJson } from "../support/synth";

const plans = Object.fromEntries(
  ENVIRONMENT_NAMES.map((name) => [name, synthJson(fanoutStack(committedSettings(name)))]),
) as Record<EnvironmentName, Plan>;

/**
 * A `jsonencode({...})` policy as synthesized into Terraform JSON, without white space, so that
 * assertions read `"Principal"={"Service"=["sns.amazonaws.com"]}` whatever the layout.
 */
function policyText(resource: { policy: string }): string {
  expect(resource.policy).toMatch(/^\$\{jsonencode\(/);
  return compact(resource.policy);
}

function compact(text: string): string {
  return text.replace(/\s+/g, "");
}

function queuesOf(plan: Plan) {
  // The services' FIFO queues; the relay's failures queue is the one standard queue (see outbox.test.ts).
  const queues = Object.entries(resourcesOf(plan, "aws_sqs_queue")).filter(([, q]) => q.name.endsWith(".fifo"));
  return {
    all: queues,
    main: queues.filter(([, q]) => !q.name.endsWith("-dlq.fifo")),
    dlq: queues.filter(([, q]) => q.name.endsWith("-dlq.fifo")),
  };
}

function functionNamed(plan: Plan, functionName: string): [string, any] {
  const found = Object.entries(resourcesOf(plan, "aws_lambda_function")).find(
    ([, f]) => f.function_name === functionName,
  );
  if (!found) throw new Error(`no function ${functionName}`);
  return found;
}

describe.each(ENVIRONMENT_NAMES)("order-fanout-%s", (name) => {
  const plan = plans[name];
  const settings = committedSettings(name);
  const prefix = settings.namePrefix;

  it("has one FIFO topic without content-based dedup, encrypted with the customer key", () => {
    const topics = Object.values(resourcesOf(plan, "aws_sns_topic")).filter((t) => t.fifo_topic);
    expect(topics).toHaveLength(1);
    expect(topics[0]).toMatchObject({
      name: `${prefix}-order-events.fifo`,
      content_based_deduplication: false,
      kms_master_key_id: expect.stringContaining("aws_kms_key."),
    });
    expect(Object.values(resourcesOf(plan, "aws_kms_key"))[0].enable_key_rotation).toBe(true);
  });

  it("lets SNS use the key only for its own topics", () => {
    const keyPolicy = policyText(Object.values(resourcesOf(plan, "aws_kms_key"))[0]);
    expect(keyPolicy).toContain('"Service"=["sns.amazonaws.com"]');
    expect(keyPolicy).toContain(`:${prefix}-order-events.fifo"`);
    expect(keyPolicy).not.toContain("aws_sns_topic."); // no cycle: the key does not reference the topic
  });

  it("gives every service a FIFO queue with a FIFO DLQ and redrive", () => {
    const { main, dlq } = queuesOf(plan);
    expect(main.map(([, q]) => q.name).sort()).toEqual(CONSUMER_SERVICES.map((s) => `${prefix}-${s}.fifo`).sort());
    expect(dlq).toHaveLength(CONSUMER_SERVICES.length);
    for (const [, q] of [...main, ...dlq]) {
      expect(q.fifo_queue).toBe(true);
      expect(q.kms_master_key_id).toContain("aws_kms_key.");
    }
    for (const [, q] of main) {
      const dlqName = referencedName(q.redrive_policy, "aws_sqs_queue");
      expect(dlq.map(([id]) => id)).toContain(dlqName);
      expect(compact(q.redrive_policy)).toContain(`"maxReceiveCount"=${settings.maxReceiveCount}`);
    }
    for (const [, q] of dlq) expect(q.message_retention_seconds).toBe(settings.dlqRetentionSeconds);
    const allowPolicies = Object.values(resourcesOf(plan, "aws_sqs_queue_redrive_allow_policy"));
    expect(allowPolicies).toHaveLength(CONSUMER_SERVICES.length);
    for (const p of allowPolicies) expect(compact(p.redrive_allow_policy)).toContain('"redrivePermission"="byQueue"');
  });

  it("keeps notification's records of sent e-mails at least as long as the topic archives events", () => {
    const [, notification] = functionNamed(plan, `${prefix}-notification`);
    const days = Number(notification.environment.variables.EMAIL_RECORD_DAYS);
    expect(days).toBeGreaterThanOrEqual(Math.max(14, settings.snsArchiveRetentionDays));
  });

  it("keeps a source queue's messages 14 days, SQS's maximum, not the default 4", () => {
    for (const [, q] of queuesOf(plan).main) expect(q.message_retention_seconds).toBe(14 * 24 * 3600);
  });

  it("sets each queue's visibility timeout to at least 6 × its function's timeout", () => {
    for (const service of CONSUMER_SERVICES) {
      const [, fn] = functionNamed(plan, `${prefix}-${service}`);
      const [, queue] = queuesOf(plan).main.find(([, q]) => q.name === `${prefix}-${service}.fifo`)!;
      expect(queue.visibility_timeout_seconds).toBeGreaterThanOrEqual(6 * fn.timeout);
    }
  });

  it("admits only sns.amazonaws.com from the topic into each queue, and denies non-TLS on every queue", () => {
    const { main, dlq } = queuesOf(plan);
    const fifo = new Set([...main, ...dlq].map(([id]) => id));
    const policies = Object.entries(resourcesOf(plan, "aws_sqs_queue_policy")).filter(([, p]) =>
      fifo.has(referencedName(p.queue_url, "aws_sqs_queue")!),
    );
    // One policy per queue, DLQs included: SQS keeps one policy per queue.
    expect(policies.map(([, p]) => referencedName(p.queue_url, "aws_sqs_queue")).sort()).toEqual(
      [...main, ...dlq].map(([id]) => id).sort(),
    );
    const topicId = Object.entries(resourcesOf(plan, "aws_sns_topic")).find(([, t]) => t.fifo_topic)![0];
    for (const [, p] of policies) {
      const text = policyText(p);
      expect(text).toContain('"aws:SecureTransport"=["false"]');
      expect(referencedName(p.queue_url, "aws_sqs_queue")).toBe(referencedName(text, "aws_sqs_queue"));
    }
    const delivering = policies.filter(([id]) => id.includes("_queue-policy_"));
    expect(delivering).toHaveLength(CONSUMER_SERVICES.length);
    for (const [, p] of delivering) {
      const text = policyText(p);
      expect(text).toContain('"Principal"={"Service"=["sns.amazonaws.com"]}');
      expect(text).toContain(`"ArnEquals"={"aws:SourceArn"=tolist([aws_sns_topic.${topicId}.arn])}`);
    }
  });

  it("denies non-TLS on every topic and lets only the orders-api, relay and sweep roles publish order events", () => {
    const topics = Object.keys(resourcesOf(plan, "aws_sns_topic"));
    const policies = Object.values(resourcesOf(plan, "aws_sns_topic_policy"));
    expect(policies.map((p) => referencedName(p.arn, "aws_sns_topic")).sort()).toEqual([...topics].sort());
    for (const p of policies) expect(policyText(p)).toContain('"aws:SecureTransport"=["false"]');
    const events = policies.find((p) => p.arn.includes("order-events"))!;
    // The API publishes at once; the outbox relay publishes whatever is recorded (inventory's
    // rejections too), and the sweep what the relay's stream missed.
    expect(policyText(events)).toMatch(
      /"ArnNotEquals"=\{"aws:PrincipalArn"=\[aws_iam_role\.orders-api-handler_role_\w+\.arn,aws_iam_role\.outbox-relay_handler_role_\w+\.arn,aws_iam_role\.outbox-sweep_handler_role_\w+\.arn\]\}/,
    );
  });

  it("subscribes each queue only once its policy admits the topic", () => {
    const subscriptions = Object.values(resourcesOf(plan, "aws_sns_topic_subscription")).filter(
      (s) => s.protocol === "sqs",
    );
    const policies = resourcesOf(plan, "aws_sqs_queue_policy");
    for (const subscription of subscriptions) {
      const queue = referencedName(subscription.endpoint, "aws_sqs_queue");
      const policy = Object.entries(policies).find(([, p]) => referencedName(p.queue_url, "aws_sqs_queue") === queue)!;
      expect(subscription.depends_on).toEqual([`aws_sqs_queue_policy.${policy[0]}`]);
    }
  });

  it("subscribes every queue with raw delivery, and filters the review queue", () => {
    const subs = Object.values(resourcesOf(plan, "aws_sns_topic_subscription")).filter((s) => s.protocol === "sqs");
    expect(subs).toHaveLength(CONSUMER_SERVICES.length);
    for (const s of subs) expect(s.raw_message_delivery).toBe(true);
    const filtered = subs.filter((s) => s.filter_policy);
    expect(filtered).toHaveLength(1);
    expect(filtered[0].endpoint).toMatch(/aws_sqs_queue\.review-queue_/);
    expect(filtered[0].filter_policy_scope).toBe("MessageAttributes");
    const policy = compact(filtered[0].filter_policy);
    for (const [currency, threshold] of Object.entries(settings.reviewThresholdCents)) {
      expect(policy).toContain(
        `{"eventType"=["OrderPlaced"],"currency"=["${currency}"],"totalCents"=[{"numeric"=[">=",${threshold}]}]}`,
      );
    }
    expect(policy).toContain('{"eventType"=["OrderPlaced"],"largeTotal"=["true"]}');
    expect(policy).toContain('{"eventType"=["OrderCancelled","OrderRejected"]}');
  });

  it("maps each queue to its function in batches of at most 10 with partial batch responses", () => {
    const mappings = Object.values(resourcesOf(plan, "aws_lambda_event_source_mapping")).filter((m) =>
      m.event_source_arn.includes("aws_sqs_queue."),
    );
    expect(mappings).toHaveLength(CONSUMER_SERVICES.length);
    for (const m of mappings) {
      const service = CONSUMER_SERVICES.find((c) => m.function_name.includes(`.${c}-consumer_`))!;
      expect(m.batch_size).toBeLessThanOrEqual(10);
      // Notification's batch is held to what its paced sends fit in half the timeout: dev sends
      // 1 e-mail/s over 2 environments, 2 in 5 s; elsewhere the whole batch fits.
      const emailBatch = name === "dev" ? 2 : settings.eventSource.batchSize;
      expect(m.batch_size).toBe(service === "notification" ? emailBatch : settings.eventSource.batchSize);
      expect(m.function_response_types).toEqual(["ReportBatchItemFailures"]);
      expect(m.scaling_config.maximum_concurrency).toBe(settings.eventSource.maxConcurrency[service]);
      expect(m.maximum_batching_window_in_seconds).toBeUndefined();
    }
  });

  it("runs every function on nodejs24.x arm64 with active tracing and its own log group", () => {
    const functions = Object.values(resourcesOf(plan, "aws_lambda_function"));
    expect(functions).toHaveLength(CONSUMER_SERVICES.length + 3); // and the orders API, the outbox relay and sweep
    for (const f of functions) {
      expect(f).toMatchObject({ runtime: "nodejs24.x", architectures: ["arm64"], tracing_config: { mode: "Active" } });
      const logGroupId = referencedName(f.logging_config.log_group, "aws_cloudwatch_log_group")!;
      expect(resourcesOf(plan, "aws_cloudwatch_log_group")[logGroupId]).toMatchObject({
        name: `/aws/lambda/${f.function_name}`,
        retention_in_days: settings.logRetentionDays,
      });
    }
  });

  it("scopes each consumer role to its own log group and queue", () => {
    const roles = resourcesOf(plan, "aws_iam_role");
    const rolePolicies = Object.values(resourcesOf(plan, "aws_iam_role_policy"));
    for (const service of CONSUMER_SERVICES) {
      const [, fn] = functionNamed(plan, `${prefix}-${service}`);
      const roleId = referencedName(fn.role, "aws_iam_role")!;
      expect(roles[roleId]).toBeDefined();
      const policy = rolePolicies.find((p) => referencedName(p.role, "aws_iam_role") === roleId)!;
      const text = policyText(policy);
      const ownLogGroup = referencedName(fn.logging_config.log_group, "aws_cloudwatch_log_group");
      const ownQueue = Object.entries(resourcesOf(plan, "aws_sqs_queue")).find(
        ([, q]) => q.name === `${prefix}-${service}.fifo`,
      )![0];
      const logGroupsNamed = [...text.matchAll(/aws_cloudwatch_log_group\.([^.]+)\.arn/g)].map((m) => m[1]);
      const queuesNamed = [...text.matchAll(/aws_sqs_queue\.([^.]+)\.arn/g)].map((m) => m[1]);
      expect(new Set(logGroupsNamed)).toEqual(new Set([ownLogGroup]));
      expect(new Set(queuesNamed)).toEqual(new Set([ownQueue]));
      expect(text).not.toMatch(/"Action"=\["(sqs|dynamodb|s3|logs):\*"\]/);
      // "*" only where the service has no resource-level permissions (X-Ray).
      for (const statement of text.split('"Effect"').slice(1)) {
        if (statement.includes('"Resource"=["*"]')) expect(statement).toContain("xray:");
      }
    }
  });

  it("raises alarms on DLQ depth, message age, errors and throttles to the ops topic", () => {
    // The relay's failures queue has its own alarm (outbox.test.ts).
    const alarms = Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm")).filter(
      (a) => !a.alarm_name.endsWith("outbox-relay-gave-up"),
    );
    const metrics = alarms.map((a) => a.metric_name);
    for (const metric of ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"]) {
      expect(metrics.filter((m) => m === metric)).toHaveLength(CONSUMER_SERVICES.length);
    }
    // Every consumer, the orders API, the outbox relay and the sweep.
    for (const metric of ["Errors", "Throttles"]) {
      expect(metrics.filter((m) => m === metric)).toHaveLength(CONSUMER_SERVICES.length + 3);
    }
    for (const a of alarms) {
      expect(a.alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic\.ops-alarms_topic_\w+\.arn/)]);
      expect(a.alarm_name.startsWith(`${prefix}-`)).toBe(true);
    }
    const dlqAlarms = alarms.filter((a) => a.metric_name === "ApproximateNumberOfMessagesVisible");
    for (const a of dlqAlarms) expect(a.dimensions.QueueName).toMatch(/-dlq_\w+\.name|dlq/);
  });

  it("serves the order routes and the operator's with the configured authorization and access logs", () => {
    const routes = Object.values(resourcesOf(plan, "aws_apigatewayv2_route"));
    expect(routes.map((r) => r.route_key).sort()).toEqual(
      [
        "GET /orders/{orderId}",
        "POST /orders",
        "POST /orders/{orderId}/cancel",
        "GET /operator/orders/{orderId}",
        "POST /operator/orders/{orderId}/cancel",
      ].sort(),
    );
    for (const r of routes) expect(r.authorization_type).toBe(settings.apiAuthorization);
    const [integration] = Object.values(resourcesOf(plan, "aws_apigatewayv2_integration"));
    expect(integration.payload_format_version).toBe("2.0");
    const [stage] = Object.values(resourcesOf(plan, "aws_apigatewayv2_stage"));
    expect(stage.access_log_settings.destination_arn).toContain("aws_cloudwatch_log_group.");
    expect(stage.default_route_settings.throttling_rate_limit).toBe(settings.apiThrottle.rateLimit);
    const [permission] = Object.values(resourcesOf(plan, "aws_lambda_permission"));
    expect(permission.source_arn).toMatch(/^\$\{aws_apigatewayv2_api\.[^.]+\.execution_arn\}\/\*\/\*$/);
  });

  it("keeps data in on-demand tables and a locked-down bucket", () => {
    const tables = Object.values(resourcesOf(plan, "aws_dynamodb_table"));
    expect(tables.map((t) => [t.name, t.hash_key]).sort()).toEqual(
      [
        [`${prefix}-idempotency`, "id"],
        [`${prefix}-orders`, "orderId"],
        [`${prefix}-products`, "sku"],
      ].sort(),
    );
    for (const t of tables) {
      expect(t.billing_mode).toBe("PAY_PER_REQUEST");
      expect(t.deletion_protection_enabled).toBe(settings.deletionProtection);
      expect(t.point_in_time_recovery.enabled).toBe(settings.deletionProtection);
    }
    expect(tables.find((t) => t.hash_key === "id")!.ttl).toEqual({ attribute_name: "expiration", enabled: true });
    expect(Object.values(resourcesOf(plan, "aws_s3_bucket_public_access_block"))[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(policyText(Object.values(resourcesOf(plan, "aws_s3_bucket_policy"))[0])).toContain('"aws:SecureTransport"');
  });

  it("outputs the API URL, its invoke policies where callers sign, topic, queues, tables and bucket", () => {
    const signed =
      settings.apiAuthorization === "AWS_IAM"
        ? ["place_policy_arn", "read_policy_arn", "cancel_policy_arn", "operator_policy_arn"]
        : [];
    const onAws = settings.name === "local" ? [] : ["dashboard_url"]; // see dashboard.test.ts
    expect(Object.keys(plan.output ?? {}).sort()).toEqual(
      ["api_url", "documents_bucket", "queue_urls", "table_names", "topic_arn", ...signed, ...onAws].sort(),
    );
  });

  it("tags every resource through the provider's default tags", () => {
    expect(plan.provider.aws[0].default_tags[0].tags).toEqual(settings.tags);
  });
});

describe("state and accounts", () => {
  it("gives each AWS environment its own encrypted, locked S3 state key", () => {
    const backends = (["dev", "staging", "prod"] as const).map((name) => plans[name].terraform.backend.s3);
    for (const b of backends) expect(b).toMatchObject({ encrypt: true, use_lockfile: true });
    expect(new Set(backends.map((b) => b.key)).size).toBe(3);
  });

  it("keeps the local stack's state in a local file", () => {
    expect(plans.local.terraform.backend.local).toBeDefined();
    expect(plans.local.terraform.backend.s3).toBeUndefined();
  });

  it("pins every AWS environment to the accounts of its deployment input, the ones given at synth by default", () => {
    const { environmentSettings } = jest.requireActual("../../stacks/environments");
    const pinned = synthJson(
      fanoutStack(environmentSettings("prod", { ORDER_FANOUT_PROD_ACCOUNT_IDS: "123456789012" })),
    ) as any;
    expect(pinned.provider.aws[0].allowed_account_ids).toBe("${var.account_ids}");
    expect(pinned.variable.account_ids.default).toEqual(["123456789012"]);
    for (const name of ["dev", "staging", "prod"] as const)
      expect(plans[name].provider.aws[0].allowed_account_ids).toBe("${var.account_ids}");
    expect(plans.local.provider.aws[0].allowed_account_ids).toBeUndefined();
  });
});

describe("prod differs from dev where the settings say", () => {
  const routes = (plan: Plan) => Object.values(resourcesOf(plan, "aws_apigatewayv2_route"));
  it("requires IAM auth in every AWS environment; only the local stack is anonymous", () => {
    for (const name of ["dev", "staging", "prod"] as const) {
      expect(routes(plans[name]).every((r) => r.authorization_type === "AWS_IAM")).toBe(true);
    }
    expect(routes(plans.local).every((r) => r.authorization_type === "NONE")).toBe(true);
  });

  it("protects prod tables and turns on high-throughput FIFO and the archive", () => {
    const table = (plan: Plan) => Object.values(resourcesOf(plan, "aws_dynamodb_table"))[0];
    expect(table(plans.prod).deletion_protection_enabled).toBe(true);
    expect(table(plans.dev).deletion_protection_enabled).toBe(false);
    const topic = (plan: Plan) => Object.values(resourcesOf(plan, "aws_sns_topic")).find((t) => t.fifo_topic);
    expect(topic(plans.prod)).toMatchObject({ fifo_throughput_scope: "MessageGroup" });
    expect(compact(topic(plans.prod).archive_policy)).toContain('"MessageRetentionPeriod"=30');
    expect(topic(plans.dev).fifo_throughput_scope).toBeUndefined();
    expect(topic(plans.dev).archive_policy).toBeUndefined();
    const queue = (plan: Plan) => queuesOf(plan).main[0][1];
    expect(queue(plans.prod)).toMatchObject({
      deduplication_scope: "messageGroup",
      fifo_throughput_limit: "perMessageGroupId",
    });
    expect(queue(plans.dev).deduplication_scope).toBeUndefined();
  });

  it("keeps prod logs longer and polls with more concurrency", () => {
    const retention = (plan: Plan) => Object.values(resourcesOf(plan, "aws_cloudwatch_log_group"))[0].retention_in_days;
    expect(retention(plans.prod)).toBeGreaterThan(retention(plans.dev));
    const concurrency = (plan: Plan) =>
      Object.values(resourcesOf(plan, "aws_lambda_event_source_mapping"))[0].scaling_config.maximum_concurrency;
    expect(concurrency(plans.prod)).toBeGreaterThan(concurrency(plans.dev));
  });
});
