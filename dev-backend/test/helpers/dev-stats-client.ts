/**
 * Reads and resets a server's /__dev/stats over HTTP, as browser tests would.
 */
export async function readStats<T>(baseUrl: string): Promise<T> {
  const response = await fetch(`${baseUrl}/__dev/stats`);
  if (response.status !== 200) {
    throw new Error(`GET /__dev/stats answered ${response.status}`);
  }
  return (await response.json()) as T;
}

export async function resetStats(baseUrl: string): Promise<void> {
  const response = await fetch(`${baseUrl}/__dev/stats/reset`, { method: 'POST' });
  if (response.status !== 200) {
    throw new Error(`POST /__dev/stats/reset answered ${response.status}`);
  }
}
