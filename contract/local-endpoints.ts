/**
 * Where the local runtime (`npm start`) serves and what reaches it: its default ports, region,
 * account and the credentials its emulators accept. The runtime serves them; the operator
 * commands, the bench and the tests call them. A module of its own, so that a caller loads nothing else.
 */
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Ports `npm start` serves on by default. */
export const DEFAULT_PORTS = { api: 3000, aws: 4566, dynamodb: 8000 };
/**
 * The runtime's SNS endpoint (fauxqs's SNS behind the fault injection and the topic archive,
 * local/emulation/fault-proxy.ts): one above the emulator's port, `--aws-port` + 1.
 */
export function snsPort(awsPort: number): number {
  return awsPort + 1;
}
