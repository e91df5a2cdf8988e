import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@agentic-sdlc/opencode-agent exports', () => {
  it('pins the export names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'AgentRunnerError',
        'DEFAULT_KILL_GRACE_MS',
        'DEFAULT_TIMEOUT_MS',
        'EventSummariser',
        'RESULT_PREFIX',
        'UsageError',
        'buildPrompt',
        'commitMessage',
        'commitType',
        'compactResultJson',
        'describeError',
        'exitCodeFor',
        'formatResultLine',
        'main',
        'opencodeConfigContent',
        'parseDuration',
        'parseResultLine',
        'pinnedOpencodeVersion',
        'resolveOpencodeBin',
        'runTask',
      ].sort(),
    );
    expect(api.RESULT_PREFIX).toBe('ASDLC_RESULT ');
  });
});
