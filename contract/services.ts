/**
 * The one list of the services the topic fans out to: one queue, one dead-letter queue and one
 * consumer function each. The stack, the handlers, the local runtime, the demo and the benchmarks
 * all read it from here.
 */
export const CONSUMER_SERVICES = ["inventory", "billing", "notification", "review"] as const;
export type ConsumerService = (typeof CONSUMER_SERVICES)[number];

/** Review's subscription admits only high-value orders; every other service receives every event. */
export const FILTERED_SERVICES: readonly ConsumerService[] = ["review"];
export const UNFILTERED_SERVICES = CONSUMER_SERVICES.filter((s) => !FILTERED_SERVICES.includes(s));

/** Every function bundle the build produces: the API's, the outbox relay's and sweep's, and one per consumer. */
export const FUNCTION_BUNDLES = ["orders-api", "outbox-relay", "outbox-sweep", ...CONSUMER_SERVICES] as const;
export type FunctionBundle = (typeof FUNCTION_BUNDLES)[number];
