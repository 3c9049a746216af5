// HTML is converted by walking its element tree recursively (html-to-text), which overflows the
// stack somewhere past 2,000 levels. Real pages nest a few dozen levels; deeper is refused before
// the conversion (422), with a streaming parse that stops at the first element too deep.
import { Parser } from 'htmlparser2';
import { unprocessable } from '../../errors.ts';

export const maximumHtmlDepth = 256;

export function assertHtmlNesting(source: string, html: string): void {
  let depth = 0;
  const parser = new Parser({
    onopentag() {
      depth += 1;
      if (depth > maximumHtmlDepth) {
        throw unprocessable(`"${source}" nests HTML elements deeper than ${maximumHtmlDepth} levels`, { maximumDepth: maximumHtmlDepth });
      }
    },
    onclosetag() {
      depth -= 1;
    },
  });
  parser.write(html);
  parser.end();
}
