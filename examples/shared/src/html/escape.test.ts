import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './escape.js';

describe('html template', () => {
  it('escapes interpolated text and attributes', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
  });

  it('keeps nested templates, joins arrays and drops null/false', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${false}${undefined}${0}`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>0');
  });

  it('escapeHtml leaves safe text alone', () => {
    expect(escapeHtml('plain text 123')).toBe('plain text 123');
  });
});
