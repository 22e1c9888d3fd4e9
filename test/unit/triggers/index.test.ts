import { QUEUES } from '@aurora/model/tasks';
import { describe, expect, it } from 'vitest';
import * as functions from '../../../functions/src/index';

type Endpoint = {
  __endpoint: {
    httpsTrigger?: object;
    callableTrigger?: object;
    eventTrigger?: { eventType?: string; retry?: boolean; eventFilterPathPatterns?: object };
    taskQueueTrigger?: { retryConfig?: { maxAttempts?: number } };
    scheduleTrigger?: object;
  };
};
const endpoint = (name: string) =>
  (functions as unknown as Record<string, Endpoint>)[name].__endpoint;

describe('functions/src/index.ts', () => {
  it('exports the webhooks, the admin callables, the fan-out trigger, the four queues and the sweeper, and nothing else', () => {
    expect(Object.keys(functions).sort()).toEqual([
      'archiveCall',
      'callControl',
      'callFanOut',
      'escalateCall',
      'purgeCall',
      'recordWords',
      'siteSettings',
      'sweepCalls',
      'twilioAnnounce',
      'twilioBrowser',
      'twilioConference',
      'twilioDial',
      'twilioLeg',
      'twilioLegStatus',
      'twilioMessageStatus',
      'twilioPartial',
      'twilioRejoin',
      'twilioScreen',
      'twilioStatus',
      'twilioTranscription',
      'twilioTurn',
      'twilioVoice',
      'voiceToken',
    ]);
  });

  it('names every queue the use cases enqueue to after a task queue function', () => {
    expect(Object.values(QUEUES).sort()).toEqual([
      'archiveCall',
      'escalateCall',
      'purgeCall',
      'recordWords',
    ]);
    for (const queue of Object.values(QUEUES))
      expect(endpoint(queue).taskQueueTrigger?.retryConfig?.maxAttempts).toBeGreaterThanOrEqual(10);
  });

  it('serves the webhooks over HTTPS, admin actions as a callable, and sweeps on a schedule', () => {
    for (const name of [
      'twilioVoice',
      'twilioTurn',
      'twilioPartial',
      'twilioStatus',
      'twilioScreen',
      'twilioDial',
      'twilioMessageStatus',
      'twilioTranscription',
      'twilioBrowser',
      'twilioLeg',
      'twilioLegStatus',
      'twilioConference',
      'twilioRejoin',
      'twilioAnnounce',
    ])
      expect(endpoint(name).httpsTrigger).toBeDefined();
    for (const name of ['callControl', 'siteSettings', 'voiceToken'])
      expect(endpoint(name).callableTrigger).toBeDefined();
    expect(endpoint('callFanOut').eventTrigger).toMatchObject({
      eventType: 'google.firebase.database.ref.v1.written',
      retry: true,
      eventFilterPathPatterns: { ref: 'active_calls/{callId}' },
    });
    expect(endpoint('sweepCalls').scheduleTrigger).toMatchObject({ schedule: 'every 5 minutes' });
  });
});
