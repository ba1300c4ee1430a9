/** XML text and attribute values: the five special characters escaped, characters XML 1.0 forbids replaced by U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Markup we made (XHTML from render/text.ts) made safe for XML 1.0: only forbidden characters replaced. */
export function xmlSafe(markup: string): string {
  return markup.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}
