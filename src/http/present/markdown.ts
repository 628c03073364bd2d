// Papers as Markdown, for agents and HF's read_paper(): one paper (title, authors, dates, links,
// categories, abstract, the AI summary when there is one, comments) or a list of papers (a day).
// Text is written as it is; only link targets are checked (http(s) only) and link labels escaped.
import type { Paper } from '../../domain/paper.ts';
import { commentCount } from '../../domain/counts.ts';
import type { AiSummary } from '../../storage/agents.ts';
import type { CommentView } from '../../services/comments.ts';
import { httpUrl } from '../../domain/code-links.ts';
import { arxivLinks } from '../../domain/arxiv-id.ts';

export interface MarkdownPaper {
  paper: Paper;
  upvotes: number;
  numComments: number;
  listedOn?: string;
  submitter?: string | null;
  ai?: AiSummary;
  comments?: CommentView[];
}

/** Text on one line, with the characters that would start Markdown structure escaped. */
function inline(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([\\`*_[\]<>|])/g, '\\$1');
}

function link(label: string, url: string | null | undefined): string | null {
  const u = httpUrl(url);
  return u ? `[${inline(label)}](<${u.replace(/[<>\s]/g, encodeURIComponent)}>)` : null;
}

const day = (iso: string | null | undefined) => iso?.slice(0, 10) ?? '';

function commentLines(list: CommentView[], depth: number, out: string[]): void {
  for (const c of list) {
    const who = c.author.displayName || c.author.username || 'someone';
    const pad = '  '.repeat(depth);
    const text = c.deleted || c.hidden ? '_(removed)_' : c.markdown.trim().replace(/\r?\n/g, `\n${pad}  `);
    out.push(`${pad}- **${inline(who)}** (${day(c.createdAt)}): ${text}`);
    commentLines(c.replies, depth + 1, out);
  }
}

/** The comment count of the one rule (src/domain/counts.ts): all of them, and how many are on Hugging Face. */
function commentsText(p: Paper): string {
  const c = commentCount({ localComments: p.numComments, sourceComments: p.sourceComments }, p.arxivId);
  return c.elsewhere ? `${c.total} (${c.elsewhere.count} on ${c.elsewhere.source})` : String(c.total);
}

export function paperMarkdown(v: MarkdownPaper, base: string): string {
  const p = v.paper;
  const links = arxivLinks(p.arxivId);
  const out: string[] = [`# ${inline(p.title)}`, ''];
  const meta: string[] = [];
  meta.push(
    `**arXiv:** ${link(p.arxivId + (p.version > 1 ? `v${p.version}` : ''), links.abs)} · ${link('PDF', links.pdf)} · ${link('Paperboy page', `${base}/papers/${p.arxivId}`)}`,
  );
  if (p.authors.length) meta.push(`**Authors:** ${p.authors.map(inline).join(', ')}`);
  const dates = [
    p.publishedAt ? `published ${day(p.publishedAt)}` : '',
    p.updatedAt && day(p.updatedAt) !== day(p.publishedAt) ? `updated ${day(p.updatedAt)}` : '',
  ].filter(Boolean);
  if (dates.length) meta.push(`**Dates:** ${dates.join(', ')}`);
  if (v.listedOn) meta.push(`**Listed:** ${v.listedOn}${v.submitter ? ` (submitted by ${inline(v.submitter)})` : ''}`);
  meta.push(`**Upvotes:** ${p.upvotes} · **Comments:** ${commentsText(p)}`);
  if (p.categories.length) meta.push(`**Categories:** ${p.categories.join(', ')}`);
  const code = link(p.codeUrl ?? '', p.codeUrl);
  if (code) meta.push(`**Code:** ${code}${p.githubStars != null ? ` (★ ${p.githubStars})` : ''}`);
  const project = link(p.projectUrl ?? '', p.projectUrl);
  if (project) meta.push(`**Project page:** ${project}`);
  if (p.doi) meta.push(`**DOI:** ${link(p.doi, `https://doi.org/${p.doi}`) ?? inline(p.doi)}`);
  if (p.journalRef) meta.push(`**Journal ref:** ${inline(p.journalRef)}`);
  if (p.comment) meta.push(`**arXiv comment:** ${inline(p.comment)}`);
  // A line break after each (two trailing spaces would be invisible; a backslash is CommonMark's).
  out.push(meta.join('\\\n'), '', '## Abstract', '', p.abstract.trim() || '_No abstract._', '');
  if (v.ai) {
    out.push(`## AI summary`, '', `_Written by ${inline(v.ai.model)}; may contain mistakes._`, '', v.ai.summary, '');
    out.push(`**Keywords:** ${v.ai.keywords.map((k) => link(k, `${base}/search?q=${encodeURIComponent(k)}`) ?? inline(k)).join(', ')}`, '');
  }
  if (v.comments) {
    out.push('## Comments', '');
    if (!v.comments.length) out.push('_No comments yet._');
    else commentLines(v.comments, 0, out);
    out.push('');
  }
  return out.join('\n');
}

export interface MarkdownListItem {
  paper: Paper;
  upvotes: number;
  numComments: number;
}

/** A list (a day's papers, search results): one numbered entry per paper with its id, authors and abstract. */
export function listMarkdown(title: string, items: MarkdownListItem[], base: string, opts: { abstracts?: boolean; intro?: string } = {}): string {
  const out: string[] = [`# ${inline(title)}`, ''];
  if (opts.intro) out.push(opts.intro, '');
  if (!items.length) out.push('_No papers._', '');
  items.forEach((it, i) => {
    const p = it.paper;
    out.push(`## ${i + 1}. ${inline(p.title)}`, '');
    const authors = p.authors.length > 8 ? `${p.authors.slice(0, 8).map(inline).join(', ')}, … (+${p.authors.length - 8})` : p.authors.map(inline).join(', ');
    out.push(
      [
        `**arXiv:** ${link(p.arxivId, arxivLinks(p.arxivId).abs)} · ${link('Markdown', `${base}/papers/${p.arxivId}.md`)}`,
        authors ? `**Authors:** ${authors}` : '',
        `**Published:** ${day(p.publishedAt) || 'unknown'} · **Upvotes:** ${p.upvotes} · **Comments:** ${commentsText(p)}${p.categories.length ? ` · **Categories:** ${p.categories.slice(0, 4).join(', ')}` : ''}`,
        p.codeUrl && httpUrl(p.codeUrl) ? `**Code:** ${link(p.codeUrl, p.codeUrl)}${p.githubStars != null ? ` (★ ${p.githubStars})` : ''}` : '',
      ]
        .filter(Boolean)
        .join('\\\n'),
      '',
    );
    if (opts.abstracts !== false && p.abstract) out.push(p.abstract.trim(), '');
  });
  return out.join('\n');
}
