export type { CreateBareRepoOptions } from './_repos.js';
export { branchHead, createBareRepo, listBranches, repoDirName } from './_repos.js';
export type { GitServer, GitServerRequest, StartGitServerOptions } from './_server.js';
export { DEFAULT_LIFETIME_MS, DEFAULT_USERNAME, parseCgiHead, REALM, startGitServer } from './_server.js';
