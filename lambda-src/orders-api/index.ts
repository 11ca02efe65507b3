// Skeleton: logs what it receives. The domain logic comes with the services work.
export const handler = async (event: unknown) => {
  console.log(JSON.stringify({ service: "orders-api", event }));
  return { statusCode: 501, body: JSON.stringify({ error: "NotImplemented", message: "orders-api is a skeleton" }) };
};
