// A small Block Kit → SVG renderer for the pictures in docs/screens: header, sections (text, two-column fields,
// a button accessory), context, dividers, buttons, inputs and selects, inside a message, modal or Home frame.
// It approximates Slack's look (fonts, widths, emoji as Unicode); it is for documentation, not a Slack client.

type Json = Record<string, unknown>;

export interface Frame {
  kind: 'message' | 'modal' | 'home';
  /** The app's name above a message; the modal's title comes from the view. */
  appName?: string;
  /** Slack user ids → display names, for `<@U…>` mentions. */
  people?: Readonly<Record<string, string>>;
  /** Channel ids → names, for `<#C…>`. */
  channels?: Readonly<Record<string, string>>;
}

interface Run {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  link?: boolean;
}

const MONO = 'Menlo, Consolas, monospace';
const INK = '#1d1c1d';
const GREY = '#616061';
const LINK = '#1264a3';
const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  hourglass_flowing_sand: '⏳',
  gear: '⚙️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  alarm_clock: '⏰',
  leftwards_arrow_with_hook: '↩️',
  lock: '🔒',
  inbox_tray: '📥',
  bell: '🔔',
  information_source: 'ℹ️',
  mag: '🔍',
  key: '🔑',
};

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** `<!date^…|fallback>` shows the fallback's day and time, as a reader in UTC would see it. */
function dateText(fallback: string): string {
  const at = new Date(fallback);
  if (Number.isNaN(at.getTime())) return fallback;
  const day = at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return `${day} ${at.toISOString().slice(11, 16)}`;
}

/** What a `<…>` token shows, and whether it looks like a link. */
function token(inner: string, frame: Frame): Run {
  if (inner.startsWith('@')) return { text: `@${frame.people?.[inner.slice(1)] ?? inner.slice(1)}`, link: true };
  if (inner.startsWith('#'))
    return { text: `#${frame.channels?.[inner.slice(1).split('|')[0] ?? ''] ?? 'channel'}`, link: true };
  if (inner.startsWith('!date^')) {
    const [spec, fallback] = inner.split('|');
    const shown = dateText(fallback ?? '');
    const day = new Date(fallback ?? '');
    const withYear = Number.isNaN(day.getTime())
      ? (fallback ?? '')
      : day.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    return { text: spec?.includes('{time}') ? shown : withYear };
  }
  if (inner.startsWith('!subteam^')) return { text: '@approvers', link: true };
  const [url, label] = inner.split('|');
  return { text: decode(label ?? url ?? ''), link: true };
}

/** Slack's mrkdwn as styled runs: tokens, *bold*, _italic_, `code` and :emoji:. */
export function parseMrkdwn(text: string, frame: Frame): Run[] {
  const runs: Run[] = [];
  const style = { bold: false, italic: false, code: false };
  let buffer = '';
  const flush = () => {
    if (buffer) runs.push({ text: decode(buffer).replace(/:([a-z_]+):/g, (m, n: string) => EMOJI[n] ?? m), ...style });
    buffer = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const edge = (j: number) => j < 0 || j >= text.length || /[\s.,;:!?()]/.test(text[j] as string);
    if (ch === '<' && !style.code) {
      const end = text.indexOf('>', i);
      if (end > i) {
        flush();
        runs.push({ ...style, ...token(text.slice(i + 1, end), frame) });
        i = end;
        continue;
      }
    }
    if (ch === '`' || (!style.code && ch === '*') || (!style.code && ch === '_' && (edge(i - 1) || edge(i + 1)))) {
      flush();
      const key = ch === '`' ? 'code' : ch === '*' ? 'bold' : 'italic';
      style[key] = !style[key];
      continue;
    }
    buffer += ch;
  }
  flush();
  return runs;
}

const charWidth = (run: Run, size: number) => size * (run.code ? 0.6 : run.bold ? 0.58 : 0.53);

/** Runs laid out in lines no wider than `width`, word by word. */
export function wrap(runs: readonly Run[], size: number, width: number): Run[][] {
  const lines: Run[][] = [[]];
  let used = 0;
  for (const run of runs) {
    const parts = run.text.split(/(\n| )/);
    for (const part of parts) {
      if (part === '') continue;
      if (part === '\n') {
        lines.push([]);
        used = 0;
        continue;
      }
      const w = [...part].length * charWidth(run, size);
      if (used + w > width && used > 0 && part !== ' ') {
        lines.push([]);
        used = 0;
      }
      if (used === 0 && part === ' ') continue;
      lines.at(-1)?.push({ ...run, text: part });
      used += w;
    }
  }
  return lines;
}

function tspans(line: readonly Run[]): string {
  return line
    .map((r) => {
      const attrs = [
        r.bold ? 'font-weight="700"' : '',
        r.italic ? 'font-style="italic"' : '',
        r.code ? `font-family="${MONO}" fill="#e01e5a"` : '',
        r.link ? `fill="${LINK}"` : '',
      ].filter(Boolean);
      return `<tspan ${attrs.join(' ')}>${xml(r.text)}</tspan>`;
    })
    .join('');
}

/** Draws text at (x, y) in `width`; returns the SVG and the height used. A line opening with "> " is a quote. */
export function textBlock(
  text: string,
  x: number,
  y: number,
  width: number,
  options: { size?: number; color?: string; frame: Frame; plain?: boolean },
): { svg: string; height: number } {
  const size = options.size ?? 15;
  const lineHeight = Math.round(size * 1.45);
  let svg = '';
  let height = 0;
  for (const source of text.split('\n')) {
    const quote = !options.plain && /^(>|&gt;) ?/.test(source);
    const body = quote ? source.replace(/^(>|&gt;) ?/, '') : source;
    const runs = options.plain ? [{ text: body }] : parseMrkdwn(body, options.frame);
    const indent = quote ? 14 : 0;
    for (const line of wrap(runs, size, width - indent)) {
      const baseline = y + height + size;
      if (quote) svg += `<rect x="${x}" y="${y + height}" width="3" height="${lineHeight}" fill="#dddddd"/>`;
      svg += `<text xml:space="preserve" x="${x + indent}" y="${baseline}" font-size="${size}" fill="${options.color ?? INK}">${tspans(line)}</text>`;
      height += lineHeight;
    }
  }
  return { svg, height };
}

const BUTTON_STYLES: Record<string, { fill: string; ink: string; stroke: string }> = {
  primary: { fill: '#007a5a', ink: '#ffffff', stroke: '#007a5a' },
  danger: { fill: '#e01e5a', ink: '#ffffff', stroke: '#e01e5a' },
  default: { fill: '#ffffff', ink: INK, stroke: '#bbbbbb' },
};

export function button(label: string, x: number, y: number, style = 'default'): { svg: string; width: number } {
  const s = BUTTON_STYLES[style] ?? (BUTTON_STYLES.default as { fill: string; ink: string; stroke: string });
  const width = Math.round([...label].length * 8.6 + 28);
  const svg =
    `<rect x="${x}" y="${y}" width="${width}" height="32" rx="4" fill="${s.fill}" stroke="${s.stroke}"/>` +
    `<text x="${x + width / 2}" y="${y + 21}" font-size="14" font-weight="700" text-anchor="middle" fill="${s.ink}">${xml(label)}</text>`;
  return { svg, width };
}

const plain = (t: unknown) => String((t as Json | undefined)?.text ?? '');

/** An input block: label, a box with the initial value (or the placeholder), the hint. */
function inputBlock(b: Json, x: number, y: number, width: number, frame: Frame): { svg: string; height: number } {
  const element = (b.element ?? {}) as Json;
  const optional = b.optional === true ? ' (optional)' : '';
  const label = textBlock(`*${plain(b.label)}*${optional}`, x, y, width, { frame });
  let svg = label.svg;
  let height = label.height + 6;
  const multiline = element.multiline === true;
  const boxHeight = multiline ? 72 : 36;
  const initial = (element.initial_option as Json | undefined)?.text ?? undefined;
  const value = String(element.initial_value ?? plain(initial) ?? '');
  const shown = value || plain(element.placeholder);
  svg += `<rect x="${x}" y="${y + height}" width="${width}" height="${boxHeight}" rx="4" fill="#ffffff" stroke="#bbbbbb"/>`;
  svg += `<text x="${x + 10}" y="${y + height + 23}" font-size="14" fill="${value ? INK : '#8d8d8d'}">${xml(shown.slice(0, Math.floor(width / 8)))}</text>`;
  if (element.type === 'static_select') {
    svg += `<text x="${x + width - 22}" y="${y + height + 23}" font-size="14" fill="${GREY}">▾</text>`;
  }
  height += boxHeight + 4;
  if (b.hint) {
    const hint = textBlock(plain(b.hint), x, y + height, width, { size: 13, color: GREY, frame, plain: true });
    svg += hint.svg;
    height += hint.height;
  }
  return { svg, height: height + 10 };
}

function buttons(elements: readonly Json[], x: number, y: number): { svg: string; height: number } {
  let svg = '';
  let left = x;
  for (const e of elements) {
    const b = button(plain(e.text), left, y, String(e.style ?? 'default'));
    svg += b.svg;
    left += b.width + 8;
  }
  return { svg, height: 40 };
}

function section(b: Json, x: number, y: number, width: number, frame: Frame): { svg: string; height: number } {
  const accessory = b.accessory as Json | undefined;
  const textWidth = accessory ? width - 150 : width;
  let svg = '';
  let height = 0;
  if (b.text) {
    const t = textBlock(plain(b.text), x, y, textWidth, { frame });
    svg += t.svg;
    height += t.height;
  }
  const fields = (b.fields as Json[] | undefined) ?? [];
  for (let i = 0; i < fields.length; i += 2) {
    const column = (width - 16) / 2;
    const left = textBlock(plain(fields[i]), x, y + height + 4, column, { frame });
    const right = fields[i + 1]
      ? textBlock(plain(fields[i + 1]), x + column + 16, y + height + 4, column, { frame })
      : undefined;
    svg += left.svg + (right?.svg ?? '');
    height += Math.max(left.height, right?.height ?? 0) + 8;
  }
  if (accessory) svg += button(plain(accessory.text), x + width - 140, y, String(accessory.style ?? 'default')).svg;
  return { svg, height: Math.max(height, accessory ? 36 : 0) + 8 };
}

/** One block, drawn at y; returns the SVG and the height it takes. */
export function block(b: Json, x: number, y: number, width: number, frame: Frame): { svg: string; height: number } {
  switch (b.type) {
    case 'header': {
      const t = textBlock(plain(b.text), x, y + 4, width, { size: 19, frame, plain: true });
      return { svg: t.svg.replace(/<text /g, '<text font-weight="800" '), height: t.height + 12 };
    }
    case 'section':
      return section(b, x, y, width, frame);
    case 'context': {
      const joined = ((b.elements as Json[] | undefined) ?? []).map(plain).join('   ');
      const t = textBlock(joined, x, y, width, { size: 13, color: GREY, frame });
      return { svg: t.svg, height: t.height + 8 };
    }
    case 'divider':
      return { svg: `<line x1="${x}" y1="${y + 8}" x2="${x + width}" y2="${y + 8}" stroke="#dddddd"/>`, height: 18 };
    case 'actions':
      return buttons((b.elements as Json[] | undefined) ?? [], x, y + 4);
    case 'input':
      return inputBlock(b, x, y, width, frame);
    default:
      return { svg: '', height: 0 };
  }
}
