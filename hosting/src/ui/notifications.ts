/**
 * Browser notifications for escalations. Allowing them (a click: browsers require a gesture)
 * shows a system notification when an escalation alert arrives while the page is open and,
 * where the deployment has web push configured (VITE_FCM_VAPID_KEY), registers this browser
 * with FCM so the escalation reaches it even when the dashboard is closed.
 */
import type { User } from 'firebase/auth';
import { ref, serverTimestamp, set } from 'firebase/database';
import type { Firebase } from '../firebase';
import { isLocal } from '../firebase';
import { paths } from '@aurora/model';
import { h } from './dom';

const VAPID_KEY = import.meta.env.VITE_FCM_VAPID_KEY as string | undefined;

async function tokenKey(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)]
    .slice(0, 12)
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** Registers this browser for web push; resolves to what happened, for the admin to read. */
async function registerPush(firebase: Firebase, user: User): Promise<string> {
  if (isLocal(location.hostname))
    return 'Notifications on (web push needs FCM, which the emulators do not have).';
  if (!VAPID_KEY)
    return 'Notifications on while this page is open (web push is not configured for this deployment).';
  const { getMessaging, getToken, isSupported } = await import('firebase/messaging');
  if (!(await isSupported()))
    return 'Notifications on while this page is open (this browser has no web push).';
  const config = encodeURIComponent(JSON.stringify(firebase.auth.app.options));
  // A classic worker (the default type): Firefox ESR runs no module service worker (scripts/lib/service-worker.ts).
  const registration = await navigator.serviceWorker.register(
    `/firebase-messaging-sw.js?config=${config}`,
  );
  const token = await getToken(getMessaging(firebase.auth.app), {
    vapidKey: VAPID_KEY,
    serviceWorkerRegistration: registration,
  });
  await set(ref(firebase.db, `${paths.adminPushTokens(user.uid)}/${await tokenKey(token)}`), {
    token,
    at: serverTimestamp(),
  });
  return 'Notifications on, including when the dashboard is closed.';
}

export function notificationsControl(firebase: Firebase, user: User): HTMLElement {
  const status = h('span', { class: 'notify-status', role: 'status' });
  if (typeof Notification === 'undefined') return status;
  const button = h('button', {}, 'Enable notifications');
  const show = () => {
    button.hidden = Notification.permission !== 'default';
    if (Notification.permission === 'denied')
      status.textContent = 'Notifications blocked in this browser';
  };
  button.addEventListener('click', () => {
    void Notification.requestPermission().then(async (permission) => {
      show();
      if (permission !== 'granted') return;
      status.textContent = await registerPush(firebase, user).catch(
        (err: unknown) => `Notifications on; web push failed: ${String(err)}`,
      );
    });
  });
  // Already allowed: keep this browser's push registration fresh.
  if (Notification.permission === 'granted')
    void registerPush(firebase, user)
      .then((text) => (status.textContent = text))
      .catch(() => {});
  show();
  return h('span', {}, button, status);
}
