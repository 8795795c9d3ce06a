export const DataType: { FLOAT: 1; INT32: 6; INT64: 7 };
export interface WriterTensor {
  name: string;
  dims: number[];
  dataType: number;
  data: ArrayLike<number>;
}
export interface WriterModel {
  name?: string;
  doc?: string;
  nodes: { op: string; inputs: string[]; outputs: string[]; name: string; attrs?: Record<string, number | string | number[] | { float: number }> }[];
  initializers: WriterTensor[];
  inputs: { name: string; dims: number[]; dataType: number }[];
  outputs: { name: string; dims: number[]; dataType: number }[];
}
export function encodeModel(model: WriterModel, options?: { opset?: number; producer?: string }): Uint8Array;
