/**
 * Duplicate members in a JWT's JSON. `JSON.parse` (jose, this function) keeps the last of two
 * `"role"` members, while other readers of the same token keep the first; a token whose header or
 * payload repeats a member therefore means different things to different verifiers, and is
 * refused rather than read either way. Pure: no I/O.
 */

/**
 * The first member name that appears twice in one object of `json` (at any depth), or undefined.
 * Names are compared after unescaping (`"r\u006fle"` is `"role"`). `json` must be valid JSON.
 */
export function duplicateMember(json: string): string | undefined {
  const objects: { names: Set<string> | null; expectName: boolean }[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const top = objects.at(-1);
      if (top?.names && top.expectName) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.names.has(name)) return name;
        top.names.add(name);
        top.expectName = false;
      }
      i = end;
    } else if (c === '{') {
      objects.push({ names: new Set(), expectName: true });
    } else if (c === '[') {
      objects.push({ names: null, expectName: false });
    } else if (c === '}' || c === ']') {
      objects.pop();
    } else if (c === ',') {
      const top = objects.at(-1);
      if (top?.names) top.expectName = true;
    }
  }
  return undefined;
}

/** Decodes one base64url segment of a compact JWT to text; throws when it is not base64url. */
function segmentText(segment: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new Error('not base64url');
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * The first member repeated in the header or the payload of a compact JWT, or undefined when
 * neither repeats one. Throws when a segment is not base64url-encoded UTF-8 JSON.
 */
export function duplicateKeyIn(token: string): string | undefined {
  const [header, payload] = token.split('.');
  for (const segment of [header, payload]) {
    const text = segmentText(segment ?? '');
    JSON.parse(text);
    const name = duplicateMember(text);
    if (name !== undefined) return name;
  }
  return undefined;
}
