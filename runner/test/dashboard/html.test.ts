// Escaping by default: nothing that comes from a recipe, a tag or a log can become markup.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeText, h, join, markupOf, printable, trusted } from '../../src/dashboard/html.js';
import { HOSTILE } from './inputs.js';


/** What a browser shows for escaped text: the entities decoded. */
function decode(markup: string): string {
  return markup.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] as string);
}

describe('escapeText', () => {
  for (const hostile of HOSTILE) {
    test(`shows ${JSON.stringify(hostile)} as text`, () => {
      const out = escapeText(hostile);
      assert.doesNotMatch(out, /[<>"']/, 'no character that could open a tag or close an attribute');
      assert.equal(decode(out), printable(hostile), 'a reader sees the string itself (unprintables made visible)');
    });
  }

  test('control characters, lone surrogates and XML non-characters become U+FFFD; tab and newline stay', () => {
    assert.equal(printable('a\u0000b\u001fc\u007fd\u009fe'), 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    assert.equal(printable('x\uD800y\uDC00z'), 'x\uFFFDy\uFFFDz');
    assert.equal(printable('😀 a\tb\nc'), '😀 a\tb\nc', 'a surrogate pair and whitespace are kept');
    assert.equal(printable('\uFFFE\uFFFF'), '\uFFFD\uFFFD');
  });

  test('property: any string escapes to markup without <, >, quotes or stray & and decodes back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = escapeText(s);
        assert.doesNotMatch(out, /[<>"']/);
        assert.doesNotMatch(out, /&(?!(amp|lt|gt|quot|#39);)/, 'every & starts an entity');
        assert.doesNotMatch(out, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/);
        assert.equal(decode(out), printable(s));
      }),
    );
  });
});

describe('h templates', () => {
  test('interpolations are escaped, Html passes through, arrays join, empty values vanish', () => {
    const inner = h`<b>${'<i>'}</b>`;
    const out = markupOf(h`<p title="${'"x"'}">${inner}${['a', h`<br>`, 'b']}${null}${undefined}${false}${3}</p>`);
    assert.equal(out, '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>a<br>b3</p>');
  });

  test('a value parsed from JSON can never pass as Html', () => {
    const forged = JSON.parse('{"markup":"<script>alert(1)</script>"}') as never;
    assert.equal(markupOf(h`${forged}`), '', 'an object that is not Html renders as nothing, not as its markup');
    assert.equal(markupOf(h`${trusted('<hr>')}`), '<hr>');
  });

  test('join escapes a string separator', () => {
    assert.equal(markupOf(join(['a', 'b'], '<')), 'a&lt;b');
  });

  test('non-finite numbers render as nothing', () => {
    assert.equal(markupOf(h`${Number.NaN}${Number.POSITIVE_INFINITY}`), '');
  });
});
