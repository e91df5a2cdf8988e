// Fake, credential-SHAPED strings for detection tests. Assembled at run time so that the source never
// contains a literal that a secret scanner would flag. None of these is, or was, a real credential.
const rep = (c: string, n: number) => c.repeat(n);
export const FAKE = {
  pem: ['-----BEGIN', 'OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----'].join(' '),
  rsaPem: ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' '),
  ghp: `gh${'p'}_${rep('A1b2', 9)}`,
  githubPat: `github_${'pat'}_${rep('x9', 15)}`,
  sk: `s${'k'}-${rep('ant', 10)}`,
  akia: `AKI${'A'}${rep('Z', 16)}`,
  slack: `xo${'x'}b-${rep('1', 12)}`,
} as const;

export const validProfile = () => ({
  image: 'ghcr.io/your-org/asdlc-agent:0.1.0',
  serviceAccountName: 'agentic-sdlc-agent-runner-dev-agent',
  secretName: 'agentic-sdlc-agent-runner-dev-credentials',
  model: 'anthropic/claude-sonnet-4-5',
  secrets: {
    gitToken: { env: 'GIT_TOKEN', key: 'git-token', remoteRef: { key: 'agentic-sdlc-git-token' } },
    modelApiKeys: [{ env: 'ANTHROPIC_API_KEY', key: 'anthropic-api-key', remoteRef: { key: 'anthropic' } }],
  },
});
