// The AI summary block of the paper page: the summary, its keywords as links to search, and the
// model that wrote it. Shown only when a summary exists (only with a configured chat endpoint).
import { html, type SafeHtml } from '../html.ts';
import type { AiSummary } from '../../storage/agents.ts';

export function aiSummarySection(ai: AiSummary | undefined): SafeHtml {
  if (!ai) return html``;
  return html`<section class="ai-summary" aria-labelledby="ai-h">
    <h2 id="ai-h">AI summary</h2>
    <p>${ai.summary}</p>
    <ul class="keywords" aria-label="AI keywords">
      ${ai.keywords.map((k) => html`<li><a class="chip" href="/search?q=${encodeURIComponent(k)}">${k}</a></li>`)}
    </ul>
    <p class="muted small">Written by ${ai.model}; it may contain mistakes. The abstract below is the authors' own.</p>
  </section>`;
}

/** Links to the paper's citation in each format and to its Markdown. */
export function citeLinks(arxivId: string): SafeHtml {
  const api = `/api/papers/${arxivId}/citation`;
  return html`<p class="cite-formats small">
    Download: <a href="${api}?format=bibtex">BibTeX</a> · <a href="${api}?format=ris">RIS</a> · <a href="${api}?format=csl-json">CSL-JSON</a> ·
    <a href="/papers/${arxivId}.md" type="text/markdown">Markdown</a>
  </p>`;
}
