export const SUPPORTED_OPS: string[];
export function convertGraph(graph: unknown): { nodes: unknown[]; initializers: unknown[]; inputs: unknown[]; outputs: unknown[] };
