import { publicReason } from './failure-reason.js';

describe('publicReason', () => {
  const root = '/srv/app/models';

  test('makes paths under the repository relative and cuts others to their file name', () => {
    expect(publicReason('missing /srv/app/models/mnist/2/model.onnx', root)).toBe('missing mnist/2/model.onnx');
    expect(publicReason('no folder /srv/app/models/nope', root)).toBe('no folder nope');
    expect(publicReason("ENOENT: no such file, open '/etc/secret/thing.json'", root)).toBe(
      "ENOENT: no such file, open 'thing.json'",
    );
  });

  test("drops onnxruntime's source locations, C++ signatures and every line after the first", () => {
    const detail =
      'Load model from /srv/app/models/iris/1/model.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:180 onnxruntime::Model::Model(ModelProto&&, const PathString&) Unsupported model IR version\n    at stack line';
    const reason = publicReason(detail, root);
    expect(reason).toBe('Load model from iris/1/model.onnx failed: Unsupported model IR version');
    expect(reason).not.toMatch(/\/srv|\.cc|onnxruntime::|stack/);
  });
});
