// The digest and confirmation mails: an HTML part built from tables with inline styles (what mail
// clients render reliably; fluid to 600 px, one column on phones, no images needed) and a plain-text part.
import { escapeHtml, plainTitle, shorten } from '../domain/text.ts';

export interface MailPaper {
  arxivId: string;
  title: string;
  authors: string[];
  abstract: string;
  upvotes: number;
  categories: string[];
  codeUrl: string | null;
  /** Why this paper is in a personal section: "cs.LG", "keyword: diffusion", "author: Jane Doe". */
  why?: string;
}

export interface MailSection {
  title: string;
  papers: MailPaper[];
}

export interface DigestMailContent {
  siteName: string;
  publicUrl: string;
  kind: 'daily' | 'weekly';
  /** "Friday, 25 October 2024" or "week 43 of 2024". */
  editionLabel: string;
  /** Link to the edition's list on the site. */
  listUrl: string;
  sections: MailSection[];
  unsubscribeUrl: string;
  manageUrl: string;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

const e = escapeHtml;

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#1b1f24';
const MUTED = '#57606a';
const ACCENT = '#1f5fbf';
const LINE = '#e3e8ee';

function authorLine(authors: string[]): string {
  if (authors.length <= 4) return authors.join(', ');
  return `${authors.slice(0, 3).join(', ')} et al.`;
}

function paperLinks(base: string, p: MailPaper): { label: string; href: string }[] {
  const links = [
    { label: 'Read on ' + 'Paperboy', href: `${base}/papers/${p.arxivId}` },
    { label: 'arXiv', href: `https://arxiv.org/abs/${p.arxivId}` },
    { label: 'PDF', href: `https://arxiv.org/pdf/${p.arxivId}` },
  ];
  if (p.codeUrl && /^https?:\/\//.test(p.codeUrl)) links.push({ label: 'Code', href: p.codeUrl });
  return links;
}

function paperHtml(base: string, p: MailPaper, rank: number, last: boolean): string {
  const links = paperLinks(base, p)
    .map((l) => `<a href="${e(l.href)}" style="color:${ACCENT};text-decoration:none;font-weight:600;">${e(l.label)}</a>`)
    .join(`<span style="color:${LINE};">&nbsp;&nbsp;|&nbsp;&nbsp;</span>`);
  const chips = p.categories
    .slice(0, 3)
    .map((c) => `<span style="display:inline-block;padding:1px 8px;margin:0 4px 4px 0;border-radius:10px;background:#eef2f7;color:${INK};font-size:12px;">${e(c)}</span>`)
    .join('');
  return `<tr><td style="padding:18px 0;${last ? '' : `border-bottom:1px solid ${LINE};`}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td valign="top" width="56" class="votes" style="width:56px;padding-right:14px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="52"><tr><td align="center" style="border:1px solid ${LINE};border-radius:8px;padding:6px 0;font-family:${FONT};">
<div style="font-size:11px;color:${MUTED};line-height:1;">&#9650;</div>
<div style="font-size:17px;font-weight:700;color:${INK};line-height:1.3;">${e(p.upvotes)}</div>
<div style="font-size:10px;color:${MUTED};text-transform:uppercase;letter-spacing:.04em;">votes</div>
</td></tr></table>
</td>
<td valign="top" style="font-family:${FONT};">
<div style="font-size:12px;color:${MUTED};margin:0 0 2px;">#${rank}${p.why ? ` &middot; <span style="color:${ACCENT};">${e(p.why)}</span>` : ''}</div>
<a href="${e(`${base}/papers/${p.arxivId}`)}" style="font-size:17px;line-height:1.35;font-weight:700;color:${INK};text-decoration:none;">${e(plainTitle(p.title))}</a>
<div style="font-size:13px;color:${MUTED};margin:4px 0 6px;">${e(authorLine(p.authors))}</div>
<div style="font-size:14px;line-height:1.55;color:#30363d;margin:0 0 8px;">${e(shorten(p.abstract, 320))}</div>
${chips ? `<div style="margin:0 0 4px;">${chips}</div>` : ''}
<div style="font-size:13px;">${links}</div>
</td></tr></table>
</td></tr>`;
}

function shell(title: string, preheader: string, inner: string, footer: string, siteName: string, base: string): string {
  return `<!doctype html>
<html lang="en" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<meta name="supported-color-schemes" content="light">
<title>${e(title)}</title>
<style>
  body { margin:0; padding:0; width:100% !important; -webkit-text-size-adjust:100%; }
  a { color:${ACCENT}; }
  @media only screen and (max-width: 620px) {
    .container { width:100% !important; }
    .pad { padding-left:16px !important; padding-right:16px !important; }
    .votes { display:none !important; width:0 !important; padding:0 !important; }
  }
</style>
</head>
<body style="margin:0;padding:0;background:#f3f5f8;">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:#f3f5f8;">${e(preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f5f8;">
<tr><td align="center" style="padding:24px 8px;">
<table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;">
<tr><td class="pad" style="padding:0 24px 14px;font-family:${FONT};">
<a href="${e(base)}/" style="text-decoration:none;color:${INK};font-size:20px;font-weight:800;letter-spacing:-.01em;"><span style="color:${ACCENT};">&#9632;</span> ${e(siteName)}</a>
</td></tr>
<tr><td class="pad" style="background:#ffffff;border:1px solid ${LINE};border-radius:12px;padding:8px 28px 12px;">
${inner}
</td></tr>
<tr><td class="pad" style="padding:18px 24px;font-family:${FONT};font-size:12px;line-height:1.6;color:${MUTED};text-align:center;">
${footer}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
}

export function renderDigest(c: DigestMailContent): RenderedMail {
  const base = c.publicUrl.replace(/\/$/, '');
  const count = c.sections.reduce((n, s) => n + s.papers.length, 0);
  const first = c.sections.find((s) => s.papers.length)?.papers[0];
  const subject =
    c.kind === 'daily'
      ? `Trending papers · ${c.editionLabel}${first ? ` · ${shorten(plainTitle(first.title), 60)}` : ''}`
      : `Your weekly papers · ${c.editionLabel}`;
  const intro = c.kind === 'daily' ? `Today's trending papers, ${c.editionLabel}` : `The papers of ${c.editionLabel}`;
  let rank = 0;
  const sections = c.sections
    .filter((s) => s.papers.length)
    .map((s) => {
      const rows = s.papers.map((p, i) => paperHtml(base, p, ++rank, i === s.papers.length - 1)).join('\n');
      return `<tr><td style="padding:22px 0 0;font-family:${FONT};"><div style="font-size:12px;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:${ACCENT};border-bottom:2px solid ${ACCENT};padding-bottom:6px;display:inline-block;">${e(s.title)}</div></td></tr>\n${rows}`;
    })
    .join('\n');
  const inner = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td style="padding:18px 0 0;font-family:${FONT};">
<h1 style="margin:0;font-size:22px;line-height:1.3;color:${INK};">${e(intro)}</h1>
<p style="margin:6px 0 0;font-size:14px;color:${MUTED};">${count} paper${count === 1 ? '' : 's'} picked for you &middot; <a href="${e(c.listUrl)}" style="color:${ACCENT};">see the full list</a></p>
</td></tr>
${sections}
</table>`;
  const footer = `You get this ${c.kind} digest because you subscribed on ${e(c.siteName)}.<br>
<a href="${e(c.manageUrl)}" style="color:${MUTED};">Change what you receive</a> &middot; <a href="${e(c.unsubscribeUrl)}" style="color:${MUTED};">Unsubscribe</a><br>
Paper data from arXiv (CC0) and the ${e(c.siteName)} community.`;
  const html = shell(subject, `${count} papers: ${first ? plainTitle(first.title) : ''}`, inner, footer, c.siteName, base);

  const lines: string[] = [`${c.siteName} — ${intro}`, `${count} paper${count === 1 ? '' : 's'} · full list: ${c.listUrl}`, ''];
  rank = 0;
  for (const s of c.sections) {
    if (!s.papers.length) continue;
    lines.push(s.title.toUpperCase(), '='.repeat(s.title.length), '');
    for (const p of s.papers) {
      lines.push(`${++rank}. ${plainTitle(p.title)}`);
      lines.push(`   ${authorLine(p.authors)}`);
      lines.push(`   ▲ ${p.upvotes} upvotes${p.why ? ` · ${p.why}` : ''}${p.categories.length ? ` · ${p.categories.slice(0, 3).join(', ')}` : ''}`);
      lines.push('', ...wrap(shorten(p.abstract, 320), 72).map((l) => `   ${l}`), '');
      for (const l of paperLinks(base, p)) lines.push(`   ${l.label}: ${l.href}`);
      lines.push('');
    }
  }
  lines.push('--', `You get this ${c.kind} digest because you subscribed on ${c.siteName}.`, `Change what you receive: ${c.manageUrl}`, `Unsubscribe: ${c.unsubscribeUrl}`);
  return { subject, html, text: lines.join('\n') };
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

export interface ConfirmMailContent {
  siteName: string;
  publicUrl: string;
  confirmUrl: string;
  expiresHours: number;
  frequency: 'daily' | 'weekly';
  summary: string;
}

export function renderConfirm(c: ConfirmMailContent): RenderedMail {
  const base = c.publicUrl.replace(/\/$/, '');
  const subject = `Confirm your ${c.frequency} ${c.siteName} digest`;
  const inner = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="padding:20px 0;font-family:${FONT};color:${INK};">
<h1 style="margin:0 0 10px;font-size:22px;">One click to confirm</h1>
<p style="margin:0 0 12px;font-size:15px;line-height:1.55;">Someone (hopefully you) asked to receive the ${e(c.frequency)} trending-papers digest from ${e(c.siteName)} at this address.</p>
<p style="margin:0 0 18px;font-size:14px;line-height:1.55;color:${MUTED};">${e(c.summary)}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td style="border-radius:8px;background:${ACCENT};">
<a href="${e(c.confirmUrl)}" style="display:inline-block;padding:12px 22px;font-size:16px;font-weight:700;color:#ffffff;text-decoration:none;">Confirm my subscription</a>
</td></tr></table>
<p style="margin:18px 0 0;font-size:13px;color:${MUTED};line-height:1.55;">The link works for ${c.expiresHours} hours. If you did not ask for this, ignore this mail: nothing will be sent.<br>Link: <a href="${e(c.confirmUrl)}" style="color:${ACCENT};word-break:break-all;">${e(c.confirmUrl)}</a></p>
</td></tr></table>`;
  const html = shell(subject, 'Confirm your subscription', inner, `${e(c.siteName)} &middot; <a href="${e(base)}/" style="color:${MUTED};">${e(base)}</a>`, c.siteName, base);
  const text = [
    `Confirm your ${c.frequency} ${c.siteName} digest`,
    '',
    `Someone (hopefully you) asked to receive the ${c.frequency} trending-papers digest from ${c.siteName} at this address.`,
    c.summary,
    '',
    `Confirm: ${c.confirmUrl}`,
    '',
    `The link works for ${c.expiresHours} hours. If you did not ask for this, ignore this mail: nothing will be sent.`,
  ].join('\n');
  return { subject, html, text };
}
