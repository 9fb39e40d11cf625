/**
 * A second process for the rate-ledger tests: asks the ledger at `file` for one start at a time,
 * `attempts` times, against `limit` per minute, and prints how many it was granted.
 *
 *   node ledgerWorker.js <file> <limit> <attempts>
 */
import { RateLedger } from "../../provider/client/rateLedger";

async function main(): Promise<void> {
  const [file, limit, attempts] = process.argv.slice(2);
  const ledger = new RateLedger(file, (line) => process.stderr.write(`${line}\n`));
  let granted = 0;
  for (let i = 0; i < Number(attempts); i += 1) granted += (await ledger.reserve(1, Number(limit), 60_000))?.granted ?? 0;
  process.stdout.write(`${granted}\n`);
}

void main();
