import type { z } from 'zod';
import type {
  ChartValuesSchema,
  GIT_AUTH_MODES,
  ProfileValuesSchema,
  RemoteRefSchema,
  RunnerProfileSchema,
  SECRET_STORE_PROVIDERS,
  SecretRefSchema,
} from './_schema.js';

/** A parsed runner profile (defaults applied). */
export type RunnerProfile = z.output<typeof RunnerProfileSchema>;
/** A runner profile as written by a user (defaults optional). */
export type RunnerProfileInput = z.input<typeof RunnerProfileSchema>;
export type ProfileValues = z.output<typeof ProfileValuesSchema>;
/** Parsed chart values (defaults applied). */
export type ChartValues = z.output<typeof ChartValuesSchema>;
export type ChartValuesInput = z.input<typeof ChartValuesSchema>;
export type SecretRef = z.output<typeof SecretRefSchema>;
export type RemoteRef = z.output<typeof RemoteRefSchema>;
export type GitAuthMode = (typeof GIT_AUTH_MODES)[number];
export type SecretStoreProvider = (typeof SECRET_STORE_PROVIDERS)[number];

/** One finding of `findLiteralCredentials`. */
export interface CredentialFinding {
  /** JSON-pointer-like dotted path, e.g. `profile.secrets.gitToken.key`. */
  path: string;
  /** Why it looks like a credential (never includes the value). */
  reason: string;
}

/** A Kubernetes object as a plain JSON value. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}
