import { describe, expect, it } from 'vitest';
import { missingFromArchive, paginate, planArchive } from '../../../functions/src/core/archiveDocs';
import { aLiveCall, aMessage } from '../../helpers/fixtures';

const ended = aLiveCall({
  status: 'ENDED',
  urgency: 'CRITICAL',
  ended_at: '2025-10-04T14:32:15+05:30',
  duration_seconds: 135,
  end_reason: 'completed',
});

describe('planArchive', () => {
  it("builds seed 000's shape with messages in key order", () => {
    const plan = planArchive('call_1', ended, {
      call_id: 'call_1',
      messages: {
        b: aMessage({
          role: 'assistant',
          content: 'Evacuate now!',
          sources: 'Emergency Procedures Manual',
        }),
        a: aMessage({ content: "There's a fire!" }),
      },
    });
    expect(plan.call).toEqual({
      worker_id: 'worker_001',
      mobile_no: '+15550100001',
      conversation_id: ended.conversation_id,
      urgency: 'CRITICAL',
      status: 'COMPLETE',
      medium: 'Voice',
      duration_seconds: 135,
      timestamp: new Date('2025-10-04T09:00:00Z'),
      resolved_at: new Date('2025-10-04T09:02:15Z'),
      final_action: null,
      admin_id: null,
      admin_notes: '',
      call_sid: ended.call_sid,
      end_reason: 'completed',
      mode: 'ai',
    });
    expect(plan.conversation).toEqual({
      call_id: 'call_1',
      messages: [
        aMessage({ content: "There's a fire!" }),
        aMessage({
          role: 'assistant',
          content: 'Evacuate now!',
          sources: 'Emergency Procedures Manual',
        }),
      ],
      total_messages: 2,
    });
    expect(plan.pages).toEqual([]);
  });

  it('archives a call with no conversation as an empty transcript', () => {
    expect(planArchive('call_1', ended, null).conversation).toEqual({
      call_id: 'call_1',
      messages: [],
      total_messages: 0,
    });
  });

  it('spills a transcript too large for one document into pages, losing nothing', () => {
    const messages = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `k${String(i).padStart(3, '0')}`,
        aMessage({ content: `${i} ${'x'.repeat(50_000)}` }),
      ]),
    );
    const plan = planArchive('call_1', ended, { call_id: 'call_1', messages });
    expect(plan.conversation.messages).toEqual([]);
    expect(plan.conversation.total_messages).toBe(40);
    expect(plan.conversation.message_pages).toBe(plan.pages.length);
    expect(plan.pages.length).toBeGreaterThan(1);
    expect(plan.pages.flat().map((m) => m.content.split(' ')[0])).toEqual(
      Array.from({ length: 40 }, (_, i) => String(i)),
    );
  });
});

describe('paginate', () => {
  it('keeps pages under the limit and gives a lone huge message its own page', () => {
    const small = aMessage({ content: 'a'.repeat(100) });
    const huge = aMessage({ content: 'b'.repeat(1000) });
    const pages = paginate([small, small, huge, small], 400);
    expect(pages.map((p) => p.length)).toEqual([2, 1, 1]);
  });
});

describe('missingFromArchive', () => {
  const a = aMessage({ content: 'a' });
  const b = aMessage({ content: 'b', role: 'assistant' });

  it('is empty when the archive holds every live message', () => {
    expect(missingFromArchive([a, b], [a, b])).toEqual([]);
  });

  it('finds a message written after archival began', () => {
    expect(missingFromArchive([a, b], [a])).toEqual([b]);
  });

  it('counts repeated identical lines', () => {
    expect(missingFromArchive([a, a], [a])).toEqual([a]);
  });
});

describe('planArchive, after humans talked with the caller (issue 24)', () => {
  const members = {
    [`CA${'b'.repeat(32)}`]: {
      role: 'supervisor' as const,
      who: 'ana@site.example',
      via: 'browser' as const,
      state: 'left' as const,
      muted: false,
      at: '2025-10-04T14:31:40+05:30',
    },
    [`CA${'c'.repeat(32)}`]: {
      role: 'oncall' as const,
      who: '+15550190001',
      via: 'phone' as const,
      to: '+15550190001',
      state: 'no-answer' as const,
      muted: false,
      at: '2025-10-04T14:31:10+05:30',
    },
  };

  it('keeps who joined the conference, by what, and how each leg ended', () => {
    const plan = planArchive(
      'call_1',
      {
        ...ended,
        conference: { name: 'aurora-x', sid: `CF${'a'.repeat(32)}`, caller_in: false, members },
      },
      null,
    );
    expect(plan.call.conference_members).toEqual(members);
    expect(planArchive('call_1', ended, null).call).not.toHaveProperty('conference_members');
  });

  it('keeps who spoke each transcribed line', () => {
    const spoken = aMessage({
      role: 'admin',
      content: 'Stay where you are.',
      by: 'ana@site.example',
      spoken: true,
    });
    const plan = planArchive('call_1', ended, {
      call_id: 'call_1',
      messages: { a: spoken, b: aMessage() },
    });
    expect(plan.conversation.messages).toEqual([spoken, aMessage()]);
  });
});
