/**
 * The dashboard as a supervisor meets it in a busy hour, in headless Chromium against the local
 * stack: one clock (the site's) whatever the browser's zone, named controls that pass an axe-core
 * check and work from the keyboard, one alarm banner for many critical calls, plain words
 * instead of developer commands, and a History that keeps up by itself.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../scripts/lib/admins.ts';
import { launchChromium, signIn } from '../../scripts/lib/browser.ts';
import { seriousViolations } from '../helpers/axe';
import { counts, hasAttribute, reads, sees } from '../helpers/browser';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  eventually,
  ringing,
  testClients,
} from '../helpers/stack';

const { app, db } = testClients();
const DASHBOARD = SIM.baseUrl;
const SCREENSHOTS = 'test-results/screenshots';
const NOT_ADMIN = { email: 'worker@aurora.local', password: 'worker-password-1' };
/** The functions' SITE_TIME_ZONE in the local stack (its default). */
const SITE_ZONE = 'Asia/Kolkata';

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const { getAuth } = await import('firebase-admin/auth');
  await getAuth(app)
    .createUser({ ...NOT_ADMIN })
    .catch((err: { code?: string }) => {
      if (err.code !== 'auth/email-already-exists') throw err;
    });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function pageSignedInAs(
  who: { email: string; password: string },
  options: BrowserContextOptions = {},
): Promise<Page> {
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options })
  ).newPage();
  await signIn(page, DASHBOARD, who.email, who.password);
  return page;
}

const row = (page: Page, callId: string) =>
  page.locator(`[data-testid=live-calls] tr[data-call-id="${callId}"]`);
const historyRow = (page: Page, callId: string) =>
  page.locator(`[data-testid=history] tr[data-call-id="${callId}"]`);
const dateIn = (timeZone: string, at = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);

/** A browser zone whose date differs from the site's right now: the two clocks cannot agree by luck. */
function browserZoneOnAnotherDay(): string {
  const site = dateIn(SITE_ZONE);
  return ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].find((zone) => dateIn(zone) !== site)!;
}

/** Where an element is on screen; the live list redraws its rows as calls change, so it asks again if one was replaced meanwhile. */
const boxOf = (locator: Locator) =>
  eventually(
    `the box of ${locator.toString()}`,
    async () => (await locator.boundingBox()) ?? undefined,
    5000,
  );

async function expectAccessible(page: Page, view: string) {
  expect(await seriousViolations(page), `axe on ${view}`).toEqual([]);
}

describe('the dashboard for a supervisor under stress', () => {
  it("shows every time on the site's clock, named, whatever the browser's zone; History's days are the site's days", async () => {
    const browserZone = browserZoneOnAnotherDay();
    const page = await pageSignedInAs(DEMO_ADMIN, { timezoneId: browserZone });
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(
      browserZone,
    );
    await sees(page.getByTestId('site-clock'), `${SITE_ZONE} (GMT+5:30)`);

    const { call, callId } = await ringing('+15550100001');
    const started = (await db.ref(`active_calls/${callId}/timestamp`).get()).val() as string; // the site's wall clock, +05:30
    await row(page, callId).getByRole('button').click();
    await reads(page.getByTestId('call-started'), `Started ${started.slice(11, 19)}`);
    await counts(page.locator('[data-testid=transcript] li'), 1);
    await call.say('Where do we meet if the alarm goes off in zone A');
    await counts(page.locator('[data-testid=transcript] li'), 3);
    // Every time on the live view (transcript, alerts, header) is the site's wall clock of its instant.
    const shown = await page
      .locator('main time[datetime]')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('datetime')!, el.textContent!]));
    expect(shown.length).toBeGreaterThanOrEqual(4);
    for (const [iso, text] of shown) expect(text, iso).toBe(iso.slice(11, 19));
    await page.screenshot({ path: `${SCREENSHOTS}/one-clock.png` });

    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.getByRole('tab', { name: 'History' }).click();
    await reads(historyRow(page, callId).locator('time'), started.slice(11, 19));
    await historyRow(page, callId).getByRole('button').click();
    await sees(page.getByTestId('archived-transcript'), 'Where do we meet');
    for (const [iso, text] of await page
      .locator('[data-testid=archived-transcript] time')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('datetime')!, el.textContent!]))) {
      expect(text, iso).toBe(iso.slice(11, 19));
    }

    // The date filters and the chart count the site's days: the call is on the site's today...
    const siteToday = started.slice(0, 10);
    await page.getByLabel('From (site date)').fill(siteToday);
    await page.getByLabel('To (site date)').fill(siteToday);
    await page.getByRole('button', { name: 'Search' }).click();
    await historyRow(page, callId).waitFor();
    await page.locator(`[data-testid=calls-chart] rect[data-day="${siteToday}"]`).first().waitFor();
    // ...and not on the browser's today, which is another date.
    const browserToday = dateIn(browserZone);
    expect(browserToday).not.toBe(siteToday);
    await page.getByLabel('From (site date)').fill(browserToday);
    await page.getByLabel('To (site date)').fill(browserToday);
    await page.getByRole('button', { name: 'Search' }).click();
    await counts(historyRow(page, callId), 0);
    await page.context().close();
  });

  it('names every control, passes an axe-core check on every view, and works from the keyboard', async () => {
    const signInPage = await (await browser.newContext()).newPage();
    await signInPage.goto(DASHBOARD);
    await signInPage.getByLabel('Email').waitFor();
    await expectAccessible(signInPage, 'the sign-in form');
    await signInPage.context().close();

    const outsider = await pageSignedInAs(NOT_ADMIN);
    await expectAccessible(outsider, 'no access');
    await outsider.context().close();

    const page = await pageSignedInAs(DEMO_ADMIN);
    const { call, callId } = await ringing('+15550100002');
    await row(page, callId).waitFor();
    await page.getByRole('table', { name: /Live calls/ }).waitFor();
    await page.getByRole('list', { name: 'Alerts' }).waitFor();
    await expectAccessible(page, 'the live list');

    // Keyboard only from here: the caller's name is a button, then the call's own controls.
    const open = row(page, callId).getByRole('button', { name: /Open the call from Marcus Hale/ });
    await open.focus();
    // The list redraws as the call changes; the focus stays on the same control. The words raise
    // the call to URGENT, so its row changes whatever the clock (a NORMAL turn in the same second
    // as the greeting changes nothing the list shows, and nothing would be redrawn).
    const before = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    await row(page, callId).evaluate((el) => el.setAttribute('data-drawn-before', ''));
    await call.say('There is a chemical spill in bay two');
    await eventually(
      'the row redrawn',
      async () => (await row(page, callId).getAttribute('data-drawn-before')) === null || undefined,
    );
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      before,
    );
    await page.keyboard.press('Enter');
    await reads(page.getByTestId('call-state'), 'Aurora is answering');
    await expectAccessible(page, 'a live call');
    await page.getByRole('button', { name: 'Take over' }).focus();
    await page.keyboard.press('Enter');
    await reads(page.getByTestId('call-state'), `Taken over by ${DEMO_ADMIN.email}`);
    await call.nextUpdate();
    const words = page.getByLabel('Words for the caller');
    await expect(words.evaluate((el) => el === document.activeElement)).resolves.toBe(true); // focus lands where the supervisor types
    await page.keyboard.type('Stay where you are, I am sending help.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // Say to caller
    expect((await call.nextUpdate())!.said).toEqual(['Stay where you are, I am sending help.']);
    await page.getByLabel('Phone number to bridge to').waitFor();
    await expectAccessible(page, 'a call taken over');
    await page.getByRole('button', { name: 'End call' }).focus();
    await page.keyboard.press('Enter');
    await call.nextUpdate();
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));

    // The tabs follow the tab pattern: arrow keys move between them.
    await page.getByRole('tab', { name: 'Live calls' }).focus();
    await page.keyboard.press('ArrowRight');
    await hasAttribute(page.getByRole('tab', { name: 'History' }), 'aria-selected', 'true');
    // Each filter is a form control with its label ('Urgency' alone would also find the chart, "Calls per day by urgency", once it is drawn).
    for (const label of ['Urgency', 'Worker or phone number', 'From (site date)', 'To (site date)'])
      await page.getByLabel(label).and(page.locator('input, select')).waitFor();
    await page.getByRole('table', { name: 'History' }).waitFor();
    await historyRow(page, callId).getByRole('button').focus();
    await page.keyboard.press('Enter');
    await sees(page.getByTestId('archived-transcript'), 'Stay where you are');
    await page.getByLabel('Final action').waitFor();
    await expectAccessible(page, 'history with a call open');
    await page.screenshot({ path: `${SCREENSHOTS}/history-labelled.png` });
    await page.context().close();
  });

  it('groups five critical calls in one banner, the most urgent in front, and keeps the live list in view', async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    const list = page.getByTestId('live-calls');
    await list.waitFor();
    const listTopBefore = (await boxOf(list)).y;

    const calls = [];
    for (const n of [1, 2, 3, 4, 5]) {
      const ringingCall = await ringing(`+1555010000${n}`);
      await ringingCall.call.say('There is a fire in the workshop and it is spreading');
      calls.push(ringingCall);
    }
    const banner = page.getByTestId('critical-alarms');
    const entries = banner.getByTestId('critical-alarm');
    await counts(entries, 5);
    await counts(banner, 1);
    await sees(page.getByTestId('alarm-headline'), /^5 CRITICAL calls need a supervisor/);

    // Nobody acknowledges: all five escalate; the one waiting longest stays in front.
    await eventually(
      'all five escalated',
      async () =>
        (await entries.evaluateAll((els) =>
          els.every((el) => el.classList.contains('kind-escalated')),
        )) || undefined,
      40_000,
    );
    await reads(
      page.getByTestId('alarm-headline'),
      '5 CRITICAL calls need a supervisor (5 escalated, nobody acknowledged)',
    );
    expect(
      await entries.evaluateAll((els) => els.map((el) => el.getAttribute('data-call-id'))),
    ).toEqual(calls.map((c) => c.callId));

    // The live list moved down by the banner's headline and a few lines, not by five banners.
    const listTop = (await boxOf(list)).y;
    expect(listTop - listTopBefore).toBeLessThan(200);
    for (const { callId } of calls) {
      const box = await boxOf(row(page, callId));
      expect(box.y + box.height, `${callId} on screen`).toBeLessThanOrEqual(800);
    }
    await expectAccessible(page, 'the live list under five alarms');
    await page.screenshot({ path: `${SCREENSHOTS}/alarms-grouped.png` });

    // Acknowledging the call in front brings the next one forward.
    await entries
      .first()
      .getByRole('button', { name: /^Acknowledge/ })
      .click();
    await counts(entries, 4);
    await hasAttribute(entries.first(), 'data-call-id', calls[1].callId);
    await sees(page.getByTestId('alarm-headline'), /^4 CRITICAL calls need a supervisor/);

    for (const { call, callId } of calls) {
      await call.status('completed');
      await acknowledge(callId);
      await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    }
    await banner.waitFor({ state: 'hidden' });
    await page.context().close();
  });

  it('alarms on every tab: a CRITICAL call while History is open raises the banner, and Open goes to the call', async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('history').waitFor();
    const { call, callId } = await ringing('+15550100004');
    await call.say('Someone is trapped under the press and bleeding heavily');
    const entry = page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`);
    await sees(entry, 'Kwame Mensah');
    await entry.getByRole('button', { name: /^Open/ }).click();
    await hasAttribute(page.getByRole('tab', { name: 'Live calls' }), 'aria-selected', 'true');
    await sees(page.getByTestId('call-state'), 'Aurora is answering');
    await sees(page.getByTestId('transcript'), 'Someone is trapped under the press');
    await entry.getByRole('button', { name: /^Acknowledge/ }).click();
    await counts(entry, 0);
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.context().close();
  });

  it('marks a CRITICAL call resting on unsure words as unconfirmed, says what Aurora asks, and lets a supervisor lower it with a reason', async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    const { call, callId } = await ringing('+15550100005');
    await row(page, callId).getByRole('button').click();
    await reads(page.getByTestId('call-state'), 'Aurora is answering');
    // Seeded as a turn leaves a call whose first words left urgency unsure ("he collapsed"):
    // CRITICAL, provisional, Aurora's key question open. The fan-out copies it to the list and
    // alerts. The stack escalates after 5 s, which confirms it, so the unconfirmed label is
    // checked everywhere at once, right away.
    await db.ref(`active_calls/${callId}`).update({
      urgency: 'CRITICAL',
      urgency_provisional: true,
      question: { procedure: 'heart-attack', id: 'breathing', asked_at: new Date().toISOString() },
    });
    const entry = page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`);
    await Promise.all([
      reads(row(page, callId).locator('.badge'), 'CRITICAL, unconfirmed'),
      sees(entry, 'CRITICAL call, unconfirmed:'),
      reads(page.getByTestId('call-urgency'), 'CRITICAL, unconfirmed'),
      reads(
        page.getByTestId('urgency-note').filter({ hasText: 'Aurora is asking' }),
        'Aurora is asking: is the person breathing normally?',
      ),
    ]);
    await page.screenshot({ path: `${SCREENSHOTS}/urgency-unconfirmed.png` });

    // The supervisor's own decision: a level and a required reason, through callControl; a fall asks first.
    await page.getByLabel('New urgency').selectOption('URGENT');
    await page.getByRole('button', { name: 'Set urgency' }).click();
    await reads(page.getByTestId('action-status'), 'Say why (at least 3 characters).');
    const reason = 'Foreman is with him: he is breathing and talking';
    await page.getByLabel('Reason (required)').fill(reason);
    await page.getByRole('button', { name: 'Set urgency' }).click();
    const confirm = page.getByRole('group', { name: /^Lower this call from CRITICAL to URGENT\?/ });
    await confirm.waitFor();
    // The safe choice has the focus, and Escape takes it, keeping what the supervisor wrote.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await expectAccessible(page, 'lowering a call');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await page.getByLabel('Reason (required)').inputValue()).toBe(reason);
    await page.getByRole('button', { name: 'Set urgency' }).click();
    await confirm.getByRole('button', { name: 'Lower to URGENT' }).click();
    await reads(page.getByTestId('action-status'), 'Urgency set to URGENT.');
    await reads(page.getByTestId('call-urgency'), 'URGENT');
    await reads(row(page, callId).locator('.badge'), 'URGENT');
    const fallen = new RegExp(
      `^CRITICAL → URGENT at \\d\\d:\\d\\d:\\d\\d, by ${DEMO_ADMIN.email.replace(/\./g, '\\.')}: ${reason}$`,
    );
    await sees(page.getByTestId('urgency-falls').locator('li'), fallen);
    await expectAccessible(page, 'a call whose urgency fell');
    await page.screenshot({ path: `${SCREENSHOTS}/urgency-lowered.png` });

    // The archive keeps the fall, and History shows it.
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.getByRole('tab', { name: 'History' }).click();
    await historyRow(page, callId).getByRole('button').click();
    await sees(page.getByTestId('urgency-falls').locator('li'), fallen);
    await page.context().close();
  });

  it("History keeps up: a call archived while it is open appears without a search, under the worker's name", async () => {
    const page = await pageSignedInAs(DEMO_ADMIN);
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('history').waitFor();
    const { call, callId } = await ringing('+15550100003');
    await call.say('Just checking in from the tank farm, all fine');
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await sees(historyRow(page, callId), /Ana Costa\s+\+15550100003/, 20_000);
    await page.context().close();
  });

  it('shows supervisors plain words, and developer commands only against the local emulators', async () => {
    const local = await pageSignedInAs(NOT_ADMIN);
    await sees(
      local.getByTestId('not-admin'),
      "Ask your site's Aurora administrator to give this account supervisor access",
    );
    await reads(
      local.getByTestId('dev-hint'),
      'Local emulators Grant access: npm run admin -- grant worker@aurora.local',
    );
    await local.context().close();

    // The same page served from a deployed host: Hosting's init.json gives the project's config,
    // and Google's Auth endpoints are answered by the Auth emulator (which serves them under
    // /<host>/ paths), so sign-in works without the emulators being announced to the page.
    const context = await browser.newContext();
    const deployed = 'https://aurora-supervisors.example';
    // (Playwright tries the routes last registered first.)
    await context.route(`${deployed}/**`, async (route) =>
      route.fulfill({
        response: await route.fetch({ url: route.request().url().replace(deployed, DASHBOARD) }),
      }),
    );
    await context.route(`${deployed}/__/firebase/init.json`, (route) =>
      route.fulfill({
        json: {
          apiKey: 'demo-api-key',
          projectId: 'demo-aurora',
          authDomain: 'demo-aurora.firebaseapp.com',
          databaseURL: 'https://demo-aurora-default-rtdb.firebaseio.com',
        },
      }),
    );
    for (const host of ['identitytoolkit.googleapis.com', 'securetoken.googleapis.com']) {
      await context.route(`https://${host}/**`, async (route) =>
        route.fulfill({
          response: await route.fetch({
            url: route
              .request()
              .url()
              .replace(`https://${host}/`, `http://127.0.0.1:9099/${host}/`),
          }),
        }),
      );
    }
    const page = await context.newPage();
    await signIn(page, deployed, NOT_ADMIN.email, NOT_ADMIN.password);
    await sees(page.getByTestId('not-admin'), "Ask your site's Aurora administrator");
    await counts(page.getByTestId('dev-hint'), 0);
    expect(await page.getByTestId('not-admin').innerText()).not.toMatch(/npm|emulator/i);
    await page.screenshot({ path: `${SCREENSHOTS}/no-access-deployed.png` });
    await context.close();
  });
});
