export interface TfjsTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}
export function readTfjsGraph(jsonPath: string): {
  nodes: { name: string; op: string; input?: string[]; attr?: Record<string, any> }[];
  weights: Map<string, TfjsTensor>;
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
};
