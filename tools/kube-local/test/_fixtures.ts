import type * as k8s from '@kubernetes/client-node';
import { type PodFate, podFate } from '../src/testing.js';

/** A one-container Job whose pod kwok plays out according to `fate`. */
export function jobManifest(name: string, fate: PodFate, spec: Partial<k8s.V1JobSpec> = {}): k8s.V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        metadata: { annotations: podFate(fate) },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'registry.invalid/agent:1', command: ['run-agent'] }],
        },
      },
    },
  };
}

export function jobCondition(job: k8s.V1Job, type: string): k8s.V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}
