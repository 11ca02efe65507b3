// Skeleton: logs what it receives. The domain logic comes with the services work.
export const handler = async (event: unknown) => {
  console.log(JSON.stringify({ service: "review", event }));
  return { batchItemFailures: [] };
};
