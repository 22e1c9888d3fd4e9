/**
 * The admin dashboard: sign in, then the live calls (pushed from the Realtime Database) and the
 * archived history (Firestore). Only accounts with the admin claim get past the sign-in.
 */
import { onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from 'firebase/auth';
import { onValue, ref } from 'firebase/database';
import { paths } from '../../functions/src/model/paths';
import { connectFirebase, type Firebase } from './firebase';
import { armSound } from './ui/alarm';
import { h, errorText, replaceChildren } from './ui/dom';
import { showHistory } from './ui/history';
import { showLive } from './ui/live';
import { notificationsControl } from './ui/notifications';
import './style.css';

const root = document.getElementById('app')!;
let leaveView: (() => void) | null = null;
let stopWatchingAccess: (() => void) | null = null;

function signInForm(firebase: Firebase, notice?: string) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, placeholder: 'you@site.example' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
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
      problem.textContent = /invalid-credential|wrong-password|user-not-found/.test(String(err)) ? 'Wrong email or password.' : errorText(err);
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
      h('p', {}, `${user.email ?? 'This account'} is not a supervisor on Aurora. Ask an administrator to grant you access (npm run admin -- grant <email>), then sign in again.`),
      h('button', { onclick: () => void signOut(firebase.auth) }, 'Sign out'),
    ),
  );
}

/** The page once this admin's access was taken away while it was open. */
function accessRemoved(firebase: Firebase, user: User) {
  leaveView?.();
  leaveView = null;
  replaceChildren(
    root,
    h(
      'section',
      { class: 'sign-in', role: 'alert', 'data-testid': 'access-removed' },
      h('h1', {}, 'Access removed'),
      h('p', {}, `${user.email ?? 'This account'} is no longer a supervisor on Aurora, so live calls are no longer shown here. Ask an administrator if this is a mistake.`),
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

function dashboard(firebase: Firebase, user: User) {
  const main = h('main', {});
  const tabs = { live: h('button', { role: 'tab' }, 'Live calls'), history: h('button', { role: 'tab' }, 'History') };
  const open = (which: 'live' | 'history') => {
    leaveView?.();
    for (const [name, tab] of Object.entries(tabs)) tab.setAttribute('aria-selected', String(name === which));
    leaveView = which === 'live' ? showLive(main, firebase, user) : showHistory(main, firebase);
  };
  tabs.live.addEventListener('click', () => open('live'));
  tabs.history.addEventListener('click', () => open('history'));
  stopWatchingAccess = watchAccess(firebase, user);
  replaceChildren(
    root,
    h(
      'header',
      {},
      h('strong', {}, 'Aurora'),
      h('nav', { role: 'tablist' }, tabs.live, tabs.history),
      notificationsControl(firebase, user),
      h('span', { class: 'who', 'data-testid': 'signed-in-as' }, user.email ?? user.uid),
      h('button', { onclick: () => void signOut(firebase.auth) }, 'Sign out'),
    ),
    main,
  );
  open('live');
}

const firebase = await connectFirebase();
onAuthStateChanged(firebase.auth, (user) => {
  leaveView?.();
  leaveView = null;
  stopWatchingAccess?.();
  stopWatchingAccess = null;
  if (!user) return signInForm(firebase);
  // A fresh token: a claim granted or revoked since the last sign-in counts now.
  user
    .getIdTokenResult(true)
    .then((token) => (token.claims.admin === true ? dashboard(firebase, user) : notAdmin(firebase, user)))
    .catch((err: unknown) => signInForm(firebase, `Could not check your access: ${errorText(err)}`));
});
