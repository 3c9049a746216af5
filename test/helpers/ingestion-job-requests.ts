// Reading a background upload's job through the API, as a client polls it.
import { expect } from 'vitest';
import { bearer, type TestApi, type TestWorkspace } from '../api/helpers.ts';

export async function readJob(api: TestApi, workspace: TestWorkspace, jobId: string) {
  const response = await api.app.inject({
    method: 'GET',
    url: `/workspaces/${workspace.context.workspaceId}/documents/jobs/${jobId}`,
    headers: bearer(workspace.adminSecret),
  });
  expect(response.statusCode).toBe(200);
  return response.json();
}
