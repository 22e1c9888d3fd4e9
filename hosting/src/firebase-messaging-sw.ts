/**
 * The service worker that shows escalation pushes (FCM) while the dashboard is closed or in
 * the background. The page registers it with the project's config in its URL, since a service
 * worker cannot wait for a fetch before handling its first push.
 */
import { initializeApp } from 'firebase/app';
import { getMessaging } from 'firebase/messaging/sw';

const config = JSON.parse(new URL(self.location.href).searchParams.get('config') ?? '{}') as Record<
  string,
  string
>;
// FCM shows the push's webpush.notification itself and opens its link when clicked.
getMessaging(initializeApp(config));
