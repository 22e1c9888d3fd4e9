/**
 * What the dashboard's build takes from the deployment it is built for (a Vite plugin, used
 * by hosting/vite.config.ts): the functions' region, which the page's callable client must
 * name, and the fallback line (scripts/lib/fallback-twiml.ts), written into hosting/dist at
 * its unguessable path (FALLBACK_PATH_TOKEN).
 * `firebase deploy` runs the build as Hosting's predeploy with GCLOUD_PROJECT set, so both come
 * from that project's env file (functions/.env.<project-id>); a local build (no project, or a
 * demo- one) uses the local stack's settings. A real project's build stops, with what to do,
 * rather than publish a fallback line that dials nobody or one anybody could read.
 */
import { join } from 'node:path';
import type { Plugin } from 'vite';
import {
  DEFAULT_REGION,
  deployParams,
  functionsRegion,
  isDemoProject,
  numberList,
} from './deploy-env.ts';
import { deploymentFallbackPath, fallbackFiles } from './fallback-twiml.ts';
import { LOCAL_ON_CALL, ROOT } from './project.ts';

export type HostingSettings = {
  projectId: string | null;
  region: string;
  onCallNumbers: string[];
  /** Where the fallback line is written: /twilio/fallback-<token>.xml. */
  fallbackPath: string;
};

/** The fallback line's path for the build, or the build stops with why and what to do. */
function fallbackPathOrStop(
  projectId: string | null,
  params: Record<string, string | undefined>,
): string {
  const fallback = deploymentFallbackPath(projectId, params);
  if ('problem' in fallback) throw new Error(`${fallback.problem}. To fix: ${fallback.fix}.`);
  return fallback.path;
}

/** The settings the dashboard is built with for `projectId` (null: a local build). */
export function hostingSettings(
  projectId: string | null,
  functionsDir = join(ROOT, 'functions'),
): HostingSettings {
  if (!projectId || isDemoProject(projectId)) {
    return {
      projectId,
      region: DEFAULT_REGION,
      onCallNumbers: LOCAL_ON_CALL.numbers,
      fallbackPath: fallbackPathOrStop(projectId, {}),
    };
  }
  const params = deployParams(functionsDir, projectId);
  const onCallNumbers = numberList(params.ON_CALL_NUMBERS);
  if (onCallNumbers.length === 0) {
    throw new Error(
      `ON_CALL_NUMBERS is not set in functions/.env.${projectId}: the fallback line Twilio plays when the functions fail would dial nobody. Set it (see functions/.env.example) and deploy again.`,
    );
  }
  return {
    projectId,
    region: functionsRegion(params),
    onCallNumbers,
    fallbackPath: fallbackPathOrStop(projectId, params),
  };
}

/** The Vite plugin: defines VITE_FUNCTIONS_REGION and emits the fallback line's files (its screening too). */
export function deploymentAssets({
  projectId = process.env.GCLOUD_PROJECT ?? null,
  functionsDir,
}: { projectId?: string | null; functionsDir?: string } = {}): Plugin {
  const settings = hostingSettings(projectId, functionsDir);
  return {
    name: 'aurora-deployment-assets',
    config: () => ({
      define: { 'import.meta.env.VITE_FUNCTIONS_REGION': JSON.stringify(settings.region) },
    }),
    generateBundle() {
      const files = fallbackFiles(settings.onCallNumbers, settings.fallbackPath);
      for (const [path, source] of Object.entries(files))
        this.emitFile({ type: 'asset', fileName: path.slice(1), source });
    },
  };
}
