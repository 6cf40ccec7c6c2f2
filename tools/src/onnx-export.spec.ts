import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { createMlp, predictProbabilities } from './mlp.js';
import { exportMlpToOnnx } from './onnx-export.js';
import { mulberry32 } from './prng.js';

describe('exportMlpToOnnx', () => {
  const random = mulberry32(11);
  const mlp = createMlp([3, 6, 5, 4], random);
  mlp.layers.forEach((layer) => layer.bias.forEach((_, j) => (layer.bias[j] = random() - 0.5)));
  const mean = Float32Array.from([10, -2, 0.5]);
  const std = Float32Array.from([4, 0.5, 2]);
  const bytes = exportMlpToOnnx({
    mlp,
    inputName: 'x',
    outputName: 'p',
    standardization: { mean, std },
    graphName: 'tiny',
    description: 'a test model',
    metadata: { b: '2', a: '1' },
  });

  it('computes what the TypeScript network computes on standardised input', async () => {
    const rows = 7;
    const raw = Float32Array.from({ length: rows * 3 }, (_, i) => mean[i % 3] + (random() - 0.5) * 3 * std[i % 3]);
    const standardised = Float32Array.from(raw, (v, i) => Math.fround(v - mean[i % 3]) / std[i % 3]);
    const session = await ort.InferenceSession.create(bytes);
    try {
      const { p } = await session.run({ x: new ort.Tensor('float32', raw, [rows, 3]) });
      expect(p.dims).toEqual([rows, 4]);
      const expected = predictProbabilities(mlp, standardised);
      (p.data as Float32Array).forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
    } finally {
      await session.release();
    }
  });

  it('writes IR 8, opset 13, producer and metadata in the given order', () => {
    const model = onnxProto.onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(model.producerName).toBe('mserve-tools');
    expect(model.metadataProps.map((p) => [p.key, p.value])).toEqual([
      ['b', '2'],
      ['a', '1'],
    ]);
    expect(model.graph?.node?.map((n) => n.opType)).toEqual([
      'Sub',
      'Div',
      'Gemm',
      'Relu',
      'Gemm',
      'Relu',
      'Gemm',
      'Softmax',
    ]);
  });
});
