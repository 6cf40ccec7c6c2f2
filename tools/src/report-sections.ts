/** Named sections of a markdown report, so that each benchmark run refills its own part of the file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The comment lines `<!-- name:begin -->` and `<!-- name:end -->` that delimit section `name`. */
const markers = (name: string) => ({ begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` });

/** `text` between the markers of section `name`, which replaceSection finds again. */
export function section(name: string, text: string): string {
  const { begin, end } = markers(name);
  return `${begin}\n${text}\n${end}`;
}

/** Replaces section `name` of `file` with `text`; a file without it gets it appended, unless `onlyIfPresent`. */
export function replaceSection(file: string, name: string, text: string, { onlyIfPresent = false } = {}): void {
  const { begin, end } = markers(name);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  if (from >= 0 && to > from)
    writeFileSync(file, `${current.slice(0, from)}${section(name, text)}${current.slice(to + end.length)}`);
  else if (!onlyIfPresent) writeFileSync(file, `${current}${current ? '\n' : ''}${section(name, text)}\n`);
}
