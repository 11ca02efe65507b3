/** Where `npm start` serves by default; a module of its own so operator commands load nothing else. */
export const DEFAULT_PORTS = { api: 3000, aws: 4566, dynamodb: 8000 };
/**
 * The runtime's SNS endpoint (fauxqs's SNS behind the fault injection and the topic archive,
 * local/emulation/fault-proxy.ts): one above the emulator's port, `--aws-port` + 1.
 */
export function snsPort(awsPort: number): number {
  return awsPort + 1;
}
