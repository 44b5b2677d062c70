/** Entry of the agent's hash worker (see hashWorkerProtocol.ts and workerHash.ts). */
import { serveHashes, type HashPort } from './hashWorkerProtocol.ts';

serveHashes(self as unknown as HashPort);
