/**
 * The admin dashboard: sign in, then the live calls (pushed from the Realtime Database) and the
 * archived history (Firestore). Only accounts with the admin claim get past the sign-in.
 */
import { onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from 'firebase/auth';
import { onValue, ref } from 'firebase/database';
import { paths } from '@aurora/model';
import { isTimeZone, siteClock, type SiteClock } from './core/clock';
import { connectFirebase, siteSettings, type Firebase } from './firebase';
import { armSound } from './ui/alarm';
import { developerHint, h, errorText, replaceChildren } from './ui/dom';
import { showHistory } from './ui/history';
import { showLive } from './ui/live';
import { watchAlarms } from './ui/alarmWatch';
import { notificationsControl } from './ui/notifications';
import { hangUpVoice } from './voice/choose';
import './style.css';

const root = document.getElementById('app')!;
let leaveView: (() => void) | null = null;
let stopWatchingAccess: (() => void) | null = null;

function signInForm(firebase: Firebase, notice?: string) {
  const email = h('input', {
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    placeholder: 'you@site.example',
  });
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const problem = h('p', { class: 'problem', role: 'alert' }, notice ?? '');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-label': 'Sign in' },
    h('h1', {}, 'Aurora supervisors'),
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    h('button', { type: 'submit' }, 'Sign in'),
    problem,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    armSound(); // a click is the gesture browsers require before a page may play sound
    problem.textContent = '';
    signInWithEmailAndPassword(firebase.auth, email.value, password.value).catch((err: unknown) => {
      problem.textContent = /invalid-credential|wrong-password|user-not-found/.test(String(err))
        ? 'Wrong email or password.'
        : errorText(err);
    });
  });
  replaceChildren(root, form);
}

function notAdmin(firebase: Firebase, user: User) {
  replaceChildren(
    root,
    h(
      'section',
      { class: 'sign-in', role: 'alert', 'data-testid': 'not-admin' },
      h('h1', {}, 'No access'),
      h(
        'p',
        {},
        `${user.email ?? 'This account'} is not a supervisor on Aurora. Ask your site's Aurora administrator to give this account supervisor access, then sign in again.`,
      ),
      firebase.local
        ? developerHint(`Grant access: npm run admin -- grant ${user.email ?? '<email>'}`)
        : null,
      h('button', { onclick: () => void signOut(firebase.auth) }, 'Sign out'),
    ),
  );
}

/** Stops what the dashboard keeps running: its view, the alarm, the header's site clock and the supervisor's voice on a call. */
function leaveDashboard() {
  hangUpVoice();
  leaveView?.();
  leaveView = null;
  stopAlarms?.();
  stopAlarms = null;
  stopClock?.();
  stopClock = null;
}

/** The page once this admin's access was taken away while it was open. */
function accessRemoved(firebase: Firebase, user: User) {
  leaveDashboard();
  replaceChildren(
    root,
    h(
      'section',
      { class: 'sign-in', role: 'alert', 'data-testid': 'access-removed' },
      h('h1', {}, 'Access removed'),
      h(
        'p',
        {},
        `${user.email ?? 'This account'} is no longer a supervisor on Aurora, so live calls are no longer shown here. Ask an administrator if this is a mistake.`,
      ),
      h('button', { onclick: () => void signOut(firebase.auth) }, 'Sign out'),
    ),
  );
}

/**
 * Watches this admin's entry in the admin directory: revoking removes it, and the page stops
 * showing calls within seconds instead of when the ID token expires (the rules refuse new
 * reads at once as well).
 */
function watchAccess(firebase: Firebase, user: User): () => void {
  return onValue(
    ref(firebase.db, paths.admin(user.uid)),
    (snap) => {
      if (!snap.exists()) accessRemoved(firebase, user);
    },
    () => accessRemoved(firebase, user),
  );
}

/**
 * The site's clock, from the functions' own setting. If it cannot be had, times follow the
 * browser's zone and the header says so, rather than passing the browser's clock off as the site's.
 */
async function loadSiteClock(firebase: Firebase): Promise<{ clock: SiteClock; problem?: string }> {
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    const { data } = await siteSettings(firebase)();
    if (isTimeZone(data.timeZone)) return { clock: siteClock(data.timeZone) };
    return {
      clock: siteClock(browserZone),
      problem: `The site's time zone "${data.timeZone}" is not one this browser knows`,
    };
  } catch (err) {
    return {
      clock: siteClock(browserZone),
      problem: `Could not load the site's time zone (${errorText(err)})`,
    };
  }
}

/** The header's clock: the site's time now, and the zone every time on the page is in. */
function clockDisplay(clock: SiteClock, problem?: string) {
  const now = h('time', {});
  const zone = h('span', { class: 'zone' });
  const tick = () => {
    const at = new Date();
    now.textContent = clock.stamp(at, at);
    zone.textContent = problem
      ? `your browser's zone, ${clock.label(at)}: ${problem}`
      : clock.label(at);
  };
  tick();
  const element = h(
    'span',
    {
      class: `site-clock${problem ? ' problem' : ''}`,
      'data-testid': 'site-clock',
      role: problem ? 'alert' : null,
    },
    'Site time ',
    now,
    ' ',
    zone,
  );
  return { element, timer: setInterval(tick, 1000) };
}

let stopClock: (() => void) | null = null;

let stopAlarms: (() => void) | null = null;

function dashboard(firebase: Firebase, user: User, site: { clock: SiteClock; problem?: string }) {
  const main = h('main', { id: 'view', role: 'tabpanel' });
  const tab = (id: string, text: string) =>
    h('button', { type: 'button', role: 'tab', id, 'aria-controls': 'view' }, text);
  const tabs = { live: tab('tab-live', 'Live calls'), history: tab('tab-history', 'History') };
  const open = (which: 'live' | 'history', call?: string) => {
    leaveView?.();
    for (const [name, t] of Object.entries(tabs)) {
      t.setAttribute('aria-selected', String(name === which));
      t.tabIndex = name === which ? 0 : -1;
    }
    main.setAttribute('aria-labelledby', tabs[which].id);
    leaveView =
      which === 'live'
        ? showLive(main, firebase, user, site.clock, call)
        : showHistory(main, firebase, site.clock);
  };
  // The alarm sits above every view: a CRITICAL call interrupts History too, and Open goes to it.
  const alarms = watchAlarms(firebase, user, site.clock, (callId) => open('live', callId));
  stopAlarms = alarms.stop;
  tabs.live.addEventListener('click', () => open('live'));
  tabs.history.addEventListener('click', () => open('history'));
  // The tab pattern's keys: arrows move between the tabs, which are one stop for Tab.
  const tablist = h('nav', { role: 'tablist', 'aria-label': 'Views' }, tabs.live, tabs.history);
  tablist.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const next = tabs.live.getAttribute('aria-selected') === 'true' ? 'history' : 'live';
    open(next);
    tabs[next].focus();
  });
  stopWatchingAccess = watchAccess(firebase, user);
  const clock = clockDisplay(site.clock, site.problem);
  stopClock = () => clearInterval(clock.timer);
  replaceChildren(
    root,
    h(
      'header',
      {},
      h('strong', {}, 'Aurora'),
      tablist,
      clock.element,
      notificationsControl(firebase, user),
      h('span', { class: 'who', 'data-testid': 'signed-in-as' }, user.email ?? user.uid),
      h('button', { type: 'button', onclick: () => void signOut(firebase.auth) }, 'Sign out'),
    ),
    h('div', { class: 'alarm-area' }, alarms.element),
    main,
  );
  open('live');
}

const firebase = await connectFirebase();
onAuthStateChanged(firebase.auth, (user) => {
  leaveDashboard();
  stopWatchingAccess?.();
  stopWatchingAccess = null;
  if (!user) return signInForm(firebase);
  // A fresh token: a claim granted or revoked since the last sign-in counts now.
  user
    .getIdTokenResult(true)
    .then(async (token) =>
      token.claims.admin === true
        ? dashboard(firebase, user, await loadSiteClock(firebase))
        : notAdmin(firebase, user),
    )
    .catch((err: unknown) =>
      signInForm(firebase, `Could not check your access: ${errorText(err)}`),
    );
});
