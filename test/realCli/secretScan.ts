/**
 * What counts as a leaked credential in text the real CLI wrote (output, `pulumi stack export`,
 * the checkpoint file): one of the application tokens handed out, or anything shaped like a JWT
 * (the same pattern as the main suite's secret ledger).
 */
import { JWT_PATTERN } from "../../tools/secretLedger";

/** The credentials found in `text`, each shortened so a failing assertion does not print it whole. */
export function findCredentials(text: string, applicationTokens: readonly string[]): string[] {
  const found: string[] = [];
  for (const token of applicationTokens) if (text.includes(token)) found.push(`application token ${token.slice(0, 18)}…`);
  for (const match of text.match(JWT_PATTERN) ?? []) found.push(`JWT ${match.slice(0, 12)}…`);
  return found;
}
