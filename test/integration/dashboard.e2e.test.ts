/**
 * The admin dashboard in headless Chromium, against the local stack: the page the hosting
 * emulator serves, the web SDK on the emulators, the callable driving the simulated call.
 * Screenshots of the main views go to test-results/screenshots (not committed).
 */
import { mkdirSync } from 'node:fs';
import { getAuth } from 'firebase-admin/auth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, grantAdmin, revokeAdmin } from '../../scripts/lib/admins.ts';
import { launchChromium, signIn } from '../../scripts/lib/browser.ts';
import { seriousViolations } from '../helpers/axe';
import { counts, hasAttribute, reads, sees } from '../helpers/browser';
import { ESCALATION_SECONDS, ON_CALL, textsSent } from '../helpers/escalation';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  eventually,
  ringing,
  testClients,
} from '../helpers/stack';

const { app, db, firestore } = testClients();

const DASHBOARD = SIM.baseUrl;
const SCREENSHOTS = 'test-results/screenshots';
const SECOND_ADMIN = { email: 'ben@aurora.local', password: 'ben-password-1' };
const NOT_ADMIN = { email: 'worker@aurora.local', password: 'worker-password-1' };

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const auth = getAuth(app);
  await grantAdmin({ auth, db, firestore }, SECOND_ADMIN.email, SECOND_ADMIN.password);
  await auth.createUser({ ...NOT_ADMIN }).catch((err: { code?: string }) => {
    if (err.code !== 'auth/email-already-exists') throw err;
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function pageSignedInAs(who: { email: string; password: string }): Promise<Page> {
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 } })
  ).newPage();
  await signIn(page, DASHBOARD, who.email, who.password);
  return page;
}

const row = (page: Page, callId: string) =>
  page.locator(`[data-testid=live-calls] tr[data-call-id="${callId}"]`);
const transcript = (page: Page) => page.locator('[data-testid=transcript]');

describe('the admin dashboard', () => {
  it('keeps out accounts without the admin claim, and says why', async () => {
    const page = await pageSignedInAs(NOT_ADMIN);
    await sees(page.getByTestId('not-admin'), 'worker@aurora.local is not a supervisor');
    expect(await page.getByTestId('live-calls').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/not-admin.png` });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').fill('wrong');
    await page.getByLabel('Email').fill(DEMO_ADMIN.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await reads(page.getByRole('alert'), 'Wrong email or password.');
    await page.context().close();
  });

  it('closes an open dashboard within seconds of the admin being revoked', async () => {
    const dana = { email: 'dana.revoked@aurora.local', password: 'dana-password-1' };
    await grantAdmin({ auth: getAuth(app), db, firestore }, dana.email, dana.password);
    const page = await pageSignedInAs(dana);
    await page.getByTestId('live-calls').waitFor();
    const { call, callId } = await ringing('+15550100003');
    await row(page, callId).waitFor();
    await revokeAdmin({ auth: getAuth(app), db, firestore }, dana.email);
    // Pushed by the database, not waiting for the ID token (an hour) to expire.
    await sees(page.getByTestId('access-removed'), 'is no longer a supervisor', 10_000);
    expect(await page.getByTestId('live-calls').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await call.status('completed');
    await page.context().close();
  });

  it('shows a new call live, raises the alarm when it turns critical, and streams its transcript', async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    const { call, callId } = await ringing('+15550100003');
    await sees(row(page, callId), 'NORMAL');
    await sees(row(page, callId), /Ana Costa\s+\+15550100003/); // the name comes from the worker registry
    expect(await page.getByTestId('critical-alarm').count()).toBe(0);

    await row(page, callId).click();
    await counts(transcript(page).locator('li'), 1);
    await call.speaking('there is smoke coming from');
    await reads(page.getByTestId('partial'), 'Caller is saying: “there is smoke coming from…”');

    await call.say('There is a fire in the paint store');
    await sees(
      transcript(page).locator('li[data-role=user]'),
      /There is a fire in the paint store/,
    );
    await sees(transcript(page).locator('li[data-role=assistant]').last(), 'Sources:');
    await page.getByTestId('partial').waitFor({ state: 'hidden' });
    await hasAttribute(row(page, callId), 'data-urgency', 'CRITICAL');
    await page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`).first().waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/live-call.png` });

    // The line drops before anyone acknowledged the CRITICAL call: it stays, alarming, until someone does.
    await call.status('completed');
    await sees(page.getByTestId('call-state'), 'without anyone acknowledging it', 20_000);
    await page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`).first().waitFor();
    await page.locator('.controls').getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('Call over').first().waitFor({ timeout: 20_000 });
    await counts(row(page, callId), 0);
    await page.context().close();
  });

  it('lets one admin take a call, speak to the caller, hand it back, and end it into history', async () => {
    const [ana, ben] = [await pageSignedInAs(DEMO_ADMIN), await pageSignedInAs(SECOND_ADMIN)];
    const { call, callId } = await ringing('+15550100004');
    await call.say('A man has collapsed near the boiler');

    await row(ana, callId).click();
    await row(ben, callId).click();
    await ana.getByRole('button', { name: 'Take over' }).click();
    await reads(ana.getByTestId('call-state'), `Taken over by ${DEMO_ADMIN.email}`);
    expect((await call.nextUpdate())!.said).toEqual([
      'A safety supervisor has joined the call and is listening. Keep talking to us.',
    ]);

    // The second admin sees who has it and gets no controls.
    await reads(ben.getByTestId('call-state'), `Taken over by ${DEMO_ADMIN.email}`);
    await reads(row(ben, callId).locator('.holder'), DEMO_ADMIN.email);
    expect(await ben.getByRole('button', { name: 'Take over' }).count()).toBe(0);

    await ana.locator('textarea[name=say]').fill('Is he breathing? Stay with him, help is coming.');
    await ana.getByRole('button', { name: 'Say to caller' }).click();
    expect((await call.nextUpdate())!.said).toEqual([
      'Is he breathing? Stay with him, help is coming.',
    ]);
    await sees(
      transcript(ben).locator('li[data-role=admin]'),
      /Is he breathing\? Stay with him, help is coming\./,
    );

    // While a human holds the call, Aurora records the caller but does not answer.
    const answer = await call.say('Yes he is breathing');
    expect(answer.said).toEqual([]);
    await sees(transcript(ana).locator('li').last(), /Yes he is breathing/);
    await ana.screenshot({ path: `${SCREENSHOTS}/takeover.png` });

    // Silence while a human holds the call: no reprompt, no goodbye, no hang-up, however long;
    // the holder sees that the caller has gone quiet.
    for (let turn = 0; turn < 4; turn++) {
      const heard = await call.say('');
      expect(heard.said).toEqual([]);
      expect(heard.hungUp).toBeFalsy();
    }
    await sees(ana.getByTestId('caller-quiet'), 'The caller has said nothing since');
    await call.say('I am still here');
    await counts(ana.getByTestId('caller-quiet'), 0);

    await ana.getByRole('button', { name: 'Hand back to Aurora' }).click();
    await reads(ana.getByTestId('call-state'), 'Aurora is answering');
    expect((await call.nextUpdate())!.said).toEqual(['Aurora here again. I am listening.']);
    expect((await call.say('Should I move him?')).said).not.toEqual([]);

    await ben.getByRole('button', { name: 'Take over' }).click();
    await reads(ben.getByTestId('call-state'), `Taken over by ${SECOND_ADMIN.email}`);
    await call.nextUpdate();
    await ben.getByRole('button', { name: 'End call' }).click();
    expect((await call.nextUpdate())!.hungUp).toBe(true); // the simulator sent Twilio's status callback
    await acknowledge(callId);
    const { call: archived, conversation } = await archivedAndPurged(
      callId,
      callId.replace(/^call_/, 'conv_'),
    );
    expect(archived.admin_id).toBe(SECOND_ADMIN.email);
    const roles = (conversation.messages as Array<{ role: string; content: string }>).map(
      (m) => `${m.role}: ${m.content}`,
    );
    expect(roles).toContain('admin: Is he breathing? Stay with him, help is coming.');
    expect(roles.at(-1)).toBe(`system: ${SECOND_ADMIN.email} ended the call.`);
    await ben.getByText('Call over').first().waitFor();

    // History: the call is there; the supervisor records the outcome.
    await ben.getByRole('tab', { name: 'History' }).click();
    const historyRow = ben.locator(`[data-testid=history] tr[data-call-id="${callId}"]`);
    await historyRow.click();
    await sees(ben.getByTestId('archived-transcript'), 'Is he breathing?');
    await ben.locator('select[name=final_action]').selectOption('Emergency services called');
    await ben.locator('textarea[name=admin_notes]').fill('Ambulance took him to hospital.');
    await ben.getByRole('button', { name: 'Save' }).click();
    await reads(ben.getByTestId('notes-status'), 'Saved.');
    await reads(historyRow.locator('.final-action'), 'Emergency services called');
    const saved = (await firestore.collection('calls').doc(callId).get()).data()!;
    expect(saved).toMatchObject({
      final_action: 'Emergency services called',
      admin_notes: 'Ambulance took him to hospital.',
    });
    await ben.screenshot({ path: `${SCREENSHOTS}/history.png` });
    await ana.context().close();
    await ben.context().close();
  });

  it('bridges the caller to a phone number', async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    const { call, callId } = await ringing('+15550100005');
    await row(page, callId).click();
    await sees(page.getByTestId('call-state'), 'Aurora is answering');
    await page.getByRole('button', { name: 'Take over' }).click();
    await call.nextUpdate();
    await page.locator('input[name=bridge]').fill('+1 555 765 4321');
    await page.getByRole('button', { name: 'Bridge to number' }).click();
    const bridged = (await call.nextUpdate())!;
    // Lena Fischer is registered as German: she hears the line in German.
    expect(bridged).toMatchObject({
      said: ['Ich verbinde Sie jetzt. Bleiben Sie in der Leitung.'],
      dialed: '+15557654321',
    });
    await sees(
      transcript(page).locator('li').last(),
      `${DEMO_ADMIN.email} bridged the caller to +15557654321.`,
    );
    await call.status('completed'); // the bridged call ends
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.context().close();
  });

  it('filters the history by urgency and number, and charts calls per day', async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    await page.getByRole('tab', { name: 'History' }).click();
    await page.locator('input[name=who]').fill('+1 555 010 0004');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('[data-testid=history] tr[data-call-id]');
    // The unfiltered page is replaced by the filtered one.
    await eventually("only that worker's calls", async () => {
      const texts = await rows.allInnerTexts();
      return texts.length > 0 && texts.every((text) => text.includes('+15550100004'));
    });
    // That worker's call above was critical: NORMAL leaves it out (other test files may have
    // archived NORMAL calls from the same worker; every row left must be one of those).
    await page.locator('select[name=urgency]').selectOption('NORMAL');
    await page.getByRole('button', { name: 'Search' }).click();
    await eventually("only that worker's NORMAL calls", async () => {
      if (
        (await page.locator('[data-testid=history]').innerText()).includes(
          'No archived calls match.',
        )
      )
        return true;
      const texts = await rows.allInnerTexts();
      return (
        texts.length > 0 &&
        texts.every((text) => text.includes('NORMAL') && text.includes('+15550100004'))
      );
    });
    await page.locator('select[name=urgency]').selectOption('CRITICAL');
    await page.locator('input[name=who]').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await sees(rows.first(), 'CRITICAL');
    const critical = page.locator('[data-testid=calls-chart] rect[data-urgency=CRITICAL]');
    await critical.first().first().waitFor();
    await page.locator('input[name=from]').fill('2026-01-02');
    await page.locator('input[name=to]').fill('2026-01-01');
    await page.getByRole('button', { name: 'Search' }).click();
    await reads(page.locator('.filters [role=alert]'), 'From is after To.');
    await page.context().close();
  });
});

describe('alerts and escalation in the dashboard', () => {
  /** An admin's page that records the system notifications it shows. */
  async function watchingAdmin(who: { email: string; password: string }): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['notifications'], { origin: DASHBOARD });
    await context.addInitScript(() => {
      const shown: Array<{ title: string; body?: string }> = [];
      (window as unknown as { shown: typeof shown }).shown = shown;
      const Real = window.Notification;
      window.Notification = new Proxy(Real, {
        construct(target, args: [string, NotificationOptions?]) {
          shown.push({ title: args[0], body: args[1]?.body });
          return new target(...args);
        },
      });
    });
    const page = await context.newPage();
    await signIn(page, DASHBOARD, who.email, who.password);
    return page;
  }
  const shown = (page: Page) =>
    page.evaluate(
      () => (window as unknown as { shown: Array<{ title: string; body?: string }> }).shown,
    );
  const alert = (page: Page, callId: string, kind: string) =>
    page.locator(`[data-testid=alerts] li[data-call-id="${callId}"][data-kind="${kind}"]`);

  it('shows a critical alert arriving; one admin acknowledges it, every admin sees who, and nothing escalates', async () => {
    const [ana, ben] = [await watchingAdmin(DEMO_ADMIN), await watchingAdmin(SECOND_ADMIN)];
    const started = Date.now();
    const { call, callId } = await ringing('+15550100002');
    await alert(ana, callId, 'new-call').waitFor();
    await call.say('Gas leak in the compressor room, my colleague collapsed');
    const banner = ana.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`);
    await banner.waitFor();
    await alert(ben, callId, 'critical').waitFor();
    await sees(ana.getByTestId('live-counts'), '1 CRITICAL');
    await ana.screenshot({ path: `${SCREENSHOTS}/alert.png` });

    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await banner.waitFor({ state: 'detached' });
    await sees(alert(ana, callId, 'critical'), `acknowledged by ${DEMO_ADMIN.email}`);
    await sees(alert(ben, callId, 'critical'), `acknowledged by ${DEMO_ADMIN.email}`);
    await counts(ben.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`), 0);

    await new Promise((r) => setTimeout(r, (ESCALATION_SECONDS + 4) * 1000));
    expect(
      (await textsSent()).filter((m) => m.at >= started && m.body.includes('+15550100002')),
    ).toEqual([]);
    await counts(alert(ana, callId, 'escalated'), 0);
    await call.status('completed');
    await sees(alert(ana, callId, 'ended'), 'archived', 20_000);
    await ana.context().close();
    await ben.context().close();
  });

  it('alarms again, and escalates, when a call acknowledged while NORMAL turns CRITICAL', async () => {
    const page = await watchingAdmin(DEMO_ADMIN);
    const started = Date.now();
    const { call, callId } = await ringing('+15550100004');
    await alert(page, callId, 'new-call').getByRole('button', { name: 'Acknowledge' }).click();
    await sees(alert(page, callId, 'new-call'), `acknowledged by ${DEMO_ADMIN.email}`);

    await call.say('Someone fell from the scaffold and is not breathing');
    const banner = page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`);
    await banner.first().waitFor();
    await row(page, callId).click();
    await sees(page.getByTestId('call-acknowledged'), 'at NORMAL; now CRITICAL: acknowledge again');
    await alert(page, callId, 'escalated').waitFor({ timeout: 30_000 });
    await eventually(
      'the escalation texts',
      async () =>
        (await textsSent()).filter((m) => m.at >= started && m.body.includes('+15550100004'))
          .length >= ON_CALL.length || undefined,
    );

    await banner.first().getByRole('button', { name: 'Acknowledge' }).click();
    await counts(banner, 0);
    await sees(page.getByTestId('call-acknowledged'), `Acknowledged by ${DEMO_ADMIN.email}`);
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.context().close();
  });

  it('escalates a critical call nobody acknowledges: SMS to the on-call numbers, an alarm and a notification', async () => {
    const page = await watchingAdmin(DEMO_ADMIN);
    const started = Date.now();
    const { call, callId } = await ringing('+15550100005');
    await call.say('There is a fire in the workshop and it is spreading');
    await page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`).first().waitFor();

    await alert(page, callId, 'escalated').waitFor({ timeout: 30_000 });
    await sees(
      page.locator(`[data-testid=critical-alarm][data-alert-id="${callId}~escalated"]`),
      'ESCALATED, nobody acknowledged',
    );
    // The escalation is claimed on the call (which raises the alert) before the texts go out.
    const texts = await eventually('the escalation texts', async () => {
      const mine = (await textsSent()).filter(
        (m) => m.at >= started && m.body.includes('worker_005 (+15550100005)'),
      );
      return mine.length >= ON_CALL.length ? mine : undefined;
    });
    expect(texts.map((m) => m.to).sort()).toEqual(ON_CALL);
    expect(await shown(page)).toContainEqual({
      title: 'Aurora: CRITICAL call not acknowledged',
      body: 'Lena Fischer (+15550100005) needs a supervisor now.',
    });
    await row(page, callId).click();
    // Per recipient, from what Twilio accepted: a message SID for each on-call number.
    for (const to of ON_CALL)
      await sees(
        page.getByTestId('escalation'),
        new RegExp(`\\${to}: texted \\(Twilio SM[0-9a-f]{32}\\)`),
      );
    await page.screenshot({ path: `${SCREENSHOTS}/escalated.png` });
    expect(await seriousViolations(page)).toEqual([]);

    // Acknowledging now takes the alarms down.
    await page.getByRole('button', { name: 'Acknowledge' }).first().click();
    await counts(page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`), 0);
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.context().close();
  });
});
