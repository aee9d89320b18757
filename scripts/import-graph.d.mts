// Types for scripts/import-graph.mjs, for the node test that imports it.
export const CHAIN_LIMIT: number;
export function measure(): {
  files: number;
  perFolder: Record<string, number>;
  chain: string[];
};
