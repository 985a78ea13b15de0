// Real PostgreSQL and Redis servers for the scaled-out tests. Locally, a test whose server is down is
// skipped with a reason; in CI (CI=true) it fails, because those tests must run there.
import { Socket } from 'node:net';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.connect(Number(port || defaultPort), hostname);
  });
}

/** Resolves to a skip reason (string) when the server is down outside CI; throws in CI; false when up. */
export async function unavailable(kind: 'postgres' | 'redis'): Promise<string | false> {
  const up =
    kind === 'postgres' ? await reachable(TEST_DATABASE_URL, 5432) : await reachable(TEST_REDIS_URL, 6379);
  if (up) return false;
  if (process.env.CI === 'true')
    throw new Error(`${kind} is not reachable, and CI requires the ${kind} tests`);
  return `${kind} not reachable (set TEST_${kind === 'postgres' ? 'DATABASE' : 'REDIS'}_URL)`;
}
