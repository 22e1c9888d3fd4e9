import type { Firestore } from 'firebase-admin/firestore';
import type { ArchiveStore } from '../calls/deps';
import { ADMIN_FIELDS } from '../core/archiveDocs';
import { LiveMessage } from '../core/schema';

export const COLLECTIONS = { calls: 'calls', conversations: 'conversations', pages: 'message_pages' } as const;

const pageId = (index: number) => String(index).padStart(4, '0');

// Required on use: a top-level import would load the Firestore SDK into every cold start.
const serverTimestamp = () => (require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')).FieldValue.serverTimestamp();

/** The Firestore archive: calls/, conversations/ and, for huge transcripts, their message_pages. */
export function firestoreArchive(firestore: Firestore): ArchiveStore {
  const callRef = (id: string) => firestore.collection(COLLECTIONS.calls).doc(id);
  const conversationRef = (id: string) => firestore.collection(COLLECTIONS.conversations).doc(id);

  return {
    // A transaction, so one atomic commit writes everything and reads what admins already wrote.
    write: (plan) =>
      firestore.runTransaction(async (tx) => {
        const [existingCall, existingConversation] = await tx.getAll(callRef(plan.callId), conversationRef(plan.conversationId));
        const held = existingConversation.get('total_messages') as number | undefined;
        if (existingCall.exists && held === plan.conversation.total_messages) return 'unchanged' as const;

        const call: Record<string, unknown> = { ...plan.call };
        if (existingCall.exists) for (const field of ADMIN_FIELDS) delete call[field];
        tx.set(callRef(plan.callId), call, { merge: true });
        tx.set(conversationRef(plan.conversationId), { ...plan.conversation, archived_at: serverTimestamp() });
        const pages = conversationRef(plan.conversationId).collection(COLLECTIONS.pages);
        plan.pages.forEach((messages, index) => tx.set(pages.doc(pageId(index)), { index, messages }));
        const stalePages = (existingConversation.get('message_pages') as number | undefined) ?? 0;
        for (let index = plan.pages.length; index < stalePages; index++) tx.delete(pages.doc(pageId(index)));
        return 'written' as const;
      }),

    readMessages: async (conversationId) => {
      const doc = await conversationRef(conversationId).get();
      if (!doc.exists) return null;
      const pageCount = (doc.get('message_pages') as number | undefined) ?? 0;
      if (pageCount === 0) return LiveMessage.array().parse(doc.get('messages') ?? []);
      const pages = await conversationRef(conversationId).collection(COLLECTIONS.pages).orderBy('index').get();
      return pages.docs.flatMap((page) => LiveMessage.array().parse(page.get('messages')));
    },
  };
}
