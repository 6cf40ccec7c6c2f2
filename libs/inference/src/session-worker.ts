/**
 * Runs in a worker thread: holds one onnxruntime session and runs the batches it is sent.
 * onnxruntime-node's `run()` blocks its thread for the whole inference, which is why it lives here
 * and never on the main event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { DType } from './dtypes.js';
import {
  transferList,
  type WireTensors,
  type WorkerInit,
  type WorkerReply,
  type WorkerRequest,
} from './worker-protocol.js';

const init = workerData as WorkerInit;
if (!parentPort) throw new Error('session-worker must run in a worker thread');
const port = parentPort;

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function createSession(): Promise<{
  session: ort.InferenceSession;
  provider: WorkerInit['executionProviders'][number];
  fallbackReason?: string;
}> {
  const options = (providers: string[]): ort.InferenceSession.SessionOptions => ({
    executionProviders: providers,
    intraOpNumThreads: init.intraOpNumThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Idle pool threads sleep instead of spinning: they share the cores with the event loop, and a
    // spinning thread after every small batch burns the CPU the server needs to parse the next
    // requests (lab notes: `git show 8efe387:docs/benchmarks.md`).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  // Providers are tried one at a time: onnxruntime has no silent fallback (a provider that cannot
  // start throws), and given several at once it names none of the failures. The first listed is the
  // one wanted; the rest, then CPU, are tried in order only when the contract allows the fallback,
  // and each failure's reason is kept so the log and model info can tell the truth.
  const tried: string[] = [];
  const wanted = init.executionProviders.length > 0 ? init.executionProviders : ['cpu' as const];
  const order = init.allowCpuFallback ? [...new Set([...wanted, 'cpu' as const])] : wanted.slice(0, 1);
  for (const provider of order) {
    try {
      const session = await ort.InferenceSession.create(init.modelPath, options([provider]));
      return { session, provider, ...(tried.length > 0 ? { fallbackReason: tried.join('; ') } : {}) };
    } catch (error) {
      tried.push(`${provider}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(
    `no execution provider of [${init.executionProviders.join(', ')}] could start${init.allowCpuFallback ? '' : ' (allowCpuFallback is off)'}: ${tried.join('; ')}`,
  );
}

function toOrtTensor(dtype: DType, dims: number[], data: WireTensors[string]['data']): ort.Tensor {
  return new ort.Tensor(dtype, data as ort.Tensor['data'], dims);
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    const created = await createSession();
    session = created.session;
    const describe = (meta: readonly ort.InferenceSession.ValueMetadata[]) =>
      meta.map((m) =>
        m.isTensor
          ? { name: m.name, type: m.type, shape: [...m.shape], isTensor: true }
          : { name: m.name, type: 'non-tensor', shape: [], isTensor: false },
      );
    reply({
      type: 'ready',
      signature: { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) },
      provider: created.provider,
      ...(created.fallbackReason ? { fallbackReason: created.fallbackReason } : {}),
    });
  } catch (error) {
    reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }

  port.on('message', async (request: WorkerRequest) => {
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(request.feeds))
        feeds[name] = toOrtTensor(tensor.dtype, tensor.dims, tensor.data);
      const results = await session.run(feeds);
      const outputs: WireTensors = {};
      for (const [name, value] of Object.entries(results)) {
        outputs[name] = {
          dtype: value.type as DType,
          dims: [...value.dims],
          data: value.data as WireTensors[string]['data'],
        };
      }
      reply({ type: 'result', id: request.id, outputs }, transferList(outputs));
    } catch (error) {
      reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
}

void main();
