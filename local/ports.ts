/** Where `npm start` serves by default; a module of its own so operator commands load nothing else. */
export const DEFAULT_PORTS = { api: 3000, aws: 4566, dynamodb: 8000 };
