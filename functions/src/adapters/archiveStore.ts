import type { Firestore } from 'firebase-admin/firestore';
import type { ArchiveStore } from '../ports';
import { INLINE_TRANSCRIPT_BYTES } from '../core/archiveDocs';
import { callbackArchiveIds } from '../core/ids';
import { ADMIN_FIELDS, collections, LiveMessage, type Urgency } from '@aurora/model';
import { raiseUrgency } from '../core/urgency';

const pageId = (index: number) => String(index).padStart(4, '0');

// Required on use: a top-level import would load the Firestore SDK into every cold start.
const serverTimestamp = () =>
  (
    require('firebase-admin/firestore') as typeof import('firebase-admin/firestore')
  ).FieldValue.serverTimestamp();

/** The Firestore archive: calls/, conversations/ and, for huge transcripts, their message_pages. */
export function firestoreArchive(firestore: Firestore): ArchiveStore {
  const callRef = (id: string) => firestore.collection(collections.calls).doc(id);
  const conversationRef = (id: string) => firestore.collection(collections.conversations).doc(id);

  return {
    // A transaction, so one atomic commit writes everything and reads what admins already wrote.
    write: (plan) =>
      firestore.runTransaction(async (tx) => {
        const [existingCall, existingConversation] = await tx.getAll(
          callRef(plan.callId),
          conversationRef(plan.conversationId),
        );
        const held = existingConversation.get('total_messages') as number | undefined;
        // One archive per CallSid. A stand-in archived from the status callback while the live
        // database was unreachable gives way to the call's own archive, whichever comes first.
        const standIn = callbackArchiveIds(plan.call.call_sid, plan.call.mobile_no);
        if (standIn.callId === plan.callId) {
          const archived = await tx.get(
            firestore
              .collection(collections.calls)
              .where('call_sid', '==', plan.call.call_sid)
              .limit(2),
          );
          if (archived.docs.some((doc) => doc.id !== plan.callId)) return 'unchanged' as const;
        } else {
          tx.delete(callRef(standIn.callId));
          tx.delete(conversationRef(standIn.conversationId));
        }
        if (existingCall.exists && held !== undefined && held >= plan.conversation.total_messages)
          return 'unchanged' as const;

        const call: Record<string, unknown> = { ...plan.call };
        if (existingCall.exists) for (const field of ADMIN_FIELDS) delete call[field];
        tx.set(callRef(plan.callId), call, { merge: true });
        tx.set(conversationRef(plan.conversationId), {
          ...plan.conversation,
          archived_at: serverTimestamp(),
        });
        const pages = conversationRef(plan.conversationId).collection(collections.messagePages);
        plan.pages.forEach((messages, index) =>
          tx.set(pages.doc(pageId(index)), { index, messages }),
        );
        const stalePages = (existingConversation.get('message_pages') as number | undefined) ?? 0;
        for (let index = plan.pages.length; index < stalePages; index++)
          tx.delete(pages.doc(pageId(index)));
        return 'written' as const;
      }),

    // A transcript is its inline messages, then its pages in order.
    readMessages: async (conversationId) => {
      const doc = await conversationRef(conversationId).get();
      if (!doc.exists) return null;
      const inline = LiveMessage.array().parse(doc.get('messages') ?? []);
      const pageCount = (doc.get('message_pages') as number | undefined) ?? 0;
      if (pageCount === 0) return inline;
      const pages = await conversationRef(conversationId)
        .collection(collections.messagePages)
        .orderBy('index')
        .get();
      return [
        ...inline,
        ...pages.docs.flatMap((page) => LiveMessage.array().parse(page.get('messages'))),
      ];
    },

    appendMessages: (callId, callSid, messages, turn, urgency) =>
      firestore.runTransaction(async (tx) => {
        const call = await tx.get(callRef(callId));
        const conversationId = call.get('conversation_id') as string | undefined;
        if (!conversationId || call.get('call_sid') !== callSid) return false;
        const ref = conversationRef(conversationId);
        const conversation = await tx.get(ref);
        if (!conversation.exists) return false;
        // The turns already in the transcript, so a replayed one is not appended twice.
        const answered = (conversation.get('answered_turns') as string[] | undefined) ?? [];
        if (turn && answered.includes(turn)) return true;
        // Words said after the call was archived still count: they raise its urgency (never lower it).
        if (
          urgency &&
          raiseUrgency(call.get('urgency') as Urgency, urgency) !== call.get('urgency')
        )
          tx.update(callRef(callId), { urgency });
        // Only the urgency (lines the purge archived already, their raise still owed): no empty page.
        if (messages.length === 0) return true;
        const turns = turn ? { answered_turns: [...answered, turn] } : {};
        const inline = (conversation.get('messages') ?? []) as LiveMessage[];
        const pageCount = (conversation.get('message_pages') as number | undefined) ?? 0;
        const total =
          ((conversation.get('total_messages') as number | undefined) ?? 0) + messages.length;
        if (
          pageCount === 0 &&
          Buffer.byteLength(JSON.stringify([...inline, ...messages])) <= INLINE_TRANSCRIPT_BYTES
        ) {
          tx.update(ref, { messages: [...inline, ...messages], total_messages: total, ...turns });
        } else {
          tx.set(ref.collection(collections.messagePages).doc(pageId(pageCount)), {
            index: pageCount,
            messages,
          });
          tx.update(ref, { message_pages: pageCount + 1, total_messages: total, ...turns });
        }
        return true;
      }),
  };
}
