// Reads the CSV import form's submission (`view.state.values`: the file_input's file, the mode, the reason) and what
// the form and its preview carry in `private_metadata`. All of it is untrusted: parsed with zod, and anything
// malformed becomes a sentence for the person under the field it concerns, never a throw.
import { z } from 'zod';
import type { ImportMode } from '../../core/import/types.js';
import type { FieldProblem } from '../../core/user-record.js';
import { LIMITS } from '../blocks/text.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../ids.js';

/** The part of Slack's file object the import reads. */
export interface AttachedFile {
  id: string;
  name: string;
  /** The size Slack reports (bytes); checked before downloading, and the download is capped anyway. */
  size: number | undefined;
  filetype: string | undefined;
  urlPrivateDownload: string;
}

export const IMPORT_MODES = ['create', 'create_or_update'] as const satisfies readonly ImportMode[];

const fileSchema = z.object({
  id: z.string().regex(/^F[A-Z0-9]{2,40}$/),
  name: z.string().min(1).max(255),
  size: z.number().int().nonnegative().optional(),
  filetype: z.string().max(40).optional(),
  url_private_download: z.string().min(1).max(2_000),
});
const fileInputSchema = z.object({ type: z.literal('file_input'), files: z.array(z.unknown()).nullish() });
const modeSchema = z.object({
  type: z.literal('radio_buttons'),
  selected_option: z.object({ value: z.enum(IMPORT_MODES) }).nullish(),
});
const reasonSchema = z.object({ type: z.literal('plain_text_input'), value: z.string().nullish() });

export type ImportFormField = 'file' | 'mode' | 'reason';

export interface ImportFormValues {
  file: AttachedFile | undefined;
  mode: ImportMode;
  reason: string | undefined;
  problems: Array<FieldProblem & { field: ImportFormField | '*' }>;
}

/** block_id of each field, for `response_action: errors`. */
export const IMPORT_FIELD_BLOCKS: Readonly<Record<ImportFormField, string>> = {
  file: BLOCK_IDS.importFileBlock,
  mode: BLOCK_IDS.importModeBlock,
  reason: BLOCK_IDS.reasonBlock,
};

function element(state: Record<string, unknown>, blockId: string, actionId: string): unknown {
  const block = state[blockId];
  return block && typeof block === 'object' ? (block as Record<string, unknown>)[actionId] : undefined;
}

const SHAPE = 'The form sent this in a shape the app does not know. Close the form and run the import again.';

function readFile(raw: unknown): { file?: AttachedFile; problem?: string } {
  const input = fileInputSchema.safeParse(raw);
  if (!input.success) return { problem: SHAPE };
  const files = input.data.files ?? [];
  if (files.length === 0) return { problem: 'Attach the CSV file to import.' };
  if (files.length > 1) return { problem: 'Attach one file only: an import reads one CSV file.' };
  const file = fileSchema.safeParse(files[0]);
  if (!file.success) return { problem: SHAPE };
  const { id, name, size, filetype, url_private_download } = file.data;
  return { file: { id, name, size, filetype, urlPrivateDownload: url_private_download } };
}

export function parseImportValues(stateValues: unknown): ImportFormValues {
  const values: ImportFormValues = { file: undefined, mode: 'create', reason: undefined, problems: [] };
  if (!stateValues || typeof stateValues !== 'object') {
    values.problems.push({ field: '*', message: 'The form arrived without its values. Close it and open it again.' });
    return values;
  }
  const state = stateValues as Record<string, unknown>;
  const file = readFile(element(state, BLOCK_IDS.importFileBlock, INPUT_ACTION_IDS.importFileInput));
  if (file.problem) values.problems.push({ field: 'file', message: file.problem });
  values.file = file.file;
  const mode = element(state, BLOCK_IDS.importModeBlock, INPUT_ACTION_IDS.importModeInput);
  if (mode !== undefined) {
    const parsed = modeSchema.safeParse(mode);
    if (parsed.success) values.mode = parsed.data.selected_option?.value ?? 'create';
    else values.problems.push({ field: 'mode', message: SHAPE });
  }
  const reason = element(state, BLOCK_IDS.reasonBlock, INPUT_ACTION_IDS.reasonInput);
  if (reason !== undefined) {
    const parsed = reasonSchema.safeParse(reason);
    if (!parsed.success) values.problems.push({ field: 'reason', message: SHAPE });
    else if (parsed.data.value?.trim()) values.reason = parsed.data.value;
  }
  return values;
}

/** What the form and the preview carry to the next step. Never trusted for authorization. */
export interface ImportMetadata {
  /** Where the command was typed: a fallback place for a private reply. */
  channelId?: string;
  /** From the preview on: the file to download again at submission, the mode and the reason given. */
  file?: Pick<AttachedFile, 'id' | 'name' | 'urlPrivateDownload'>;
  mode?: ImportMode;
  reason?: string;
}

const metadataSchema = z
  .object({
    channelId: z.string().regex(/^[CGD][A-Z0-9]{2,}$/),
    file: z.object({ id: fileSchema.shape.id, name: fileSchema.shape.name, urlPrivateDownload: z.string().max(2_000) }),
    mode: z.enum(IMPORT_MODES),
    reason: z.string().max(2_000),
  })
  .partial();

/** JSON for private_metadata, or undefined when it would not fit Slack's limit. */
export function encodeImportMetadata(metadata: ImportMetadata): string | undefined {
  const text = JSON.stringify(metadata);
  return text.length <= LIMITS.privateMetadata ? text : undefined;
}

export function parseImportMetadata(text: unknown): ImportMetadata {
  if (typeof text !== 'string' || text === '' || text.length > LIMITS.privateMetadata) return {};
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return {};
    const { channelId, file, mode, reason } = parsed.data;
    return {
      ...(channelId ? { channelId } : {}),
      ...(file ? { file } : {}),
      ...(mode ? { mode } : {}),
      ...(reason ? { reason } : {}),
    };
  } catch {
    return {};
  }
}
