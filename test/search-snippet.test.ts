// Search snippets (src/search/text.ts snippetHtml): the excerpt of an abstract around the most
// query words, the words marked, everything else escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snippetHtml } from '../src/search/text.ts';

const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

test('a short text is kept whole, its matching words marked (stemmed, accents folded) and the rest escaped', () => {
  assert.equal(
    snippetHtml('Graph networks <b>for</b> Protéines & graphs', 'graph protein'),
    '<mark>Graph</mark> networks &lt;b&gt;for&lt;/b&gt; <mark>Protéines</mark> &amp; <mark>graphs</mark>',
  );
});

test('a long text: the window with the most matches, cut at spaces, with ellipses', () => {
  // One match early, three close together late: the window starts a little before the three.
  const text = `${filler(5)} diffusion ${filler(80)} diffusion models beat diffusion baselines ${filler(80)}`;
  const s = snippetHtml(text, 'diffusion models', 120);
  assert.match(s, /^… /);
  assert.match(s, / …$/);
  assert.equal(s.match(/<mark>/g)?.length, 3, 'the lone early match is outside');
  assert.ok(s.includes('<mark>diffusion</mark> <mark>models</mark> beat <mark>diffusion</mark>'), s);
  assert.ok(s.length < 120 + 80, 'about the length asked for');
  // Of two windows with as many matches, the first.
  const tie = `${filler(3)} alpha ${filler(60)} alpha ${filler(60)}`;
  assert.match(snippetHtml(tie, 'alpha', 60), /^word0 word1 word2 <mark>alpha<\/mark> word0 [^<]* …$/);
});

test('no match: the start of the text', () => {
  const text = filler(100);
  const s = snippetHtml(text, 'nothing here', 50);
  assert.ok(s.startsWith('word0 word1'), s);
  assert.match(s, / …$/);
});
