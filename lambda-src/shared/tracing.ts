/**
 * X-Ray traces through Powertools Tracer, one per process. Tracing is off where there is no X-Ray
 * daemon: outside Lambda (no AWS_EXECUTION_ENV, as in the local runtime's worker threads and in
 * tests) or with POWERTOOLS_TRACE_ENABLED=false; every call here is then a no-op.
 */
import { Tracer } from "@aws-lambda-powertools/tracer";
import { publishMetrics } from "./metrics";

export const tracer = new Tracer();

/** The annotations an operator searches traces by (`annotation.orderId = "ord_…"`). */
export type TraceAnnotations = Partial<Record<"orderId" | "eventType", string>>;

/** Annotates the current subsegment; unknown values are left out. */
export function annotate(annotations: TraceAnnotations): void {
  for (const [key, value] of Object.entries(annotations)) if (value) tracer.putAnnotation(key, value);
}

/**
 * Runs `work` in a new subsegment of the current one, which annotate() writes to while it runs:
 * Powertools' manual instrumentation (Lambda's own segment is a facade that takes no annotations).
 * An error is added to the subsegment and thrown on.
 */
export async function inSubsegment<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!tracer.isTracingEnabled()) return work();
  const parent = tracer.getSegment();
  if (!parent) return work();
  const subsegment = parent.addNewSubsegment(name);
  tracer.setSegment(subsegment);
  try {
    return await work();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}

/**
 * One invocation of a handler: its `## handler` subsegment (cold start and service annotated), and
 * the metrics it stored flushed as one EMF document when it ends, whatever the outcome.
 */
export async function observeInvocation<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await inSubsegment(`## ${process.env._HANDLER ?? "handler"}`, () => {
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      return work();
    });
  } finally {
    publishMetrics();
  }
}
