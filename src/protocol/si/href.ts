/**
 * Which SI/SL hrefs a page may offer as a link (WAP-167 section 5.2.1 leaves the href's use to
 * the user agent; here: only absolute http(s)). Its own module, free of the codec, so a page
 * can decide without loading the XML parser.
 */

/**
 * Whether an href may be offered as a link: absolute http: or https: only. javascript:, data:,
 * vbscript:, file:, relative references and anything unparsable are shown as text, never linked.
 */
export function isClickableHref(href: string | undefined): href is string {
  if (href === undefined) return false;
  // The URL parser strips leading C0 controls and spaces and tabs/newlines inside the scheme;
  // refuse such hrefs outright rather than depend on that cleaning.
  if (/[\u0000-\u0020\u007f]/.test(href)) return false;
  if (!/^https?:\/\//i.test(href)) return false;
  const parsed = safeUrl(href);
  return parsed !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

declare const URL: { new (input: string): { protocol: string; hostname: string } };

function safeUrl(href: string): { protocol: string; hostname: string } | undefined {
  try {
    return new URL(href);
  } catch {
    return undefined;
  }
}
