import { readFileSync } from 'node:fs';
import onnxProto, { type onnx } from 'onnx-proto';
import type { Mlp } from './mlp.js';

// onnx-proto is a CommonJS protobufjs bundle whose exports Node cannot list statically: its values
// come through the default import only (the named import above is for types).
const { AttributeProto, ModelProto, TensorProto } = onnxProto.onnx;

/** ONNX IR version 8 (the newest onnx-proto 8 knows) with opset 13: Gemm, Relu, Softmax(axis) and Sub/Div. */
const IR_VERSION = 8;
const OPSET_VERSION = 13;
const PRODUCER_NAME = 'mserve-tools';
const BATCH_DIM = 'batch';

/** Per-feature statistics the graph subtracts and divides by, so callers send raw values. */
export interface Standardization {
  mean: Float32Array;
  std: Float32Array;
}

/** What to write around a trained MLP. */
export interface MlpExport {
  mlp: Mlp;
  /** Name of the float32 input `[batch, inputs]`. */
  inputName: string;
  /** Name of the float32 softmax output `[batch, classes]`. */
  outputName: string;
  /** Standardise the input inside the graph before the first layer. */
  standardization?: Standardization;
  graphName: string;
  /** Shown by model viewers such as Netron. */
  description: string;
  /** Written as the model's metadata_props, in this key order. */
  metadata: Record<string, string>;
}

/**
 * An MLP as ONNX ModelProto bytes: `input → [Sub → Div] → Gemm → Relu → … → Gemm → Softmax`,
 * float32 weights as raw_data initializers and a symbolic `batch` dimension. The bytes depend only
 * on the arguments (no timestamps), so retraining with the same seed reproduces the file exactly.
 */
export function exportMlpToOnnx(spec: MlpExport): Uint8Array {
  const { mlp, inputName, outputName, standardization } = spec;
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let current = inputName;

  if (standardization) {
    const width = mlp.layers[0].inputs;
    if (standardization.mean.length !== width || standardization.std.length !== width) {
      throw new RangeError(`standardization needs ${width} means and stds`);
    }
    initializers.push(floatTensor('input_mean', [width], standardization.mean));
    initializers.push(floatTensor('input_std', [width], standardization.std));
    nodes.push(node('Sub', [current, 'input_mean'], 'centered'));
    nodes.push(node('Div', ['centered', 'input_std'], 'standardized'));
    current = 'standardized';
  }

  mlp.layers.forEach((layer, l) => {
    const weight = `dense${l}_weight`;
    const bias = `dense${l}_bias`;
    initializers.push(floatTensor(weight, [layer.inputs, layer.outputs], layer.weights));
    initializers.push(floatTensor(bias, [layer.outputs], layer.bias));
    nodes.push(node('Gemm', [current, weight, bias], `dense${l}`));
    current = `dense${l}`;
    if (l + 1 < mlp.layers.length) {
      nodes.push(node('Relu', [current], `relu${l}`));
      current = `relu${l}`;
    }
  });
  nodes.push({
    ...node('Softmax', [current], outputName),
    attribute: [{ name: 'axis', type: AttributeProto.AttributeType.INT, i: -1 }],
  });

  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: PRODUCER_NAME,
    producerVersion: toolsVersion(),
    docString: spec.description,
    graph: {
      name: spec.graphName,
      node: nodes,
      initializer: initializers,
      input: [batchOf(inputName, mlp.layers[0].inputs)],
      output: [batchOf(outputName, mlp.layers[mlp.layers.length - 1].outputs)],
    },
    metadataProps: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })),
  };
  return ModelProto.encode(model).finish();
}

function node(opType: string, input: string[], output: string): onnx.INodeProto {
  return { opType, name: output, input, output: [output] };
}

/** A float32 initializer, its values as little-endian raw_data whatever the host's byte order. */
function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  const rawData = new Uint8Array(values.length * 4);
  const view = new DataView(rawData.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return { name, dims, dataType: TensorProto.DataType.FLOAT, rawData };
}

/** A float32 value info of shape `[batch, width]`, `batch` symbolic so any row count runs. */
function batchOf(name: string, width: number): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: BATCH_DIM }, { dimValue: width }] },
      },
    },
  };
}

/** The tools package version, recorded as the producer version. */
function toolsVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
