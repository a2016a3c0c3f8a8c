/**
 * A link that answers but refuses us is a setting to fix, not a peer that is down: these say
 * which setting, so that a log line or a /health reason leads the operator to it.
 */
export type Refusal = 'password' | 'tls';

/** Whether an error from a Redis or Sentinel connection is a refusal of our credentials or our TLS. */
export function refusalOf(message: string): Refusal | undefined {
  // "unauthenticated multibulk length": Redis cuts off an unauthenticated client's long command.
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password|NOPERM|unauthenticated/i.test(message)) return 'password';
  if (/certificate|self[ -]signed|wrong version number|SSL|TLS|handshake/i.test(message)) return 'tls';
  return undefined;
}

/**
 * The message with the setting named, once: `passwordSettings` are the ones that authenticate
 * this link (SENTINEL_PASSWORD for the sentinels; REDIS_PASSWORD/REDIS_USERNAME for servers).
 */
export function withRefusalHint(message: string, passwordSettings: string): string {
  const r = refusalOf(message);
  if (r === 'password') return `${message} (${passwordSettings} is missing or wrong)`;
  if (r === 'tls') return `${message} (TLS refused: TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE must match the group's, or TLS is on one side only)`;
  return message;
}
