export { opencodeConfigFor } from './_config.js';
export { isolatedOpencodeEnv } from './_env.js';
export { startScriptedModel } from './_server.js';
export type {
  OpencodeConfigOptions,
  RecordedRequest,
  RequestKind,
  Script,
  ScriptedModel,
  ScriptedModelOptions,
  ScriptStep,
  ToolCallSpec,
} from './types.js';
