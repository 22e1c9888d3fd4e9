/**
 * The dashboard on a supervisor's phone (issue 24, point 7), in headless Chromium emulating a
 * 390 × 844 touch screen against the local stack: every view in one column with nothing wider
 * than the screen, every control a thumb's size, the call on a screen of its own with its
 * actions in a bar at the bottom, the same axe-core check as on a desktop, and the page
 * installable as an app. Screenshots go to test-results/phone (not committed).
 */
import { mkdirSync } from 'node:fs';
import { getAuth } from 'firebase-admin/auth';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../scripts/lib/admins.ts';
import { launchChromium, signIn } from '../../scripts/lib/browser.ts';
import { seriousViolations } from '../helpers/axe';
import { counts, reads, sees } from '../helpers/browser';
import {
  SIM,
  acknowledge,
  archivedAndPurged,
  eventually,
  ringing,
  testClients,
} from '../helpers/stack';

const DASHBOARD = SIM.baseUrl;
const SHOTS = 'test-results/phone';
const PHONE = { width: 390, height: 844 };
/** Apple's and WCAG's smallest comfortable touch target, in CSS pixels. */
const THUMB = 44;
const NOT_ADMIN = { email: 'worker@aurora.local', password: 'worker-password-1' };

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await getAuth(testClients().app)
    .createUser({ ...NOT_ADMIN })
    .catch((err: { code?: string }) => {
      if (err.code !== 'auth/email-already-exists') throw err;
    });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** A phone: its width, touch, and the page laid out for the device's width (isMobile honours the viewport meta). */
const PHONE_CONTEXT: BrowserContextOptions = {
  viewport: PHONE,
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

async function phone(signedIn = true): Promise<Page> {
  const page = await (await browser.newContext(PHONE_CONTEXT)).newPage();
  if (signedIn) await signIn(page, DASHBOARD, DEMO_ADMIN.email, DEMO_ADMIN.password);
  else await page.goto(DASHBOARD);
  return page;
}

/** Where an element is; live lists redraw, so it asks again if the element was replaced meanwhile. */
const boxOf = (locator: Locator) =>
  eventually(
    `the box of ${locator.toString()}`,
    async () => (await locator.boundingBox({ timeout: 1000 }).catch(() => null)) ?? undefined,
    5000,
  );

/**
 * Nothing scrolls sideways: the page is no wider than the screen. On failure it names the
 * elements that reach past the screen's right edge.
 */
async function expectNoSidewaysScroll(page: Page, view: string) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 8)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${el.className} (${el.getBoundingClientRect().right} px)`,
      ),
  }));
  expect(
    scrollWidth,
    `${view} is ${scrollWidth} px wide on a ${innerWidth} px screen: ${wide.join(', ')}`,
  ).toBeLessThanOrEqual(innerWidth);
}

/** Every control shown (buttons, fields) lies within the screen's width and is at least 44 × 44 px. */
async function expectThumbSizedControls(page: Page, view: string) {
  const width = page.viewportSize()!.width;
  // Read in one go in the page: the live views redraw their controls as the call changes.
  const controls = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input, select, textarea')]
      .filter((el) => el.checkVisibility())
      .map((el) => {
        const box = el.getBoundingClientRect();
        const name =
          el.getAttribute('aria-label') ?? (el.textContent?.trim() || el.getAttribute('name'));
        return { name, left: box.left, right: box.right, width: box.width, height: box.height };
      }),
  );
  expect(controls.length, `${view}: controls`).toBeGreaterThan(0);
  for (const c of controls) {
    expect(c.left, `${view}: ${c.name} starts on screen`).toBeGreaterThanOrEqual(0);
    expect(c.right, `${view}: ${c.name} ends on screen`).toBeLessThanOrEqual(width + 0.5);
    expect(Math.round(c.width), `${view}: ${c.name} width`).toBeGreaterThanOrEqual(THUMB);
    expect(Math.round(c.height), `${view}: ${c.name} height`).toBeGreaterThanOrEqual(THUMB);
  }
}

/** A named control, on the screen as it is scrolled now (not only on the page), at least 44 × 44 px. */
async function expectOnScreen(locator: Locator, what: string) {
  const box = await boxOf(locator);
  expect(box.x, `${what}: left`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right`).toBeLessThanOrEqual(PHONE.width + 0.5);
  expect(box.y, `${what}: top`).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height, `${what}: bottom`).toBeLessThanOrEqual(PHONE.height + 0.5);
  expect(Math.round(box.width), `${what}: width`).toBeGreaterThanOrEqual(THUMB);
  expect(Math.round(box.height), `${what}: height`).toBeGreaterThanOrEqual(THUMB);
  return box;
}

/** The checks every view gets: no sideways scrolling, thumb-sized controls, axe-core, a screenshot. */
async function expectPhoneReady(page: Page, view: string, shot: string) {
  await expectNoSidewaysScroll(page, view);
  await expectThumbSizedControls(page, view);
  expect(await seriousViolations(page), `axe on ${view}`).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/${shot}.png` });
}

const row = (page: Page, callId: string) =>
  page.locator(`[data-testid=live-calls] tr[data-call-id="${callId}"]`);
const historyRow = (page: Page, callId: string) =>
  page.locator(`[data-testid=history] tr[data-call-id="${callId}"]`);
/** The call's primary actions: the bar at the bottom of the screen. */
const bar = (page: Page) => page.locator('.call-actions');
/** The supervisor's own voice on the call (Talk, Listen, Call me): the bar above it. */
const voiceBar = (page: Page) => page.locator('.voice-primary');
const scrollTo = (page: Page, where: 'top' | 'bottom') =>
  page.evaluate(
    (to) => window.scrollTo(0, to === 'top' ? 0 : document.scrollingElement!.scrollHeight),
    where,
  );

describe('the dashboard on a phone (390 × 844)', () => {
  it('signs in on a form that fits the screen, and tells an account without access so on one', async () => {
    const page = await phone(false);
    await page.getByLabel('Email').waitFor();
    await expectPhoneReady(page, 'the sign-in form', 'sign-in');
    await page.getByLabel('Email').fill(NOT_ADMIN.email);
    await page.getByLabel('Password').fill(NOT_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).tap();
    await sees(page.getByTestId('not-admin'), 'is not a supervisor on Aurora');
    await expectPhoneReady(page, 'no access', 'no-access');
    await page.getByRole('button', { name: 'Sign out' }).tap();
    await page.getByLabel('Email').fill(DEMO_ADMIN.email);
    await page.getByLabel('Password').fill(DEMO_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).tap();
    await page.getByTestId('signed-in-as').waitFor();
    await page.context().close();
  });

  it('shows the live list, the alerts and the alarm banner in one column, every control on screen', async () => {
    const page = await phone();
    const { call, callId } = await ringing('+15550100003');
    await sees(row(page, callId), /Ana Costa\s+\+15550100003/);
    await call.say('There is a fire in the paint store');
    const alarm = page.locator(`[data-testid=critical-alarm][data-call-id="${callId}"]`).first();
    await sees(alarm, 'Ana Costa');

    // The header's controls: on the screen as the page opens, not off to the right.
    for (const name of ['Live calls', 'History'])
      await expectOnScreen(page.getByRole('tab', { name }), `the ${name} tab`);
    await expectOnScreen(page.getByRole('button', { name: 'Sign out' }), 'Sign out');
    await expectOnScreen(
      page.getByRole('button', { name: 'Enable notifications' }),
      'Enable notifications',
    );
    for (const action of ['Acknowledge', 'Open', 'Dismiss'])
      await expectOnScreen(alarm.getByRole('button', { name: new RegExp(`^${action}`) }), action);
    // One column: the list as wide as the screen allows, the call view not squeezed beside it.
    expect((await boxOf(page.getByTestId('live-calls'))).width).toBeGreaterThan(PHONE.width * 0.85);
    await counts(page.getByRole('region', { name: 'Selected call' }), 0);
    await expectPhoneReady(page, 'the live list under an alarm', 'live-list');
    await page.screenshot({ path: `${SHOTS}/live-list-full.png`, fullPage: true });

    // The narrowest and widest phones in common use.
    for (const width of [360, 430]) {
      await page.setViewportSize({ width, height: PHONE.height });
      await expectNoSidewaysScroll(page, `the live list at ${width} px`);
      await expectThumbSizedControls(page, `the live list at ${width} px`);
    }
    await page.setViewportSize(PHONE);

    // The banner's Open goes to the call, alone on the screen, from its top.
    await alarm.getByRole('button', { name: /^Open/ }).tap();
    await sees(page.getByTestId('call-state'), 'Aurora is answering');
    await page.getByTestId('live-calls').waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await page.getByRole('button', { name: 'Back to live calls' }).tap();
    await page.getByTestId('live-calls').waitFor();

    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.context().close();
  });

  it('opens a call full screen, its actions in a bar at the bottom; acknowledge, take over, hand back, end, and back to the list', async () => {
    const page = await phone();
    const { call, callId } = await ringing('+15550100004');
    await call.say('A man has collapsed near the boiler and is not breathing');
    await row(page, callId).getByRole('button').tap();

    // The call alone: the list is gone, the way back is there, the transcript has the width.
    await sees(page.getByTestId('call-state'), 'Aurora is answering');
    await page.getByTestId('live-calls').waitFor({ state: 'hidden' });
    const back = page.getByRole('button', { name: 'Back to live calls' });
    await expectOnScreen(back, 'Back to live calls');
    await sees(page.getByTestId('transcript'), 'not breathing');
    expect((await boxOf(page.getByTestId('transcript'))).width).toBeGreaterThan(PHONE.width * 0.8);

    // Acknowledge, Take over and End call in the call's bar, Talk and Listen in the voice's just
    // above it: on screen, in the lower half (a thumb's reach), wherever the supervisor scrolled to.
    const primary = [
      ...['Acknowledge', 'Take over', 'End call'].map((name) =>
        bar(page).getByRole('button', { name }),
      ),
      ...['Talk', 'Listen'].map((name) => voiceBar(page).getByRole('button', { name })),
    ];
    for (const where of ['top', 'bottom'] as const) {
      await scrollTo(page, where);
      for (const control of primary) {
        const box = await expectOnScreen(control, control.toString());
        expect(
          box.y,
          `${control.toString()} in the lower half, scrolled to the ${where}`,
        ).toBeGreaterThan(PHONE.height / 2);
      }
      const [voice, call] = [await boxOf(voiceBar(page)), await boxOf(bar(page))];
      expect(voice.y + voice.height, 'the voice bar above the call bar').toBeLessThanOrEqual(
        call.y + 0.5,
      );
    }
    await scrollTo(page, 'top');
    await expectPhoneReady(page, 'a live call', 'call');
    for (const width of [360, 430]) {
      await page.setViewportSize({ width, height: PHONE.height });
      await expectNoSidewaysScroll(page, `a live call at ${width} px`);
      await expectThumbSizedControls(page, `a live call at ${width} px`);
    }
    await page.setViewportSize(PHONE);

    await bar(page).getByRole('button', { name: 'Acknowledge' }).tap();
    await sees(page.getByTestId('call-acknowledged'), `Acknowledged by ${DEMO_ADMIN.email}`);
    await bar(page).getByRole('button', { name: 'Take over' }).tap();
    await reads(page.getByTestId('call-state'), `Taken over by ${DEMO_ADMIN.email}`);
    await call.nextUpdate();
    for (const name of ['Hand back to Aurora', 'End call'])
      await expectOnScreen(bar(page).getByRole('button', { name }), name);
    await page.getByLabel('Words for the caller').fill('Is he breathing? Help is on the way.');
    await page.getByRole('button', { name: 'Say to caller' }).tap();
    expect((await call.nextUpdate())!.said).toEqual(['Is he breathing? Help is on the way.']);
    await reads(page.getByTestId('action-status'), 'Done.');
    await scrollTo(page, 'top');
    await expectPhoneReady(page, 'a call taken over', 'call-taken-over');
    await scrollTo(page, 'bottom');
    await page.screenshot({ path: `${SHOTS}/call-taken-over-scrolled.png` });

    // The caller speaks while the supervisor is down at the fields: the transcript scrolls to
    // the new line, the page stays where the supervisor is.
    const scrolled = await page.evaluate(() => window.scrollY);
    expect(scrolled).toBeGreaterThan(0);
    await call.say('Yes he is breathing now');
    await sees(page.getByTestId('transcript').locator('li').last(), 'Yes he is breathing now');
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    expect(
      await page
        .getByTestId('transcript')
        .evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight),
    ).toBeLessThanOrEqual(1);

    await bar(page).getByRole('button', { name: 'Hand back to Aurora' }).tap();
    await reads(page.getByTestId('call-state'), 'Aurora is answering');
    await call.nextUpdate();

    // Back to the list, the focus on the call's row; then the call again, and End call.
    await back.tap();
    await page.getByTestId('live-calls').waitFor();
    await counts(page.getByRole('region', { name: 'Selected call' }), 0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^Open the call from Kwame Mensah/,
    );
    await row(page, callId).getByRole('button').tap();
    await bar(page).getByRole('button', { name: 'End call' }).tap();
    expect((await call.nextUpdate())!.hungUp).toBe(true);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.getByText('Call over').first().waitFor();

    // History: the list, then the call alone with its notes, and back.
    await page.getByRole('tab', { name: 'History' }).tap();
    await historyRow(page, callId).waitFor();
    await expectPhoneReady(page, 'History', 'history');
    await historyRow(page, callId).getByRole('button').tap();
    await sees(page.getByTestId('archived-transcript'), 'Is he breathing?');
    await page.getByTestId('history').waitFor({ state: 'hidden' });
    await page.getByLabel('Final action').waitFor();
    await expectPhoneReady(page, 'an archived call', 'history-call');
    await page.getByRole('button', { name: 'Back to History' }).tap();
    await page.getByTestId('history').waitFor();
    await page.context().close();
  });

  it('keeps the desktop layout: the list and the call side by side, no way back shown', async () => {
    const page = await (
      await browser.newContext({ viewport: { width: 1280, height: 800 } })
    ).newPage();
    await signIn(page, DASHBOARD, DEMO_ADMIN.email, DEMO_ADMIN.password);
    const { call, callId } = await ringing('+15550100005');
    await row(page, callId).getByRole('button').click();
    await sees(page.getByTestId('call-state'), 'Aurora is answering');
    const list = await boxOf(page.getByTestId('live-calls'));
    const panel = await boxOf(page.getByRole('region', { name: 'Selected call' }));
    expect(panel.x).toBeGreaterThan(list.x + list.width);
    expect(panel.y).toBeLessThan(list.y + list.height);
    await counts(page.getByRole('button', { name: 'Back to live calls' }), 0);
    // The actions stacked full width, as before.
    const take = await boxOf(page.getByRole('button', { name: 'Take over' }));
    const end = await boxOf(page.getByRole('button', { name: 'End call' }));
    expect(end.y).toBeGreaterThan(take.y);
    expect(end.width).toBe(take.width);
    await page.screenshot({ path: `${SHOTS}/desktop-call.png` });
    await call.status('completed');
    await acknowledge(callId);
    await archivedAndPurged(callId, callId.replace(/^call_/, 'conv_'));
    await page.context().close();
  });
});

describe('the dashboard as an installable app', () => {
  type Manifest = {
    name: string;
    short_name: string;
    start_url: string;
    display: string;
    theme_color: string;
    background_color: string;
    icons: Array<{ src: string; sizes: string; type: string; purpose?: string }>;
  };

  it('serves a manifest Chromium parses without errors, its icons, and the push service worker', async () => {
    const page = await phone(false);
    await page.getByLabel('Email').waitFor();
    const href = await page.locator('link[rel=manifest]').getAttribute('href');
    const served = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    }, href!);
    expect(served.status).toBe(200);
    expect(served.type).toMatch(/^application\/manifest\+json/);
    const manifest = JSON.parse(served.body) as Manifest;
    expect(manifest).toMatchObject({
      name: 'Aurora supervisors',
      short_name: 'Aurora',
      start_url: '/',
      display: 'standalone',
    });
    expect(await page.locator('meta[name=theme-color]').getAttribute('content')).toBe(
      manifest.theme_color,
    );

    // Chromium's own parser: what it would install from.
    const cdp = await page.context().newCDPSession(page);
    const parsed = (await cdp.send('Page.getAppManifest')) as {
      url: string;
      errors: Array<{ message: string; critical: number }>;
    };
    expect(parsed.url).toBe(`${DASHBOARD}/manifest.webmanifest`);
    expect(parsed.errors).toEqual([]);

    // Every icon loads, at the size the manifest says.
    const icons = [
      ...manifest.icons,
      {
        src: (await page.locator('link[rel=apple-touch-icon]').getAttribute('href'))!,
        sizes: '180x180',
        type: 'image/png',
      },
    ];
    for (const icon of icons) {
      const size = await page.evaluate(async (src) => {
        const image = new Image();
        image.src = src;
        await image.decode();
        return `${image.naturalWidth}x${image.naturalHeight}`;
      }, icon.src);
      if (icon.sizes === 'any') expect(size, icon.src).not.toBe('0x0');
      else expect(size, icon.src).toBe(icon.sizes);
    }

    // The web push worker still builds and registers at the root, as a classic script, with a
    // deployed project's config in its URL (hosting/src/ui/notifications.ts).
    const worker = await page.evaluate(async () => {
      const config = encodeURIComponent(
        JSON.stringify({
          apiKey: 'demo-api-key',
          projectId: 'demo-aurora',
          appId: '1:123456789012:web:0123456789abcdef',
          messagingSenderId: '123456789012',
        }),
      );
      const registration = await navigator.serviceWorker.register(
        `/firebase-messaging-sw.js?config=${config}`,
      );
      const ready = await navigator.serviceWorker.ready;
      const scope = registration.scope;
      const script = ready.active?.scriptURL ?? null;
      await registration.unregister();
      return { scope, script };
    });
    expect(worker.scope).toBe(`${DASHBOARD}/`);
    expect(worker.script).toMatch(/\/firebase-messaging-sw\.js\?config=/);
    await page.context().close();
  });
});
