// Collections: the public list (in the main menu), the reader's own, one collection's page and
// feed, and saving a paper from its page without leaving it (a plain form; community.js posts it
// in the background).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { paperCard } from '../present/cards.ts';
import { rss } from '../feeds/xml.ts';
import type { PaperView } from '../../services/papers.ts';
import type { Collection } from '../../services/collections.ts';
import { backOf, csrfChecked, intParam, signedIn, viewerOf, wantsJson } from './community-session.ts';
import { csrfInput } from './community-account.ts';
import { fieldError, invalid, problemOf, type Problem } from './forms.ts';

const CollectionBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 300 })),
  description: Type.Optional(Type.String({ maxLength: 3000 })),
  public: Type.Optional(Type.String({ maxLength: 1 })),
  _csrf: Type.Optional(Type.String()),
});
const PaperBody = Type.Object({
  paper: Type.Optional(Type.String({ maxLength: 300 })),
  note: Type.Optional(Type.String({ maxLength: 3000 })),
  collection: Type.Optional(Type.String({ maxLength: 12 })),
  back: Type.Optional(Type.String({ maxLength: 500 })),
  _csrf: Type.Optional(Type.String()),
});

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

function collectionList(cols: Collection[], showOwner: boolean): SafeHtml {
  return html`<ul class="collections">${cols.map(
    (c) => html`<li><a href="/collections/${c.id}">${c.name}</a> <span class="muted">· ${plural(c.count ?? 0, 'paper')}${
      showOwner && c.owner.username ? html` · by <a href="/users/${c.owner.username}">${c.owner.displayName || c.owner.username}</a>` : ''
    }${c.isPublic ? '' : ' · private'}</span></li>`,
  )}</ul>`;
}

/** The paper page's "Save" box: one click to the reading list, or a chosen collection. */
export async function saveSection(req: FastifyRequest, ctx: HttpContext, view: PaperView): Promise<SafeHtml> {
  const v = req.viewer;
  const p = view.paper;
  const here = `/papers/${p.arxivId}`;
  const c = ctx.pb.community.collections;
  const mine = v ? await c.forUser(v.id, true) : [];
  const inside = v ? await c.containing(v.id, p.id) : new Set<number>();
  const saved = Number((req.query as { saved?: string }).saved);
  const savedTo = mine.find((m) => m.id === saved);
  return html`<section aria-labelledby="save-h">
  <h2 id="save-h">Save</h2>
  <p class="save-status muted" role="status">${savedTo ? html`Saved to <a href="/collections/${savedTo.id}">${savedTo.name}</a>.` : inside.size ? html`In ${mine.filter((m) => inside.has(m.id)).map((m, i) => html`${i ? ', ' : ''}<a href="/collections/${m.id}">${m.name}</a>`)}.` : ''}</p>
  <form method="post" action="/collections/add" class="save-form" data-save>${v?.csrf ? csrfInput(v) : ''}<input type="hidden" name="paper" value="${p.arxivId}"><input type="hidden" name="back" value="${here}">
  ${
    mine.length > 1
      ? html`<label for="save-to">Collection</label> <select id="save-to" name="collection">${mine.map((m) => html`<option value="${m.id}">${m.name}</option>`)}</select> `
      : ''
  }<button class="btn secondary" type="submit">${mine.length > 1 ? 'Save' : `Save to ${mine[0]?.name ?? 'your reading list'}`}</button></form>
  ${v ? html`<p class="muted"><a href="/collections">Your collections</a></p>` : ''}
</section>`;
}

export function collectionRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const c = pb.community;
  const guard = [signedIn(), csrfChecked];

  const listPage = async (req: FastifyRequest, reply: import('fastify').FastifyReply, problem?: Problem, values: Static<typeof CollectionBody> = {}) => {
    const v = req.viewer;
    const [mine, pub] = await Promise.all([v ? c.collections.forUser(v.id, true) : Promise.resolve([]), c.collections.publicList(50)]);
    return ctx.page(
      req,
      reply,
      { title: 'Collections' },
      html`<h1>Collections</h1>
<p>Reading lists that readers keep: public ones have a page and an RSS feed.</p>
${
  v
    ? html`<section aria-labelledby="mine-h"><h2 id="mine-h">Yours</h2>
${mine.length ? collectionList(mine, false) : html`<p class="muted">None yet. “Save” on a paper's page starts your reading list.</p>`}
<details${problem ? html` open` : ''}><summary>New collection</summary>
<form method="post" action="/collections" class="stack">${csrfInput(v)}
  <p><label for="name">Name</label>${fieldError(problem, 'name')}<input id="name" name="name" type="text" required maxlength="100" value="${values.name ?? ''}"${invalid(problem, 'name')}></p>
  <p><label for="description">Description <span class="muted">(optional)</span></label><input id="description" name="description" type="text" maxlength="1000" value="${values.description ?? ''}"></p>
  <p><label><input type="checkbox" name="public" value="1"${values.public === '1' ? html` checked` : ''}> Public (a page anyone can open, and an RSS feed)</label></p>
  <p><button class="btn" type="submit">Create</button></p>
</form></details></section>`
    : html`<p><a href="/signin?next=/collections">Sign in</a> to keep your own.</p>`
}
<section aria-labelledby="public-h"><h2 id="public-h">Public collections</h2>
${pub.length ? collectionList(pub, true) : html`<p class="muted">No public collections yet.</p>`}</section>`,
      problem?.status ?? 200,
    );
  };

  app.get('/collections', async (req, reply) => listPage(req, reply));

  app.post<{ Body: Static<typeof CollectionBody> }>('/collections', { schema: { body: CollectionBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const b = req.body ?? {};
    try {
      const col = await c.collections.create(viewerOf(req).id, { name: b.name, description: b.description, isPublic: b.public === '1' });
      return reply.redirect(`/collections/${col.id}`, 303);
    } catch (err) {
      return listPage(req, reply, problemOf(err, 'name'), b);
    }
  });

  // Save from a paper page: to the chosen collection, or the reading list (made on first use).
  app.post<{ Body: Static<typeof PaperBody> }>(
    '/collections/add',
    {
      schema: { body: PaperBody, hide: true },
      preHandler: [signedIn({ next: (req) => backOf(req, '/'), pending: (req) => `save:${String((req.body as { paper?: string })?.paper ?? '').slice(0, 40)}` }), csrfChecked],
    },
    async (req, reply) => {
      const v = viewerOf(req);
      const b = req.body ?? {};
      const id = b.collection ? intParam(b.collection, 'collection') : (await c.collections.readingList(v.id)).id;
      await c.collections.addPaper(v.id, id, String(b.paper ?? ''), b.note);
      const col = await c.collections.get(id, v.id);
      if (wantsJson(req)) return { saved: true, collection: { id: col.id, name: col.name } };
      const back = backOf(req, `/collections/${id}`);
      return reply.redirect(`${back.split('#')[0]}${back.includes('?') ? '&' : '?'}saved=${id}`, 303);
    },
  );

  app.get<{ Params: { id: string } }>('/collections/:id', async (req, reply) => {
    const v = req.viewer;
    const col = await c.collections.get(intParam(req.params.id, 'collection'), v?.id);
    const own = v && v.id === col.owner.id && v.csrf ? v : null;
    const here = `/collections/${col.id}`;
    return ctx.page(
      req,
      reply,
      { title: col.name, math: true, head: col.isPublic ? html`<link rel="alternate" type="application/rss+xml" title="${col.name}" href="${here}/feed.rss">` : undefined },
      html`<h1>${col.name}</h1>
<p class="muted">${col.isPublic ? 'Public' : 'Private'} collection by ${col.owner.username ? html`<a href="/users/${col.owner.username}">${col.owner.displayName || col.owner.username}</a>` : 'someone'} · ${plural(col.items.length, 'paper')}${col.isPublic ? html` · <a href="${here}/feed.rss">RSS</a>` : ''}</p>
${col.description ? html`<p>${col.description}</p>` : ''}
${
  col.items.length
    ? html`<ol class="cards">${col.items.map((it) =>
        paperCard(
          {
            paper: it.paper,
            note: it.note ? html`<strong>Note:</strong> ${it.note}` : undefined,
            actions: own
              ? html`<form method="post" action="${here}/remove">${csrfInput(own)}<input type="hidden" name="paper" value="${it.paper.arxivId}"><button class="btn secondary" type="submit" aria-label="Remove ${it.paper.arxivId}">Remove</button></form>`
              : undefined,
          },
          v,
          here,
        ),
      )}</ol>`
    : html`<div class="empty"><p>No papers in this collection yet.</p><p><a href="/">Back to the daily papers</a></p></div>`
}
${
  own
    ? html`<details><summary>Edit this collection</summary><form method="post" action="${here}" class="stack">${csrfInput(own)}
  <p><label for="name">Name</label><input id="name" name="name" type="text" required maxlength="100" value="${col.name}"></p>
  <p><label for="description">Description</label><input id="description" name="description" type="text" maxlength="1000" value="${col.description ?? ''}"></p>
  <p><label><input type="checkbox" name="public" value="1"${col.isPublic ? html` checked` : ''}> Public</label></p>
  <p><button class="btn" type="submit">Save</button></p></form>
<form method="post" action="${here}/add" class="stack">${csrfInput(own)}<p><label for="add-paper">Add a paper (arXiv id)</label><input id="add-paper" name="paper" type="text" required maxlength="300"></p><p><label for="add-note">Note</label><input id="add-note" name="note" type="text" maxlength="2000"></p><p><button class="btn secondary" type="submit">Add</button></p></form>
<form method="post" action="${here}/delete">${csrfInput(own)}<button class="btn secondary" type="submit">Delete this collection</button></form></details>`
    : ''
}`,
    );
  });

  app.post<{ Params: { id: string }; Body: Static<typeof CollectionBody> }>('/collections/:id', { schema: { body: CollectionBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const b = req.body ?? {};
    const id = intParam(req.params.id, 'collection');
    await c.collections.update(viewerOf(req).id, id, { name: b.name, description: b.description, isPublic: b.public === '1' });
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.post<{ Params: { id: string }; Body: Static<typeof PaperBody> }>('/collections/:id/add', { schema: { body: PaperBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const id = intParam(req.params.id, 'collection');
    await c.collections.addPaper(viewerOf(req).id, id, String(req.body?.paper ?? ''), req.body?.note);
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.post<{ Params: { id: string }; Body: Static<typeof PaperBody> }>('/collections/:id/remove', { schema: { body: PaperBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const id = intParam(req.params.id, 'collection');
    await c.collections.removePaper(viewerOf(req).id, id, String(req.body?.paper ?? ''));
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/collections/:id/delete', { preHandler: guard }, async (req, reply) => {
    await c.collections.remove(viewerOf(req).id, intParam(req.params.id, 'collection'));
    return reply.redirect('/collections', 303);
  });

  const base = pb.config.publicUrl;
  app.get<{ Params: { id: string } }>('/collections/:id/feed.rss', async (req, reply) => {
    const id = Number(req.params.id);
    // Feeds are public: a private collection is a 404 even for its owner's feed reader.
    const col = await c.collections.get(Number.isInteger(id) ? id : -1, null);
    const xml = rss(
      {
        title: `Paperboy · ${col.name}`,
        description: col.description ?? `A reading list by ${col.owner.displayName || col.owner.username}.`,
        pageUrl: `${base}/collections/${col.id}`,
        selfUrl: `${base}/collections/${col.id}/feed.rss`,
      },
      col.items.map((it) => ({ paper: it.paper, date: it.addedAt })),
      base,
    );
    return reply.type('application/rss+xml; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(xml);
  });
}
