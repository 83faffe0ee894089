/**
 * The layout of a generated tree (`generate --out DIR`): where each target
 * puts its files, and the patterns by which readers of a tree (install,
 * verify) find them again. One place, so that the writers and the readers
 * cannot drift apart.
 */
export const LAYOUT = {
  /** OpenRC: the script (a family's generic one) and its instance links. */
  openrcScript: (name: string) => `openrc/init.d/${name}`,
  openrcConf: (name: string) => `openrc/conf.d/${name}`,
  /** FreeBSD ports: files/NAME.in, with the port's Makefile and plist fragments beside files/. */
  rcScript: (rc: string) => `rcd/files/${rc}.in`,
  rcPortFile: (name: 'pkg-plist' | 'Makefile.snippet') => `rcd/${name}`,
  /** systemd: units (and drop-in directories) in systemd/, tmpfiles.d(5) files in systemd/tmpfiles.d/. */
  unit: (file: string) => `systemd/${file}`,
  tmpfiles: (file: string) => `systemd/tmpfiles.d/${file}`,
  /** The Gentoo overlay (opt-in): files/ for newinitd/newconfd, and the ebuild lines. */
  gentooFile: (file: string) => `gentoo/files/${file}`,
  ebuildSnippet: (entry: string) => `gentoo/${entry}.ebuild-snippet`,
} as const;

/** openrc/init.d/NAME or openrc/conf.d/NAME: [, "init.d" | "conf.d", NAME]. */
export const OPENRC_FILE = /^openrc\/(init\.d|conf\.d)\/([^/]+)$/;
/** A port's rc.d script: rcd/files/NAME.in, or rcd/PORT/files/NAME.in in a tree of several ports: [, NAME]. */
export const RC_SCRIPT = /^rcd\/(?:[^/]+\/)?files\/([^/]+)\.in$/;
/** A generic OpenRC script in a Gentoo overlay: gentoo/files/NAME.initd (or below a package directory). */
export const GENTOO_INITD = /^gentoo\/(?:[^/]+\/)?files\/[^/]+\.initd$/;
/** A unit file (templates included), not a drop-in: systemd/NAME.service. */
export const UNIT_FILE = /^systemd\/[^/]+\.service$/;
/** A tmpfiles.d(5) file: systemd/tmpfiles.d/NAME: [, NAME]. */
export const TMPFILES_FILE = /^systemd\/tmpfiles\.d\/([^/]+)$/;
