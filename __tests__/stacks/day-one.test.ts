/**
 * What a first deployment to AWS needs beyond the fan-out itself: deployment-time inputs that stop
 * `terraform plan` when missing, the SES identity, alarms that reach a person, the API's caller
 * policy and reserved concurrency, teardown, and roles in other accounts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import {
  EnvironmentName,
  environmentSettings,
  EnvironmentSettings,
  stateBootstrapSettings,
} from "../../stacks/environments";
import { FifoTopic } from "../../stacks/constructs/fifo-topic";
import { SubscriberQueue, subscribeQueue } from "../../stacks/constructs/subscriber-queue";
import { StateBootstrapStack } from "../../stacks/state-bootstrap-stack";
import { CONSUMER_SERVICES } from "../../contract/services";
import { committedSettings, fanoutStack, Plan, referencedName, resourcesOf, synthJson } from "../support/synth";

const AWS_ENVIRONMENTS = ["dev", "staging", "prod"] as const;
const plans = Object.fromEntries(
  (["dev", "staging", "prod", "local"] as const).map((name) => [name, synthJson(fanoutStack(committedSettings(name)))]),
) as Record<EnvironmentName, Plan>;

const compact = (text: string) => text.replace(/\s+/g, "");
const alarmsOf = (plan: Plan) => Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm"));
const alarmNamed = (plan: Plan, name: string) => alarmsOf(plan).find((a) => a.alarm_name === name);
const functionNamed = (plan: Plan, name: string) =>
  Object.values(resourcesOf(plan, "aws_lambda_function")).find((f) => f.function_name === name);

describe.each(AWS_ENVIRONMENTS)("order-fanout-%s on AWS", (name) => {
  const plan = plans[name];
  const prefix = `order-fanout-${name}`;
  const upper = name.toUpperCase();

  it("asks for the sender and the alarm recipient as Terraform variables, naming what to set", () => {
    for (const [variable, setting] of [
      ["sender_email", "SENDER_EMAIL"],
      ["alarm_email", "ALARM_EMAIL"],
    ]) {
      const declared = (plan as any).variable[variable];
      expect(declared.default).toBe("");
      expect(declared.validation[0].error_message).toContain(`ORDER_FANOUT_${upper}_${setting} is unset`);
    }
  });

  it("sends e-mail through its own SES identity and configuration set, and nothing else", () => {
    const [identity] = Object.values(resourcesOf(plan, "aws_sesv2_email_identity"));
    expect(identity.email_identity).toBe("${var.sender_email}");
    expect(identity.configuration_set_name).toMatch(/aws_sesv2_configuration_set\.[\w-]+\.configuration_set_name/);
    const [configurationSet] = Object.values(resourcesOf(plan, "aws_sesv2_configuration_set"));
    expect(configurationSet).toMatchObject({
      configuration_set_name: prefix,
      reputation_options: { reputation_metrics_enabled: true },
      suppression_options: { suppressed_reasons: ["BOUNCE", "COMPLAINT"] },
    });
    const notification = functionNamed(plan, `${prefix}-notification`);
    expect(notification.environment.variables).toMatchObject({
      SENDER_EMAIL: "${var.sender_email}",
      CONFIGURATION_SET: expect.stringMatching(/aws_sesv2_configuration_set\./),
    });
    const everyPolicy = Object.values(resourcesOf(plan, "aws_iam_role_policy")).map((p) => compact(p.policy));
    const sending = everyPolicy.filter((p) => p.includes('"ses:'));
    expect(sending).toHaveLength(1);
    expect(sending[0]).toMatch(
      /"Action"=\["ses:SendEmail"\],"Resource"=\[aws_sesv2_email_identity\.[\w-]+\.arn,aws_sesv2_configuration_set\.[\w-]+\.arn\],"Condition"=\{"StringEquals"=\{"ses:FromAddress"=\[var\.sender_email\]\}\}/,
    );
  });

  it("e-mails alarms to the recipient the deployment names", () => {
    const email = Object.values(resourcesOf(plan, "aws_sns_topic_subscription")).filter((s) => s.protocol === "email");
    expect(email).toEqual([expect.objectContaining({ endpoint: "${var.alarm_email}" })]);
    expect(email[0].topic_arn).toMatch(/aws_sns_topic\.ops-alarms_topic_\w+\.arn/);
  });

  it("lets CloudWatch use the key with AWS's documented statement, and publish only this stack's alarms", () => {
    const [key] = Object.values(resourcesOf(plan, "aws_kms_key"));
    expect(compact(key.policy)).toContain(
      '{"Sid"="Allow_CloudWatch_for_CMK","Effect"="Allow","Principal"={"Service"=["cloudwatch.amazonaws.com"]},' +
        '"Action"=["kms:Decrypt","kms:GenerateDataKey*"],"Resource"=["*"]}',
    );
    const opsPolicy = Object.values(resourcesOf(plan, "aws_sns_topic_policy")).find((p) =>
      p.arn.includes("ops-alarms"),
    );
    const text = compact(opsPolicy.policy);
    expect(text).toContain('"Principal"={"Service"=["cloudwatch.amazonaws.com"]},"Action"=["sns:Publish"]');
    expect(text).toContain(`:alarm:${prefix}-*"]`);
  });

  it("alarms on the API's 5xx and p99 latency, its function, unpublished orders and throttled tables", () => {
    const settings = committedSettings(name);
    expect(alarmNamed(plan, `${prefix}-api-5xx`)).toMatchObject({ namespace: "AWS/ApiGateway", metric_name: "5xx" });
    expect(alarmNamed(plan, `${prefix}-api-p99-latency`)).toMatchObject({
      metric_name: "Latency",
      extended_statistic: "p99",
      threshold: settings.apiLatencyAlarmMs,
    });
    for (const what of ["errors", "throttles"]) {
      expect(alarmNamed(plan, `${prefix}-orders-api-${what}`)?.dimensions).toEqual({
        FunctionName: `${prefix}-orders-api`,
      });
    }
    expect(alarmNamed(plan, `${prefix}-orders-not-published`)).toMatchObject({
      namespace: `order-fanout/${name}`,
      metric_name: "OrdersNotPublished",
      dimensions: { service: "orders-api" },
    });
    const api = functionNamed(plan, `${prefix}-orders-api`);
    expect(api.environment.variables.POWERTOOLS_METRICS_NAMESPACE).toBe(`order-fanout/${name}`);
    for (const table of ["orders", "products", "idempotency"]) {
      const alarm = alarmNamed(plan, `${prefix}-${table}-throttled`);
      const metrics = alarm.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric.metric_name);
      expect(metrics.sort()).toEqual(["ReadThrottleEvents", "WriteThrottleEvents"]);
    }
  });

  it("creates one managed policy per capability, each invoking exactly its route, with an output each", () => {
    const policies = Object.values(resourcesOf(plan, "aws_iam_policy"));
    const routeOf = (name: string) => {
      const text = compact(policies.find((p) => p.name === `${prefix}-orders-${name}`)!.policy);
      const api = /aws_apigatewayv2_api\.([\w-]+)\.execution_arn/.exec(text)![1];
      return /"Action"=\["execute-api:Invoke"\],"Resource"=\[([^\]]+)\]/
        .exec(text)![1]
        .replace(`\${aws_apigatewayv2_api.${api}.execution_arn}/*`, "");
    };
    expect(policies).toHaveLength(4);
    expect(routeOf("place")).toBe('"/POST/orders"');
    expect(routeOf("read")).toBe('"/GET/orders/*"');
    expect(routeOf("cancel")).toBe('"/POST/orders/*/cancel"');
    // The operator policy reaches only the operator routes, which read and cancel any order.
    expect(
      routeOf("operator")
        .replaceAll(`\${aws_apigatewayv2_api.`, "")
        .replace(/[\w-]+\.execution_arn}\/\*/g, ""),
    ).toBe('"/GET/operator/orders/*","/POST/operator/orders/*/cancel"');
    for (const capability of ["place", "read", "cancel", "operator"])
      expect((plan.output as any)[`${capability}_policy_arn`].value).toMatch(/aws_iam_policy\.[\w-]+\.arn/);
  });

  it("reserves the API's concurrency from the settings", () => {
    expect(functionNamed(plan, `${prefix}-orders-api`).reserved_concurrent_executions).toBe(
      committedSettings(name).apiReservedConcurrency,
    );
    for (const service of CONSUMER_SERVICES) {
      expect(functionNamed(plan, `${prefix}-${service}`).reserved_concurrent_executions).toBeUndefined();
    }
  });

  it("can be destroyed unless protected: the documents bucket is emptied on destroy outside prod", () => {
    const [bucket] = Object.values(resourcesOf(plan, "aws_s3_bucket"));
    const protectedHere = committedSettings(name).deletionProtection;
    expect(bucket.force_destroy).toBe(!protectedHere);
    expect(bucket.lifecycle?.prevent_destroy ?? false).toBe(protectedHere);
  });
});

describe("what differs per environment", () => {
  const eventsTopic = (plan: Plan) => Object.values(resourcesOf(plan, "aws_sns_topic")).find((t) => t.fifo_topic);

  it("clears staging's archive on destroy, which SNS requires, and keeps prod's", () => {
    expect(eventsTopic(plans.staging).provisioner).toEqual([
      {
        "local-exec": {
          when: "destroy",
          interpreter: ["/bin/sh", "-c"],
          environment: { TOPIC_ARN: "${self.arn}" },
          command:
            "aws sns set-topic-attributes --region eu-west-1 --topic-arn \"$TOPIC_ARN\" --attribute-name ArchivePolicy --attribute-value '{}'",
        },
      },
    ]);
    expect(eventsTopic(plans.prod).archive_policy).toBeDefined();
    expect(eventsTopic(plans.prod).provisioner).toBeUndefined();
    expect(eventsTopic(plans.dev).provisioner).toBeUndefined(); // no archive to clear
    const role = "arn:aws:iam::222222222222:role/deploy";
    const withRole = synthJson(fanoutStack(environmentSettings("staging", { ORDER_FANOUT_STAGING_ROLE_ARN: role })));
    expect(eventsTopic(withRole).provisioner[0]["local-exec"].command).toMatch(
      new RegExp(
        `^set -- \\$\\(aws sts assume-role --role-arn ${role} .*AWS_SESSION_TOKEN=\\$3 aws sns set-topic-attributes `,
      ),
    );
  });

  it("protects only prod from destroy", () => {
    expect(committedSettings("prod").deletionProtection).toBe(true);
    expect(committedSettings("dev").deletionProtection).toBe(false);
    expect(committedSettings("staging").deletionProtection).toBe(false);
  });

  it("keeps the local stack free of deployment inputs; its SES identity is the sender it names", () => {
    expect((plans.local as any).variable).toBeUndefined();
    const [identity] = Object.values(resourcesOf(plans.local, "aws_sesv2_email_identity"));
    expect(identity.email_identity).toBe("orders@localhost");
    expect(resourcesOf(plans.local, "aws_iam_policy")).toEqual({});
  });

  it("takes the values given at synth as the variables' defaults", () => {
    const plan = synthJson(
      fanoutStack(
        environmentSettings("dev", {
          ORDER_FANOUT_DEV_SENDER_EMAIL: "orders@shop.co.uk",
          ORDER_FANOUT_DEV_ALARM_EMAIL: "oncall@shop.co.uk",
        }),
      ),
    ) as any;
    expect(plan.variable.sender_email.default).toBe("orders@shop.co.uk");
    expect(plan.variable.alarm_email.default).toBe("oncall@shop.co.uk");
  });

  it("verifies a whole domain with Easy DKIM when asked, and outputs its DNS records", () => {
    const plan = synthJson(
      fanoutStack(environmentSettings("staging", { ORDER_FANOUT_STAGING_SENDER_IDENTITY: "domain" })),
    );
    const [identity] = Object.values(resourcesOf(plan, "aws_sesv2_email_identity"));
    expect(identity.email_identity).toBe('${element(split("@", var.sender_email), 1)}');
    expect((plan.output as any).dkim_records.value).toMatch(
      /^\$\{formatlist\("%s\._domainkey\.%s CNAME %s\.dkim\.amazonses\.com", aws_sesv2_email_identity\.[\w-]+\.dkim_signing_attributes\[0\]\.tokens, element\(split\("@", var\.sender_email\), 1\), aws_sesv2_email_identity\.[\w-]+\.dkim_signing_attributes\[0\]\.tokens\)\}$/,
    );
  });

  it("assumes the environment's role for the provider and the state backend", () => {
    const role = "arn:aws:iam::210987654321:role/order-fanout-deploy";
    const plan = synthJson(fanoutStack(environmentSettings("prod", { ORDER_FANOUT_PROD_ROLE_ARN: role })));
    expect(plan.provider.aws[0].assume_role).toEqual([{ role_arn: role }]);
    expect(plan.terraform.backend.s3.assume_role).toEqual({ role_arn: role });
    expect(plans.prod.provider.aws[0].assume_role).toBeUndefined();
  });

  it("lets each environment's role keep only its own state in the shared bucket", () => {
    const dev = "arn:aws:iam::111111111111:role/deploy";
    const prod = "arn:aws:iam::222222222222:role/deploy";
    const settings = stateBootstrapSettings({ ORDER_FANOUT_DEV_ROLE_ARN: dev, ORDER_FANOUT_PROD_ROLE_ARN: prod });
    const plan = synthJson(new StateBootstrapStack(Testing.app(), "state-bootstrap", settings));
    const text = compact(Object.values(resourcesOf(plan, "aws_s3_bucket_policy"))[0].policy);
    expect(text).toContain('"aws:SecureTransport"=["false"]');
    for (const [role, key] of [
      [dev, "order-fanout/dev/"],
      [prod, "order-fanout/prod/"],
    ]) {
      expect(text).toContain(`"Principal"={"AWS"=["${role}"]},"Action"=["s3:ListBucket"]`);
      expect(text).toContain(`"s3:prefix"=["${key}*"]`);
      expect(text).toMatch(
        new RegExp(
          `"Principal"=\\{"AWS"=\\["${role}"\\]\\},"Action"=\\["s3:GetObject","s3:PutObject","s3:DeleteObject"\\],"Resource"=\\["\\$\\{aws_s3_bucket\\.\\w+\\.arn\\}/${key}\\*"\\]`,
        ),
      );
    }
    expect(text).not.toContain("order-fanout/staging/");
  });

  it("lets CI's plan role only read its environment's state, and its apply role keep it", () => {
    const planRole = "arn:aws:iam::111111111111:role/order-fanout-plan";
    const applyRole = "arn:aws:iam::111111111111:role/order-fanout-apply";
    const settings = stateBootstrapSettings({
      ORDER_FANOUT_DEV_PLAN_ROLE_ARN: planRole,
      ORDER_FANOUT_DEV_APPLY_ROLE_ARN: applyRole,
    });
    const plan = synthJson(new StateBootstrapStack(Testing.app(), "state-bootstrap", settings));
    const text = compact(Object.values(resourcesOf(plan, "aws_s3_bucket_policy"))[0].policy);
    expect(text).toMatch(new RegExp(`"Principal"=\\{"AWS"=\\["${planRole}"\\]\\},"Action"=\\["s3:GetObject"\\],`));
    expect(text).not.toMatch(new RegExp(`"Principal"=\\{"AWS"=\\["${planRole}"\\]\\},"Action"=\\[[^\\]]*s3:PutObject`));
    expect(text).toContain(
      `"Principal"={"AWS"=["${applyRole}"]},"Action"=["s3:GetObject","s3:PutObject","s3:DeleteObject"]`,
    );
    expect(() => stateBootstrapSettings({ ORDER_FANOUT_DEV_PLAN_ROLE_ARN: "order-fanout-plan" })).toThrow(
      "ORDER_FANOUT_DEV_PLAN_ROLE_ARN",
    );
  });
});

describe("synth refuses settings that are wrong wherever they are deployed", () => {
  const refuse = (settings: EnvironmentSettings) => () => fanoutStack(settings);

  it("refuses an anonymous API outside the local stack", () => {
    expect(refuse({ ...committedSettings("dev"), apiAuthorization: "NONE" })).toThrow(
      'environment "dev": apiAuthorization NONE would open the orders API',
    );
  });

  it("refuses reserved concurrency that, with every consumer's maximum, exceeds the account's", () => {
    const prod = committedSettings("prod");
    const settings = { ...prod, accountConcurrency: 1000, apiReservedConcurrency: 850 };
    expect(refuse(settings)).toThrow(
      "the orders API's reserved concurrency (850) plus 4 consumers at their maximum concurrency (2400) exceed the account's concurrency (1000)",
    );
    expect(refuse({ ...committedSettings("dev"), accountConcurrency: 10 })).toThrow(
      "apiReservedConcurrency 10 leaves 0 of the account's 10 unreserved; Lambda keeps at least 100",
    );
  });

  it("refuses a queue subscribed twice to one topic, and merges two topics into one queue policy", () => {
    const stack = new TerraformStack(Testing.app(), "two-topics");
    const kmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/k";
    const first = new FifoTopic(stack, "first", { name: "first.fifo", kmsKeyArn });
    const second = new FifoTopic(stack, "second", { name: "second.fifo", kmsKeyArn });
    const queue = new SubscriberQueue(stack, "queue", {
      topic: first,
      queueName: "billing.fifo",
      kmsKeyArn,
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 3,
    });
    subscribeQueue(queue, { topic: second, queue: queue.queue });
    expect(() => subscribeQueue(queue, { topic: first, queue: queue.queue })).toThrow(
      'queue "billing.fifo" is already subscribed to topic "first.fifo"',
    );
    const plan = synthJson(stack);
    const delivering = Object.entries(resourcesOf(plan, "aws_sqs_queue_policy")).filter(([id]) =>
      id.includes("queue-policy"),
    );
    expect(delivering).toHaveLength(1);
    expect(compact(delivering[0][1].policy)).toMatch(
      /"aws:SourceArn"=tolist\(\[aws_sns_topic\.first_topic_\w+\.arn,aws_sns_topic\.second_topic_\w+\.arn\]\)/,
    );
    const subscriptions = Object.values(resourcesOf(plan, "aws_sns_topic_subscription"));
    expect(subscriptions).toHaveLength(2);
    for (const s of subscriptions) expect(s.depends_on).toEqual([`aws_sqs_queue_policy.${delivering[0][0]}`]);
    expect(referencedName(delivering[0][1].queue_url, "aws_sqs_queue")).toMatch(/^queue_[0-9A-F]+$/);
  });
});

const terraformOnPath = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;

/**
 * Terraform itself evaluates the variables' validation, as `terraform plan` does before creating
 * anything: the variables of the dev plan alone, in a folder, need no provider and no init.
 */
(terraformOnPath ? describe : describe.skip)("terraform plan with the deployment inputs (terraform on PATH)", () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-inputs-"));
  fs.writeFileSync(path.join(folder, "main.tf.json"), JSON.stringify({ variable: (plans.dev as any).variable }));
  const plan = (variables: Record<string, string>) => {
    const args = ["plan", "-input=false", "-no-color", ...Object.entries(variables).map(([k, v]) => `-var=${k}=${v}`)];
    try {
      execFileSync("terraform", args, { cwd: folder, stdio: "pipe", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
      return "";
    } catch (error) {
      return String((error as { stderr: Buffer }).stderr);
    }
  };
  const good = {
    sender_email: "orders@shop.co.uk",
    alarm_email: "oncall@shop.co.uk",
    account_ids: '["123456789012"]',
  };

  it("plans when both are deliverable addresses and the accounts are given", () => {
    expect(plan(good)).toBe("");
  });

  it.each([
    ["sender_email", "", "ORDER_FANOUT_DEV_SENDER_EMAIL is unset"],
    ["sender_email", "orders@example.com", "ORDER_FANOUT_DEV_SENDER_EMAIL is unset"],
    ["sender_email", "Orders@Mail.Example.Net", "ORDER_FANOUT_DEV_SENDER_EMAIL is unset"],
    ["alarm_email", "", "ORDER_FANOUT_DEV_ALARM_EMAIL is unset"],
    ["alarm_email", "oncall@shop.test", "ORDER_FANOUT_DEV_ALARM_EMAIL is unset"],
    ["alarm_email", "not an address", "ORDER_FANOUT_DEV_ALARM_EMAIL is unset"],
    ["account_ids", "[]", "ORDER_FANOUT_DEV_ACCOUNT_IDS is unset"],
    ["account_ids", '["12345"]', "ORDER_FANOUT_DEV_ACCOUNT_IDS is unset"],
    ["account_ids", '["123456789012","nope"]', "ORDER_FANOUT_DEV_ACCOUNT_IDS is unset"],
  ])("stops when %s is %j, naming the variable to set", (variable, value, message) => {
    const stderr = plan({ ...good, [variable]: value });
    expect(stderr).toContain("Invalid value for variable");
    expect(stderr.replace(/\s+/g, " ")).toContain(message);
  });
});
