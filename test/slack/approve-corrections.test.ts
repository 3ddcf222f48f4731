// Edit details over the approve summary: which fields it offers, with which elements, and what saving it means.
import { describe, expect, it } from 'vitest';
import {
  buildCorrectionsModal,
  checkCorrections,
  readCorrectionsSubmission,
} from '../../src/slack/blocks/approve-corrections.js';
import { parseDecisionMetadata } from '../../src/slack/blocks/decision-modals.js';
import { CALLBACK_IDS, userFieldIds } from '../../src/slack/ids.js';
import { NEW_USER_MODAL_FIELDS } from '../../src/slack/views/new-user-values.js';
import { makeRequest } from './approval-fixtures.js';

const RULES = { allowedAuth: ['manual', 'oauth2'], defaultAuth: 'manual' };
const metadata = { requestId: 'R-7K3QX9', card: { channel: 'C0APPROVALS', ts: '1.000001' }, summaryViewId: 'V0SUM' };

type Element = {
  type: string;
  action_id: string;
  initial_value?: string;
  initial_option?: { value: string };
  option_groups?: Array<{ options: unknown[] }>;
};
type Block = { type: string; block_id?: string; optional?: boolean; element?: Element; hint?: { text: string } };

const inputs = (view: { blocks: unknown[] }) => (view.blocks as Block[]).filter((b) => b.type === 'input');
const byField = (view: { blocks: unknown[] }, field: Parameters<typeof userFieldIds>[0]) =>
  inputs(view).find((b) => b.block_id === userFieldIds(field).blockId);

describe('buildCorrectionsModal', () => {
  it('for a create: the request form’s fields with its selects, starting from the request (and earlier corrections)', () => {
    const request = makeRequest();
    const view = buildCorrectionsModal(request, {
      metadata: { ...metadata, corrections: { city: 'Lyon' } },
      rules: RULES,
    });
    expect(view.callback_id).toBe(CALLBACK_IDS.approveCorrectionsModal);
    expect(parseDecisionMetadata(view.private_metadata ?? '')).toEqual(metadata);
    expect(inputs(view).map((b) => b.block_id)).toEqual(NEW_USER_MODAL_FIELDS.map((f) => `${f}_block`));
    expect(byField(view, 'auth')?.element).toMatchObject({
      type: 'static_select',
      initial_option: { value: 'manual' },
    });
    expect(byField(view, 'country')?.element?.type).toBe('static_select');
    expect(byField(view, 'email')?.element).toMatchObject({
      type: 'email_text_input',
      initial_value: 'jane@example.org',
    });
    expect(byField(view, 'city')?.element?.initial_value).toBe('Lyon');
    expect(byField(view, 'email')?.optional).toBe(false);
    expect(byField(view, 'city')?.optional).toBe(true);
  });

  it('adds the fields the request sets beyond the form; the time zone as a menu of at most 100 per group', () => {
    const request = makeRequest({
      payload: {
        operation: 'create',
        user: {
          username: 'jdoe',
          email: 'jane@example.org',
          firstname: 'Jane',
          lastname: 'Doe',
          auth: 'manual',
          country: 'FR',
          timezone: 'Europe/Paris',
          lang: 'fr',
        },
      },
    });
    const view = buildCorrectionsModal(request, {
      metadata,
      rules: { allowedAuth: ['manual'], defaultAuth: 'manual' },
    });
    expect(byField(view, 'auth')).toBeUndefined();
    expect(byField(view, 'country')?.element?.initial_option?.value).toBe('FR');
    const zone = byField(view, 'timezone')?.element;
    expect(zone).toMatchObject({ type: 'static_select', initial_option: { value: 'Europe/Paris' } });
    for (const group of zone?.option_groups ?? []) expect(group.options.length).toBeLessThanOrEqual(100);
    expect(byField(view, 'lang')?.element?.initial_value).toBe('fr');
    expect(byField(view, 'phone1')).toBeUndefined();
  });

  it('for an update: only the changed fields, with what Moodle has now as a hint', () => {
    const request = makeRequest({
      operation: 'update',
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lyon' }] },
    });
    const view = buildCorrectionsModal(request, { metadata, rules: RULES });
    expect(inputs(view).map((b) => b.block_id)).toEqual([userFieldIds('city').blockId]);
    expect(byField(view, 'city')?.hint?.text).toBe('Now in Moodle: Paris');
  });
});

describe('reading and checking corrections', () => {
  const request = makeRequest();
  const view = buildCorrectionsModal(request, { metadata, rules: RULES });
  const state = (overrides: Record<string, unknown>) => {
    const values: Record<string, Record<string, unknown>> = {};
    for (const b of inputs(view)) {
      const el = b.element as Element;
      values[b.block_id as string] = {
        [el.action_id]:
          el.type === 'static_select'
            ? { type: 'static_select', selected_option: el.initial_option ?? null }
            : { type: el.type, value: el.initial_value ?? null },
      };
    }
    return { ...values, ...overrides };
  };
  const text = (field: Parameters<typeof userFieldIds>[0], value: string) => ({
    [userFieldIds(field).blockId]: { [userFieldIds(field).actionId]: { type: 'plain_text_input', value } },
  });

  it('unchanged, the form carries no correction; a change carries only itself, normalised', () => {
    expect(readCorrectionsSubmission(request, state({}), RULES)).toEqual({ ok: true, corrections: {} });
    const chosen = {
      [userFieldIds('country').blockId]: {
        [userFieldIds('country').actionId]: { type: 'static_select', selected_option: { value: 'DE' } },
      },
    };
    expect(readCorrectionsSubmission(request, state({ ...text('city', ' Köln '), ...chosen }), RULES)).toEqual({
      ok: true,
      corrections: { city: 'Köln', country: 'DE' },
    });
  });

  it('problems are inline under their fields; a value in a shape the form never sends is one too', () => {
    const read = readCorrectionsSubmission(
      request,
      state({ ...text('username', 'Jane Doe'), [userFieldIds('email').blockId]: { email_input: { type: 'x' } } }),
      RULES,
    );
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(Object.keys(read.errors).sort()).toEqual([userFieldIds('email').blockId]);
    }
    const invalid = readCorrectionsSubmission(request, state(text('username', 'Jane Doe')), RULES);
    expect(invalid).toMatchObject({ ok: false, errors: { [userFieldIds('username').blockId]: expect.any(String) } });
  });

  it('an update may correct only its own fields; a delete has none', () => {
    const update = makeRequest({
      operation: 'update',
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lyon' }] },
    });
    expect(checkCorrections(update, { city: 'Nice' }, RULES)).toEqual({ ok: true, corrections: { city: 'Nice' } });
    expect(checkCorrections(update, { email: 'x@example.org' }, RULES).ok).toBe(false);
    // Approved as asked: no corrections is not "nothing to change".
    expect(checkCorrections(update, {}, RULES)).toEqual({ ok: true, corrections: {} });
    const del = makeRequest({ operation: 'delete', payload: { operation: 'delete' } });
    expect(checkCorrections(del, {}, RULES)).toEqual({ ok: true, corrections: {} });
    expect(checkCorrections(del, { city: 'x' }, RULES).ok).toBe(false);
  });
});
