import { describe, expect, it } from 'vitest';
import { Utf8EncoderStream } from '../../src/rest/utf8-encoder-stream.js';

async function encodeChunks(Stream: typeof TextEncoderStream | typeof Utf8EncoderStream, chunks: string[]): Promise<number[]> {
  const stream = new Stream();
  const writer = stream.writable.getWriter();
  const bytes: number[] = [];
  const read = (async () => {
    for await (const part of stream.readable as unknown as AsyncIterable<Uint8Array>) bytes.push(...part);
  })();
  for (const chunk of chunks) await writer.write(chunk);
  await writer.close();
  await read;
  return bytes;
}

describe('the SSE encoder stream', () => {
  const cases: [string, string[]][] = [
    ['ASCII in several chunks', ['data: {"a":1}\n\n', 'data: 2\n\n']],
    ['a surrogate pair split between chunks', ['smile \ud83d', '\ude00 done']],
    ['a lone high surrogate before a letter', ['x\ud83d', 'y']],
    ['a lone low surrogate', ['\ude00 alone']],
    ['a high surrogate at the very end', ['end \ud83d']],
    ['empty chunks around text', ['', 'é', '', '中文']],
    ['two high surrogates in a row across chunks', ['\ud83d', '\ud83d', '\ude00']],
  ];
  it.each(cases)('writes the same bytes as the platform: %s', async (_, chunks) => {
    const ours = await encodeChunks(Utf8EncoderStream, chunks);
    expect(ours).toEqual(await encodeChunks(TextEncoderStream, chunks));
    // And the bytes decode to the text with every unpaired surrogate replaced.
    expect(new TextDecoder().decode(new Uint8Array(ours))).toBe(new TextDecoder().decode(new TextEncoder().encode(chunks.join(''))));
  });

  it('says it is UTF-8, like TextEncoderStream', () => {
    expect(new Utf8EncoderStream().encoding).toBe('utf-8');
  });
});
