// Thumbnails, on each database: the test writes a small valid PDF itself and a local server serves
// it as arXiv would for a few of the listed papers (404 for the rest, garbage for one). The job
// fetches politely (one request at a time, Paperboy's User-Agent), renders page 1 with pdftoppm,
// stores the PNG; it is served with immutable caching under its hash, shown lazy-loaded on the
// daily page's cards and in the API; papers without a reachable PDF keep their tile.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';
import { pngSize, renderFirstPage } from '../src/services/thumbnails.ts';
import { launchBrowser, noBrowser } from './support/browser.ts';

/** A one-page PDF 1.4 (US Letter) with a title line and a filled box, xref offsets computed. */
export function makePdf(title: string): Buffer {
  const text = title.replace(/[\\()]/g, '\\$&');
  const content = `BT /F1 24 Tf 72 700 Td (${text}) Tj ET\n0.2 0.4 0.8 rg 72 400 468 200 re f\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Serves PDFs at /pdf/<id> for the papers it has, 404 otherwise, one log line per request. */
class PdfServer {
  readonly seen: { path: string; headers: IncomingMessage['headers'] }[] = [];
  readonly pdfs = new Map<string, Buffer>();
  inFlight = 0;
  maxInFlight = 0;
  url = '';
  private server?: Server;

  async start() {
    this.server = createServer((req, res) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.on('close', () => this.inFlight--);
      this.seen.push({ path: req.url ?? '', headers: req.headers });
      const id = (req.url ?? '').replace(/^\/pdf\//, '');
      setTimeout(() => {
        const pdf = this.pdfs.get(id);
        if (!pdf) {
          res.writeHead(404, { 'content-type': 'text/html' });
          return res.end('<h1>Not Found</h1>');
        }
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.length });
        res.end(pdf);
      }, 3);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close() {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

const WITH_PDF = ['2410.17243', '2410.16251', '2410.18533'];
const BROKEN = '2410.18693';

test('pdftoppm renders the first page of a PDF the test wrote to a PNG of the asked width', async () => {
  const img = await renderFirstPage(makePdf('Hello, thumbnails'), 240);
  assert.deepEqual(pngSize(img.png), { width: 240, height: 311 });
  assert.equal(img.width, 240);
  assert.match(img.hash, /^[0-9a-f]{16}$/);
  await assert.rejects(renderFirstPage(Buffer.from('<html>not a pdf</html>'), 240), /not a PDF/);
});

for (const dbk of databases) {
  describe(`thumbnails on ${dbk.name}`, () => {
    let pb: TestInstance;
    let pdfs: PdfServer;
    let srv: TestServer;
    before(async () => {
      pdfs = await new PdfServer().start();
      for (const id of WITH_PDF) pdfs.pdfs.set(id, makePdf(`Paper ${id}`));
      pdfs.pdfs.set(BROKEN, Buffer.from('%PDF-1.4\nthis is not really a PDF\n%%EOF\n'));
      pb = await dbk.open({
        PAPERBOY_ARXIV_PDF_URL: `${pdfs.url}/pdf`,
        PAPERBOY_ARXIV_GAP_MS: '5',
        PAPERBOY_HTTP_BACKOFF_MS: '10',
        PAPERBOY_THUMBNAIL_WIDTH: '240',
      });
      await seedApi(pb);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await pdfs?.close();
    });

    test('the job renders what it can fetch, politely, and remembers what it could not', async () => {
      const r = await pb.agents.thumbnails.runOnce(undefined, 200);
      assert.equal(r.rendered, WITH_PDF.length);
      assert.equal(r.failed, 1, 'the broken PDF');
      assert.ok(r.missing >= 70, `${r.missing} papers without a reachable PDF`);
      assert.equal(pdfs.maxInFlight, 1, 'one request at a time');
      for (const s of pdfs.seen) assert.match(String(s.headers['user-agent']), /^Paperboy\//);
      const counts = await pb.agents.thumbnailStore.counts();
      assert.equal(counts.ok, WITH_PDF.length);
      assert.equal(counts.failed, 1);
      // Nothing is tried again before its retry time.
      const seen = pdfs.seen.length;
      const again = await pb.agents.thumbnails.runOnce(undefined, 200);
      assert.deepEqual(again, { rendered: 0, missing: 0, failed: 0 });
      assert.equal(pdfs.seen.length, seen);
    });

    test('thumbnails are served under their hash with immutable caching; a stale hash is a 404', async () => {
      const p = (await pb.papers.get('2410.17243')).paper;
      assert.match(p.thumbnailKey ?? '', /^[0-9a-f]{16}$/);
      const res = await fetch(`${srv.url}/thumbnails/2410.17243/${p.thumbnailKey}.png`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const png = Buffer.from(await res.arrayBuffer());
      assert.equal(pngSize(png)?.width, 240);
      assert.equal((await fetch(`${srv.url}/thumbnails/2410.17243/0000000000000000.png`)).status, 404);
      assert.equal((await fetch(`${srv.url}/thumbnails/2410.18693/0000000000000000.png`)).status, 404);
    });

    test('the daily page shows a lazy thumbnail for each paper whose PDF was served, and the tile for the others; the API links it', async () => {
      const page = await (await fetch(`${srv.url}/papers/date/2024-10-25`)).text();
      const cards = page.split('<li class="card">').slice(1);
      assert.ok(cards.length >= 29);
      for (const card of cards) {
        const id = card.match(/href="\/papers\/([\d.]+)"/)![1];
        assert.match(card, /<div class="thumb ph"/, `${id} keeps its tile underneath`);
        const img = card.match(/<img src="(\/thumbnails\/[^"]+)" alt="" loading="lazy"/);
        if (WITH_PDF.includes(id)) assert.ok(img, `${id} shows its rendered first page`);
        else assert.equal(img, null, `${id} has no rendered thumbnail`);
      }
      // In Chromium (requests may only reach this instance): the rendered images load; the others
      // (Hugging Face's CDN images, unreachable) are removed and their tiles show.
      if (!noBrowser) {
        const browser = await launchBrowser();
        try {
          const page = await browser.newPage(srv.url);
          await page.goto(`${srv.url}/papers/date/2024-10-25`, { waitUntil: 'load' });
          for (let y = 0; y < 20_000; y += 800) await page.mouse.wheel(0, 800);
          await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.thumb img')].every((i) => i.complete), undefined, {
            timeout: 10_000,
          });
          const seen = await page.$$eval('.card', (cards) =>
            cards.map((c) => {
              const img = c.querySelector<HTMLImageElement>('.thumb img');
              return {
                id: c.querySelector('h2 a, h3 a')!.getAttribute('href')!.split('/').pop()!,
                loaded: !!img && img.complete && img.naturalWidth > 0,
                tile: !!c.querySelector('.thumb.ph'),
              };
            }),
          );
          for (const s of seen) {
            assert.ok(s.tile, `${s.id}: tile`);
            assert.equal(s.loaded, WITH_PDF.includes(s.id), `${s.id}: ${WITH_PDF.includes(s.id) ? 'its first page shows' : 'no image, the tile shows'}`);
          }
        } finally {
          await browser.close();
        }
      }
      const items = (await (await fetch(`${srv.url}/api/daily_papers?date=2024-10-25`)).json()) as { paper: { id: string }; thumbnail: string | null }[];
      const top = items.find((i) => i.paper.id === '2410.17243')!;
      const key = (await pb.papers.get('2410.17243')).paper.thumbnailKey;
      assert.equal(top.thumbnail, `${pb.config.publicUrl}/thumbnails/2410.17243/${key}.png`, "an absolute link to this instance's image");
    });
  });
}
