import { DATA_MODE, type GeneratedFile } from '../files.js';
import type { Renderer } from '../render.js';
import type { Service } from '../spec/types.js';
import { openrc, renderOpenrcTexts, type OpenrcModel } from './openrc.js';
import type { Target } from './target.js';
import { LAYOUT } from '../layout.js';

export interface OpenrcTexts {
  initd: string;
  confd: string;
  familyConfd: string | undefined;
}

/**
 * The same OpenRC files laid out for a Gentoo overlay (devmanual,
 * install functions): files/<base>.initd and files/<entry>.confd for
 * newinitd/newconfd, and the ebuild lines that install them, link the
 * instance, depend on the account (GLEP 81) and tell the admin how to enable it.
 */
export function gentooFiles(svc: Service, m: OpenrcModel, renderer: Renderer, texts: OpenrcTexts): GeneratedFile[] {
  const copies = [
    { file: `${m.base}.initd`, helper: 'newinitd', name: m.base, content: texts.initd },
    ...(texts.familyConfd === undefined ? [] : [{ file: `${m.base}.confd`, helper: 'newconfd', name: m.base, content: texts.familyConfd }]),
    { file: `${m.entry}.confd`, helper: 'newconfd', name: m.entry, content: texts.confd },
  ];
  const installs = copies.map(({ file, helper, name }) => ({ file, helper, name }));
  // The account the program runs as, or the one it switches to itself (switchesUser).
  const user = svc.user ?? svc.switchesUser?.user;
  const group = svc.group ?? svc.switchesUser?.group;
  const accounts = [...(user ? [`acct-user/${user}`] : []), ...(group ? [`acct-group/${group}`] : [])];
  // The fields the snippet reads, not a copy of the OpenRC model: that would work out the family's variable list again.
  const snippet = {
    base: m.base,
    entry: m.entry,
    family: m.family,
    installs,
    accounts,
    copied: installs.map((i) => `files/${i.file}`).join(', '),
    rdepend: ` ${accounts.join(' ')}`,
  };
  return [
    ...copies.map(({ file, content }) => ({ path: LAYOUT.gentooFile(file), mode: DATA_MODE, content })),
    { path: LAYOUT.ebuildSnippet(m.entry), mode: DATA_MODE, content: renderer.render('openrc/ebuild-snippet.ejs', { svc, m: snippet }) },
  ];
}

/**
 * The overlay layout of the OpenRC files, for packagers: opt-in with
 * `--target gentoo` (admins installing on their own machine use openrc/).
 * It carries exactly what OpenRC carries, so it refuses what OpenRC refuses.
 */
export const gentoo: Target = {
  id: 'gentoo',
  title: 'Gentoo overlay (files/ and ebuild lines, for packagers)',
  problems: (svc) => openrc.problems(svc),
  render(svc: Service, renderer: Renderer) {
    const { m, initd, confd, familyConfd, warnings } = renderOpenrcTexts(svc, renderer, 'gentoo');
    return { files: gentooFiles(svc, m, renderer, { initd, confd, familyConfd }), warnings };
  },
};
