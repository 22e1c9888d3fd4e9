/**
 * The supervisor's own voice on a live call (issue 24), in headless Chromium against the local
 * stack. The page runs the fake voice client (`?voice=fake`, allowed only against the emulators)
 * with Chromium's fake microphone; the test carries its browser legs to the Twilio stand-in as
 * Twilio would (the TwiML App's Voice URL, /twilio/browser), and the stand-in rings the phones
 * "Call me" and Transfer dial. What is asserted: the callControl requests the page sends, what
 * the fake was asked, and what the supervisor reads (their voice, who is on the call, where the
 * caller is, who said each transcribed line). Screenshots go to test-results/voice.
 */
import { mkdirSync } from 'node:fs';
import { getAuth } from 'firebase-admin/auth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeVoiceRecord } from '../../hosting/src/voice/fakeClient';
import type { VoiceTarget } from '../../hosting/src/voice/voiceClient';
import { SUPERVISOR_LINES_IN } from '../../functions/src/core/twiml';
import { DEMO_ADMIN, grantAdmin } from '../../scripts/lib/admins.ts';
import { launchChromium, signIn } from '../../scripts/lib/browser.ts';
import type { SimulatedCall } from '../../scripts/lib/twilio-sim.ts';
import { seriousViolations } from '../helpers/axe';
import { counts, reads, sees } from '../helpers/browser';
import { ON_CALL } from '../helpers/escalation';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  eventually,
  ringing,
  testClients,
} from '../helpers/stack';

const { app, db, firestore } = testClients();
const DASHBOARD = `${SIM.baseUrl}/?voice=fake`;
const SHOTS = 'test-results/voice';
const BEN = { email: 'ben.voice@aurora.local', password: 'ben-voice-password-1' };
const ANA = DEMO_ADMIN.email;
/** What the caller hears when a supervisor acts on the call (in English: these callers' language). */
const LINES = SUPERVISOR_LINES_IN.en;

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await grantAdmin({ auth: getAuth(app), db, firestore }, BEN.email, BEN.password);
  // Chromium's own fake microphone, allowed without a prompt: the fake client takes it as the SDK would.
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
  ]);
});

afterAll(async () => {
  await browser?.close();
});

const sim = (path: string, init: { method: string; body?: unknown } = { method: 'GET' }) =>
  fetch(`${SIM.twilioApi}/sim/${path}`, {
    method: init.method,
    headers: { 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

/**
 * Carries the page's fake voice legs to the Twilio stand-in, as Twilio carries the SDK's: a
 * connect asks the TwiML App's Voice URL (the functions' /twilio/browser) with the connect's
 * params, From client:{uid}; the leg is up once it waits in the call's conference.
 */
async function carryVoice(page: Page, uid: string) {
  const legs = new Map<string, string>();
  await page.exposeFunction(
    'auroraVoiceCarrier',
    async (op: 'connect' | 'disconnect', target: VoiceTarget): Promise<string | null> => {
      if (op === 'disconnect') {
        const sid = legs.get(target.callId);
        legs.delete(target.callId);
        if (sid) await sim(`clients/${sid}/hangup`, { method: 'POST' });
        return null;
      }
      const res = await sim('clients/connect', {
        method: 'POST',
        body: { identity: uid, params: target },
      });
      const leg = (await res.json()) as {
        callSid?: string;
        heard?: string[];
        conference?: unknown;
        message?: string;
      };
      if (!res.ok) return leg.message ?? `the stand-in answered ${res.status}`;
      if (!leg.conference) return `Twilio ended the call: ${(leg.heard ?? []).join(' ')}`;
      legs.set(target.callId, leg.callSid!);
      return null;
    },
  );
  return {
    /** The CallSid of this page's browser leg on the call. */
    legOf: (callId: string) => legs.get(callId),
  };
}

type Supervisor = {
  page: Page;
  /** Every callControl request the page sent, oldest first (the callable's `data`). */
  sent: Array<Record<string, unknown>>;
  legOf: (callId: string) => string | undefined;
};

async function supervisor(who: { email: string; password: string }): Promise<Supervisor> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    permissions: ['microphone'],
  });
  const page = await context.newPage();
  const sent: Supervisor['sent'] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/callControl'))
      sent.push((request.postDataJSON() as { data: Record<string, unknown> }).data);
  });
  const uid = (await getAuth(app).getUserByEmail(who.email)).uid;
  const { legOf } = await carryVoice(page, uid);
  await signIn(page, DASHBOARD, who.email, who.password);
  return { page, sent, legOf };
}

const records = (page: Page) =>
  page.evaluate(() => window.auroraFakeVoice?.records ?? []) as Promise<FakeVoiceRecord[]>;
const openCall = async (page: Page, callId: string) => {
  await page
    .locator(`[data-testid=live-calls] tr[data-call-id="${callId}"]`)
    .getByRole('button')
    .click();
  await page.getByTestId('call-state').waitFor();
};
const voice = (page: Page) => page.getByTestId('voice');
const button = (page: Page, name: string) => voice(page).getByRole('button', { name, exact: true });
const members = (page: Page) => page.getByTestId('conference-members').locator('li');
/** The leg whose line starts with `subject` (another leg's line may name it too: "…still with you and on-call +1555…"). */
const member = (page: Page, subject: string | RegExp) =>
  members(page).filter({
    hasText:
      typeof subject === 'string'
        ? new RegExp(`^${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
        : subject,
  });
/** The callControl requests sent since `from`, without the call id they all carry. */
const requestsSince = (s: Supervisor, from: number, callId: string) =>
  s.sent.slice(from).map(({ callId: id, ...rest }) => {
    expect(id).toBe(callId);
    return rest;
  });
/** The call view as the supervisor sees it (the panel, whole), for the closing note. */
const shoot = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Selected call' }).screenshot({ path: `${SHOTS}/${name}.png` });
/** Waits for the caller's next update that put them in (or took them out of) a conference. */
async function nextConferenceMove(call: SimulatedCall) {
  for (let i = 0; i < 4; i++) {
    const heard = await call.nextUpdate();
    if (!heard) break;
    if (heard.conference || heard.leftConference) return heard;
  }
  throw new Error('the caller was not moved into or out of a conference');
}

async function finish(call: SimulatedCall, callId: string) {
  await call.status('completed');
  await acknowledge(callId);
  await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
}

describe("the supervisor's own voice on a call", () => {
  it('talks: takes the call, joins from the browser, and the caller is in the conference with them; a refused microphone says so and typing goes on', async () => {
    const ana = await supervisor(DEMO_ADMIN);
    const { page } = ana;
    const { call, callId } = await ringing('+15550100002');
    await call.say('There is smoke coming out of the compressor room');
    await openCall(page, callId);
    await reads(page.getByTestId('caller-where'), 'The caller is with Aurora.');

    // A microphone the browser refuses (as the SDK reports it: 31401).
    await page.evaluate(() => window.auroraFakeVoice!.failNext({ code: 31401 }));
    let from = ana.sent.length;
    await button(page, 'Talk').click();
    await sees(page.getByTestId('voice-problem'), 'Your browser did not allow the microphone.');
    await sees(page.getByTestId('voice-problem'), 'Typing still works');
    expect(await page.getByTestId('voice-problem').getAttribute('role')).toBe('alert');
    expect(requestsSince(ana, from, callId)).toEqual([{ action: 'take' }]);
    await reads(page.getByTestId('call-state'), `Taken over by ${ANA}`);
    await call.nextUpdate(); // the take's line to the caller
    // The typed words still reach the caller.
    await page.getByLabel('Words for the caller').fill('I am here with you. Are you safe?');
    await page.getByRole('button', { name: 'Say to caller' }).click();
    expect((await call.nextUpdate())!.said).toEqual(['I am here with you. Are you safe?']);

    // Talk again, from the keyboard: the browser joins, the caller is moved in with Ana.
    from = ana.sent.length;
    const talk = button(page, 'Talk');
    // (Disabled while the words are being sent; a disabled button cannot take the focus.)
    await eventually('Talk enabled', async () => (await talk.isEnabled()) || undefined);
    await talk.focus();
    expect(await talk.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    const moved = await nextConferenceMove(call);
    expect(moved.conference).toBeDefined();
    await reads(page.getByTestId('voice-state'), 'Talking: the caller hears you');
    await sees(member(page, 'Your browser'), 'Your browser joined: heard by the caller');
    await reads(page.getByTestId('caller-where'), 'The caller is in the conference with you.');
    expect(requestsSince(ana, from, callId)).toEqual([]); // already holding: no second take
    expect(await records(page)).toEqual([
      { op: 'connect', callId, mode: 'talk' },
      { op: 'connect', callId, mode: 'talk' },
    ]);

    // The humans' words are transcribed and labelled by who spoke.
    await sim(`calls/${ana.legOf(callId)}/speak`, {
      method: 'POST',
      body: { text: 'Leave the building by the north door' },
    });
    await call.say('Okay I am walking to the north door');
    const lines = page.locator('[data-testid=transcript] li[data-spoken]');
    await sees(
      lines.filter({ hasText: 'Leave the building' }).locator('.who'),
      `Supervisor ${ANA} (voice)`,
    );
    await sees(lines.filter({ hasText: 'walking to the north door' }).locator('.who'), 'Caller');
    expect(await seriousViolations(page), 'axe while talking').toEqual([]);
    await shoot(page, 'talking');

    // Hang up: the browser leaves, the caller is back with Ana's typing, the call still hers.
    from = ana.sent.length;
    await button(page, 'Hang up').click();
    expect((await nextConferenceMove(call)).leftConference).toBeDefined();
    expect(requestsSince(ana, from, callId)).toEqual([{ action: 'leave' }]);
    await reads(
      page.getByTestId('caller-where'),
      'The caller is with you: Aurora reads out what you type.',
    );
    await sees(member(page, 'Your browser'), 'Your browser left the call');
    await reads(page.getByTestId('call-state'), `Taken over by ${ANA}`);
    expect((await records(page)).at(-1)).toEqual({ op: 'disconnect', callId, mode: 'talk' });

    await finish(call, callId);
    await page.context().close();
  });

  it('listens in muted to a call another supervisor holds, then speaks up', async () => {
    const ana = await supervisor(DEMO_ADMIN);
    const ben = await supervisor(BEN);
    const { call, callId } = await ringing('+15550100003');
    await openCall(ben.page, callId);
    // Listen is offered on any live call, before anyone talks too: nothing to explain.
    const listen = button(ben.page, 'Listen');
    await listen.waitFor();
    expect(await listen.isEnabled()).toBe(true);
    expect(await listen.getAttribute('aria-describedby')).toBeNull();

    expect(await seriousViolations(ben.page), 'axe before anyone talks').toEqual([]);

    // Ana talks; Ben may now listen.
    await openCall(ana.page, callId);
    await button(ana.page, 'Talk').click();
    await call.nextUpdate(); // the take
    await nextConferenceMove(call);
    await sees(
      ben.page.getByTestId('caller-where'),
      `The caller is in the conference with ${ANA}.`,
    );
    // Ben cannot take a call Ana holds: Talk says why.
    expect(await button(ben.page, 'Talk').isDisabled()).toBe(true);
    await sees(
      ben.page.getByTestId('voice'),
      `${ANA} holds this call. Listen in, then Speak up to be heard.`,
    );

    let from = ben.sent.length;
    await listen.click();
    await reads(ben.page.getByTestId('voice-state'), 'Listening: the caller cannot hear you');
    await sees(
      member(ben.page, 'Your browser'),
      'Your browser joined, muted: listening without being heard',
    );
    await sees(
      member(ana.page, `${BEN.email}'s browser`),
      'joined, muted: listening without being heard',
    );
    await reads(
      ben.page.getByTestId('caller-where'),
      `The caller is in the conference with ${ANA}. You are listening, muted.`,
    );
    await reads(
      ana.page.getByTestId('caller-where'),
      `The caller is in the conference with you. ${BEN.email} is listening, muted.`,
    );
    expect(requestsSince(ben, from, callId)).toEqual([]); // listening takes nothing
    expect(await records(ben.page)).toEqual([{ op: 'connect', callId, mode: 'listen' }]);
    expect(await seriousViolations(ben.page), 'axe while listening').toEqual([]);
    await shoot(ben.page, 'listening');

    // Speak up (barge in), then mute again.
    from = ben.sent.length;
    await button(ben.page, 'Speak up').click();
    await reads(ben.page.getByTestId('voice-state'), 'Talking: the caller hears you');
    await sees(member(ben.page, 'Your browser'), 'Your browser joined: heard by the caller');
    await button(ben.page, 'Mute').click();
    await reads(ben.page.getByTestId('voice-state'), 'Listening: the caller cannot hear you');
    expect(requestsSince(ben, from, callId)).toEqual([
      { action: 'mute', muted: false },
      { action: 'mute', muted: true },
    ]);

    // Ben stops listening: Ana stays with the caller.
    from = ben.sent.length;
    await button(ben.page, 'Stop listening').click();
    expect(requestsSince(ben, from, callId)).toEqual([{ action: 'leave' }]);
    await sees(member(ana.page, `${BEN.email}'s browser`), 'left the call');
    await reads(ana.page.getByTestId('caller-where'), 'The caller is in the conference with you.');

    await button(ana.page, 'Hang up').click();
    await nextConferenceMove(call);
    await finish(call, callId);
    await ana.page.context().close();
    await ben.page.context().close();
  });

  it('listens to a call Aurora handles alone: the caller is moved in, Aurora answers in the conference, Speak up takes the call, Hand back returns it', async () => {
    const ana = await supervisor(DEMO_ADMIN);
    const { page } = ana;
    const { call, callId } = await ringing('+15550100004');
    await openCall(page, callId);
    await reads(page.getByTestId('caller-where'), 'The caller is with Aurora.');
    await reads(page.getByTestId('call-state'), 'Aurora is answering');

    // Nobody talks with the caller: Listen is offered all the same, and takes nothing.
    let from = ana.sent.length;
    const listen = button(page, 'Listen');
    await listen.waitFor();
    expect(await listen.isEnabled()).toBe(true);
    expect(await listen.getAttribute('aria-describedby')).toBeNull();
    await listen.click();
    // The listener's join moves the caller into the conference: not told a supervisor joins (nobody will speak).
    const moved = await nextConferenceMove(call);
    expect(moved.conference).toBeDefined();
    expect(moved.said).not.toContain(LINES.supervisorJoined);
    expect(moved.said).not.toContain(LINES.connecting);
    await reads(
      page.getByTestId('voice-state'),
      'Listening: Aurora is answering; the caller cannot hear you',
    );
    await sees(
      member(page, 'Your browser'),
      'Your browser joined, muted: listening without being heard',
    );
    await reads(
      page.getByTestId('caller-where'),
      'The caller is in the conference with Aurora, who answers them. You are listening, muted.',
    );
    // Aurora answers them: not the warning that the caller hears nobody.
    expect(await page.getByTestId('caller-where').getAttribute('class')).not.toMatch(/problem/);
    await reads(page.getByTestId('call-state'), 'Aurora is answering');
    expect(requestsSince(ana, from, callId)).toEqual([]);
    expect(await records(page)).toEqual([{ op: 'connect', callId, mode: 'listen' }]);
    const speakUp = button(page, 'Speak up (take the call)');
    await speakUp.waitFor();
    expect(await seriousViolations(page), 'axe while listening to Aurora').toEqual([]);
    await shoot(page, 'listening-to-aurora');

    // The caller's words, spoken into the conference, and Aurora's reply, announced into it.
    const transcript = page.getByTestId('transcript');
    const replies = transcript.locator('li[data-role=assistant]');
    const repliesBefore = await replies.count();
    const words = 'There is oil all over the floor of the loading bay';
    // Only words said once Twilio reports the caller in the conference are transcribed as heard there.
    await eventually(
      'the caller in the conference, by Twilio',
      async () =>
        (await db.ref(`active_calls/${callId}/conference/caller_joined_at`).get()).exists() ||
        undefined,
    );
    await call.say(words);
    await sees(
      transcript
        .locator('li[data-spoken][data-role=user]')
        .filter({ hasText: words })
        .locator('.who'),
      'Caller',
    );
    await counts(replies, repliesBefore + 1, 20_000);
    const reply = replies.last();
    await sees(reply.locator('.who'), 'Aurora');
    const answer = await reply.locator('p').innerText();
    expect(answer.length).toBeGreaterThan(0);
    // Both the caller and the listener hear it (the stand-in keeps what each leg heard).
    const leg = ana.legOf(callId)!;
    for (const [who, sid] of [
      ['the caller', call.callSid],
      ['the listener', leg],
    ] as const)
      await eventually(`${who} to hear Aurora's reply`, async () => {
        const res = await sim(`calls/${sid}`);
        return ((await res.json()) as { heard: string[] }).heard.includes(answer) || undefined;
      });

    // Speak up: the unmute takes the call for Ana (one request), and the caller hears her.
    from = ana.sent.length;
    await speakUp.click();
    await reads(page.getByTestId('call-state'), `Taken over by ${ANA}`);
    await reads(page.getByTestId('voice-state'), 'Talking: the caller hears you');
    await sees(member(page, 'Your browser'), 'Your browser joined: heard by the caller');
    await reads(page.getByTestId('caller-where'), 'The caller is in the conference with you.');
    await sees(button(page, 'Mute'), 'Mute');
    // Heard now: leaving would hang up on the caller, not stop a listening.
    await sees(button(page, 'Hang up'), 'Hang up');
    await sees(transcript.locator('li[data-role=system]').filter({ hasText: `${ANA} took` }), ANA);
    expect(requestsSince(ana, from, callId)).toEqual([{ action: 'mute', muted: false }]);
    await shoot(page, 'spoke-up');

    // Hand back: the conference ends, the browser leaves with it, the caller is with Aurora again.
    from = ana.sent.length;
    await page.getByRole('button', { name: 'Hand back to Aurora' }).click();
    expect((await nextConferenceMove(call)).leftConference).toBeDefined();
    expect(requestsSince(ana, from, callId)).toEqual([{ action: 'release' }]);
    await reads(page.getByTestId('call-state'), 'Aurora is answering');
    await reads(page.getByTestId('caller-where'), 'The caller is with Aurora.');
    expect((await records(page)).at(-1)).toEqual({ op: 'disconnect', callId, mode: 'listen' });
    await sees(member(page, 'Your browser'), 'Your browser left the call');

    await finish(call, callId);
    await page.context().close();
  });

  it("calls the supervisor's phone: ringing, then joined after pressing 1; Leave hands the caller back", async () => {
    const ana = await supervisor(DEMO_ADMIN);
    const { page } = ana;
    const { call, callId } = await ringing('+15550100004');
    await openCall(page, callId);
    let from = ana.sent.length;
    await button(page, 'Call me').click();
    const phone = member(page, `Your phone (${DEMO_ADMIN.phone})`);
    await sees(phone, `Your phone (${DEMO_ADMIN.phone}) is ringing: answer and press 1 to join`);
    await sees(phone, `Your phone (${DEMO_ADMIN.phone}) joined: heard by the caller`, 20_000);
    await nextConferenceMove(call);
    await reads(page.getByTestId('caller-where'), 'The caller is in the conference with you.');
    expect(requestsSince(ana, from, callId)).toEqual([{ action: 'callme' }]);
    expect(await records(page)).toEqual([]); // the browser's voice was never used

    from = ana.sent.length;
    await button(page, 'Leave the call').click();
    expect(requestsSince(ana, from, callId)).toEqual([{ action: 'leave' }]);
    expect((await nextConferenceMove(call)).leftConference).toBeDefined();
    await sees(phone, 'left the call');
    await finish(call, callId);
    await page.context().close();
  });

  it('transfers warmly: a number that does not answer leaves the caller with the supervisor; the on-call person hears the brief, joins, and stays when the supervisor leaves', async () => {
    const ana = await supervisor(DEMO_ADMIN);
    const { page } = ana;
    const [silent, onCall] = ON_CALL as [string, string];
    await sim(`phones/${encodeURIComponent(silent)}`, {
      method: 'PUT',
      body: { outcome: 'no-answer' },
    });
    try {
      const { call, callId } = await ringing('+15550100005');
      // A critical call nobody acknowledges is escalated: the on-call staff it texted are offered first.
      await call.say('There is a fire in the workshop and it is spreading');
      await openCall(page, callId);
      await eventually(
        'the escalation texts',
        async () =>
          (await db.ref(`active_calls/${callId}/escalation/recipients`).get()).numChildren() ===
            ON_CALL.length || undefined,
        30_000,
      );
      await button(page, 'Talk').click();
      await call.nextUpdate(); // the take
      await nextConferenceMove(call);

      // A typed number that is not one: said plainly, nothing sent.
      let from = ana.sent.length;
      await page.getByLabel('Transfer to a number (on-call or allowed)').fill('555 0190');
      await button(page, 'Transfer').click();
      await reads(
        page.getByTestId('voice-problem'),
        'Type the number with its country code, like +15551234567.',
      );
      expect(requestsSince(ana, from, callId)).toEqual([]);

      // The first number does not answer: the caller is still with Ana.
      await page
        .getByLabel('Transfer to a number (on-call or allowed)')
        .fill(silent.replace(/^\+1/, '+1 '));
      await button(page, 'Transfer').click();
      const first = member(page, `On-call ${silent}`);
      await sees(first, `On-call ${silent} did not answer — the caller is still with you`, 20_000);

      // The second, offered first: rung, hears the brief, presses 1, joins.
      await button(page, `Transfer to on-call ${onCall}`).click();
      const second = member(page, `On-call ${onCall}`);
      await sees(
        second,
        `On-call ${onCall} is being called: they hear Aurora's brief of the call, then press 1 to join`,
      );
      expect(await seriousViolations(page), 'axe while transferring').toEqual([]);
      await shoot(page, 'transferring');
      await sees(second, `On-call ${onCall} joined: heard by the caller`, 20_000);
      await reads(
        page.getByTestId('caller-where'),
        `The caller is in the conference with you and on-call ${onCall}.`,
      );
      expect(requestsSince(ana, from, callId)).toEqual([
        { action: 'transfer', to: silent },
        { action: 'transfer', to: onCall },
      ]);
      // The on-call person's words are labelled with their number.
      const oncallLeg = await eventually(
        'the on-call leg',
        async () => (await second.getAttribute('data-member')) ?? undefined,
      );
      await sim(`calls/${oncallLeg}/speak`, {
        method: 'POST',
        body: { text: 'This is the fire warden, I am on my way' },
      });
      await sees(
        page.locator('[data-testid=transcript] li[data-role=oncall]').locator('.who'),
        `On-call (${onCall})`,
      );
      await shoot(page, 'transferred');

      // Ana leaves: the caller and the on-call person go on talking.
      from = ana.sent.length;
      await button(page, 'Hang up').click();
      expect(requestsSince(ana, from, callId)).toEqual([{ action: 'leave' }]);
      await reads(
        page.getByTestId('caller-where'),
        `The caller is in the conference with on-call ${onCall}.`,
      );
      await counts(member(page, /^Your browser joined/), 0);

      // The on-call person hangs up: Ana had left, so Aurora has the caller again, never alone.
      await sim(`calls/${oncallLeg}/hangup`, { method: 'POST' });
      expect((await nextConferenceMove(call)).leftConference).toBeDefined();
      await reads(page.getByTestId('caller-where'), 'The caller is with Aurora.');
      await finish(call, callId);
    } finally {
      await sim(`phones/${encodeURIComponent(silent)}`, { method: 'DELETE' });
      await page.context().close();
    }
  });
});
