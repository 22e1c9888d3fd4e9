/**
 * A deploy that works the first time: the example env file names every param (so a
 * non-interactive deploy never prompts), the region is one param that every function and the
 * dashboard follow, Hosting builds its own files before deploying, and the fallback line is
 * generated from the deployment's on-call numbers into hosting/dist and served as XML.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import * as config from '../../../functions/src/config';
import * as functions from '../../../functions/src/index';
import { deployParams, parseEnv } from '../../../scripts/lib/deploy-env.ts';
import {
  FALLBACK_ACCEPT_PATH,
  FALLBACK_SAFETY_LINE,
  FALLBACK_SCREENING_PROMPT,
  FALLBACK_SCREEN_PATH,
  LEGACY_FALLBACK_PATH,
  LOCAL_FALLBACK_PATH_TOKEN,
  deploymentFallbackPath,
  fallbackAcceptTwiml,
  fallbackFiles,
  fallbackPath,
  fallbackScreeningTwiml,
  fallbackTwiml,
} from '../../../scripts/lib/fallback-twiml.ts';
import { SCREENING_LINES, WEBHOOK_PATHS } from '../../../functions/src/core/twiml';
import { SAFETY_LINES } from '../../../functions/src/assistant/safety';
import { deploymentAssets, hostingSettings } from '../../../scripts/lib/hosting-build.ts';
import { FIREBASE_JSON, LOCAL_ON_CALL, ROOT } from '../../../scripts/lib/project.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'aurora-deploy-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A token as `openssl rand -hex 16` prints one. */
const TOKEN = '3f9a1c0e7b5d42a8916e0c4f2b7d8a13';

/** A functions folder holding the given env files. */
function functionsDir(files: Record<string, string>) {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

type Param = { name?: string; constructor: { name: string } };
const declared = Object.values(config as Record<string, unknown>).filter(
  (v): v is Param => typeof v === 'object' && typeof (v as Param | null)?.name === 'string',
);

describe('functions/.env.example', () => {
  const example = parseEnv(readFileSync(join(ROOT, 'functions', '.env.example'), 'utf8'));

  it('gives every param config.ts declares a value, and no secret', () => {
    const params = declared.filter((p) => p.constructor.name !== 'SecretParam').map((p) => p.name!);
    const secrets = declared
      .filter((p) => p.constructor.name === 'SecretParam')
      .map((p) => p.name!);
    expect(params.length).toBeGreaterThan(20);
    for (const name of params)
      expect(Object.keys(example), `${name} is missing from functions/.env.example`).toContain(
        name,
      );
    for (const name of secrets) expect(Object.keys(example)).not.toContain(name);
    // The keys that are not params are preflight's (the number workers call) and the Hosting
    // build's (the fallback line's secret path, empty so that an unfilled copy cannot deploy).
    expect(Object.keys(example).filter((k) => !params.includes(k))).toEqual([
      'TWILIO_VOICE_NUMBER',
      'FALLBACK_PATH_TOKEN',
    ]);
    expect(example.FALLBACK_PATH_TOKEN).toBe('');
  });

  it('parses with firebase deploy’s own parser, which refuses reserved keys', () => {
    expect(() => parseEnv('FUNCTION_REGION=europe-west1\n')).toThrow();
    expect(example.FUNCTIONS_REGION).toBe('us-central1');
  });
});

describe('the region', () => {
  it('is one param every function deploys to, the database trigger included', () => {
    for (const [name, fn] of Object.entries(functions)) {
      expect(
        String((fn as unknown as { __endpoint: { region: unknown } }).__endpoint.region),
        name,
      ).toBe('params.FUNCTIONS_REGION');
    }
  });

  it('is named by no Hosting rewrite, so firebase deploy routes to wherever the functions are', () => {
    const hosting = FIREBASE_JSON.hosting as {
      rewrites: Array<{ function?: { functionId: string; region?: string } }>;
    };
    const functionRewrites = hosting.rewrites.filter((r) => r.function);
    expect(functionRewrites.map((r) => r.function!.functionId)).toEqual([
      'twilioVoice',
      'twilioTurn',
      'twilioPartial',
      'twilioStatus',
      'twilioScreen',
      'twilioDial',
      'twilioMessageStatus',
      'twilioTranscription',
      'twilioBrowser',
      'twilioLeg',
      'twilioLegStatus',
      'twilioConference',
      'twilioRejoin',
      'twilioAnnounce',
    ]);
    for (const rewrite of functionRewrites) expect(rewrite.function!.region).toBeUndefined();
  });

  it('comes from the project env file, .env.<project-id> over .env, for the dashboard build', () => {
    const dir = functionsDir({
      '.env': 'FUNCTIONS_REGION=asia-south1\nON_CALL_NUMBERS=+15550001111\n',
      '.env.my-plant': `FUNCTIONS_REGION=europe-west1\nFALLBACK_PATH_TOKEN=${TOKEN}\n`,
    });
    expect(deployParams(dir, 'my-plant')).toMatchObject({
      FUNCTIONS_REGION: 'europe-west1',
      ON_CALL_NUMBERS: '+15550001111',
    });
    expect(hostingSettings('my-plant', dir)).toEqual({
      projectId: 'my-plant',
      region: 'europe-west1',
      onCallNumbers: ['+15550001111'],
      fallbackPath: `/twilio/fallback-${TOKEN}.xml`,
    });
    expect(
      hostingSettings(
        'other',
        functionsDir({
          '.env.other': `ON_CALL_NUMBERS=+15550001111\nFALLBACK_PATH_TOKEN=${TOKEN}`,
        }),
      ).region,
    ).toBe('us-central1');
  });
});

describe('Hosting', () => {
  const hosting = FIREBASE_JSON.hosting as {
    public: string;
    predeploy: string[];
    headers: Array<{ source: string; headers: Array<{ key: string; value: string }> }>;
  };

  it('builds hosting/dist before every deploy of it (it is git-ignored)', () => {
    expect(hosting.public).toBe('hosting/dist');
    expect(hosting.predeploy).toEqual(['npm --prefix "$PROJECT_DIR" run build:hosting']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['build:hosting']).toBe('vite build --config hosting/vite.config.ts');
  });

  it('serves the fallback line at its secret path as XML, never cached, never indexed', () => {
    const rule = hosting.headers.find((h) => h.source === '/twilio/fallback-*.xml');
    expect(rule?.headers).toEqual([
      { key: 'Content-Type', value: 'text/xml; charset=utf-8' },
      { key: 'Cache-Control', value: 'no-cache' },
      { key: 'X-Robots-Tag', value: 'noindex, nofollow' },
    ]);
    // The glob (one path segment) covers the line at its token's path and its screening files.
    for (const path of [fallbackPath(TOKEN), FALLBACK_SCREEN_PATH, FALLBACK_ACCEPT_PATH])
      expect(path).toMatch(/^\/twilio\/fallback-[0-9a-z]+\.xml$/);
    // Nothing is configured for the old guessable path: nothing is served there.
    expect(JSON.stringify(FIREBASE_JSON)).not.toContain(LEGACY_FALLBACK_PATH);
  });

  it('routes every webhook path the functions name to its function', () => {
    const rewrites = (
      FIREBASE_JSON.hosting as {
        rewrites: Array<{ source: string; function?: { functionId: string } }>;
      }
    ).rewrites;
    for (const path of Object.values(WEBHOOK_PATHS))
      expect(rewrites.find((r) => r.source === path)?.function?.functionId, path).toBeDefined();
    for (const { function: fn } of rewrites)
      expect(Object.keys(functions)).toContain(fn!.functionId);
  });
});

describe('the fallback line', () => {
  it("speaks the functions' own safety line (written out here: the Hosting build cannot load the functions)", () => {
    expect(FALLBACK_SAFETY_LINE).toBe(SAFETY_LINES.en);
  });

  it('says the safety line and dials every on-call number at once, each screened first', () => {
    expect(fallbackTwiml(['+15550190001', '+15550190002'])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Say>Aurora cannot answer right now. Get yourself to a safe place now and call emergency services. Connecting you to the on-call supervisor.</Say>' +
        '<Dial timeLimit="3600">' +
        '<Number url="/twilio/fallback-screen.xml" method="GET">+15550190001</Number>' +
        '<Number url="/twilio/fallback-screen.xml" method="GET">+15550190002</Number></Dial>' +
        '<Say>Nobody answered. Get yourself to a safe place now and call emergency services.</Say></Response>',
    );
  });

  it('screens without a function: any key fetches the empty accept file (GET), no key hangs up (voicemail never takes the call)', () => {
    expect(fallbackScreeningTwiml()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather numDigits="1" action="/twilio/fallback-accept.xml" method="GET">' +
        `<Say loop="2">Aurora safety line: a worker's call is waiting. Press any key to accept.</Say></Gather>` +
        '<Say>Goodbye.</Say><Hangup/></Response>',
    );
    expect(fallbackAcceptTwiml()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    // The functions' screening opens with the same words (written out here: the Hosting build cannot load the functions).
    const opening = (line: string) => line.slice(0, line.indexOf('Press'));
    expect(opening(FALLBACK_SCREENING_PROMPT)).toBe(opening(SCREENING_LINES.prompt));
    expect(Object.keys(fallbackFiles(['+15550190001'], fallbackPath(TOKEN)))).toEqual([
      `/twilio/fallback-${TOKEN}.xml`,
      FALLBACK_SCREEN_PATH,
      FALLBACK_ACCEPT_PATH,
    ]);
  });

  it('refuses to be built without a number to dial, with a number Twilio cannot dial, or with more than Twilio dials at once', () => {
    expect(() => fallbackTwiml([])).toThrow(/at least one on-call number/);
    expect(() => fallbackTwiml(['5550190001'])).toThrow(/E\.164/);
    expect(() =>
      fallbackTwiml(Array.from({ length: 11 }, (_, i) => `+1555019${String(i).padStart(4, '0')}`)),
    ).toThrow(/at most 10/);
  });

  it('stops a real project’s deploy whose env file has no on-call numbers', () => {
    expect(() =>
      hostingSettings(
        'my-plant',
        functionsDir({ '.env.my-plant': 'FUNCTIONS_REGION=europe-west1\n' }),
      ),
    ).toThrow(/ON_CALL_NUMBERS is not set in functions\/\.env\.my-plant/);
  });

  it('takes its path from a secret token of at least 128 bits', () => {
    expect(fallbackPath(TOKEN)).toBe(`/twilio/fallback-${TOKEN}.xml`);
    expect(fallbackPath(`${TOKEN}${TOKEN}`)).toBe(`/twilio/fallback-${TOKEN}${TOKEN}.xml`);
    for (const bad of ['', 'abc123', TOKEN.slice(1), `${TOKEN.slice(1)}g`, '../fallback'])
      expect(() => fallbackPath(bad), bad).toThrow(/at least 32 hex digits/);
    expect(deploymentFallbackPath('my-plant', { FALLBACK_PATH_TOKEN: TOKEN })).toEqual({
      path: `/twilio/fallback-${TOKEN}.xml`,
    });
    // The local stack (no project, or a demo- one) needs no setting: its token is fixed.
    for (const local of [null, 'demo-aurora'])
      expect(deploymentFallbackPath(local, { FALLBACK_PATH_TOKEN: TOKEN })).toEqual({
        path: `/twilio/fallback-${LOCAL_FALLBACK_PATH_TOKEN}.xml`,
      });
  });

  it('refuses a real project a missing, short, non-hex or published token, saying how to make one', () => {
    const problem = (token?: string) => {
      const result = deploymentFallbackPath('my-plant', { FALLBACK_PATH_TOKEN: token });
      return 'problem' in result ? result : null;
    };
    expect(problem(undefined)?.problem).toMatch(
      /^FALLBACK_PATH_TOKEN in functions\/\.env\.my-plant is not set: the fallback line lists every on-call number/,
    );
    expect(problem('')?.problem).toMatch(/is not set/);
    expect(problem('0123456789abcdef')?.problem).toMatch(
      /is too short: it must be at least 32 hex digits \(128 bits\)/,
    );
    expect(problem('z'.repeat(32))?.problem).toMatch(/is not hex/);
    expect(problem(LOCAL_FALLBACK_PATH_TOKEN)?.problem).toMatch(/is the local stack's token/);
    expect(problem(undefined)?.fix).toBe(
      'generate one with `openssl rand -hex 16`, set FALLBACK_PATH_TOKEN=<it> in functions/.env.my-plant, deploy Hosting again, then run `npm run preflight -- --project my-plant --fix` to point the number at it',
    );
  });

  it('stops a real project’s deploy whose env file has no token, or one too short to be secret', () => {
    const numbers = 'ON_CALL_NUMBERS=+15550001111\n';
    expect(() => hostingSettings('my-plant', functionsDir({ '.env.my-plant': numbers }))).toThrow(
      /FALLBACK_PATH_TOKEN in functions\/\.env\.my-plant is not set.*openssl rand -hex 16/,
    );
    expect(() =>
      hostingSettings(
        'my-plant',
        functionsDir({ '.env.my-plant': `${numbers}FALLBACK_PATH_TOKEN=${TOKEN.slice(0, 31)}\n` }),
      ),
    ).toThrow(/FALLBACK_PATH_TOKEN in functions\/\.env\.my-plant is too short/);
  });

  it('uses the local on-call number and the fixed local token in a local build', () => {
    expect(hostingSettings(null)).toEqual({
      projectId: null,
      region: 'us-central1',
      onCallNumbers: LOCAL_ON_CALL.numbers,
      fallbackPath: `/twilio/fallback-${LOCAL_FALLBACK_PATH_TOKEN}.xml`,
    });
    expect(hostingSettings('demo-aurora')).toMatchObject({
      onCallNumbers: LOCAL_ON_CALL.numbers,
      fallbackPath: fallbackPath(LOCAL_FALLBACK_PATH_TOKEN),
    });
  });

  it('is written into the build output with the region the page’s callable client names', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'src'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><script type="module" src="/src/main.js"></script>',
    );
    writeFileSync(
      join(root, 'src', 'main.js'),
      'document.title = import.meta.env.VITE_FUNCTIONS_REGION;',
    );
    const dir = functionsDir({
      '.env.my-plant': `FUNCTIONS_REGION=europe-west1\nON_CALL_NUMBERS=+15550001111,+15550002222\nFALLBACK_PATH_TOKEN=${TOKEN}\n`,
    });
    await build({
      root,
      logLevel: 'silent',
      configFile: false,
      plugins: [deploymentAssets({ projectId: 'my-plant', functionsDir: dir })],
      build: { outDir: join(root, 'dist') },
    });
    expect(readFileSync(join(root, 'dist', 'twilio', `fallback-${TOKEN}.xml`), 'utf8')).toBe(
      fallbackTwiml(['+15550001111', '+15550002222']),
    );
    // Nothing at the old guessable path, and the twilio folder holds only the line and its screening.
    expect(existsSync(join(root, 'dist', LEGACY_FALLBACK_PATH))).toBe(false);
    expect(readdirSync(join(root, 'dist', 'twilio')).sort()).toEqual(
      ['fallback-accept.xml', `fallback-${TOKEN}.xml`, 'fallback-screen.xml'].sort(),
    );
    expect(readFileSync(join(root, 'dist', 'twilio', 'fallback-screen.xml'), 'utf8')).toBe(
      fallbackScreeningTwiml(),
    );
    expect(readFileSync(join(root, 'dist', 'twilio', 'fallback-accept.xml'), 'utf8')).toBe(
      fallbackAcceptTwiml(),
    );
    const html = readFileSync(join(root, 'dist', 'index.html'), 'utf8');
    const [bundle] = html.match(/assets\/[^"]+\.js/) ?? [];
    const script = readFileSync(join(root, 'dist', bundle!), 'utf8');
    expect(script).toMatch(/[`"']europe-west1[`"']/);
    // Nothing on the site links to the fallback line: its path is only in the number's settings.
    for (const page of [html, script]) expect(page).not.toContain(TOKEN);
  });
});
